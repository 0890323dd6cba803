// Imports one bundle in a fresh process and prints how long the import took (ms): reading,
// parsing and evaluating the module graph, what a Lambda cold start spends on "init".
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const started = performance.now();
const mod = await import(pathToFileURL(process.argv[2]).href);
const elapsed = performance.now() - started;
if (typeof mod.handler !== 'function' && typeof mod.default?.handler !== 'function') {
  console.error('no handler export');
  process.exit(2);
}
process.stdout.write(String(elapsed));
