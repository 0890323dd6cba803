import { makePreSignUpHandler } from './sign-up';

/**
 * Pre sign-up without account linking or the legacy-address check: email-domain and tenant-id
 * rules only. It calls no AWS API, so its bundle holds no SDK and loads within a millisecond of an
 * empty handler (bench/). With providers trusted for linking, or with self sign-up and migration
 * both on, the stack deploys handler-federated.ts, handler-migration.ts or
 * handler-federated-migration.ts instead.
 */
export const handler = makePreSignUpHandler();
