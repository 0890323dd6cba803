import type { VerifyAuthChallengeResponseTriggerHandler } from 'aws-lambda';
import { abuseLimitsFromEnv, countInWindow, judgeAnswer } from '../../shared/code-state';
import { codeStateStore } from '../../shared/code-state-table';
import { Deadline } from '../../shared/deadline';
import { requireEnv } from '../../shared/env';
import { log } from '../../shared/log';
import { assertCodeLength, isAnswerCorrect, parsePrivateParameters } from '../../shared/one-time-code';
import { assertTriggerEvent, runTrigger } from '../../shared/trigger';

const SOURCES = ['VerifyAuthChallengeResponse_Authentication'] as const;
const codeLength = Number(requireEnv('CODE_LENGTH'));
assertCodeLength(codeLength);
const limits = abuseLimitsFromEnv();

/**
 * Verify auth challenge response. The answer is correct only if it is exactly the session's code
 * (constant-time comparison), the code has not expired, and, in the user's state shared by every
 * session (code-state.ts), that code is still the outstanding one and the user is not locked out.
 * A correct answer consumes the code (it signs in once); any other answer counts towards the
 * lockout. An unknown user's answer is never correct and touches no state. Storage failures fail
 * closed with the generic message. Neither the answer nor the code is logged.
 */
export const handler: VerifyAuthChallengeResponseTriggerHandler = async (event, context) =>
  runTrigger('verifyAuthChallenge', (event as { triggerSource?: unknown } | null)?.triggerSource, async () => {
    assertTriggerEvent(event, SOURCES);
    const now = Date.now();
    const { privateChallengeParameters, challengeAnswer } = event.request;
    const matches = isAnswerCorrect(privateChallengeParameters, challengeAnswer, now, codeLength);
    if (event.request.userNotFound === true) {
      event.response = { answerCorrect: false };
      log.info('verifyAuthChallenge.checked', { correct: false });
      return event;
    }
    const userId = event.request.userAttributes?.sub;
    if (typeof userId !== 'string' || userId === '') throw new Error('known user without sub');
    const sessionCode = parsePrivateParameters(privateChallengeParameters);
    const judgement = await Deadline.of(context).bound((options) =>
      codeStateStore.change(
        userId,
        (state) => {
          const verdict = judgeAnswer(state, sessionCode, matches, now, limits);
          const wrongAnswers = countInWindow((verdict.next ?? state).wrongAnswers, now, limits.lockoutWindowMs);
          return { next: verdict.next, result: { accepted: verdict.accepted, wrongAnswers } };
        },
        options,
      ),
    );
    event.response = { answerCorrect: judgement.accepted };
    log.info('verifyAuthChallenge.checked', {
      correct: judgement.accepted,
      failuresInWindow: judgement.wrongAnswers,
    });
    return event;
  });
