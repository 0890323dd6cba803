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
// A static import: the same (CommonJS) copy of aws-jwt-verify the handler loads under tsx.
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { makeToken } from './jwt';
import { percentile } from './stats';
import type { WarmSpec } from '../specs';

interface Input {
  readonly entry: string;
  readonly env: Record<string, string>;
  readonly spec: WarmSpec;
  readonly iterations: number;
  readonly warmup: number;
}

function merge(base: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = { ...((base ?? {}) as Record<string, unknown>) };
  for (const [key, value] of Object.entries(patch)) out[key] = merge(out[key], value);
  return out;
}

/**
 * For the tenant authorizer: a locally signed access token in the Authorization header, and the
 * verifier's JWKS cache answering with its key (no network), so the timed path is the real
 * verify-and-decide path.
 */
function withLocalJwt(event: Record<string, unknown>): Record<string, unknown> {
  const t = makeToken();
  const jwk = t.jwks.keys[0]!;
  SimpleJwksCache.prototype.getJwks = () => Promise.resolve(t.jwks);
  SimpleJwksCache.prototype.getJwk = () => Promise.resolve(jwk as never);
  const bearer = `Bearer ${t.token}`;
  return merge(event, { headers: { Authorization: bearer }, multiValueHeaders: { Authorization: [bearer] } }) as Record<
    string,
    unknown
  >;
}

const input = JSON.parse(process.argv[2] ?? '{}') as Input;
const ROOT = join(__dirname, '..', '..');

for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
  console[level] = (...args: unknown[]) => {
    JSON.stringify(args.length === 1 ? args[0] : args);
  };
}

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

const iterations = input.spec.iterations ?? input.iterations;
const warmup = input.spec.iterations ? Math.max(2, Math.ceil(input.spec.iterations / 10)) : input.warmup;

async function time(handler: Handler, makeEvent: () => unknown): Promise<{ p50: number; p99: number }> {
  const context = { awsRequestId: 'bench', getRemainingTimeInMillis: () => 5000 };
  for (let i = 0; i < warmup; i++) await handler(makeEvent(), context).catch(() => undefined);
  const samples = new Array<number>(iterations);
  for (let i = 0; i < iterations; i++) {
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
  const { readFileSync } = await import('node:fs');
  let base = merge(
    JSON.parse(readFileSync(join(ROOT, 'test', 'events', `${input.spec.fixture}.json`), 'utf8')),
    input.spec.patch ?? {},
  ) as Record<string, unknown>;
  // Before the handler loads: its cold start prefetches the JWKS.
  if (input.spec.jwt) base = withLocalJwt(base);
  const makeEvent = () => structuredClone(base);
  const mod = (await import(join(ROOT, 'lambda', input.entry))) as { handler: Handler };

  // Correctness guard: the timed path must be the success path, not an early rejection.
  const check = (await mod.handler(makeEvent(), { awsRequestId: 'check' })) as
    { statusCode?: number; policyDocument?: unknown } | undefined;
  if (check && typeof check.statusCode === 'number' && check.statusCode >= 400) {
    throw new Error(`the bench event gets HTTP ${check.statusCode}, not the success path`);
  }
  if (check?.policyDocument && JSON.stringify(check.policyDocument).includes('"Deny"')) {
    throw new Error('the bench event gets a Deny policy, not the success path');
  }

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
