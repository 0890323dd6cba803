import type { VerifyAuthChallengeResponseTriggerHandler } from 'aws-lambda';
import { requireEnv } from '../../shared/env';
import { log } from '../../shared/log';
import { assertCodeLength, isAnswerCorrect } from '../../shared/one-time-code';
import { assertTriggerEvent, runTrigger } from '../../shared/trigger';

const SOURCES = ['VerifyAuthChallengeResponse_Authentication'] as const;
const codeLength = Number(requireEnv('CODE_LENGTH'));
assertCodeLength(codeLength);

/**
 * Verify auth challenge response: the answer is correct only if it is exactly the session's code
 * (constant-time comparison) and the code has not expired. An unknown user's answer is never
 * correct. Neither the answer nor the code is logged.
 */
export const handler: VerifyAuthChallengeResponseTriggerHandler = async (event) =>
  runTrigger('verifyAuthChallenge', (event as { triggerSource?: unknown } | null)?.triggerSource, () => {
    assertTriggerEvent(event, SOURCES);
    const correct =
      isAnswerCorrect(
        event.request.privateChallengeParameters,
        event.request.challengeAnswer,
        Date.now(),
        codeLength,
      ) && event.request.userNotFound !== true;
    event.response = { answerCorrect: correct };
    log.info('verifyAuthChallenge.checked', { correct });
    return event;
  });
