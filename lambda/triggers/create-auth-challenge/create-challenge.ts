import type { CreateAuthChallengeTriggerHandler } from 'aws-lambda';
import {
  abuseLimitsFromEnv,
  countInWindow,
  planSessionStart,
  releaseCode,
  type SessionStart,
} from '../../shared/code-state';
import type { CodeStateStore } from '../../shared/code-state-store';
import { Deadline, type SendOptions } from '../../shared/deadline';
import { requireEnv } from '../../shared/env';
import { errorFields, log } from '../../shared/log';
import {
  CUSTOM_CHALLENGE,
  encodeMetadata,
  generateCode,
  privateParameters,
  type IssuedCode,
} from '../../shared/one-time-code';
import { assertTriggerEvent, runTrigger } from '../../shared/trigger';
import { deliverableEmail, planChallenge, publicParameters, renderEmail, type ChallengeSettings } from './challenge';
import { sendCodeEmail } from './delivery';

const SOURCES = ['CreateAuthChallenge_Authentication'] as const;

/** Keeps a copy of a new code where the smoke test can read it (dev-only test outbox). */
export type WriteToOutbox = (to: string, issued: IssuedCode, options: SendOptions) => Promise<void>;

/** Whether the user enrolled any MFA factor (mfa.ts: one AdminGetUser). */
export type IsMfaEnrolled = (userPoolId: string, userName: string, options: SendOptions) => Promise<boolean>;

/** What each deployed variant of the trigger is built from (handler*.ts). */
export interface CreateChallengeParts {
  /** The per-user state shared by every session (reuse, email limit, lockout). */
  readonly store: CodeStateStore;
  /** Present when users with MFA are refused (config usersWithMfa "refuse"). */
  readonly isMfaEnrolled?: IsMfaEnrolled;
  /** Dev stages with a test outbox: stores new codes of matching addresses only. */
  readonly outbox?: { readonly write: WriteToOutbox; readonly accepts: (address: string) => boolean };
}

/**
 * Builds the create auth challenge handler.
 *
 * First round of a session, for a known user with a verified address: the user's state decides
 * (code-state.ts) whether this session reuses the outstanding code (no email), reserves a new code
 * from crypto.randomInt and emails it through SES, or is refused (locked out, email limit reached,
 * or MFA enrolled while usersWithMfa is "refuse"). Later rounds reuse the session's code from its
 * metadata. Unknown users, users without a verified address and refused sessions get a code that
 * is never stored and never sent, so no answer can succeed, while the challenge looks the same.
 *
 * The code goes only into the private challenge parameters and the server-side challenge
 * metadata; the public parameters are identical for every user. clientMetadata is never read.
 * Storage and email failures fail closed with the generic message.
 */
export function makeCreateAuthChallengeHandler(parts: CreateChallengeParts): CreateAuthChallengeTriggerHandler {
  const settings: ChallengeSettings = {
    codeLength: Number(requireEnv('CODE_LENGTH')),
    ttlMs: Number(requireEnv('CODE_TTL_SECONDS')) * 1000,
    maxAttempts: Number(requireEnv('MAX_ATTEMPTS')),
  };
  generateCode(settings.codeLength); // fails the cold start on a bad CODE_LENGTH
  if (!(settings.ttlMs > 0) || !(settings.maxAttempts >= 1)) throw new Error('bad CODE_TTL_SECONDS or MAX_ATTEMPTS');
  const limits = abuseLimitsFromEnv();
  const sender = requireEnv('EMAIL_FROM');

  /** The first round of a known user's session, within one abort signal for every call. */
  async function startSession(
    userId: string,
    to: string,
    fresh: IssuedCode,
    event: { userPoolId: string; userName: string },
    now: number,
    options: SendOptions,
  ): Promise<SessionStart & { emailsInWindow: number }> {
    // Started beside the state read, so the two calls overlap instead of adding up.
    const mfa = parts.isMfaEnrolled?.(event.userPoolId, event.userName, options);
    mfa?.catch(() => undefined); // awaited below; this only keeps an early state error from leaving it unhandled
    const start = await parts.store.change(
      userId,
      async (state) => {
        const emailsInWindow = countInWindow(state.emails, now, limits.emailWindowMs);
        if (mfa && (await mfa)) return { result: { kind: 'refuse', reason: 'mfa-enrolled', emailsInWindow } as const };
        const plan = planSessionStart(state, now, limits, fresh);
        const after = plan.kind === 'send' ? emailsInWindow + 1 : emailsInWindow;
        return { next: plan.kind === 'send' ? plan.next : undefined, result: { ...plan, emailsInWindow: after } };
      },
      options,
    );
    if (start.kind === 'send') {
      try {
        await Promise.all([
          sendCodeEmail(sender, to, renderEmail(start.issued.code, settings.ttlMs), options),
          ...(parts.outbox?.accepts(to) ? [parts.outbox.write(to, start.issued, options)] : []),
        ]);
      } catch (error) {
        await releaseAfterFailedSend(parts.store, userId, start.issued, options);
        throw error;
      }
    }
    return start;
  }

  return async (event, context) =>
    runTrigger('createAuthChallenge', (event as { triggerSource?: unknown } | null)?.triggerSource, async () => {
      assertTriggerEvent(event, SOURCES);
      if (event.request.challengeName !== CUSTOM_CHALLENGE) throw new Error('unexpected challengeName');
      const now = Date.now();
      const plan = planChallenge(event.request.session, now, settings, generateCode);
      const to = deliverableEmail(event.request.userNotFound === true, event.request.userAttributes);
      const userId = event.request.userAttributes?.sub;

      let issued = plan.issued;
      let outcome: { sent: boolean; reused: boolean; emailsInWindow?: number } = { sent: false, reused: !plan.isNew };
      if (plan.isNew && to) {
        if (typeof userId !== 'string' || userId === '') throw new Error('known user without sub');
        const start = await Deadline.of(context).bound((options) =>
          startSession(userId, to, plan.issued, event, now, options),
        );
        if (start.kind !== 'refuse') issued = start.issued;
        outcome = { sent: start.kind === 'send', reused: start.kind === 'reuse', emailsInWindow: start.emailsInWindow };
      }

      event.response = {
        publicChallengeParameters: publicParameters(settings, plan.attemptsLeft),
        privateChallengeParameters: privateParameters(issued),
        challengeMetadata: encodeMetadata(issued),
      };
      log.info('createAuthChallenge.created', { round: event.request.session.length + 1, ...outcome });
      return event;
    });
}

/**
 * After a failed send, frees the reserved code so the next session can email a new one instead of
 * reusing a code nobody received. Best effort: the sign-in fails anyway, and a failure here only
 * means the user waits for the code's expiry.
 */
async function releaseAfterFailedSend(
  store: CodeStateStore,
  userId: string,
  issued: IssuedCode,
  options: SendOptions,
): Promise<void> {
  await store
    .change(userId, (state) => ({ next: releaseCode(state, issued), result: undefined }), options)
    .catch((error: unknown) => log.warn('createAuthChallenge.releaseFailed', errorFields(error)));
}
