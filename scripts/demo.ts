/**
 * `npm run demo -- --stage dev [--region eu-west-1] [--port 5173]`
 *
 * Serves the demo page (demo/) on http://localhost:5173, configured from the deployed stage's
 * stack outputs, read with the AWS credentials of the shell. Open it, sign in through managed
 * login, and see the tokens' claims, each API route's answer, refresh and sign-out. The page's
 * callback and sign-out URLs must be registered on the web client (`webClient.callbackUrls` and
 * `logoutUrls` in the stage config; dev registers http://localhost:5173/callback and /).
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { ConfigError } from '../lib/config/load';
import { pageUrls } from '../demo/src/config';
import { buildClient, bundleSize, serveDemo } from './demo/server';
import { DEMO_OUTPUTS, demoConfig } from './demo/stage-config';
import { readStageOutputs } from './smoke/outputs';
import { option, resolveRegion, resolveStage, UsageError } from './stage';

async function main(args: readonly string[]): Promise<void> {
  const { stage, config } = resolveStage(args);
  const region = resolveRegion(args, config);
  const port = Number(option(args, 'port') ?? 5173);
  const prefix = `${config.project}-${stage}`;
  const outputs = await readStageOutputs(new CloudFormationClient({ region }), prefix, DEMO_OUTPUTS);
  const page = demoConfig(config, outputs);
  const bundle = await buildClient();
  const demo = await serveDemo(page, bundle, { host: 'localhost', port });
  const { redirectUri, postLogoutRedirectUri } = pageUrls(demo.origin);
  if (
    !config.webClient.callbackUrls.includes(redirectUri) ||
    !config.webClient.logoutUrls.includes(postLogoutRedirectUri)
  ) {
    console.warn(
      `warning: ${redirectUri} / ${postLogoutRedirectUri} are not in webClient.callbackUrls / logoutUrls of config/${stage}.ts: managed login will refuse to redirect here`,
    );
  }
  const size = bundleSize(bundle);
  console.log(`Demo of ${prefix} (${page.region}) on ${demo.origin}/`);
  console.log(
    `script loaded up front ${size.initial.raw} B (${size.initial.gzip} B gzip); with the on-demand AWS SDK chunks ${size.all.raw} B (${size.all.gzip} B gzip)`,
  );
  console.log('Ctrl-C stops it.');
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof UsageError) console.error(error.message);
  // Mostly AWS errors while reading the outputs (no credentials, wrong account or region).
  else if (error instanceof Error) console.error(`${error.name}: ${error.message}`);
  else console.error(error);
  process.exit(error instanceof UsageError ? 2 : 1);
});
