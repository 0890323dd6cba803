import type { EnvName } from '../contract';

/**
 * Environment access for Lambda handlers. Read once at module load: a missing or malformed
 * variable fails the cold start (a deploy-time bug), never a user's request halfway through.
 * Only the names of the contract (lambda/contract.ts ENV_NAMES), which the CDK side sets.
 */

/** The variable's value; throws at load when it is unset or empty. */
export function requireEnv(name: EnvName): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`Missing environment variable ${name}`);
  }
  return value;
}

/** The variable's value, or undefined when it is unset or empty. */
export function optionalEnv(name: EnvName): string | undefined {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
}

/** A comma-separated list (empty string = empty list), trimmed, without empty items. */
export function listEnv(name: EnvName): string[] {
  const value = process.env[name] ?? '';
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/** A JSON variable, parsed and checked by `parse`; throws at load when either fails. */
export function jsonEnv<T>(name: EnvName, parse: (value: unknown) => T): T {
  const raw = requireEnv(name);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new Error(`Environment variable ${name} is not valid JSON`);
  }
  return parse(value);
}
