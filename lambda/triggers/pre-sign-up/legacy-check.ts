import type { SendOptions } from '../../shared/deadline';
import { normalizeUsername, type LegacyDirectory } from '../../shared/legacy-directory';

/**
 * Whether the legacy directory holds a user under `email`: with self sign-up and migration both
 * on, anyone could otherwise sign up with a legacy user's address before that user's first
 * sign-in migrates them, and keep the account. One GetItem (the migrate trigger's own lookup).
 */
export async function isLegacyUser(directory: LegacyDirectory, email: string, options: SendOptions): Promise<boolean> {
  const username = normalizeUsername(email);
  if (!username) return false;
  return (await directory.find(username, options)) !== undefined;
}
