import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderConfigReference } from '../lib/config/reference';

describe('docs/config.md', () => {
  it('is generated from the current schema (run `npm run docs:config` after changing it)', () => {
    const committed = readFileSync(join(__dirname, '..', 'docs', 'config.md'), 'utf8');
    expect(committed).toBe(renderConfigReference());
  });

  it('documents every field with a description', () => {
    const rows = renderConfigReference()
      .split('\n')
      .filter((line) => line.startsWith('| `'));
    expect(rows.length).toBeGreaterThan(40);
    for (const line of rows) expect(line).not.toMatch(/\| $/);
  });
});
