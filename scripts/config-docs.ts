/** `npm run docs:config`: regenerates docs/config.md from the config schema. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderConfigReference } from '../lib/config/reference';

const file = join(__dirname, '..', 'docs', 'config.md');
writeFileSync(file, renderConfigReference());
console.log(`wrote ${file}`);
