import { PASSWORDLESS_ENV } from '../../contract';
import { codeStateStore } from '../../shared/code-state-table';
import { requireEnv } from '../../shared/env';
import { addressMatcher } from './challenge';
import { makeCreateAuthChallengeHandler } from './create-challenge';
import { isMfaEnrolled } from './mfa';
import { writeToOutbox } from './outbox';

const outboxTable = requireEnv(PASSWORDLESS_ENV.testOutboxTable);
const usersWithMfa = requireEnv(PASSWORDLESS_ENV.usersWithMfa);
if (usersWithMfa !== 'refuse' && usersWithMfa !== 'allow') throw new Error('USERS_WITH_MFA must be refuse or allow');

/**
 * Create auth challenge for stages with a test outbox (dev only; the schema refuses it in
 * production): emails the code and, for addresses matching TEST_OUTBOX_ADDRESSES only (the smoke
 * test's users), also stores it in the outbox. Every other user's code goes by email only.
 */
export const handler = makeCreateAuthChallengeHandler({
  store: codeStateStore,
  ...(usersWithMfa === 'refuse' ? { isMfaEnrolled } : {}),
  outbox: {
    write: (to, issued, options) => writeToOutbox(outboxTable, to, issued, options),
    accepts: addressMatcher(requireEnv(PASSWORDLESS_ENV.testOutboxAddresses)),
  },
});
