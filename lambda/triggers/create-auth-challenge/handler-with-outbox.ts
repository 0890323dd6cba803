import { requireEnv } from '../../shared/env';
import { makeCreateAuthChallengeHandler } from './create-challenge';
import { writeToOutbox } from './outbox';

const outboxTable = requireEnv('TEST_OUTBOX_TABLE');

/**
 * Create auth challenge for stages with a test outbox (dev only; the schema refuses it in
 * production): emails the code and also stores it in the outbox for the smoke test.
 */
export const handler = makeCreateAuthChallengeHandler((to, issued, options) =>
  writeToOutbox(outboxTable, to, issued, options),
);
