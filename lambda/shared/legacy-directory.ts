import { type AttributeValue, type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { LEGACY_TABLE } from '../contract';

export { LEGACY_TABLE };

/**
 * The legacy user directory that the migrate-user trigger reads from. One implementation ships
 * here (a DynamoDB table, `DynamoDbLegacyDirectory`); to migrate from another source, implement
 * `LegacyDirectory` (for example an HTTPS call to the old system's user API) and construct it in
 * lambda/triggers/migrate-user/handler.ts instead. docs/migration.md shows both.
 */
export interface LegacyDirectory {
  /**
   * The user whose sign-in name is `username` (already normalized with `normalizeUsername`), or
   * `undefined` when there is none. Throws only when the directory cannot be asked (network,
   * permissions): the trigger then fails closed. Give up when `options.abortSignal` fires: the
   * trigger's time is nearly over.
   */
  find(username: string, options?: FindOptions): Promise<LegacyUser | undefined>;
}

export interface FindOptions {
  readonly abortSignal?: AbortSignal;
}

/** A user as the legacy directory knows them. Nothing here comes from the person signing in. */
export interface LegacyUser {
  /** Normalized sign-in name (the email address, lower-case). */
  readonly username: string;
  readonly email: string;
  /** Whether the legacy system proved the user owns `email`. */
  readonly emailVerified: boolean;
  /** The password hash, e.g. `$scrypt$ln=17,r=8,p=1$...$...` (see password-hash.ts). */
  readonly passwordHash: string;
  /** Standard profile attributes to copy (only names in MIGRATED_ATTRIBUTES are kept). */
  readonly attributes: Readonly<Record<string, string>>;
  /** Tenant and department, set by the legacy system's administrators (not by the user). */
  readonly tenantId?: string;
  readonly department?: string;
}

/** Standard profile attributes a migrated user keeps (the ones the app clients read and write). */
export const MIGRATED_ATTRIBUTES = ['given_name', 'family_name', 'name', 'locale'] as const;

const MAX_USERNAME = 254;

/**
 * The lookup key for a sign-in name: trimmed and lower-cased, like the user pool's
 * case-insensitive usernames. `undefined` for names that cannot be an email address.
 */
export function normalizeUsername(userName: unknown): string | undefined {
  if (typeof userName !== 'string') return undefined;
  const name = userName.trim().toLowerCase();
  if (name.length < 3 || name.length > MAX_USERNAME) return undefined;
  if ([...name].some((ch) => ch.charCodeAt(0) < 0x21)) return undefined;
  const at = name.indexOf('@');
  if (at <= 0 || at !== name.lastIndexOf('@') || at === name.length - 1) return undefined;
  return name;
}

type Item = Record<string, AttributeValue>;

const text = (item: Item, name: string): string | undefined => item[name]?.S;

/**
 * Reads a table item into a `LegacyUser`; `undefined` when it lacks a field the migration needs
 * (such an item is treated like a missing user, never half-migrated).
 */
export function parseLegacyItem(item: Item): LegacyUser | undefined {
  const f = LEGACY_TABLE.fields;
  const username = text(item, LEGACY_TABLE.partitionKey);
  const email = text(item, f.email);
  const passwordHash = text(item, f.passwordHash);
  if (!username || !email || !passwordHash) return undefined;
  const rawAttributes = item[f.attributes]?.M ?? {};
  const attributes: Record<string, string> = {};
  for (const name of MIGRATED_ATTRIBUTES) {
    const value = rawAttributes[name]?.S;
    if (value !== undefined) attributes[name] = value;
  }
  const tenantId = text(item, f.tenantId);
  const department = text(item, f.department);
  return {
    username,
    email,
    emailVerified: item[f.emailVerified]?.BOOL === true,
    passwordHash,
    attributes,
    ...(tenantId === undefined ? {} : { tenantId }),
    ...(department === undefined ? {} : { department }),
  };
}

/** `LegacyDirectory` over a DynamoDB table keyed by normalized username; needs only `dynamodb:GetItem`. */
export class DynamoDbLegacyDirectory implements LegacyDirectory {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async find(username: string, options: FindOptions = {}): Promise<LegacyUser | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { [LEGACY_TABLE.partitionKey]: { S: username } },
      }),
      options,
    );
    return Item ? parseLegacyItem(Item) : undefined;
  }
}
