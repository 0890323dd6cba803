import type { CreateAuthChallengeTriggerHandler } from 'aws-lambda';
import { Deadline, type SendOptions } from '../../shared/deadline';
import { requireEnv } from '../../shared/env';
import { log } from '../../shared/log';
import { CUSTOM_CHALLENGE, encodeMetadata, generateCode, privateParameters } from '../../shared/one-time-code';
import { assertTriggerEvent, runTrigger } from '../../shared/trigger';
import { deliverableEmail, planChallenge, publicParameters, renderEmail, type ChallengeSettings } from './challenge';
import type { IssuedCode } from '../../shared/one-time-code';
import { sendCodeEmail } from './delivery';

const SOURCES = ['CreateAuthChallenge_Authentication'] as const;

/** Keeps a copy of a new code where the smoke test can read it (dev-only test outbox). */
export type WriteToOutbox = (to: string, issued: IssuedCode, options: SendOptions) => Promise<void>;

/**
 * Builds the create auth challenge handler. On the first round it issues a fresh code from
 * crypto.randomInt, emailed through SES only to a verified address; on later rounds the same code
 * again, with no new email. The code goes only into the private challenge parameters and the
 * server-side challenge metadata; the public parameters are identical for every user. Unknown
 * users get a code that is never sent. clientMetadata is never read. With `writeToOutbox` (dev
 * stages with a test outbox) a new code is also stored there.
 */
export function makeCreateAuthChallengeHandler(writeToOutbox?: WriteToOutbox): CreateAuthChallengeTriggerHandler {
  const settings: ChallengeSettings = {
    codeLength: Number(requireEnv('CODE_LENGTH')),
    ttlMs: Number(requireEnv('CODE_TTL_SECONDS')) * 1000,
    maxAttempts: Number(requireEnv('MAX_ATTEMPTS')),
  };
  generateCode(settings.codeLength); // fails the cold start on a bad CODE_LENGTH
  if (!(settings.ttlMs > 0) || !(settings.maxAttempts >= 1)) throw new Error('bad CODE_TTL_SECONDS or MAX_ATTEMPTS');
  const sender = requireEnv('EMAIL_FROM');

  return async (event, context) =>
    runTrigger('createAuthChallenge', (event as { triggerSource?: unknown } | null)?.triggerSource, async () => {
      assertTriggerEvent(event, SOURCES);
      if (event.request.challengeName !== CUSTOM_CHALLENGE) throw new Error('unexpected challengeName');
      const plan = planChallenge(event.request.session, Date.now(), settings, generateCode);
      const to = deliverableEmail(event.request.userNotFound === true, event.request.userAttributes);

      if (plan.isNew && to) {
        // In parallel, both bounded by this invocation's deadline (one abort signal).
        const message = renderEmail(plan.issued.code, settings.ttlMs);
        await Deadline.of(context).bound((options) =>
          Promise.all([
            sendCodeEmail(sender, to, message, options),
            ...(writeToOutbox ? [writeToOutbox(to, plan.issued, options)] : []),
          ]),
        );
      }

      event.response = {
        publicChallengeParameters: publicParameters(settings, plan.attemptsLeft),
        privateChallengeParameters: privateParameters(plan.issued),
        challengeMetadata: encodeMetadata(plan.issued),
      };
      log.info('createAuthChallenge.created', {
        round: event.request.session.length + 1,
        sent: plan.isNew && to !== undefined,
        reused: !plan.isNew,
      });
      return event;
    });
}
