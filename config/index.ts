import type { StageConfigInput } from '../lib/config/schema';
import { dev } from './dev';
import { prod } from './prod';

/** Every deployable stage, by the name passed as `--context stage=<name>`. Add a stage here. */
export const stages: Readonly<Record<string, StageConfigInput>> = { dev, prod };

/** The stage used when no `--context stage=...` is given. */
export const DEFAULT_STAGE = 'dev';
