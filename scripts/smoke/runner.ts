/**
 * Step bookkeeping for the smoke test: every step is recorded as pass / fail / skip with its
 * duration and a one-line detail; a failing step never stops the cleanup; cleanups run in reverse
 * order of registration, each recorded as a step too. A cancelled run (SIGINT / SIGTERM) starts
 * no further step, so nothing new is created while its cleanup runs.
 */

export type StepStatus = 'pass' | 'fail' | 'skip';

export interface StepResult {
  readonly name: string;
  readonly status: StepStatus;
  readonly ms: number;
  readonly detail: string;
}

/** Thrown by `expectThat` inside a step: the message becomes the step's detail. */
export class SmokeFailure extends Error {}

export function expectThat(condition: unknown, message: string): asserts condition {
  if (!condition) throw new SmokeFailure(message);
}

/** Exit status of a process ended by a signal, as shells report it (128 + signal number). */
const SIGNAL_EXIT_CODES: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143 };

export class SmokeRun {
  readonly results: StepResult[] = [];
  private readonly cleanups: { label: string; run: () => Promise<unknown> }[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private cleaning?: Promise<void>;
  private cancelledBy?: string;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /**
   * Runs one step. Returns its value, or undefined when it failed or the run was cancelled
   * (later steps that need it should then be skipped with `skip`).
   */
  async step<T>(name: string, fn: () => Promise<T>, describe?: (value: T) => string): Promise<T | undefined> {
    if (this.cancelledBy) {
      this.skip(name, `not run: cancelled by ${this.cancelledBy}`);
      return undefined;
    }
    const running = this.measure(name, fn, describe);
    this.inFlight.add(running);
    try {
      return await running;
    } finally {
      this.inFlight.delete(running);
    }
  }

  skip(name: string, reason: string): void {
    this.results.push({ name, status: 'skip', ms: 0, detail: reason });
  }

  /** Records a failure that happened outside any step (the run then fails). */
  recordFailure(name: string, error: unknown): void {
    this.results.push({ name, status: 'fail', ms: 0, detail: describeError(error) });
  }

  /** Registers something to undo; runs even when steps failed. */
  onCleanup(label: string, run: () => Promise<unknown>): void {
    this.cleanups.push({ label, run });
  }

  /**
   * Runs the registered cleanups, newest first. Concurrent calls share one pass (a signal may
   * arrive while the normal cleanup runs); a cleanup registered during the pass runs in it too.
   */
  cleanup(): Promise<void> {
    this.cleaning ??= this.drain().finally(() => {
      this.cleaning = undefined;
    });
    return this.cleaning;
  }

  /** Stops the run: no further step starts, and the run fails with the signal's exit code. */
  cancel(signal: string): void {
    if (this.cancelledBy) return;
    this.cancelledBy = signal;
    this.results.push({
      name: `cancelled by ${signal}`,
      status: 'fail',
      ms: 0,
      detail: 'no further step was started; the cleanup follows',
    });
  }

  /** Resolves when no step is running (a step may still register a cleanup until then). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  get failed(): boolean {
    return this.results.some((r) => r.status === 'fail');
  }

  /** 0 when every step passed or was skipped, 1 when one failed, 128 + n when a signal cancelled the run. */
  get exitCode(): number {
    if (this.cancelledBy) return SIGNAL_EXIT_CODES[this.cancelledBy] ?? 1;
    return this.failed ? 1 : 0;
  }

  table(): string {
    const rows = this.results.map(
      (r, i) =>
        `| ${i + 1} | ${r.name} | ${r.status === 'pass' ? 'pass' : r.status === 'fail' ? '**FAIL**' : 'skip'} | ${Math.round(r.ms)} ms | ${r.detail.replace(/\|/g, '\\|')} |`,
    );
    const counts = (['pass', 'fail', 'skip'] as const).map(
      (s) => `${this.results.filter((r) => r.status === s).length} ${s}`,
    );
    return [
      '| # | Step | Result | Time | Detail |',
      '| --- | --- | --- | --- | --- |',
      ...rows,
      '',
      counts.join(', '),
    ].join('\n');
  }

  private async measure<T>(
    name: string,
    fn: () => Promise<T>,
    describe?: (value: T) => string,
  ): Promise<T | undefined> {
    const started = this.now();
    try {
      const value = await fn();
      this.record(name, 'pass', started, describe ? describe(value) : '');
      return value;
    } catch (error) {
      this.record(name, 'fail', started, describeError(error));
      return undefined;
    }
  }

  private async drain(): Promise<void> {
    while (this.cleanups.length > 0) {
      const { label, run } = this.cleanups.pop()!;
      await this.measure(`cleanup: ${label}`, run);
    }
  }

  private record(name: string, status: StepStatus, started: number, detail: string): void {
    this.results.push({ name, status, ms: this.now() - started, detail });
  }
}

/** A one-line, secret-free description of an error (AWS error name and HTTP status, or the message of our own checks). */
export function describeError(error: unknown): string {
  if (error instanceof SmokeFailure) return error.message;
  if (error instanceof Error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    return `${error.name}${status ? ` (HTTP ${status})` : ''}: ${error.message.split('\n')[0]?.slice(0, 160) ?? ''}`;
  }
  return String(error);
}
