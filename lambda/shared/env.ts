/**
 * Environment access for Lambda handlers. Read once at module load: a missing or malformed
 * variable fails the cold start (a deploy-time bug), never a user's request halfway through.
 */

/** The variable's value; throws at load when it is unset or empty. */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`Missing environment variable ${name}`);
  }
  return value;
}

/** A comma-separated list (empty string = empty list), trimmed, without empty items. */
export function listEnv(name: string): string[] {
  const value = process.env[name] ?? '';
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/** A JSON variable, parsed and checked by `parse`; throws at load when either fails. */
export function jsonEnv<T>(name: string, parse: (value: unknown) => T): T {
  const raw = requireEnv(name);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new Error(`Environment variable ${name} is not valid JSON`);
  }
  return parse(value);
}
