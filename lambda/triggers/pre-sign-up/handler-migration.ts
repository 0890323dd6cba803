import { dynamoDbClient } from '../../shared/dynamodb';
import { requireEnv } from '../../shared/env';
import { DynamoDbLegacyDirectory } from '../../shared/legacy-directory';
import { isLegacyUser } from './legacy-check';
import { makePreSignUpHandler } from './sign-up';

const directory = new DynamoDbLegacyDirectory(dynamoDbClient, requireEnv('LEGACY_USERS_TABLE'));

/**
 * Pre sign-up with self sign-up and user migration both on: email-domain and tenant-id rules,
 * and a self sign-up with the address of a legacy user who has not migrated yet is refused.
 */
export const handler = makePreSignUpHandler({
  isLegacyUser: (email, options) => isLegacyUser(directory, email, options),
});
