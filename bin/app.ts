import { App } from 'aws-cdk-lib';
import { DEFAULT_STAGE, stages } from '../config';
import { buildStage } from '../lib/app';
import { ConfigError, parseStageConfig } from '../lib/config/load';

// The one place config is read: pick the stage, validate it, build it.
const app = new App();
const stage = String(app.node.tryGetContext('stage') ?? DEFAULT_STAGE);
const raw = stages[stage];
if (!raw) {
  console.error(`Unknown stage "${stage}" (from --context stage=...); allowed: ${Object.keys(stages).join(', ')}`);
  process.exit(1);
}
try {
  const config = parseStageConfig(raw, `config/${stage}.ts`);
  // config/index.ts could map a key to the wrong file; deploying prod's config as "dev" must fail.
  if (config.stage !== stage) {
    console.error(`config/index.ts maps "${stage}" to a config whose stage is "${config.stage}"; they must match`);
    process.exit(1);
  }
  buildStage(app, config);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
