/**
 * Settings for every AWS SDK client a trigger uses. Cognito waits 5 seconds for a trigger; the
 * function's timeout is 5 s, so one SDK call must give up well before that: 2 attempts of at
 * most 0.5 s to connect and 1.5 s to answer is under 4 s in the worst case, with time left to
 * return a clean error instead of being killed mid-request. Calls also get the invocation's
 * deadline (deadline.ts), which bounds several calls in a row.
 *
 * `throwOnRequestTimeout` is what makes `requestTimeout` a timeout: without it the Node HTTP
 * handler only logs a warning and keeps waiting. `socketTimeout` also ends a response that stalls
 * after its headers.
 */
export const SDK_CLIENT_CONFIG = {
  maxAttempts: 2,
  requestHandler: { connectionTimeout: 500, requestTimeout: 1500, socketTimeout: 1500, throwOnRequestTimeout: true },
} as const;
