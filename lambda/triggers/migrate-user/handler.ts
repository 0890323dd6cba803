import type { UserMigrationTriggerEvent, UserMigrationTriggerHandler } from 'aws-lambda';
import { Deadline } from '../../shared/deadline';
import { dynamoDbClient } from '../../shared/dynamodb';
import { jsonEnv, requireEnv } from '../../shared/env';
import { DynamoDbLegacyDirectory, normalizeUsername, type LegacyDirectory } from '../../shared/legacy-directory';
import { log } from '../../shared/log';
import { verifyPassword } from '../../shared/password-hash';
import { assertTriggerEvent, runTrigger } from '../../shared/trigger';
import { authenticateLegacyUser, meetsPasswordPolicy, migratedAttributes, parsePasswordPolicy } from './migration';

const SOURCES = ['UserMigration_Authentication', 'UserMigration_ForgotPassword'] as const;

/** Time the sign-in lookup leaves for the one scrypt check after it (about 1-1.5 s on 512 MB) and the reply. */
const SCRYPT_RESERVE_MS = 2000;

const policy = jsonEnv('PASSWORD_POLICY', parsePasswordPolicy);
/** To migrate from another source, construct your own LegacyDirectory here (docs/migration.md). */
const directory: LegacyDirectory = new DynamoDbLegacyDirectory(dynamoDbClient, requireEnv('LEGACY_USERS_TABLE'));

/**
 * Declines to create the user the way Cognito expects: the event goes back with its response
 * untouched (no userAttributes). With PreventUserExistenceErrors, which every client here has,
 * Cognito then answers exactly as for any name it does not know: "Incorrect username or password."
 * at sign-in (the same NotAuthorizedException a pool user with a wrong password gets), a simulated
 * code delivery for a password reset. Throwing instead would reach the caller as a
 * UserLambdaValidationException, which tells names outside the pool apart from pool users.
 */
function decline(event: UserMigrationTriggerEvent, reason: string): UserMigrationTriggerEvent {
  // An unreadable record is an operator's problem; the rest are ordinary failed sign-ins.
  (reason === 'unreadable-record' ? log.warn : log.info)('migrateUser.declined', {
    triggerSource: event.triggerSource,
    reason,
  });
  return event;
}

/**
 * Migrate user: Cognito calls it when someone signs in with a password (or asks to reset one)
 * and no such user exists in the pool yet. On success Cognito creates the user with the returned
 * attributes; every refusal looks the same from outside (see `decline`), and only a failure of
 * the directory itself (throttled, timed out, denied) is an error.
 *
 * - UserMigration_Authentication: the password must match the legacy hash (scrypt, constant-time
 *   compare). A password that fails the pool's policy migrates as RESET_REQUIRED, but only with
 *   an email the legacy system verified: Cognito could not deliver the reset code otherwise, and
 *   the user would be locked out.
 * - UserMigration_ForgotPassword: no password to check; migrates only a user whose email the
 *   legacy system verified, so Cognito can deliver the reset code to it.
 *
 * Never sends a welcome message (SUPPRESS), never moves an alias from another user
 * (forceAliasCreation false), never reads clientMetadata or validationData, never logs the
 * password or the username. Directory calls end before the invocation's time does (deadline.ts).
 */
export const handler: UserMigrationTriggerHandler = async (event, context) =>
  runTrigger('migrateUser', (event as { triggerSource?: unknown } | null)?.triggerSource, async () => {
    assertTriggerEvent(event, SOURCES);
    const deadline = Deadline.of(context);
    const username = normalizeUsername(event.userName);
    if (!username) return decline(event, 'invalid-credentials');

    if (event.triggerSource === 'UserMigration_Authentication') {
      const password = event.request.password;
      if (typeof password !== 'string' || password.length === 0 || password.length > 1024) {
        return decline(event, 'invalid-credentials');
      }
      const result = await deadline.bound(
        (options) => authenticateLegacyUser(directory, username, password, verifyPassword, options),
        SCRYPT_RESERVE_MS,
      );
      if (!result.ok) return decline(event, result.reason);
      const strong = meetsPasswordPolicy(password, policy);
      if (!strong && !result.user.emailVerified) return decline(event, 'weak-password-unverified-email');
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
    const user = await deadline.bound((options) => directory.find(username, options));
    const sameName = user !== undefined && user.email.trim().toLowerCase() === username;
    if (!user || !sameName || !user.emailVerified) return decline(event, 'not-migratable');
    event.response = {
      ...event.response,
      userAttributes: migratedAttributes(user),
      messageAction: 'SUPPRESS',
      forceAliasCreation: false,
    };
    log.info('migrateUser.migrated', { triggerSource: event.triggerSource, emailVerified: true });
    return event;
  });
