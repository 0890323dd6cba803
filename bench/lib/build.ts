import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { LAMBDA_SOURCE_ROOT, lambdaBuildOptions } from '../../lib/constructs/lambda-bundle';
import { LAMBDA_TARGET } from '../../lib/constructs/lambda-function';

export const PROJECT_ROOT = join(__dirname, '..', '..');
export const WORK_DIR = join(PROJECT_ROOT, 'bench', 'results', 'build');

export interface BuiltBundle {
  readonly file: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  /** npm packages with code in the bundle, e.g. `@aws-sdk/client-cognito-identity-provider`. */
  readonly packages: string[];
  readonly metafile: Metafile;
}

/**
 * The options every deployed function is built with (lib/constructs/lambda-bundle.ts). run.ts
 * checks that the output is byte-identical to the asset `cdk synth` produced.
 */
export function deployedOptions(entry: string, outfile: string): BuildOptions {
  return lambdaBuildOptions(entry, outfile, LAMBDA_TARGET);
}

/**
 * What a team gets from `new NodejsFunction(...)` with default bundling on Node.js 24: CommonJS,
 * not minified, AWS SDK v3 (and, with the @aws-cdk/aws-lambda-nodejs:sdkV3ExcludeSmithyPackages
 * flag, @smithy) left external, so the SDK is resolved at run time from node_modules (in Lambda:
 * the copy in the runtime).
 */
export function defaultOptions(entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entry],
    bundle: true,
    outfile,
    platform: 'node',
    target: LAMBDA_TARGET,
    format: 'cjs',
    minify: false,
    sourcemap: false,
    external: ['@aws-sdk/*', '@smithy/*'],
    logLevel: 'error',
    absWorkingDir: PROJECT_ROOT,
  };
}

export async function bundle(options: BuildOptions): Promise<BuiltBundle> {
  const outfile = options.outfile!;
  mkdirSync(dirname(outfile), { recursive: true });
  const result = await build({ ...options, metafile: true, write: true });
  const content = readFileSync(outfile);
  return {
    file: outfile,
    bytes: statSync(outfile).size,
    gzipBytes: gzipSync(content).length,
    packages: packagesIn(result.metafile),
    metafile: result.metafile,
  };
}

/** Package names of the node_modules files in a bundle. */
export function packagesIn(metafile: Metafile): string[] {
  const names = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match?.[1]) names.add(match[1]);
  }
  return [...names].sort();
}

export const hasSdk = (packages: readonly string[]) =>
  packages.some((p) => p.startsWith('@aws-sdk/') || p.startsWith('@smithy/'));

/**
 * Writes a stub handler that imports exactly the AWS SDK names `entry` imports (found in the
 * project sources the bundle contains), so the SDK part of the bundle can be compared with the
 * least the SDK itself needs. Returns undefined for a handler without SDK imports.
 */
export function writeSdkStub(name: string, metafile: Metafile): string | undefined {
  const imports = new Map<string, Set<string>>();
  for (const input of Object.keys(metafile.inputs)) {
    if (input.includes('node_modules') || !input.endsWith('.ts')) continue;
    const source = readFileSync(join(PROJECT_ROOT, input), 'utf8');
    for (const match of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*'(@aws-sdk\/[^']+)'/g)) {
      const [, names = '', pkg = ''] = match;
      const set = imports.get(pkg) ?? new Set<string>();
      for (const n of names.split(',')) {
        const clean = n.trim().replace(/^type\s+/, '');
        if (clean && !n.trim().startsWith('type ')) set.add(clean.split(/\s+as\s+/)[0]!);
      }
      imports.set(pkg, set);
    }
  }
  if (imports.size === 0) return undefined;
  const lines: string[] = [];
  const used: string[] = [];
  for (const [pkg, names] of imports) {
    lines.push(`import { ${[...names].join(', ')} } from '${pkg}';`);
    used.push(...names);
  }
  lines.push(`export const handler = async (): Promise<unknown> => [${used.join(', ')}];`);
  const file = join(WORK_DIR, 'stubs', `${name}.ts`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/**
 * Node built-ins a bundle imports (esbuild metafile), without `node:module`, which the banner of
 * every bundle (the floor's too) imports.
 */
export function builtinsOf(metafile: Metafile): string[] {
  const names = new Set<string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const imported of output.imports) {
      if (imported.external && imported.path !== 'node:module') names.add(imported.path.replace(/^(?!node:)/, 'node:'));
    }
  }
  return [...names].sort();
}

/**
 * Writes a stub handler that imports only `builtins`: for a function without the SDK, the least
 * its Node dependencies cost at load (the bound of what any build of it can reach).
 */
export function writeBuiltinsStub(name: string, builtins: readonly string[]): string {
  const file = join(WORK_DIR, 'stubs', `${name}.builtins.ts`);
  mkdirSync(dirname(file), { recursive: true });
  // Namespace imports that the handler references: esbuild drops unused imports of built-ins.
  const imports = builtins.map((b, i) => `import * as builtin${i} from '${b}';`).join('\n');
  const used = builtins.map((_, i) => `builtin${i}`).join(', ');
  writeFileSync(
    file,
    `${imports}\nexport const handler = async (event: unknown): Promise<unknown> => [event, ${used}];\n`,
  );
  return file;
}

export const entryPath = (entry: string) => join(LAMBDA_SOURCE_ROOT, entry);
export const rel = (file: string) => relative(PROJECT_ROOT, file);
