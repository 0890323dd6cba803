/** What a trigger needs of the Lambda context: the time left before Lambda ends the invocation. */
export interface InvocationClock {
  readonly getRemainingTimeInMillis?: () => number;
}

/** Budget assumed when the context says nothing (the trigger timeout: see lambda-function.ts). */
export const DEFAULT_BUDGET_MS = 5000;

/** Time kept back after an aborted call, to turn the failure into Cognito's answer and log it. */
export const RESPONSE_RESERVE_MS = 300;

/** Options of an AWS SDK v3 `client.send(command, options)`. */
export interface SendOptions {
  readonly abortSignal: AbortSignal;
}

/**
 * The end of one invocation's time. Each SDK call has its own timeouts and retry limit (sdk.ts),
 * but a trigger that makes two calls in a row, or one call and then a password hash, could still
 * run into Lambda's timeout, which Cognito answers with a retry of the whole trigger (a second
 * email with a new code, say). Every call therefore also gets an AbortSignal that fires while
 * there is time left to fail cleanly.
 */
export class Deadline {
  /** From the Lambda context of this invocation. */
  static of(context: InvocationClock | undefined, now: number = Date.now()): Deadline {
    const remaining = context?.getRemainingTimeInMillis?.();
    const budget = typeof remaining === 'number' && Number.isFinite(remaining) ? remaining : DEFAULT_BUDGET_MS;
    return new Deadline(now + budget);
  }

  /** @param at epoch milliseconds by which this invocation must have answered */
  constructor(readonly at: number) {}

  /**
   * Runs one SDK call (or a lookup that makes one) with an abort signal that fires when only
   * `reserveMs` are left, at least 1 ms from now, so an exhausted budget fails the call at once.
   * The timer is cleared when the call settles: warm instances keep no timer per invocation.
   */
  async bound<T>(call: (options: SendOptions) => Promise<T>, reserveMs: number = RESPONSE_RESERVE_MS): Promise<T> {
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new DeadlineExceededError()),
      Math.max(1, this.at - Date.now() - reserveMs),
    );
    try {
      return await call({ abortSignal: controller.signal });
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The reason a call was aborted: the invocation's time was nearly over. */
export class DeadlineExceededError extends Error {
  constructor() {
    super('the invocation deadline is near');
    this.name = 'DeadlineExceededError';
  }
}
