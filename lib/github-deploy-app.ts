import { type App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { StageConfigInput } from './config/schema';
import { parseStageConfig } from './config/load';
import { GitHubDeployStack, pullRequestDiffWanted } from './stacks/github-deploy-stack';

/** The app's context was not what `bin/github-deploy.ts` needs; the message is the usage line. */
export class GitHubDeployUsageError extends Error {}

/**
 * The one-time GitHub deploy-roles app of bin/github-deploy.ts, from the app's context
 * (`-c stage=<stage> -c repository=<owner/repo> [-c oidcProviderArn=<arn>] [-c pullRequestDiff=true|false]`).
 * Production accounts get no pull-request diff role unless asked, and then a warning.
 * Throws GitHubDeployUsageError for missing or bad context and ConfigError for a bad stage config.
 */
export function buildGitHubDeployApp(
  app: App,
  stages: Readonly<Record<string, StageConfigInput>>,
  defaultStage: string,
  warn: (message: string) => void = console.warn,
): GitHubDeployStack {
  const stage = String(app.node.tryGetContext('stage') ?? defaultStage);
  const repository = app.node.tryGetContext('repository') as string | undefined;
  const pullRequestDiffFlag: unknown = app.node.tryGetContext('pullRequestDiff');
  const raw = stages[stage];
  if (!raw || !repository || ![undefined, true, false, 'true', 'false'].some((v) => v === pullRequestDiffFlag)) {
    throw new GitHubDeployUsageError(
      `Usage: -c stage=<${Object.keys(stages).join('|')}> -c repository=<owner/repo> [-c oidcProviderArn=<arn>] [-c pullRequestDiff=true|false]`,
    );
  }
  const config = parseStageConfig(raw, `config/${stage}.ts`);
  const pullRequestDiff = pullRequestDiffWanted(config.production, pullRequestDiffFlag);
  if (pullRequestDiff && config.production) {
    warn(
      `Warning: creating the pull-request diff role in production stage ${stage}: every pull request of ${repository} ` +
        'can then assume the CDK lookup role (ReadOnlyAccess) and read S3 objects, DynamoDB items and Cognito users of this account.',
    );
  }
  const stack = new GitHubDeployStack(app, `${config.project}-${stage}-GitHubDeploy`, {
    env: { account: config.env.account, region: config.env.region },
    repository,
    stage,
    pullRequestDiff,
    existingOidcProviderArn: app.node.tryGetContext('oidcProviderArn') as string | undefined,
    // The deploy workflow runs `npm run smoke` after deploying a non-production stage.
    smokeTest: config.production ? undefined : { project: config.project },
    description: `GitHub Actions OIDC deploy roles for ${config.project}-${stage}`,
  });
  Tags.of(app).add('Project', config.project);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stack;
}
