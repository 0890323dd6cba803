import { makePreSignUpHandler } from './sign-up';

/**
 * Pre sign-up without federation: email-domain rules only. It calls no AWS API, so its bundle
 * holds no SDK and loads within a millisecond of an empty handler (bench/). With Google or OIDC
 * configured, the stack deploys handler-federated.ts instead.
 */
export const handler = makePreSignUpHandler();
