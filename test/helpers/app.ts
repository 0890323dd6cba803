import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { stages } from '../../config';
import { fixtureStages } from '../fixtures/config';
import { buildStage, type StageOptions, type StageStacks } from '../../lib/app';
import { parseStageConfig } from '../../lib/config/load';
import type { StageConfig, StageConfigInput } from '../../lib/config/schema';

/** The feature flags from cdk.json, so tests synthesize exactly what `cdk synth` does. */
const CDK_CONTEXT = (
  JSON.parse(readFileSync(join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  }
).context;

export type DeepPartial<T> = T extends readonly (infer U)[]
  ? readonly U[]
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** The stages of config/index.ts: what a fork deploys. Their tests derive expectations from their config. */
export const SHIPPED_STAGES: readonly string[] = Object.keys(stages);

/** A shipped stage's config as its file exports it. */
export function shippedInput(stage: string): StageConfigInput {
  const input = stages[stage];
  if (!input) throw new Error(`no stage ${stage} in config/index.ts`);
  return input;
}

/**
 * A fixture stage (test/fixtures/config, a frozen copy of the shipped config) with `patch`
 * deep-merged into it (arrays are replaced, not merged). For tests that need fixed values.
 */
export function stageInput(stage: string, patch: DeepPartial<StageConfigInput> = {}): StageConfigInput {
  const base = fixtureStages[stage];
  if (!base) throw new Error(`no stage ${stage} in test/fixtures/config`);
  return merge(base, patch) as StageConfigInput;
}

function merge(base: unknown, patch: unknown): unknown {
  if (patch === undefined) return base;
  if (Array.isArray(patch) || typeof patch !== 'object' || patch === null) return patch;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(patch)) {
    out[key] = merge(out[key], value);
  }
  return out;
}

export interface SynthesizedStage {
  readonly app: App;
  readonly config: StageConfig;
  readonly stacks: StageStacks;
  /** Templates by stack key (`auth`, ...). */
  readonly templates: Record<keyof StageStacks, Template>;
}

export interface SynthOptions extends StageOptions {
  /**
   * Run aws-cdk-lib's built-in CloudFormation validation too (5+ s per synth; test/nag.test.ts
   * pays for it once per stage, other tests skip it). @default false
   */
  readonly cfnValidation?: boolean;
  /**
   * Bundle every Lambda function with esbuild (about 1 s per function, 9+ s per synth);
   * test/nag.test.ts bundles once per stage, other tests skip it: templates are the same apart
   * from asset hashes, which tests never assert. @default false
   */
  readonly bundling?: boolean;
}

/**
 * Synthesizes a shipped stage (config/), unchanged: for tests that check what a fork deploys and
 * compute what they expect from `config`.
 */
export function synthShipped(stage: string, options: SynthOptions = {}): SynthesizedStage {
  return synthesize(shippedInput(stage), stage, `config/${stage}.ts`, options);
}

/**
 * Synthesizes a fixture stage (test/fixtures/config) with `patch` applied: for behaviour tests
 * that need fixed values or a variant of the config.
 */
export function synthStage(
  stage: string,
  patch: DeepPartial<StageConfigInput> = {},
  options: SynthOptions = {},
): SynthesizedStage {
  return synthesize(stageInput(stage, patch), stage, `test:${stage}`, options);
}

/** Synthesizes a whole stage config written by the test (fixed values; no file behind it). */
export function synthInput(input: StageConfigInput, options: SynthOptions = {}): SynthesizedStage {
  return synthesize(input, input.stage, 'test:inline', options);
}

/**
 * Builds a stage the way bin/app.ts does (same config validation, same cdk.json flags, cdk-nag
 * included) and synthesizes it. cdk-nag runs during synthesis and throws on any unacknowledged
 * error, so every test that synthesizes also proves the nag gate.
 */
function synthesize(
  input: StageConfigInput,
  stage: string,
  source: string,
  { cfnValidation = false, bundling = false, ...options }: SynthOptions,
): SynthesizedStage {
  const config = parseStageConfig(input, source);
  // Asset metadata is on under the CLI too; it names each function's bundle directory. An empty
  // `aws:cdk:bundling-stacks` is how `cdk synth --exclusively` skips bundling.
  const app = new App({
    context: {
      ...CDK_CONTEXT,
      stage,
      'aws:cdk:enable-asset-metadata': true,
      ...(bundling ? {} : { 'aws:cdk:bundling-stacks': [] }),
    },
    builtinCloudFormationValidation: cfnValidation,
  });
  const stacks = buildStage(app, config, options);
  app.synth();
  const templates = Object.fromEntries(
    Object.entries(stacks as unknown as Record<string, Stack>).map(([key, stack]) => [key, Template.fromStack(stack)]),
  ) as Record<keyof StageStacks, Template>;
  return { app, config, stacks, templates };
}

/** The checkout's absolute path as it appears inside a JSON string. */
const PROJECT_ROOT_IN_JSON = JSON.stringify(resolve(__dirname, '..', '..')).slice(1, -1);

/**
 * Replaces content hashes of assets (Lambda bundles) with a placeholder so snapshots change only
 * when the infrastructure changes, not when a handler's code does, and the checkout's absolute
 * path (asset metadata names it when bundling is skipped) so a snapshot taken in one clone
 * matches in any other directory, as CI's clean clone is.
 */
export function maskAssetHashes(template: unknown): unknown {
  const json = JSON.stringify(template)
    .split(PROJECT_ROOT_IN_JSON)
    .join('[PROJECT ROOT]')
    .replace(/[0-9a-f]{64}(\.zip|\.json)?/g, '[ASSET HASH]$1');
  return JSON.parse(json);
}
