import type { UserMigrationTriggerHandler } from 'aws-lambda';
import { dynamoDbClient } from '../../shared/dynamodb';
import { jsonEnv, requireEnv } from '../../shared/env';
import { USER_MESSAGES, UserFacingError } from '../../shared/errors';
import { DynamoDbLegacyDirectory, normalizeUsername, type LegacyDirectory } from '../../shared/legacy-directory';
import { log } from '../../shared/log';
import { assertTriggerEvent, runTrigger } from '../../shared/trigger';
import { authenticateLegacyUser, meetsPasswordPolicy, migratedAttributes, parsePasswordPolicy } from './migration';

const SOURCES = ['UserMigration_Authentication', 'UserMigration_ForgotPassword'] as const;

const policy = jsonEnv('PASSWORD_POLICY', parsePasswordPolicy);
/** To migrate from another source, construct your own LegacyDirectory here (docs/migration.md). */
const directory: LegacyDirectory = new DynamoDbLegacyDirectory(dynamoDbClient, requireEnv('LEGACY_USERS_TABLE'));

/** One refusal for every way a migration can fail, so none of them tells an account apart. */
const refuse = (reason: string) => new UserFacingError(USER_MESSAGES.signInFailed, reason);

/**
 * Migrate user: Cognito calls it when someone signs in with a password (or asks to reset one)
 * and no such user exists in the pool yet. On success Cognito creates the user with the returned
 * attributes; every failure looks the same from outside ("Incorrect username or password.").
 *
 * - UserMigration_Authentication: the password must match the legacy hash (scrypt, constant-time
 *   compare). A password that fails the pool's policy migrates as RESET_REQUIRED.
 * - UserMigration_ForgotPassword: no password to check; migrates only a user whose email the
 *   legacy system verified, so Cognito can deliver the reset code to it.
 *
 * Never sends a welcome message (SUPPRESS), never moves an alias from another user
 * (forceAliasCreation false), never reads clientMetadata or validationData, never logs the
 * password or the username.
 */
export const handler: UserMigrationTriggerHandler = async (event) =>
  runTrigger('migrateUser', (event as { triggerSource?: unknown } | null)?.triggerSource, async () => {
    assertTriggerEvent(event, SOURCES);
    const username = normalizeUsername(event.userName);
    if (!username) throw refuse('invalid-credentials');

    if (event.triggerSource === 'UserMigration_Authentication') {
      const password = event.request.password;
      if (typeof password !== 'string' || password.length === 0 || password.length > 1024) {
        throw refuse('invalid-credentials');
      }
      const result = await authenticateLegacyUser(directory, username, password);
      if (!result.ok) throw refuse(result.reason);
      const strong = meetsPasswordPolicy(password, policy);
      event.response = {
        ...event.response,
        userAttributes: migratedAttributes(result.user),
        finalUserStatus: strong ? 'CONFIRMED' : 'RESET_REQUIRED',
        messageAction: 'SUPPRESS',
        forceAliasCreation: false,
      };
      log.info('migrateUser.migrated', {
        triggerSource: event.triggerSource,
        status: event.response.finalUserStatus,
        emailVerified: result.user.emailVerified,
      });
      return event;
    }

    // UserMigration_ForgotPassword
    const user = await directory.find(username);
    const sameName = user !== undefined && user.email.trim().toLowerCase() === username;
    if (!user || !sameName || !user.emailVerified) throw refuse('not-migratable');
    event.response = {
      ...event.response,
      userAttributes: migratedAttributes(user),
      messageAction: 'SUPPRESS',
      forceAliasCreation: false,
    };
    log.info('migrateUser.migrated', { triggerSource: event.triggerSource, emailVerified: true });
    return event;
  });
