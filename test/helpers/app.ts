import type { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { stages } from '../../config';
import type { StageStacks } from '../../lib/app';
import { parseStageConfig } from '../../lib/config/load';
import type { StageConfig, StageConfigInput } from '../../lib/config/schema';
import { maskAssetHashes, type OfflineSynthOptions, synthesizeStage } from '../../scripts/offline-synth';

export type DeepPartial<T> = T extends readonly (infer U)[]
  ? readonly U[]
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** Deep-merges `patch` into a stage file's config (arrays are replaced, not merged). */
export function stageInput(stage: string, patch: DeepPartial<StageConfigInput> = {}): StageConfigInput {
  const base = stages[stage];
  if (!base) throw new Error(`no stage ${stage}`);
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
  /** The same templates as JSON, by stack name. */
  readonly templatesByStackName: Record<string, Record<string, unknown>>;
}

/**
 * Builds a stage the way bin/app.ts does (same config validation, same cdk.json flags, cdk-nag
 * included) and synthesizes it. cdk-nag runs during synthesis and throws on any unacknowledged
 * error, so every test that synthesizes also proves the nag gate.
 *
 * @param cfnValidation run aws-cdk-lib's built-in CloudFormation validation too (5+ s per synth;
 *        test/nag.test.ts pays for it once per stage, other tests skip it)
 * @param bundling bundle every Lambda function with esbuild (about 1 s per function, 9+ s per
 *        synth); test/nag.test.ts bundles once per stage, other tests skip it: templates are
 *        the same apart from asset hashes, which tests never assert
 */
export function synthStage(
  stage: string,
  patch: DeepPartial<StageConfigInput> = {},
  options: OfflineSynthOptions = {},
): SynthesizedStage {
  const config = parseStageConfig(stageInput(stage, patch), `test:${stage}`);
  const { app, stacks, templates: templatesByStackName } = synthesizeStage(config, options);
  const templates = Object.fromEntries(
    Object.entries(stacks as unknown as Record<string, Stack>).map(([key, stack]) => [key, Template.fromStack(stack)]),
  ) as Record<keyof StageStacks, Template>;
  return { app, config, stacks, templates, templatesByStackName };
}

export { maskAssetHashes };
