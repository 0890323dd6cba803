/**
 * Step bookkeeping for the smoke test: every step is recorded as pass / fail / skip with its
 * duration and a one-line detail; a failing step never stops the cleanup; cleanups run in reverse
 * order of registration, each recorded as a step too.
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

export class SmokeRun {
  readonly results: StepResult[] = [];
  private readonly cleanups: { label: string; run: () => Promise<unknown> }[] = [];

  constructor(private readonly now: () => number = () => performance.now()) {}

  /**
   * Runs one step. Returns its value, or undefined when it failed (later steps that need it
   * should then be skipped with `skip`).
   */
  async step<T>(name: string, fn: () => Promise<T>, describe?: (value: T) => string): Promise<T | undefined> {
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

  skip(name: string, reason: string): void {
    this.results.push({ name, status: 'skip', ms: 0, detail: reason });
  }

  /** Registers something to undo; runs even when steps failed. */
  onCleanup(label: string, run: () => Promise<unknown>): void {
    this.cleanups.push({ label, run });
  }

  async cleanup(): Promise<void> {
    while (this.cleanups.length > 0) {
      const { label, run } = this.cleanups.pop()!;
      await this.step(`cleanup: ${label}`, run);
    }
  }

  get failed(): boolean {
    return this.results.some((r) => r.status === 'fail');
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
