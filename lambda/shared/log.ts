/**
 * Structured logs through Lambda's native JSON log format (`loggingFormat: JSON`): a single
 * object passed to `console.*` becomes the `message` field of the JSON log line, and Lambda
 * filters by the function's application log level. No logging library to load.
 *
 * Only flat, allow-typed fields are accepted (never an event or request object), and any field
 * whose name looks like a credential is redacted, so a password, one-time code or token cannot
 * reach the logs even by mistake.
 */

type Field = string | number | boolean | null | undefined | readonly string[];
export type LogFields = Readonly<Record<string, Field>>;

const SECRET_NAME = /pass(word)?|secret|token|code|answer|otp|authorization|cookie|credential|session/i;
const MAX_STRING = 200;

function clean(fields: LogFields): Record<string, Field> {
  const out: Record<string, Field> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (SECRET_NAME.test(key)) out[key] = '[redacted]';
    else if (typeof value === 'string') out[key] = value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value;
    else out[key] = value;
  }
  return out;
}

function write(level: 'debug' | 'info' | 'warn' | 'error', event: string, fields: LogFields): void {
  // One argument: Lambda's JSON formatter keeps it as a structured `message` object.
  console[level]({ event, ...clean(fields) });
}

export const log = {
  debug: (event: string, fields: LogFields = {}) => write('debug', event, fields),
  info: (event: string, fields: LogFields = {}) => write('info', event, fields),
  warn: (event: string, fields: LogFields = {}) => write('warn', event, fields),
  error: (event: string, fields: LogFields = {}) => write('error', event, fields),
};

/** Loggable facts about an error: its class name and AWS fault, never its message or stack. */
export function errorFields(error: unknown): LogFields {
  if (!(error instanceof Error)) return { errorType: typeof error };
  const meta = (error as { $metadata?: { httpStatusCode?: number }; $fault?: string }).$metadata;
  return {
    errorType: error.name,
    httpStatus: meta?.httpStatusCode,
    fault: (error as { $fault?: string }).$fault,
  };
}
