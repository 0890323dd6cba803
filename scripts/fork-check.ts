/**
 * `npm run check:fork`: proves that a fork is a config change. In a temporary clone of HEAD it
 * changes only config/ the way a new team would (renames a group, the project and the login
 * domain prefix; adds a group with a new scope and read-only tenant access), then runs
 * `npm run synth` for every stage, `npm test -- -u`, the browser test (where Chromium is installed)
 * and `npm run check:update`, and fails unless
 * all pass and the only files that changed are in config/ and the snapshot directory.
 *
 * Takes about as long as one synth per stage plus one `npm test` (a few minutes on two cores),
 * which is why it is a script and not part of `npm test`. Commit first: it clones HEAD.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stages } from '../config';
import type { StageConfigInput } from '../lib/config/schema';

const ROOT = join(__dirname, '..');
/** Where a config-only fork may change files: its config, and the snapshots it accepts. */
const ALLOWED = ['config/', 'test/__snapshots__/'];

/** The fork: what the issue's new user changed, applied to each shipped stage's config object. */
export function forkConfig(input: StageConfigInput): StageConfigInput {
  const groups = input.groups;
  // The second group, renamed (editors -> writers in the shipped config).
  const renamed = groups[1] ?? groups[0]!;
  const newName = `${renamed.name.replace(/s$/, '')}-renamed`;
  const rename = (name: string) => (name === renamed.name ? newName : name);
  const readScope = input.api.routes['GET /tenants/{tenantId}/documents']?.scope;
  return {
    ...input,
    project: 'forkcheck-app',
    groups: [
      ...groups.map((group) => ({ ...group, name: rename(group.name) })),
      {
        name: 'auditors',
        precedence: 50,
        description: "Auditors: read their tenant's documents and audit them.",
        scopes: ['audit', ...(readScope ? [readScope] : [])],
        tenantAccess: 'read',
        tenantRoutes: true,
      },
    ],
    defaultGroup: input.defaultGroup ? rename(input.defaultGroup) : input.defaultGroup,
    identityPool: {
      ...input.identityPool,
      rules: input.identityPool?.rules?.map((rule) => ({ ...rule, role: rename(rule.role) })),
    },
    resourceServer: {
      ...input.resourceServer,
      scopes: [...input.resourceServer.scopes, { name: 'audit', description: 'Audit tenant data.' }],
    },
    domain: input.domain.prefix ? { ...input.domain, prefix: `${input.domain.prefix}-fork` } : input.domain,
  };
}

function run(cwd: string, command: string, args: string[]): { ok: boolean; output: string } {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

/** Whether the browser test can run here: Chromium on the PATH or named in CHROMIUM_PATH. */
function browserAvailable(): boolean {
  if (process.env.CHROMIUM_PATH) return true;
  const found = run(ROOT, 'sh', ['-c', 'command -v chromium']).ok;
  if (!found) console.log('SKIP npm run test:browser (no chromium on the PATH and no CHROMIUM_PATH)');
  return found;
}

function main(): number {
  const dirty = run(ROOT, 'git', ['status', '--porcelain']).output.trim();
  if (dirty) console.warn('Warning: uncommitted changes are not part of the check (it clones HEAD).');
  const clone = mkdtempSync(join(tmpdir(), 'fork-check-'));
  try {
    if (!run(ROOT, 'git', ['clone', '--quiet', ROOT, clone]).ok) throw new Error('git clone failed');
    // The clone runs with this checkout's installed packages (npm ci would take as long again).
    symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'), 'dir');

    // Each stage file becomes the forked config, written out in full (config/ only).
    for (const [stage, input] of Object.entries(stages)) {
      const body = JSON.stringify(forkConfig(input), null, 2);
      writeFileSync(
        join(clone, 'config', `${stage}.ts`),
        `import type { StageConfigInput } from '../lib/config/schema';\n\nexport const ${stage}: StageConfigInput = ${body};\n`,
      );
    }

    const steps: [string, string, string[]][] = [
      ...Object.keys(stages).map((stage): [string, string, string[]] => [
        `npm run synth -- --stage ${stage}`,
        'npm',
        ['run', 'synth', '--', '--stage', stage, '--out', `cdk.out/${stage}`],
      ]),
      ['npm test -- -u', 'npm', ['test', '--', '-u']],
      // The demo page's browser test, where a browser is installed (as in .ci/run).
      ...(browserAvailable()
        ? [['npm run test:browser', 'npm', ['run', 'test:browser']] as [string, string, string[]]]
        : []),
      // A renamed project is a first deploy for the update guard (new stack names): it must pass.
      ['npm run check:update', 'npm', ['run', 'check:update']],
    ];
    for (const [name, command, args] of steps) {
      const started = Date.now();
      const { ok, output } = run(clone, command, args);
      console.log(`${ok ? 'PASS' : 'FAIL'} ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      if (!ok) {
        console.log(output.split('\n').slice(-60).join('\n'));
        return 1;
      }
    }

    const changed = run(clone, 'git', ['status', '--porcelain'])
      .output.split('\n')
      .filter(Boolean)
      .map((line) => line.slice(3));
    const outside = changed.filter((file) => !ALLOWED.some((prefix) => file.startsWith(prefix)));
    console.log(`Changed files:\n${changed.map((f) => `  ${f}`).join('\n')}`);
    if (outside.length > 0) {
      console.log(`FAIL files outside ${ALLOWED.join(' and ')} changed: ${outside.join(', ')}`);
      return 1;
    }
    console.log('PASS a config-only fork: every stage synthesizes, every test passes, nothing else changed.');
    return 0;
  } finally {
    rmSync(clone, { recursive: true, force: true });
  }
}

if (require.main === module) process.exit(main());
