/**
 * `npx tsx scripts/seed-legacy-users.ts [--stage dev] [--table <name> | --outputs-file cdk-outputs.json]
 *  [--file users.json] [--overwrite] [--dry-run]`
 *
 * Hashes sample users (or the users in --file) with scrypt and writes them to the legacy-users
 * table of a deployed stage, so the migrate-user trigger has someone to migrate. The table name
 * comes from --table, or from the stack output `LegacyUsersTableName` in the file written by
 * `cdk deploy --outputs-file cdk-outputs.json`. Uses your AWS credentials; never run by tests.
 *
 * Without --file it creates three sample users with random passwords and prints them once:
 * one verified with a strong password (migrates CONFIRMED), one with an unverified email, and
 * one whose password fails the pool's policy (migrates RESET_REQUIRED).
 */
import { LEGACY_TABLE } from '../lambda/contract';
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type AttributeValue, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { stages } from '../config';
import { MIGRATED_ATTRIBUTES, normalizeUsername } from '../lambda/shared/legacy-directory';
import { hashPassword, parseHash } from '../lambda/shared/password-hash';
import { parseStageConfig } from '../lib/config/load';
import { stagePrefix } from '../lib/app';

export interface SeedArgs {
  readonly stage: string;
  readonly table?: string;
  readonly outputsFile?: string;
  readonly file?: string;
  readonly overwrite: boolean;
  readonly dryRun: boolean;
}

/** One user to load: a plaintext password (hashed here) or an existing scrypt PHC hash. */
export interface SeedUser {
  readonly email: string;
  readonly password?: string;
  readonly passwordHash?: string;
  readonly emailVerified: boolean;
  readonly attributes?: Readonly<Record<string, string>>;
  readonly tenantId?: string;
  readonly department?: string;
}

const USAGE =
  'usage: seed-legacy-users [--stage dev] [--table <name> | --outputs-file <cdk-outputs.json>] [--file users.json] [--overwrite] [--dry-run]';

export function parseSeedArgs(argv: readonly string[]): SeedArgs {
  const args: { -readonly [K in keyof SeedArgs]?: SeedArgs[K] } = { overwrite: false, dryRun: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined || next.startsWith('--')) throw new Error(`${flag} needs a value\n${USAGE}`);
      return next;
    };
    switch (flag) {
      case '--stage':
        args.stage = value();
        break;
      case '--table':
        args.table = value();
        break;
      case '--outputs-file':
        args.outputsFile = value();
        break;
      case '--file':
        args.file = value();
        break;
      case '--overwrite':
        args.overwrite = true;
        break;
      case '--dry-run':
        args.dryRun = true;
        break;
      default:
        throw new Error(`unknown argument ${String(flag)}\n${USAGE}`);
    }
  }
  if (args.table && args.outputsFile) throw new Error(`give --table or --outputs-file, not both\n${USAGE}`);
  return { stage: args.stage ?? 'dev', overwrite: args.overwrite ?? false, dryRun: args.dryRun ?? false, ...args };
}

/** The table name from a `cdk deploy --outputs-file` JSON: `{ "<stack>": { "LegacyUsersTableName": ... } }`. */
export function tableNameFromOutputs(outputs: unknown, stackName: string): string {
  const stack = (outputs as Record<string, Record<string, unknown> | undefined> | null)?.[stackName];
  const name = stack?.LegacyUsersTableName;
  if (typeof name !== 'string' || !/^[A-Za-z0-9_.-]{3,255}$/.test(name)) {
    throw new Error(
      `no LegacyUsersTableName output for ${stackName}; is migration.enabled true and the stack deployed?`,
    );
  }
  return name;
}

/** Validates a users file: an array of SeedUser objects. */
export function parseSeedFile(value: unknown): SeedUser[] {
  if (!Array.isArray(value)) throw new Error('the users file must hold a JSON array');
  return value.map((raw, index) => {
    const u = raw as Partial<Record<keyof SeedUser, unknown>> | null;
    const where = `users[${index}]`;
    if (typeof u !== 'object' || u === null) throw new Error(`${where}: expected an object`);
    if (!normalizeUsername(u.email)) throw new Error(`${where}.email: expected an email address`);
    if (typeof u.emailVerified !== 'boolean') throw new Error(`${where}.emailVerified: expected true or false`);
    const hasPassword = typeof u.password === 'string' && u.password.length > 0;
    const hasHash = typeof u.passwordHash === 'string';
    if (hasPassword === hasHash) throw new Error(`${where}: give exactly one of password or passwordHash`);
    if (hasHash && !parseHash(u.passwordHash)) {
      throw new Error(`${where}.passwordHash: expected a scrypt PHC string ($scrypt$ln=..,r=..,p=..$salt$hash)`);
    }
    const attributes = u.attributes ?? {};
    if (typeof attributes !== 'object' || attributes === null)
      throw new Error(`${where}.attributes: expected an object`);
    for (const [name, v] of Object.entries(attributes)) {
      if (!(MIGRATED_ATTRIBUTES as readonly string[]).includes(name) || typeof v !== 'string') {
        throw new Error(`${where}.attributes.${name}: allowed: ${MIGRATED_ATTRIBUTES.join(', ')} (strings)`);
      }
    }
    for (const field of ['tenantId', 'department'] as const) {
      if (u[field] !== undefined && (typeof u[field] !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(u[field]))) {
        throw new Error(`${where}.${field}: expected a short identifier`);
      }
    }
    return u as SeedUser;
  });
}

