import { listEnv } from '../../shared/env';
import { linkToNativeUser } from './link-accounts';
import { makePreSignUpHandler } from './sign-up';

const providers = listEnv('FEDERATED_PROVIDERS');

/**
 * Pre sign-up with federation: email-domain rules, then linking a Google / OIDC sign-up to the
 * native account with the same, verified email (link-accounts.ts).
 */
export const handler = makePreSignUpHandler((event, email, options) =>
  linkToNativeUser(event, email, providers, options),
);
