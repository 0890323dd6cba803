import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAMBDA_NODE_MAJOR, LAMBDA_RUNTIME, LAMBDA_TARGET } from '../lib/constructs/lambda-function';

const ROOT = join(__dirname, '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');
const major = (version: string) => Number(/(\d+)/.exec(version)?.[1]);

// One Node.js major for the functions (LAMBDA_RUNTIME, named once) and the toolchain that builds
// and tests them, so local tests and CI run the handlers on the Node.js Lambda runs.
describe('Node.js versions', () => {
  const pkg = JSON.parse(read('package.json')) as {
    engines: { node: string };
    devDependencies: Record<string, string>;
  };

  it('names the Lambda runtime once and derives the esbuild target from it', () => {
    expect(LAMBDA_RUNTIME.name).toBe(`nodejs${LAMBDA_NODE_MAJOR}.x`);
    expect(LAMBDA_TARGET).toBe(`node${LAMBDA_NODE_MAJOR}`);
  });

  it('uses the same major in .nvmrc, package.json engines and @types/node', () => {
    expect({
      nvmrc: major(read('.nvmrc').trim()),
      engines: major(pkg.engines.node),
      typesNode: major(pkg.devDependencies['@types/node']!),
    }).toEqual({ nvmrc: LAMBDA_NODE_MAJOR, engines: LAMBDA_NODE_MAJOR, typesNode: LAMBDA_NODE_MAJOR });
  });

  it('sets up Node.js in every workflow from .nvmrc, never a version of its own', () => {
    const dir = join(ROOT, '.github', 'workflows');
    const workflows = readdirSync(dir).map((file) => [file, readFileSync(join(dir, file), 'utf8')] as const);
    const setups = workflows.flatMap(([file, text]) =>
      text.split(/\n\s*- /).flatMap((step) => (step.includes('actions/setup-node') ? [[file, step] as const] : [])),
    );
    expect(setups.length).toBeGreaterThan(0);
    for (const [file, step] of setups) {
      expect({
        file,
        versionFile: /node-version-file: \.nvmrc/.test(step),
        ownVersion: /node-version:/.test(step),
      }).toEqual({
        file,
        versionFile: true,
        ownVersion: false,
      });
    }
  });
});
