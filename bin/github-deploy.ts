import { App } from 'aws-cdk-lib';
import { DEFAULT_STAGE, stages } from '../config';
import { ConfigError } from '../lib/config/load';
import { buildGitHubDeployApp, GitHubDeployUsageError } from '../lib/github-deploy-app';

// One-time, per account:  npx cdk deploy -a "npx tsx bin/github-deploy.ts" -c stage=dev -c repository=owner/repo
// Production accounts get no pull-request diff role unless -c pullRequestDiff=true (docs/deploy.md).
const app = new App();
try {
  buildGitHubDeployApp(app, stages, DEFAULT_STAGE);
} catch (error) {
  if (!(error instanceof ConfigError) && !(error instanceof GitHubDeployUsageError)) throw error;
  console.error(error.message);
  process.exit(1);
}