/** The DynamoDB item of one legacy user (layout: lambda/contract.ts). */
export function toLegacyItem(user: SeedUser, passwordHash: string): Record<string, AttributeValue> {
  const f = LEGACY_TABLE.fields;
  const email = user.email.trim();
  const item: Record<string, AttributeValue> = {
    [LEGACY_TABLE.partitionKey]: { S: normalizeUsername(email)! },
    [f.email]: { S: email },
    [f.emailVerified]: { BOOL: user.emailVerified },
    [f.passwordHash]: { S: passwordHash },
  };
  const attributes = Object.entries(user.attributes ?? {});
  if (attributes.length > 0) item[f.attributes] = { M: Object.fromEntries(attributes.map(([k, v]) => [k, { S: v }])) };
  if (user.tenantId) item[f.tenantId] = { S: user.tenantId };
  if (user.department) item[f.department] = { S: user.department };
  return item;
}

const LOWER = 'abcdefghijkmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const DIGITS = '23456789';
const SYMBOLS = '!#%+-=?@^_~';

function pick(alphabet: string, random: (max: number) => number): string {
  return alphabet[random(alphabet.length)]!;
}

/** A password of `length` characters with at least one of each class (meets any Cognito policy up to `length`). */
export function strongPassword(length: number, random: (max: number) => number = randomInt): string {
  const classes = [LOWER, UPPER, DIGITS, SYMBOLS];
  const all = classes.join('');
  const chars = classes.map((c) => pick(c, random));
  while (chars.length < length) chars.push(pick(all, random));
  // Fisher-Yates, so the guaranteed classes are not always first.
  for (let i = chars.length - 1; i > 0; i--) {
    const j = random(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}

/** Three sample users for a stage whose pool requires passwords of `minLength` characters. */
export function sampleUsers(minLength: number, random: (max: number) => number = randomInt): SeedUser[] {
  const strong = () => strongPassword(Math.max(minLength, 16), random);
  return [
    {
      email: 'alice.legacy@example.com',
      password: strong(),
      emailVerified: true,
      attributes: { given_name: 'Alice', family_name: 'Legacy' },
      tenantId: 'acme',
      department: 'sales',
    },
    { email: 'bob.unverified@example.com', password: strong(), emailVerified: false, tenantId: 'acme' },
    {
      // Lower-case letters only: fails the pool's policy, so it migrates as RESET_REQUIRED.
      email: 'carol.weak@example.com',
      password: Array.from({ length: 10 }, () => pick(LOWER, random)).join(''),
      emailVerified: true,
      tenantId: 'globex',
    },
  ];
}

async function main(): Promise<void> {
  const args = parseSeedArgs(process.argv.slice(2));
  const input = stages[args.stage];
  if (!input) throw new Error(`unknown stage ${args.stage}; allowed: ${Object.keys(stages).join(', ')}`);
  const config = parseStageConfig(input, `config/${args.stage}.ts`);
  if (!config.migration.enabled) throw new Error(`migration.enabled is false in config/${args.stage}.ts`);
  if (config.production) throw new Error('refusing to seed sample users into a production stage');

  const tableName =
    args.table ??
    tableNameFromOutputs(
      JSON.parse(readFileSync(args.outputsFile ?? 'cdk-outputs.json', 'utf8')),
      `${stagePrefix(config)}-Auth`,
    );
  const users = args.file
    ? parseSeedFile(JSON.parse(readFileSync(args.file, 'utf8')))
    : sampleUsers(config.userPool.passwordPolicy.minLength);

  const client = new DynamoDBClient({});
  for (const user of users) {
    const hash = user.passwordHash ?? (await hashPassword(user.password!));
    const item = toLegacyItem(user, hash);
    if (!args.dryRun) {
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: item,
          ...(args.overwrite ? {} : { ConditionExpression: `attribute_not_exists(${LEGACY_TABLE.partitionKey})` }),
        }),
      );
    }
    // Printed once, to the operator's terminal, so they can sign in as the sample users.
    const secret = args.file ? '' : `  password: ${user.password}`;
    console.log(`${args.dryRun ? '[dry run] ' : ''}${user.email} (emailVerified: ${user.emailVerified})${secret}`);
  }
  console.log(`\n${users.length} user(s) ${args.dryRun ? 'prepared for' : 'written to'} ${tableName}.`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
