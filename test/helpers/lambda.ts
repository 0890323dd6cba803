import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';

/** A Cognito / API Gateway event fixture from test/events, deep-cloned so tests can tweak it. */
export function fixture<T = Record<string, unknown>>(name: string): T {
  return structuredClone(JSON.parse(readFileSync(join(__dirname, '..', 'events', `${name}.json`), 'utf8')) as T);
}

export const context = {
  awsRequestId: 'req-1',
  functionName: 'test',
  getRemainingTimeInMillis: () => 5000,
} as unknown as Context;

/** The handler signature every test uses: (event, context) => Promise<result>. */
export type AsyncHandler<E = unknown, R = unknown> = (event: E, ctx: Context, cb: () => void) => Promise<R>;

/**
 * Loads a handler module in a fresh module registry with `env` set, the way Lambda starts a
 * cold instance: module-scope config is read from the environment at load. `prepare` runs first
 * in the same registry (e.g. to mock the SDK client classes the handler will use). The registry
 * stays current afterwards, so modules the handler imports lazily resolve to the same (mocked)
 * SDK.
 *
 * @param entry path under lambda/, e.g. 'triggers/pre-sign-up/handler'
 */
export function loadHandler<H = AsyncHandler, P = undefined>(
  entry: string,
  env: Record<string, string>,
  prepare?: (requireInRegistry: (id: string) => unknown) => P,
): { handler: H; prepared: P } {
  const saved = { ...process.env };
  try {
    Object.assign(process.env, env);
    jest.resetModules();
    // require() is how jest loads a module into the current registry.
    /* eslint-disable @typescript-eslint/no-require-imports */
    const prepared = prepare ? prepare((id) => require(id) as unknown) : (undefined as P);
    const mod = require(join(__dirname, '..', '..', 'lambda', entry)) as { handler: H };
    /* eslint-enable @typescript-eslint/no-require-imports */
    return { handler: mod.handler, prepared };
  } finally {
    for (const key of Object.keys(env)) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  }
}

/** Captures everything written through console.* so a test can prove what was (not) logged. */
export function spyOnLogs(): { text: () => string; entries: () => unknown[]; restore: () => void } {
  const entries: unknown[] = [];
  const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) =>
    jest.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      entries.push(args.length === 1 ? args[0] : args);
    }),
  );
  return {
    entries: () => entries,
    text: () => entries.map((e) => JSON.stringify(e)).join('\n'),
    restore: () => spies.forEach((s) => s.mockRestore()),
  };
}

/**
 * Asserts logs hold none of `secrets` and no serialized copy of `event` (or its request part).
 */
export function expectNothingLeaked(logs: string, event: unknown, secrets: readonly string[]): void {
  for (const secret of secrets) expect(logs).not.toContain(secret);
  const e = event as { request?: Record<string, unknown> | null };
  expect(logs).not.toContain(JSON.stringify(event));
  if (!e.request) return;
  expect(logs).not.toContain(JSON.stringify(e.request));
  // Nor the parts that carry personal data or codes, serialized on their own.
  for (const part of ['userAttributes', 'session', 'privateChallengeParameters', 'clientMetadata']) {
    const value = e.request[part];
    if (value && typeof value === 'object' && Object.keys(value).length > 0) {
      expect(logs).not.toContain(JSON.stringify(value));
    }
  }
}
