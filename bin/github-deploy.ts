import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DEFAULT_STAGE, stages } from '../config';
import { ConfigError, parseStageConfig } from '../lib/config/load';
import { GitHubDeployStack, pullRequestDiffWanted } from '../lib/stacks/github-deploy-stack';

// One-time, per account:  npx cdk deploy -a "npx tsx bin/github-deploy.ts" -c stage=dev -c repository=owner/repo
// Production accounts get no pull-request diff role unless -c pullRequestDiff=true (docs/deploy.md).
const app = new App();
const stage = String(app.node.tryGetContext('stage') ?? DEFAULT_STAGE);
const repository = app.node.tryGetContext('repository') as string | undefined;
const pullRequestDiffFlag: unknown = app.node.tryGetContext('pullRequestDiff');
const raw = stages[stage];
if (!raw || !repository || ![undefined, true, false, 'true', 'false'].some((v) => v === pullRequestDiffFlag)) {
  console.error(
    `Usage: -c stage=<${Object.keys(stages).join('|')}> -c repository=<owner/repo> [-c oidcProviderArn=<arn>] [-c pullRequestDiff=true|false]`,
  );
  process.exit(1);
}
try {
  const config = parseStageConfig(raw, `config/${stage}.ts`);
  const pullRequestDiff = pullRequestDiffWanted(config.production, pullRequestDiffFlag);
  if (pullRequestDiff && config.production) {
    console.warn(
      `Warning: creating the pull-request diff role in production stage ${stage}: every pull request of ${repository} ` +
        'can then assume the CDK lookup role (ReadOnlyAccess) and read S3 objects, DynamoDB items and Cognito users of this account.',
    );
  }
  new GitHubDeployStack(app, `${config.project}-${stage}-GitHubDeploy`, {
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
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
