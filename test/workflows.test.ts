import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// The GitHub workflows are the pipeline that ships the templates: these checks keep its supply
// chain pinned and keep production deploying exactly the assembly that was checked.

const WORKFLOWS_DIR = join(__dirname, '..', '.github', 'workflows');
const workflows = readdirSync(WORKFLOWS_DIR)
  .filter((file) => file.endsWith('.yml'))
  .map((file) => ({ file, text: readFileSync(join(WORKFLOWS_DIR, file), 'utf8') }));

/** The lines of one job: from `  <name>:` to the next job (two-space indent) or the end. */
function job(text: string, name: string): string {
  const lines = text.split('\n');
  const start = lines.indexOf(`  ${name}:`);
  if (start < 0) throw new Error(`no job ${name}`);
  const end = lines.findIndex((line, index) => index > start && /^ {2}[\w-]+:/.test(line));
  return lines.slice(start, end < 0 ? undefined : end).join('\n');
}

describe('GitHub workflows', () => {
  it.each(workflows.map((w) => [w.file, w.text]))(
    '%s pins every action by full commit SHA with its release in a comment',
    (_file, text) => {
      const uses = text.split('\n').filter((line) => /^\s*(- )?uses:/.test(line));
      expect(uses.length).toBeGreaterThan(0);
      const unpinned = uses.filter((line) => !/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/.test(line));
      expect(unpinned).toEqual([]);
    },
  );

  const deploy = readFileSync(join(WORKFLOWS_DIR, 'deploy.yml'), 'utf8');

  it('synthesizes and checks every deployed stage once, then hands the assembly on', () => {
    const synth = job(deploy, 'synth');
    for (const stage of ['dev', 'prod']) {
      expect(synth).toContain(`npm run synth -- --stage ${stage} --out cdk.out/${stage}`);
      expect(synth).toContain(`npm run check:update -- --stage ${stage} --assembly cdk.out/${stage}`);
    }
    expect(synth).toContain('npm run lint:cfn');
    expect(synth).toMatch(
      /upload-artifact@[0-9a-f]{40} # v[\d.]+\n\s+with:\n\s+name: cloud-assembly\n\s+path: cdk.out\//,
    );
  });

  it.each(['dev', 'prod'])('deploy-%s deploys the checked assembly, with no synth of its own', (stage) => {
    const deployJob = job(deploy, `deploy-${stage}`);
    expect(deployJob).toMatch(/needs: .*synth/);
    expect(deployJob).toMatch(/download-artifact@[0-9a-f]{40} # v[\d.]+\n\s+with:\n\s+name: cloud-assembly/);
    const cdkCommands = deployJob.split('\n').filter((line) => /\bcdk /.test(line));
    expect(cdkCommands).toEqual([expect.stringContaining(`npx cdk deploy --app cdk.out/${stage} --all`)]);
    expect(deployJob).not.toMatch(/npm run synth|cdk synth|--context stage/);
  });

  it('lints every stage in GitHub CI with cfn-lint, which .ci/run requires there', () => {
    const ci = readFileSync(join(WORKFLOWS_DIR, 'ci.yml'), 'utf8');
    expect(ci).toMatch(/pipx install cfn-lint==[\d.]+/);
    expect(ci).toMatch(/run: \.ci\/run\n\s+env:\n\s+CFN_LINT_REQUIRED: 'true'/);
    const run = readFileSync(join(__dirname, '..', '.ci', 'run'), 'utf8');
    expect(run).toContain('npm run lint:cfn');
    expect(run).toContain('npm run check:update');
  });
});
