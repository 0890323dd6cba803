import { type App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { StageConfig } from './config/schema';
import type { RouteSpec } from './constructs/api-routes';
import type { TriggerSpec } from './constructs/user-pool-triggers';
import { ApiStack } from './stacks/api-stack';
import { AuthStack } from './stacks/auth-stack';
import { DataStack } from './stacks/data-stack';
import { MonitoringStack } from './stacks/monitoring-stack';

/** The stacks of one stage. */
export interface StageStacks {
  readonly data: DataStack;
  readonly auth: AuthStack;
  readonly api: ApiStack;
  /** Alarms, their topic and the dashboard; absent when `alarms.enabled` is false. */
  readonly monitoring?: MonitoringStack;
}

/** What a stage is built from besides its config. */
export interface StageOptions {
  /** The routes of the API. @default ROUTES (lib/constructs/api-routes.ts) */
  readonly routes?: readonly RouteSpec[];
  /** Triggers as data, beyond the families. @default TRIGGERS (lib/constructs/user-pool-triggers.ts) */
  readonly triggers?: readonly TriggerSpec[];
}

/** Prefix of every stack name of a stage: `<project>-<stage>`. */
export function stagePrefix(config: StageConfig): string {
  return `${config.project}-${config.stage}`;
}

/**
 * Builds one stage into `app`: its stacks, tags, and the cdk-nag AwsSolutions checks (which run
 * as a validation plugin when the app synthesizes and fail it on any unacknowledged error).
 */
export function buildStage(app: App, config: StageConfig, options: StageOptions = {}): StageStacks {
  const prefix = stagePrefix(config);
  const env = { account: config.env.account, region: config.env.region };

  const data = new DataStack(app, `${prefix}-Data`, {
    config,
    env,
    description: `Protected S3 bucket and DynamoDB table (${prefix})`,
  });
  const auth = new AuthStack(app, `${prefix}-Auth`, {
    config,
    env,
    data,
    triggers: options.triggers,
    description: `Cognito user pool, clients, groups, triggers and identity pool (${prefix})`,
  });
  const api = new ApiStack(app, `${prefix}-Api`, {
    config,
    env,
    description: `REST API with Cognito and tenant authorizers, handlers and WAF (${prefix})`,
    userPool: auth.pool.userPool,
    userClientIds: auth.clients.userClients.map((client) => client.userPoolClientId),
    // Accepted only on routes whose api.routes entry says machines: true.
    machineClientIds: Object.values(auth.clients.machines).map((client) => client.userPoolClientId),
    table: data.data.table,
    routes: options.routes,
  });

  const monitoring = config.alarms.enabled
    ? new MonitoringStack(app, `${prefix}-Monitoring`, {
        config,
        env,
        watched: [data, auth, api],
        auth,
        api,
        description: `Alarms, their SNS topic and a dashboard (${prefix})`,
      })
    : undefined;

  Tags.of(app).add('Project', config.project);
  Tags.of(app).add('Stage', config.stage);
  // writeSuppressionsToCloudFormation: each acknowledgement and its reason also lands in the
  // template (resource Metadata `cdk_nag`), so a reviewer of the template sees why.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }));
  return { data, auth, api, ...(monitoring ? { monitoring } : {}) };
}
