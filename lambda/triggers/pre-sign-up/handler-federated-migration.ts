import { dynamoDbClient } from '../../shared/dynamodb';
import { listEnv, requireEnv } from '../../shared/env';
import { DynamoDbLegacyDirectory } from '../../shared/legacy-directory';
import { isLegacyUser } from './legacy-check';
import { linkToNativeUser } from './link-accounts';
import { makePreSignUpHandler } from './sign-up';

const providers = listEnv('LINK_PROVIDERS');
const directory = new DynamoDbLegacyDirectory(dynamoDbClient, requireEnv('LEGACY_USERS_TABLE'));

/** Pre sign-up with account linking and the legacy-address check (see the two other variants). */
export const handler = makePreSignUpHandler({
  link: (event, email, options) => linkToNativeUser(event, email, providers, options),
  isLegacyUser: (email, options) => isLegacyUser(directory, email, options),
});
