/**
 * `npm run synth [-- --stage prod] [--out cdk.out/prod] [<extra cdk args>]`
 *
 * Runs `cdk synth` for one stage (built-in CloudFormation validation and cdk-nag included; either
 * fails the run), then prints where the templates are, what is in them, and every cdk-nag
 * acknowledgement with its reason.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = join(__dirname, '..');
const args = process.argv.slice(2);
const stageFlag = args.indexOf('--stage');
const cdkArgs = [...args];
if (stageFlag >= 0) {
  const stage = args[stageFlag + 1];
  if (!stage) {
    console.error('--stage needs a value, e.g. --stage prod');
    process.exit(2);
  }
  cdkArgs.splice(stageFlag, 2, '--context', `stage=${stage}`);
}
const outFlag = cdkArgs.indexOf('--out');
let outdir = join(root, 'cdk.out');
if (outFlag >= 0) {
  const value = cdkArgs[outFlag + 1];
  if (!value) {
    console.error('--out needs a directory, e.g. --out cdk.out/prod');
    process.exit(2);
  }
  outdir = resolve(root, value);
  cdkArgs.splice(outFlag, 2);
}
// Start clean: cdk synth leaves other stages' templates and old assets in place otherwise.
rmSync(outdir, { recursive: true, force: true });

const cdk = join(root, 'node_modules', 'aws-cdk', 'bin', 'cdk');
const started = Date.now();
const result = spawnSync(process.execPath, [cdk, 'synth', '--quiet', '--output', outdir, ...cdkArgs], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' },
});
if (result.status !== 0) {
  console.error(`\ncdk synth failed (exit ${String(result.status)}); see the messages above.`);
  process.exit(result.status ?? 1);
}

interface Manifest {
  artifacts: Record<string, { type: string; properties?: { templateFile?: string } }>;
}
interface TemplateJson {
  Resources?: Record<
    string,
    { Type: string; Metadata?: { cdk_nag?: { rules_to_suppress: { id: string; reason: string }[] } } }
  >;
}

const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as Manifest;
const stacks = Object.entries(manifest.artifacts).filter(([, a]) => a.type === 'aws:cloudformation:stack');
console.log(`\nSynthesized ${stacks.length} stack(s) in ${((Date.now() - started) / 1000).toFixed(1)} s:`);
const acknowledged: string[] = [];
for (const [name, artifact] of stacks) {
  const file = join(outdir, artifact.properties?.templateFile ?? `${name}.template.json`);
  const template = JSON.parse(readFileSync(file, 'utf8')) as TemplateJson;
  const resources = Object.entries(template.Resources ?? {});
  console.log(`  ${name}: ${relative(process.cwd(), file)} (${resources.length} resources)`);
  for (const [logicalId, resource] of resources) {
    for (const rule of resource.Metadata?.cdk_nag?.rules_to_suppress ?? []) {
      acknowledged.push(`  ${name}/${logicalId} ${rule.id}: ${rule.reason}`);
    }
  }
}

const reportFile = join(outdir, 'validation-report.json');
const report = existsSync(reportFile)
  ? (JSON.parse(readFileSync(reportFile, 'utf8')) as { pluginReports: { violations: unknown[] }[] })
  : { pluginReports: [] };
const open = report.pluginReports.reduce((n, r) => n + r.violations.length, 0);
console.log(
  `\ncdk-nag AwsSolutions + CloudFormation validation: ${open} open finding(s), ${acknowledged.length} acknowledged:`,
);
console.log(acknowledged.length ? acknowledged.join('\n') : '  (none)');
if (open > 0) {
  // The CLI fails on nag errors but only warns on CloudFormation findings; we fail on both.
  console.error(
    `\nFAILED: ${open} open finding(s) in ${relative(process.cwd(), reportFile)}; fix or acknowledge each.`,
  );
  process.exit(1);
}
