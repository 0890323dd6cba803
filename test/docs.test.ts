import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

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
