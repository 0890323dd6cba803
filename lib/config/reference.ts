import { z } from 'zod';
import { stageConfigSchema } from './schema';

interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
}

const HEADER = `# Configuration reference

<!-- Generated from lib/config/schema.ts by \`npm run docs:config\`; test/config-reference.test.ts fails when it is stale. -->

A stage is one file in \`config/\` (\`dev.ts\`, \`prod.ts\`), registered in \`config/index.ts\` and chosen
with \`--context stage=<name>\` (\`npm run synth -- --stage prod\`). Shared values live in
\`config/shared.ts\`. Every field below is validated when the app synthesizes; a bad value fails
synth with a message that names the field, the value it got and what is allowed.

## Fields

| Field | Type | Default | Description |
| --- | --- | --- | --- |
`;

const RULES = `
## Rules across fields

The schema also refuses combinations that Cognito would reject at deploy time or that are unsafe:

- Threat protection (\`userPool.threatProtection.*\` other than \`OFF\`) needs \`featurePlan: PLUS\`.
- Pre token generation V2 (\`triggers.preTokenGeneration.enabled\`), password history
  (\`passwordHistorySize > 0\`) and managed login (\`domain.managedLogin: MANAGED_LOGIN\`) need
  \`ESSENTIALS\` or \`PLUS\`.
- \`production: true\` requires \`RETAIN\` for \`userPool.removalPolicy\` and \`data.removalPolicy\`,
  \`deletionProtection: true\`, \`mfa: REQUIRED\`,
  \`passwordPolicy.minLength >= 12\`, \`api.waf.enabled: true\`, \`api.dataTrace: false\`, and no
  \`localhost\` redirect URL or CORS origin.
- Redirect URLs are HTTPS without a \`#fragment\`; \`http://localhost\` only when \`production\` is false.
- \`api.corsOrigins\` are bare origins (\`scheme://host[:port]\`, no path), HTTPS, \`http://localhost\`
  only when \`production\` is false; \`api.scopes.*\` name resource-server scopes;
  \`api.tenantGroups\` name configured groups; \`api.waf.associateUserPool\` needs \`api.waf.enabled\`.
- \`domain\` has exactly one of \`prefix\` / \`customDomain\`; a prefix may not contain \`aws\`,
  \`amazon\` or \`cognito\`.
- \`passwordless.customChallenge.enabled\` needs the \`email\` section, and with \`userPool.mfa:
  REQUIRED\` also \`usersWithMfa: allow\` (every user has MFA; an emailed code is one factor and
  skips TOTP); \`emailLimit.windowSeconds\` and \`lockout.windowSeconds\` are at least
  \`codeTtlSeconds\`; \`testOutbox\` needs \`enabled\` and is refused when \`production\` is true;
  \`testOutboxAddresses\` is one address or a pattern with a literal start, never a whole domain.
- Tenant ids (\`custom:tenant_id\`) are 1-63 lower-case letters, digits or hyphens, starting with
  a letter or digit (\`lambda/shared/tenant-id.ts\`): an identity-pool rule on
  \`custom:tenant_id\` must compare with such a value (or, for StartsWith / Contains, a piece of one).
- \`passwordless.choiceBased.emailOtp\` / \`passkey\` need \`ESSENTIALS\` or \`PLUS\` and
  \`userPool.mfa: OPTIONAL\` (Cognito offers passwordless first factors only to users without
  MFA); \`emailOtp\` also needs \`email.useForUserPool: true\` (the pool sends the codes through SES).
- \`email.sesIdentity\` is \`email.fromAddress\` or its domain; \`email.useForUserPool\` needs
  \`email.sesRegion\` when \`env.region\` is not set.
- Group names are unique and \`defaultGroup\` names one of them; scope names are unique and
  \`machineClient.scopes\` are resource-server scopes; no email domain is both allowed and denied.
- Identity pool: no role rule (\`identityPool.rules[].claim\`) and no principal tag
  (\`identityPool.principalTags\`) may rest on a claim an app client lets users write (the list is
  \`lib/config/client-attributes.ts\`: \`email\`, \`given_name\`, \`family_name\`, \`name\`, \`locale\`,
  \`email_verified\`); \`principalTags\` maps \`tenant\`; a rule's \`role\` names a rule role or a
  group; rule-role names differ from group names; \`tenantWriterGroups\` are configured groups.
`;

/** Renders docs/config.md from the zod schema, so the reference cannot drift from the code. */
export function renderConfigReference(): string {
  const root = z.toJSONSchema(stageConfigSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const rows: string[] = [];
  walk(root, '', rows);
  return `${HEADER}${rows.join('\n')}\n${RULES}`;
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
  if (schema.anyOf) return schema.anyOf.map(typeText).join(' \\| ');
  const type = Array.isArray(schema.type) ? schema.type.join(' \\| ') : (schema.type ?? 'any');
  if (type === 'array') {
    const item = schema.items ? typeText(schema.items) : 'any';
    return item.includes(' ') ? `(${item})[]` : `${item}[]`;
  }
  if (type === 'integer' || type === 'number') {
    const range = [schema.minimum, schema.maximum].some((v) => v !== undefined && Math.abs(v) < 2 ** 31 - 1)
      ? ` ${schema.minimum ?? ''}..${schema.maximum !== undefined && schema.maximum < 2 ** 31 - 1 ? schema.maximum : ''}`
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
