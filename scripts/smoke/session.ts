import type { SmokeRun } from './runner';

export interface SmokeSession {
  /**
   * Runs the scenario, then the cleanups, then prints the step table, whatever happened: an
   * error thrown outside a step is recorded as a failed step, so it never ends the run without
   * a table or with exit code 0. Resolves to the exit code.
   */
  run(scenario: () => Promise<void>): Promise<number>;
  /**
   * For SIGINT / SIGTERM: starts no further step, gives the step in flight up to `graceMs` to
   * finish (it may still register the cleanup of what it just created), then cleans up and prints
   * the table. Resolves to 128 + the signal number. Calling it again changes nothing.
   */
  cancel(signal: string): Promise<number>;
}

export interface SessionOptions {
  /** How long a cancellation waits for the step in flight. @default 3000 (GitHub sends SIGKILL 10 s after a cancel's SIGINT) */
  readonly graceMs?: number;
  /** Waits `ms`, or until `signal` aborts (tests resolve at once). */
  readonly wait?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** The lifecycle scripts/smoke.ts drives: scenario, cleanup and table exactly once, also on a signal. */
export function smokeSession(run: SmokeRun, print: (text: string) => void, options: SessionOptions = {}): SmokeSession {
  const graceMs = options.graceMs ?? 3000;
  const wait = options.wait ?? waitUnlessAborted;
  let finished: Promise<number> | undefined;
  // Whichever comes first (the scenario's end or a signal) cleans up and prints; the other waits for it.
  const finish = () =>
    (finished ??= (async () => {
      try {
        await run.cleanup();
      } finally {
        print(run.table());
      }
      return run.exitCode;
    })());

  return {
    async run(scenario) {
      try {
        await scenario();
      } catch (error) {
        run.recordFailure('smoke test stopped outside a step', error);
      }
      return finish();
    },
    async cancel(signal) {
      run.cancel(signal);
      const grace = new AbortController();
      await Promise.race([run.settled(), wait(graceMs, grace.signal)]);
      grace.abort(); // no timer outlives the step that settled first
      return finish();
    },
  };
}

/** A timer that keeps the process alive (an unref'd one could let it exit 0 before cleaning up). */
function waitUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
