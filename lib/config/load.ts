import type { z } from 'zod';
import { stageConfigSchema, type StageConfig } from './schema';

/** A stage configuration that failed validation; `message` lists every problem, one per line. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
    /** Ids of the rules across fields (lib/config/rule.ts) that reported a problem. */
    readonly rules: readonly string[] = [],
  ) {
    super(`Invalid configuration in ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Validates a stage configuration and applies defaults.
 *
 * @param raw    the object a stage file exports
 * @param source where it came from, quoted in the error (e.g. "config/prod.ts")
 * @throws ConfigError naming each bad field, the value it got and what is allowed
 */
export function parseStageConfig(raw: unknown, source: string): StageConfig {
  const result = stageConfigSchema.safeParse(raw, { reportInput: true });
  if (result.success) return result.data;
  const { issues } = result.error;
  throw new ConfigError(source, issues.flatMap(describeIssue), [...new Set(issues.flatMap(ruleOf))]);
}

function ruleOf(issue: z.core.$ZodIssue): string[] {
  const rule = issue.code === 'custom' ? (issue.params as { rule?: unknown } | undefined)?.rule : undefined;
  return typeof rule === 'string' ? [rule] : [];
}

/** Turns one zod issue into sentences of the form `<field>: got <value>; <what is allowed>`. */
function describeIssue(issue: z.core.$ZodIssue): string[] {
  const field = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(issue.path);
    return issue.keys.map((key) => {
      const name = field ? `${field}.${key}` : key;
      const guess = closest(key, known);
      const allowed = known.length ? `allowed: ${known.join(', ')}` : 'no fields are allowed here';
      return `${name}: unknown field${guess ? ` (did you mean "${guess}"?)` : ''}; ${allowed}`;
    });
  }
  const got = issue.input === undefined ? 'nothing (the field is required)' : preview(issue.input);
  return [`${field || '(root)'}: got ${got}; ${allowedText(issue)}`];
}

function allowedText(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(' | ')}`;
    case 'invalid_type':
      return `expected ${issue.expected}`;
    case 'too_small':
      return issue.origin === 'array'
        ? `expected at least ${String(issue.minimum)} item(s)`
        : `expected ${issue.origin === 'string' ? 'length ' : ''}>= ${String(issue.minimum)}`;
    case 'too_big':
      return issue.origin === 'array'
        ? `expected at most ${String(issue.maximum)} item(s)`
        : `expected ${issue.origin === 'string' ? 'length ' : ''}<= ${String(issue.maximum)}`;
    case 'invalid_key':
      // A record key that fails its own pattern: say what the pattern wants, not "Invalid key".
      return issue.issues.map((inner) => allowedText(inner)).join('; ');
    default:
      return issue.message;
  }
}

/** `a.b[0].c`; a record key that is not a plain name is quoted: `api.routes["GET /me"].scope`. */
function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => {
    if (typeof key === 'number') return `${out}[${key}]`;
    const name = String(key);
    if (!/^[A-Za-z0-9_:$-]+$/.test(name)) return `${out}[${JSON.stringify(name)}]`;
    return out ? `${out}.${name}` : name;
  }, '');
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Field names the schema accepts at a path, for "did you mean" hints. */
function knownKeysAt(path: readonly PropertyKey[]): string[] {
  let schema: z.core.$ZodType | undefined = stageConfigSchema;
  for (const key of [...path]) {
    schema = unwrap(schema);
    if (!schema) return [];
    const def = schema._zod.def as unknown as Record<string, unknown>;
    if (typeof key === 'number') schema = def.element as z.core.$ZodType | undefined;
    else schema = (def.shape as Record<string, z.core.$ZodType> | undefined)?.[String(key)];
  }
  schema = unwrap(schema);
  const shape = schema && (schema._zod.def as unknown as { shape?: Record<string, unknown> }).shape;
  return shape ? Object.keys(shape) : [];
}

/** Peels optional/default/prefault/nullable/pipe wrappers off a schema. */
function unwrap(schema: z.core.$ZodType | undefined): z.core.$ZodType | undefined {
  let current = schema;
  for (let i = 0; current && i < 10; i++) {
    const def = current._zod.def as unknown as Record<string, unknown>;
    const inner = (def.innerType ?? (def.type === 'pipe' ? def.in : undefined)) as z.core.$ZodType | undefined;
    if (!inner) return current;
    current = inner;
  }
  return current;
}

/** The known name within edit distance 2 of `word`, if any. */
function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = editDistance(word.toLowerCase(), name.toLowerCase());
    if (distance <= 2 && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
