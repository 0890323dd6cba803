/** Where the update guard keeps the released templates and the acknowledgements, and how it reads them. */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { maskAssetHashes } from '../offline-synth';
import type { Acknowledgement, CfnTemplate, StackTemplates } from './rules';

/** `release-baseline/<stage>/<stack name>.template.json`: the templates of each stage's last release. */
export const BASELINE_DIR = resolve(__dirname, '..', '..', 'release-baseline');
/** Reviewed, intended changes the guard lets through. */
export const ACKNOWLEDGEMENTS_FILE = join(BASELINE_DIR, 'acknowledged-changes.json');

const TEMPLATE_SUFFIX = '.template.json';

/** The released templates of `stage` by stack name; empty when the stage was never released. */
export function readBaseline(stage: string, dir = BASELINE_DIR): StackTemplates {
  const stageDir = join(dir, stage);
  if (!existsSync(stageDir)) return {};
  return Object.fromEntries(
    readdirSync(stageDir)
      .filter((file) => file.endsWith(TEMPLATE_SUFFIX))
      .sort()
      .map((file) => [
        file.slice(0, -TEMPLATE_SUFFIX.length),
        JSON.parse(readFileSync(join(stageDir, file), 'utf8')) as CfnTemplate,
      ]),
  );
}

/**
 * Replaces the baseline of `stage` with `templates`, asset hashes and the checkout path masked so
 * the files change only with the infrastructure.
 */
export function writeBaseline(stage: string, templates: StackTemplates, dir = BASELINE_DIR): string[] {
  const stageDir = join(dir, stage);
  rmSync(stageDir, { recursive: true, force: true });
  mkdirSync(stageDir, { recursive: true });
  const files: string[] = [];
  for (const [stack, template] of Object.entries(templates)) {
    const file = join(stageDir, `${stack}${TEMPLATE_SUFFIX}`);
    writeFileSync(file, `${JSON.stringify(maskAssetHashes(template), null, 2)}\n`);
    files.push(file);
  }
  return files;
}

/** The stack templates of a synthesized cloud assembly (`cdk synth --output <dir>`), by stack name. */
export function readAssemblyTemplates(assemblyDir: string): StackTemplates {
  const manifestFile = join(assemblyDir, 'manifest.json');
  if (!existsSync(manifestFile)) throw new Error(`${manifestFile} not found: is ${assemblyDir} a cloud assembly?`);
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as {
    artifacts?: Record<string, { type: string; properties?: { templateFile?: string; stackName?: string } }>;
  };
  return Object.fromEntries(
    Object.entries(manifest.artifacts ?? {})
      .filter(([, artifact]) => artifact.type === 'aws:cloudformation:stack')
      .map(([id, artifact]) => [
        artifact.properties?.stackName ?? id,
        maskAssetHashes(
          JSON.parse(
            readFileSync(join(assemblyDir, artifact.properties?.templateFile ?? `${id}${TEMPLATE_SUFFIX}`), 'utf8'),
          ) as CfnTemplate,
        ),
      ]),
  );
}

/** A malformed acknowledgements file. */
export class AcknowledgementsError extends Error {}

/** Reads and checks the acknowledgements: a JSON array of `{ stack, logicalId, reason }`. */
export function readAcknowledgements(file = ACKNOWLEDGEMENTS_FILE): Acknowledgement[] {
  if (!existsSync(file)) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new AcknowledgementsError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(parsed)) {
    throw new AcknowledgementsError(`${file}: expected an array of { "stack", "logicalId", "reason" }`);
  }
  return parsed.map((entry: unknown, index) => {
    const ack = (entry ?? {}) as Record<string, unknown>;
    for (const field of ['stack', 'logicalId', 'reason'] as const) {
      if (typeof ack[field] !== 'string' || ack[field].trim() === '') {
        throw new AcknowledgementsError(
          `${file}: entry ${index} needs a non-empty string "${field}" (got ${JSON.stringify(ack[field])})`,
        );
      }
    }
    const reason = (ack.reason as string).trim();
    if (reason.length < 20) {
      throw new AcknowledgementsError(
        `${file}: entry ${index} (${String(ack.stack)} ${String(ack.logicalId)}): the reason must say why the change is safe or intended (20+ characters), got ${JSON.stringify(reason)}`,
      );
    }
    return { stack: ack.stack as string, logicalId: ack.logicalId as string, reason };
  });
}

export function writeAcknowledgements(
  acknowledgements: readonly Acknowledgement[],
  file = ACKNOWLEDGEMENTS_FILE,
): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, `${JSON.stringify(acknowledgements, null, 2)}\n`);
}
