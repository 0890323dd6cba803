import type { DefineAuthChallengeTriggerHandler } from 'aws-lambda';
import { requireEnv } from '../../shared/env';
import { log } from '../../shared/log';
import { CUSTOM_CHALLENGE } from '../../shared/one-time-code';
import { assertTriggerEvent, runTrigger } from '../../shared/trigger';
import { decideNextStep } from './session';

const SOURCES = ['DefineAuthChallenge_Authentication'] as const;
const maxAttempts = Number(requireEnv('MAX_ATTEMPTS'));
if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 3) throw new Error('MAX_ATTEMPTS must be 1-3');

/**
 * Define auth challenge: the state machine of passwordless sign-in. Tokens only when the last
 * session entry is this flow's custom challenge answered correctly; another code while attempts
 * and time are left; otherwise the sign-in fails. Unknown users get the same challenges and can
 * never succeed. clientMetadata is never read.
 */
export const handler: DefineAuthChallengeTriggerHandler = async (event) =>
  runTrigger('defineAuthChallenge', (event as { triggerSource?: unknown } | null)?.triggerSource, () => {
    assertTriggerEvent(event, SOURCES);
    const decision = decideNextStep({
      session: event.request.session,
      userNotFound: event.request.userNotFound === true,
      emailVerified: event.request.userAttributes?.email_verified === 'true',
      now: Date.now(),
      maxAttempts,
    });
    event.response = {
      issueTokens: decision.action === 'tokens',
      failAuthentication: decision.action === 'fail',
      ...(decision.action === 'challenge' ? { challengeName: CUSTOM_CHALLENGE } : {}),
    };
    log.info('defineAuthChallenge.decided', {
      action: decision.action,
      reason: decision.action === 'fail' ? decision.reason : undefined,
      round: Array.isArray(event.request.session) ? event.request.session.length : undefined,
    });
    return event;
  });
