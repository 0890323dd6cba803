import { codeStateStore } from '../../shared/code-state-table';
import { makeCreateAuthChallengeHandler } from './create-challenge';
import { isMfaEnrolled } from './mfa';

/**
 * Create auth challenge (the default: usersWithMfa "refuse"): per-user state in DynamoDB, the
 * code emailed through SES, and no code at all for users who enrolled MFA (see create-challenge.ts).
 */
export const handler = makeCreateAuthChallengeHandler({ store: codeStateStore, isMfaEnrolled });
