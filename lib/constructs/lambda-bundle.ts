import { join } from 'node:path';
import { AssetHashType, DockerImage, type ILocalBundling } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { type BuildOptions, buildSync } from 'esbuild';

/** The project root: esbuild resolves packages and tsconfig from here. */
export const PROJECT_ROOT = join(__dirname, '..', '..');
/** Root of the handler sources; entries are given relative to it (e.g. `triggers/pre-sign-up/handler.ts`). */
export const LAMBDA_SOURCE_ROOT = join(PROJECT_ROOT, 'lambda');
/** The bundle's file name inside the asset; the handler is `index.handler`. */
export const BUNDLE_FILE = 'index.mjs';

/**
 * Module aliases applied to every bundle: the SDK's default credential chain is replaced by the
 * environment-variable provider Lambda actually uses (see lambda/shared/aws-credentials-from-env.ts).
 */
export const LAMBDA_ALIASES: Readonly<Record<string, string>> = {
  '@aws-sdk/credential-provider-node': join(LAMBDA_SOURCE_ROOT, 'shared', 'aws-credentials-from-env.ts'),
};

/**
 * How every function is bundled (bench/ builds with exactly these options): ESM, minified, AWS SDK
 * bundled so esbuild keeps only the commands a handler imports (the runtime's copy of the whole
 * SDK is never loaded), the credential chain cut to what Lambda uses, and no source maps
 * (`--enable-source-maps` costs tens of ms at load).
 */
export function lambdaBuildOptions(entryFile: string, outfile: string, target: string): BuildOptions {
  return {
    entryPoints: [entryFile],
    bundle: true,
    outfile,
    platform: 'node',
    target,
    format: 'esm',
    minify: true,
    sourcemap: false,
    mainFields: ['module', 'main'],
    // Some bundled CommonJS dependencies call require() for Node built-ins; ESM has no require.
    banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
    alias: { ...LAMBDA_ALIASES },
    logLevel: 'error',
    absWorkingDir: PROJECT_ROOT,
  };
}

/**
 * Bundles in the synth process through esbuild's API. NodejsFunction runs `npx --no-install esbuild`
 * in a shell for every function, and npx's start-up (about 0.5 s) cost more than the build itself.
 * Its fields are part of the CDK asset cache key, so every entry gets its own cache entry.
 */
class EsbuildLocalBundling implements ILocalBundling {
  constructor(
    readonly entry: string,
    readonly target: string,
  ) {}

  tryBundle(outputDir: string): boolean {
    // Throws with esbuild's own messages on a build error, which fails the synth.
    buildSync(lambdaBuildOptions(join(LAMBDA_SOURCE_ROOT, this.entry), join(outputDir, BUNDLE_FILE), this.target));
    return true;
  }
}

/**
 * The code asset of a handler: `entry` (relative to lambda/) bundled by esbuild in the synth
 * process, hashed by its output so an unchanged bundle is not re-uploaded. Under `cdk synth
 * --exclusively` (or `aws:cdk:bundling-stacks`) bundling is skipped as for NodejsFunction.
 */
export function bundledCode(entry: string, target: string): lambda.Code {
  return lambda.Code.fromAsset(PROJECT_ROOT, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      local: new EsbuildLocalBundling(entry, target),
      // Required by the type; never used: local bundling either succeeds or throws. There is no
      // Docker fallback, on purpose (no Docker engine is needed anywhere in this project).
      image: DockerImage.fromRegistry('local-esbuild-only'),
    },
  });
}
