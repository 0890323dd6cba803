/**
 * `npm run check:update [-- --stage <name>] [--assembly <dir>] [--accept]`
 *
 * The offline update guard. For every stage in config/index.ts (or the one `--stage` names) it
 * synthesizes the templates offline (no bundling, no AWS) and compares them, stack by stack name,
 * with the templates of the stage's last release in release-baseline/<stage>/. It fails, naming
 * stack, logical id, type, property and consequence, on a change that would replace or remove a
 * user pool, identity pool, login domain, table or bucket, or that Cognito refuses in place
 * (scripts/update-guard/rules.ts). A reviewed entry in release-baseline/acknowledged-changes.json
 * lets an intended change through.
 *
 *   --assembly <dir>  check the templates of a synthesized cloud assembly instead (needs --stage):
 *                     the deploy workflow checks exactly what it deploys
 *   --accept          after a release: rewrite the baseline of the stage(s) from the current config
 *                     and drop their acknowledgements, which the new baseline makes unnecessary
 */
import { relative } from 'node:path';
import { stages } from '../config';
import { ConfigError, parseStageConfig } from '../lib/config/load';
import { maskAssetHashes, synthesizeStage } from './offline-synth';
import {
  ACKNOWLEDGEMENTS_FILE,
  AcknowledgementsError,
  BASELINE_DIR,
  readAcknowledgements,
  readAssemblyTemplates,
  readBaseline,
  writeAcknowledgements,
  writeBaseline,
} from './update-guard/files';
import { type Acknowledgement, checkUpdate, describeFinding, type StackTemplates } from './update-guard/rules';

interface Options {
  readonly stages: readonly string[];
  readonly assembly?: string;
  readonly accept: boolean;
}

class UsageError extends Error {}

function parseArgs(args: readonly string[]): Options {
  let stage: string | undefined;
  let assembly: string | undefined;
  let accept = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value = () => {
      const next = args[++i];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      return next;
    };
    if (arg === '--stage') stage = value();
    else if (arg === '--assembly') assembly = value();
    else if (arg === '--accept') accept = true;
    else throw new UsageError(`unknown argument ${String(arg)}; allowed: --stage <name>, --assembly <dir>, --accept`);
  }
  if (stage !== undefined && !(stage in stages)) {
    throw new UsageError(`unknown stage "${stage}"; allowed (config/index.ts): ${Object.keys(stages).join(', ')}`);
  }
  if (assembly !== undefined && stage === undefined) {
    throw new UsageError('--assembly needs --stage: the baseline to compare with is per stage');
  }
  if (assembly !== undefined && accept) {
    throw new UsageError(
      '--accept writes the baseline from the config (offline synth), never from an assembly, so it is reproducible',
    );
  }
  return { stages: stage ? [stage] : Object.keys(stages), assembly, accept };
}

/** A stage that does not synthesize (cdk-nag or CloudFormation validation printed why). */
class SynthError extends Error {}

function templatesOf(stage: string, assembly: string | undefined): StackTemplates {
  if (assembly !== undefined) return readAssemblyTemplates(assembly);
  const config = parseStageConfig(stages[stage], `config/${stage}.ts`);
  try {
    // Path metadata as under `cdk synth`: messages then name the construct of each resource.
    return maskAssetHashes(synthesizeStage(config, { pathMetadata: true }).templates);
  } catch (error) {
    throw new SynthError(
      `check:update: ${stage} does not synthesize (${(error as Error).message}); fix that first (npm run synth -- --stage ${stage})`,
    );
  }
}

const rel = (path: string) => relative(process.cwd(), path) || '.';

