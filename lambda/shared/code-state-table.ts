import { PASSWORDLESS_ENV } from '../contract';
import { abuseLimitsFromEnv } from './code-state';
import { DynamoDbCodeStateStore } from './code-state-store';
import { dynamoDbClient } from './dynamodb';
import { requireEnv } from './env';

/** The per-user passwordless state table (SIGN_IN_STATE_TABLE), shared by create and verify auth challenge. */
export const codeStateStore = new DynamoDbCodeStateStore(
  dynamoDbClient,
  requireEnv(PASSWORDLESS_ENV.stateTable),
  abuseLimitsFromEnv(),
);
