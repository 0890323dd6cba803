/**
 * Warm latency of one handler, in its own process (run with tsx): loads the handler from source
 * with its deployed environment, replaces the `send` of its SDK clients with an immediate canned
 * answer, warms up, then times N sequential invocations. Prints JSON { p50, p99 } in µs for the
 * handler and for the floor `async (e) => e` measured the same way.
 *
 * console.* is replaced by JSON.stringify of its argument: the work Lambda's JSON log formatter
 * does, without the terminal write.
 */
import { join } from 'node:path';
import { percentile } from './stats';
import type { WarmSpec } from '../specs';

interface Input {
  readonly entry: string;
  readonly env: Record<string, string>;
  readonly spec: WarmSpec;
  readonly iterations: number;
  readonly warmup: number;
}

const input = JSON.parse(process.argv[2] ?? '{}') as Input;
const ROOT = join(__dirname, '..', '..');

for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
  console[level] = (...args: unknown[]) => {
    JSON.stringify(args.length === 1 ? args[0] : args);
  };
}

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

async function time(handler: Handler, makeEvent: () => unknown): Promise<{ p50: number; p99: number }> {
  const context = { awsRequestId: 'bench', getRemainingTimeInMillis: () => 5000 };
  for (let i = 0; i < input.warmup; i++) await handler(makeEvent(), context).catch(() => undefined);
  const samples = new Array<number>(input.iterations);
  for (let i = 0; i < input.iterations; i++) {
    const event = makeEvent();
    const start = process.hrtime.bigint();
    await handler(event, context).catch(() => undefined);
    samples[i] = Number(process.hrtime.bigint() - start) / 1000;
  }
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

async function main(): Promise<void> {
  Object.assign(process.env, input.env, { AWS_REGION: 'eu-west-1' });
  for (const stub of input.spec.clients ?? []) {
    const mod = (await import(join(ROOT, stub.module))) as Record<string, { send: unknown }>;
    const client = mod[stub.export];
    if (!client) throw new Error(`${stub.module} has no export ${stub.export}`);
    client.send = (command: { constructor: { name: string } }) => {
      const response = stub.responses[command.constructor.name];
      if (response === undefined)
        return Promise.reject(new Error(`no canned response for ${command.constructor.name}`));
      return Promise.resolve(structuredClone(response));
    };
  }
  const mod = (await import(join(ROOT, 'lambda', input.entry))) as { handler: Handler };
  const { readFileSync } = await import('node:fs');
  const base = JSON.parse(readFileSync(join(ROOT, 'test', 'events', `${input.spec.fixture}.json`), 'utf8')) as unknown;
  const makeEvent = () => structuredClone(base);

  // Correctness guard: the timed path must be the success path, not an early rejection.
  await mod.handler(makeEvent(), { awsRequestId: 'check' });

  // eslint-disable-next-line @typescript-eslint/require-await -- the floor is exactly `async (e) => e`
  const floorHandler: Handler = async (event) => event;
  const floor = await time(floorHandler, makeEvent);
  const handler = await time(mod.handler, makeEvent);
  process.stdout.write(JSON.stringify({ handler, floor }));
}

main().catch((error: unknown) => {
  console.error = process.stderr.write.bind(process.stderr) as never;
  process.stderr.write(`warm probe failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
