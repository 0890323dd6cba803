import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildStage, type StageOptions, type StageStacks } from '../lib/app';
import type { StageConfig } from '../lib/config/schema';

const ROOT = resolve(__dirname, '..');

/** The feature flags from cdk.json, so an in-process synth builds exactly what `cdk synth` does. */
export function cdkJsonContext(): Record<string, unknown> {
  return (JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;
}

/** How to synthesize, and what to build besides the config (routes and triggers tables). */
export interface OfflineSynthOptions extends StageOptions {
  /** Run aws-cdk-lib's built-in CloudFormation validation (5+ s per synth). @default false */
  readonly cfnValidation?: boolean;
  /** Bundle every Lambda function with esbuild (about 1 s per function). @default false */
  readonly bundling?: boolean;
  /**
   * Record each resource's construct path (`aws:cdk:path` metadata), as `cdk synth` does.
   * @default false
   */
  readonly pathMetadata?: boolean;
}

export interface SynthesizedApp {
  readonly app: App;
  readonly stacks: StageStacks;
  /** Templates by stack name, as synthesized. */
  readonly templates: Record<string, Record<string, unknown>>;
}

/**
 * Builds a validated stage config the way bin/app.ts does (same cdk.json flags, cdk-nag included,
 * which fails the synth on any unacknowledged error) and synthesizes it in this process. Without
 * bundling the templates differ from `cdk synth`'s only in asset hashes and asset metadata.
 */
export function synthesizeStage(
  config: StageConfig,
  { cfnValidation = false, bundling = false, pathMetadata = false, ...stageOptions }: OfflineSynthOptions = {},
): SynthesizedApp {
  // Asset metadata is on under the CLI too; it names each function's bundle directory. An empty
  // `aws:cdk:bundling-stacks` is how `cdk synth --exclusively` skips bundling.
  const app = new App({
    context: {
      ...cdkJsonContext(),
      stage: config.stage,
      'aws:cdk:enable-asset-metadata': true,
      'aws:cdk:enable-path-metadata': pathMetadata,
      ...(bundling ? {} : { 'aws:cdk:bundling-stacks': [] }),
    },
    builtinCloudFormationValidation: cfnValidation,
  });
  const stacks = buildStage(app, config, stageOptions);
  const assembly = app.synth();
  const templates = Object.fromEntries(
    assembly.stacks.map((stack) => [stack.stackName, stack.template as Record<string, unknown>]),
  );
  return { app, stacks, templates };
}

/** The checkout's absolute path as it appears inside a JSON string. */
const PROJECT_ROOT_IN_JSON = JSON.stringify(ROOT).slice(1, -1);

/**
 * Replaces content hashes of assets (Lambda bundles) with a placeholder so snapshots and release
 * baselines change only when the infrastructure changes, not when a handler's code does, and the
 * checkout's absolute path (asset metadata names it when bundling is skipped) so a file written
 * in one clone matches in any other directory, as CI's clean clone is.
 */
export function maskAssetHashes<T>(template: T): T {
  const json = JSON.stringify(template)
    .split(PROJECT_ROOT_IN_JSON)
    .join('[PROJECT ROOT]')
    .replace(/[0-9a-f]{64}(\.zip|\.json)?/g, '[ASSET HASH]$1');
  return JSON.parse(json) as T;
}
