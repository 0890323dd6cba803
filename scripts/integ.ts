/**
 * The integration test (test/integ/integ.stage.ts) outside integ-runner, whose current release
 * cannot read the cloud-assembly schema aws-cdk-lib 2.276 writes.
 *
 *   npm run integ:snapshot   rewrite test/integ/integ.stage.ts.snapshot/ (templates, asset hashes masked)
 *   npm run integ:deploy     deploy the test app with the CDK CLI (credentials of the shell), fail
 *                            when any assertion result output is not "success", then destroy it
 *                            (pass --keep to leave the stacks for inspection)
 *
 * `npm test` (test/integ.test.ts) synthesizes the app offline and compares it with the snapshot.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildIntegApp } from '../test/integ/integ.stage';
import { cdkJsonContext } from './offline-synth';

const ROOT = join(__dirname, '..');
export const SNAPSHOT_DIR = join(ROOT, 'test', 'integ', 'integ.stage.ts.snapshot');

/**
 * Asset hashes change with every code change and each assertion carries a timestamp `salt` (so it
 * runs on every deploy); the snapshot is about infrastructure and assertions, so both are masked.
 */
export function maskHashes(json: string): string {
  return json.replace(/[0-9a-f]{64}/g, '[ASSET HASH]').replace(/"salt": "\d+"/g, '"salt": "[TIMESTAMP]"');
}

/** Synthesizes the integration app offline (no bundling) and returns its templates by file name. */
export function synthesizeIntegTemplates(): Record<string, string> {
  const outdir = mkdtempSync(join(tmpdir(), 'integ-'));
  try {
    const app = new App({ outdir, context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
    buildIntegApp(app);
    app.synth();
    return Object.fromEntries(
      readdirSync(outdir)
        .filter((f) => f.endsWith('.template.json'))
        .sort()
        .map((f) => [f, maskHashes(readFileSync(join(outdir, f), 'utf8'))]),
    );
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** The failed assertions in a `cdk deploy --outputs-file` JSON: `AssertionResults*` outputs not "success". */
export function failedAssertions(outputs: Record<string, Record<string, string>>): string[] {
  const failed: string[] = [];
  for (const [stack, values] of Object.entries(outputs)) {
    for (const [key, value] of Object.entries(values)) {
      if (!key.startsWith('AssertionResults')) continue;
      let status = 'unreadable';
      try {
        status = (JSON.parse(value) as { status?: string }).status ?? 'unknown';
      } catch {
        status = value;
      }
      if (status !== 'success') failed.push(`${stack}/${key}: ${value}`);
    }
  }
  return failed;
}

function cdk(args: string[]): number {
  const result = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk'), ...args], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  return result.status ?? 1;
}

function main(command: string | undefined, flags: string[]): number {
  if (command === 'snapshot') {
    rmSync(SNAPSHOT_DIR, { recursive: true, force: true });
    mkdirSync(SNAPSHOT_DIR, { recursive: true });
    for (const [file, text] of Object.entries(synthesizeIntegTemplates()))
      writeFileSync(join(SNAPSHOT_DIR, file), text);
    console.log(`wrote ${SNAPSHOT_DIR}`);
    return 0;
  }
  if (command === 'deploy') {
    const app = ['--app', 'npx tsx test/integ/integ.stage.ts'];
    const outputsFile = join(mkdtempSync(join(tmpdir(), 'integ-out-')), 'outputs.json');
    let code = cdk(['deploy', '--all', ...app, '--require-approval', 'never', '--outputs-file', outputsFile]);
    if (code === 0) {
      const failed = failedAssertions(
        JSON.parse(readFileSync(outputsFile, 'utf8')) as Record<string, Record<string, string>>,
      );
      console.log(failed.length ? `FAILED assertions:\n${failed.join('\n')}` : 'All integration assertions passed.');
      code = failed.length ? 1 : 0;
    }
    if (!flags.includes('--keep')) {
      const destroyed = cdk(['destroy', '--all', ...app, '--force']);
      if (destroyed !== 0) code = code || destroyed;
    }
    return code;
  }
  console.error('usage: tsx scripts/integ.ts snapshot | deploy [--keep]');
  return 2;
}

if (require.main === module) process.exit(main(process.argv[2], process.argv.slice(3)));
