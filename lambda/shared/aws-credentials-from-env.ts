/**
 * Stands in for `@aws-sdk/credential-provider-node` in every Lambda bundle (an esbuild alias,
 * LAMBDA_ALIASES in lib/constructs/lambda-bundle.ts). Lambda always hands a function its
 * execution role's credentials as AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
 * AWS_SESSION_TOKEN, so the rest of the default
 * chain (SSO, INI files, web identity, process, container and instance metadata, with the
 * nested STS/SSO clients they need) is dead weight: it is ~40% of a bundle that uses one
 * Cognito client and ~10 ms of module load (bench/). Outside Lambda, use the real chain.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider = (_init?: unknown): ReturnType<typeof fromEnv> => fromEnv();
