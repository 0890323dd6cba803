import { toPublicError } from './errors';
import { errorFields, log } from './log';

/** The fields every Cognito user-pool trigger event has. */
export interface TriggerEventBase {
  readonly triggerSource: string;
  readonly userPoolId: string;
  readonly userName: string;
}

/**
 * Checks the parts of a Cognito trigger event that every handler relies on. Events come from
 * Cognito, but a malformed or unexpected one must fail closed with a clean error, not a
 * `TypeError` deep inside the decision code.
 */
export function assertTriggerEvent<S extends string>(
  event: unknown,
  sources: readonly S[],
): asserts event is TriggerEventBase & {
  triggerSource: S;
  request: Record<string, unknown>;
  response: Record<string, unknown>;
} {
  const e = event as Partial<Record<string, unknown>> | null;
  if (typeof e !== 'object' || e === null) throw new Error('event is not an object');
  if (typeof e.triggerSource !== 'string' || !(sources as readonly string[]).includes(e.triggerSource)) {
    throw new Error('unexpected triggerSource');
  }
  if (typeof e.userPoolId !== 'string' || typeof e.userName !== 'string') throw new Error('missing user fields');
  if (typeof e.request !== 'object' || e.request === null) throw new Error('missing request');
  if (typeof e.response !== 'object' || e.response === null) throw new Error('missing response');
}

/**
 * Wraps a trigger's work: logs the outcome without the event, and turns every failure into
 * the fixed public message (see errors.ts) so Cognito never shows internals to a user.
 */
export async function runTrigger<T>(name: string, source: unknown, work: () => Promise<T> | T): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const reason = (error as { reason?: unknown }).reason;
    log.warn(`${name}.failed`, {
      triggerSource: typeof source === 'string' ? source : undefined,
      reason: typeof reason === 'string' ? reason : undefined,
      ...errorFields(error),
    });
    throw toPublicError(error);
  }
}
