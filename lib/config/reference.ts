import { z } from 'zod';
import type { RuleSection } from './rule';
import { RULE_SECTIONS, stageConfigSchema } from './schema';

interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  format?: string;
  minimum?: number;
  /** zod's .positive() (exclusive lower bound). */
  exclusiveMinimum?: number;
  maximum?: number;
  minItems?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
}

const HEADER = `# Configuration reference

<!-- Generated from lib/config/ by \`npm run docs:config\`; test/config-reference.test.ts fails when it is stale. -->

A stage is one file in \`config/\` (\`dev.ts\`, \`prod.ts\`), registered in \`config/index.ts\` and chosen
with \`--context stage=<name>\` (\`npm run synth -- --stage prod\`). Shared values live in
\`config/shared.ts\`. Every field below is validated when the app synthesizes; a bad value fails
synth with a message that names the field, the value it got and what is allowed.

## Fields

| Field | Type | Default | Description |
| --- | --- | --- | --- |
`;

const RULES_INTRO = `
## Rules across fields

The schema also refuses combinations that Cognito would reject at deploy time or that are unsafe.
Each rule is a named unit in \`lib/config/sections/\` next to the fields it reads; this list is
its description.
`;

/** One section per heading, one rule per line: `- description (\`rule-id\`)`. */
export function renderRules(sections: readonly RuleSection[] = RULE_SECTIONS): string {
  return sections
    .map(({ title, rules }) => `\n### ${title}\n\n${rules.map((r) => `- ${r.description} (\`${r.id}\`)`).join('\n')}\n`)
    .join('');
}

/** Renders docs/config.md from the zod schema, so the reference cannot drift from the code. */
export function renderConfigReference(): string {
  const root = z.toJSONSchema(stageConfigSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const rows: string[] = [];
  walk(root, '', rows);
  return `${HEADER}${rows.join('\n')}\n${RULES_INTRO}${renderRules()}`;
}

function walk(schema: JsonSchema, path: string, rows: string[]): void {
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    const field = path ? `${path}.${name}` : name;
    const required = (schema.required ?? []).includes(name) && child.default === undefined;
    rows.push(row(field, child, required));
    if (child.properties) walk(child, field, rows);
    if (child.items?.properties) walk(child.items, `${field}[]`, rows);
  }
}

function row(field: string, schema: JsonSchema, required: boolean): string {
  const fallback = required ? '**required**' : schema.default === undefined ? '(none)' : defaultText(schema.default);
  return `| \`${field}\` | ${typeText(schema)} | ${fallback} | ${escape(schema.description ?? '')} |`;
}

function typeText(schema: JsonSchema): string {
  if (schema.enum) return schema.enum.map((v) => code(v)).join(' \\| ');
  // A union of literals of one type (log retention days) reads as that type; the description lists them.
  if (schema.anyOf) return [...new Set(schema.anyOf.map(typeText))].join(' \\| ');
  const type = Array.isArray(schema.type) ? schema.type.join(' \\| ') : (schema.type ?? 'any');
  if (type === 'array') {
    const item = schema.items ? typeText(schema.items) : 'any';
    return item.includes(' ') ? `(${item})[]` : `${item}[]`;
  }
  if (type === 'integer' || type === 'number') {
    // An exclusive lower bound (zod's .positive()) reads `>0..100`.
    const low = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? `>${schema.exclusiveMinimum}` : undefined);
    const bounded = (v: number | undefined) => v !== undefined && Math.abs(v) < 2 ** 31 - 1;
    const range = [schema.minimum ?? schema.exclusiveMinimum, schema.maximum].some(bounded)
      ? ` ${low ?? ''}..${bounded(schema.maximum) ? schema.maximum : ''}`
      : '';
    return `${type}${range}`;
  }
  if (type === 'string' && schema.format === 'uri') return 'URL';
  return type;
}

/** Lists of named objects (groups, scopes) show their names only. */
function defaultText(value: unknown): string {
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'object' && v && 'name' in v)) {
    return value.map((v) => code((v as { name: unknown }).name)).join(', ');
  }
  return code(value);
}

function code(value: unknown): string {
  return `\`${escape(JSON.stringify(value))}\``;
}

function escape(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
