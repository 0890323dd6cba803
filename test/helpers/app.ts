import type { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { stages } from '../../config';
import { fixtureStages } from '../fixtures/config';
import type { StageStacks } from '../../lib/app';
import { parseStageConfig } from '../../lib/config/load';
import type { StageConfig, StageConfigInput } from '../../lib/config/schema';
import { maskAssetHashes, type OfflineSynthOptions, synthesizeStage } from '../../scripts/offline-synth';

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

export type StageTemplates = Record<Exclude<keyof StageStacks, 'monitoring'>, Template> & {
  readonly monitoring?: Template;
};

export interface SynthesizedStage {
  readonly app: App;
  readonly config: StageConfig;
  readonly stacks: StageStacks;
  /** Templates by stack key (`auth`, ...); `monitoring` only when the stage has alarms. */
  readonly templates: StageTemplates;
  /** The same templates as JSON, by stack name. */
  readonly templatesByStackName: Record<string, Record<string, unknown>>;
}

/** How to synthesize (CloudFormation validation, bundling, path metadata) and the route/trigger tables. */
export type SynthOptions = OfflineSynthOptions;

/**
 * Synthesizes a shipped stage (config/), unchanged: for tests that check what a fork deploys and
 * compute what they expect from `config`.
 */
export function synthShipped(stage: string, options: SynthOptions = {}): SynthesizedStage {
  return synthesize(shippedInput(stage), `config/${stage}.ts`, options);
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
  return synthesize(stageInput(stage, patch), `test:${stage}`, options);
}

/** Synthesizes a whole stage config written by the test (fixed values; no file behind it). */
export function synthInput(input: StageConfigInput, options: SynthOptions = {}): SynthesizedStage {
  return synthesize(input, 'test:inline', options);
}

/**
 * Builds a stage the way bin/app.ts does (same config validation, same cdk.json flags, cdk-nag
 * included) and synthesizes it. cdk-nag runs during synthesis and throws on any unacknowledged
 * error, so every test that synthesizes also proves the nag gate.
 */
function synthesize(input: StageConfigInput, source: string, options: SynthOptions): SynthesizedStage {
  const config = parseStageConfig(input, source);
  const { app, stacks, templates: templatesByStackName } = synthesizeStage(config, options);
  const templates = Object.fromEntries(
    Object.entries(stacks as unknown as Record<string, Stack>).map(([key, stack]) => [key, Template.fromStack(stack)]),
  ) as StageTemplates;
  return { app, config, stacks, templates, templatesByStackName };
}

export { maskAssetHashes };