function accept(options: Options, acknowledgements: readonly Acknowledgement[]): number {
  const stacks = new Set<string>();
  for (const stage of options.stages) {
    Object.keys(readBaseline(stage)).forEach((name) => stacks.add(name));
    const templates = templatesOf(stage, undefined);
    Object.keys(templates).forEach((name) => stacks.add(name));
    const files = writeBaseline(stage, templates);
    console.log(`${stage}: wrote ${files.length} template(s) to ${rel(`${BASELINE_DIR}/${stage}`)}`);
  }
  const dropped = acknowledgements.filter((ack) => stacks.has(ack.stack));
  if (dropped.length > 0) {
    writeAcknowledgements(
      acknowledgements.filter((ack) => !stacks.has(ack.stack)),
      ACKNOWLEDGEMENTS_FILE,
    );
    console.log(`dropped ${dropped.length} acknowledgement(s) the new baseline contains:`);
    for (const ack of dropped) console.log(`  ${ack.stack} ${ack.logicalId}: ${ack.reason}`);
  }
  console.log('Commit release-baseline/ together with the release it records.');
  return 0;
}

function check(options: Options, acknowledgements: readonly Acknowledgement[]): number {
  let refused = 0;
  const used = new Set<Acknowledgement>();
  const inScope = new Set<string>();
  for (const stage of options.stages) {
    const baseline = readBaseline(stage);
    const current = templatesOf(stage, options.assembly);
    [...Object.keys(baseline), ...Object.keys(current)].forEach((name) => inScope.add(name));
    const result = checkUpdate(baseline, current, acknowledgements);
    const source = options.assembly ? `assembly ${rel(options.assembly)}` : `config/${stage}.ts`;
    console.log(`\n${stage}: ${source} against ${rel(`${BASELINE_DIR}/${stage}`)}`);
    for (const stack of result.newStacks) {
      console.log(
        `  new stack ${stack}: not in the baseline, a first deploy (nothing to compare); after its first release run \`npm run check:update -- --accept\``,
      );
    }
    for (const stack of result.missingStacks) {
      console.log(
        `  baseline stack ${stack} is not in the app: if it is deployed, deleting it deletes or orphans its resources (a fork that renamed the project: run \`npm run check:update -- --accept\` after its first release)`,
      );
    }
    for (const { finding, reason } of result.acknowledged) {
      console.log(`  acknowledged: ${describeFinding(finding)}\n    reason: ${reason}`);
    }
    for (const finding of result.refused) console.log(`  REFUSED: ${describeFinding(finding)}`);
    const compared = Object.keys(current).length - result.newStacks.length;
    if (result.refused.length === 0 && result.acknowledged.length === 0) {
      console.log(
        `  no stateful resource replaced or removed, no update Cognito refuses (${compared} stack(s) compared)`,
      );
    }
    refused += result.refused.length;
    result.acknowledged.forEach(({ finding }) =>
      acknowledgements
        .filter((ack) => ack.stack === finding.stack && ack.logicalId === finding.logicalId)
        .forEach((ack) => used.add(ack)),
    );
  }
  // Only acknowledgements of the stacks checked here can be judged unused; with every stage
  // checked, one that names no stack at all is unused too.
  const everyStage = options.stages.length === Object.keys(stages).length && options.assembly === undefined;
  const unused = acknowledgements.filter((ack) => !used.has(ack) && (everyStage || inScope.has(ack.stack)));
  for (const ack of unused) {
    console.log(
      `\nUNUSED acknowledgement ${ack.stack} ${ack.logicalId} ("${ack.reason}"): it matches no change; remove it from ${rel(ACKNOWLEDGEMENTS_FILE)}`,
    );
  }
  if (refused > 0 || unused.length > 0) {
    console.error(
      `\nFAILED: ${refused} refused change(s), ${unused.length} unused acknowledgement(s). Fix the change, or if it is intended add { "stack", "logicalId", "reason" } to ${rel(ACKNOWLEDGEMENTS_FILE)} (reviewed like code). See docs/deploy.md, "Changing a deployed stage".`,
    );
    return 1;
  }
  console.log('\nUpdate guard passed.');
  return 0;
}

function main(args: readonly string[]): number {
  try {
    const options = parseArgs(args);
    const acknowledgements = readAcknowledgements();
    return options.accept ? accept(options, acknowledgements) : check(options, acknowledgements);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`check:update: ${error.message}`);
      return 2;
    }
    if (error instanceof ConfigError || error instanceof AcknowledgementsError || error instanceof SynthError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
}

process.exitCode = main(process.argv.slice(2));
