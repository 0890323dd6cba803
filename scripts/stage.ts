import { DEFAULT_STAGE, stages } from '../config';
import { parseStageConfig } from '../lib/config/load';
import type { StageConfig } from '../lib/config/schema';

/** A command-line mistake: the message is for the user, the script exits 2. */
export class UsageError extends Error {}

/** The value after `--<name>` on the command line. */
export function option(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

/** The stage a script runs against (`--stage`, default DEFAULT_STAGE) and its validated config. */
export function resolveStage(args: readonly string[]): { stage: string; config: StageConfig } {
  const stage = option(args, 'stage') ?? DEFAULT_STAGE;
  const raw = stages[stage];
  if (!raw) throw new UsageError(`Unknown stage "${stage}"; allowed: ${Object.keys(stages).join(', ')}`);
  return { stage, config: parseStageConfig(raw, `config/${stage}.ts`) };
}

/** The region: `--region`, else the config's `env.region`, else AWS_REGION / AWS_DEFAULT_REGION. */
export function resolveRegion(args: readonly string[], config: StageConfig): string {
  const region =
    option(args, 'region') ?? config.env.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) throw new UsageError('No region: pass --region, set env.region in the stage config, or set AWS_REGION.');
  return region;
}
