/**
 * The two kinds of error a handler may raise. Cognito shows a trigger's error message to the
 * end user ("PreSignUp failed with error <message>."), so messages are fixed strings: a
 * `UserFacingError` carries one chosen from the list below, and anything else becomes
 * `GENERIC_ERROR_MESSAGE`. Input is never echoed.
 */

export const GENERIC_ERROR_MESSAGE = 'The request could not be completed.';

/** Fixed messages a user may see. Add new ones here so they are reviewed in one place. */
export const USER_MESSAGES = {
  signUpNotAllowed: 'Sign-up is not allowed for this account.',
} as const;

export type UserMessage = (typeof USER_MESSAGES)[keyof typeof USER_MESSAGES];

/** An expected refusal with a fixed, safe message. `reason` is for logs only. */
export class UserFacingError extends Error {
  constructor(
    message: UserMessage,
    readonly reason: string,
  ) {
    super(message);
    this.name = 'UserFacingError';
  }
}

/** What a handler throws back to Cognito for any error: the fixed message, never internals. */
export function toPublicError(error: unknown): Error {
  return new Error(error instanceof UserFacingError ? error.message : GENERIC_ERROR_MESSAGE);
}
