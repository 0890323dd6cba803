import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stages } from '../config';
import { parseStageConfig } from '../lib/config/load';

const ROOT = join(__dirname, '..');

/**
 * docs/security.md maps each security property to the test that proves it. This keeps the map
 * true: every test file it names exists, and every quoted test name appears in that file.
 */
describe('docs/security.md', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'security.md'), 'utf8');
  const rows = doc.split('\n').filter((line) => line.startsWith('| ['));

  it('maps every property to at least one check', () => {
    expect(rows.length).toBeGreaterThan(25);
    for (const row of rows) expect(row).toMatch(/`(test\/[^`]+|npm run [^`]+)`/);
  });

  it('names only test files and test titles that exist', () => {
    const checked: string[] = [];
    for (const row of rows) {
      // `test/file.ts` "title", "title…" groups: titles belong to the file named before them.
      for (const group of row.matchAll(/`(test\/[^`]+\.ts)`((?:\s*"[^"]+",?)*)/g)) {
        const [, file = '', titles = ''] = group;
        if (file.includes('*')) continue; // a glob such as test/lambda/*.test.ts
        expect({ file, exists: existsSync(join(ROOT, file)) }).toEqual({ file, exists: true });
        const source = readFileSync(join(ROOT, file), 'utf8');
        for (const [, title = ''] of titles.matchAll(/"([^"]+)"/g)) {
          const prefix = title.replace(/…$/, '');
          expect({ file, title: prefix, found: source.includes(prefix) }).toEqual({ file, title: prefix, found: true });
          checked.push(prefix);
        }
      }
    }
    expect(checked.length).toBeGreaterThan(20);
  });
});

/**
 * docs/api.md states how long a revoked access token keeps working at the API: until it expires,
 * plus a decision cached just before. Neither authorizer checks revocation, so the window follows
 * from each stage's configured access-token lifetime and authorizer cache TTL.
 */
describe('docs/api.md: revocation window', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'api.md'), 'utf8');
  const section = /<!-- revocation-window:start -->([\s\S]*?)<!-- revocation-window:end -->/.exec(doc)?.[1] ?? '';

  it('does not claim that a revoked token stops working after the authorizer cache TTL', () => {
    expect(doc).not.toMatch(/revoked[^.]*(at most|only) (that|the cache|the TTL)/i);
    expect(doc).toContain('until it expires');
  });

  it.each(Object.keys(stages))('states the configured window of the %s stage', (stage) => {
    const config = parseStageConfig(stages[stage], `config/${stage}.ts`);
    const minutes = config.userPool.tokenValidity.accessTokenMinutes;
    const cacheSeconds = config.api.authorizerCacheTtlSeconds;
    const window = Math.ceil(minutes + cacheSeconds / 60);
    const row = section.split('\n').find((line) => line.startsWith(`| ${stage} `));
    expect(row?.split('|').map((cell) => cell.trim())).toEqual([
      '',
      stage,
      `${minutes} min`,
      `${cacheSeconds} s`,
      `${window} min`,
      '',
    ]);
  });
});
