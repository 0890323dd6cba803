import { listEnv } from '../../shared/env';
import { linkToNativeUser } from './link-accounts';
import { makePreSignUpHandler } from './sign-up';

const providers = listEnv('LINK_PROVIDERS');

/**
 * Pre sign-up with account linking: email-domain and tenant-id rules, then linking a sign-up
 * through a provider trusted for `email_verified` (config `trustEmailVerified`) to the native
 * account with the same, verified email (link-accounts.ts).
 */
export const handler = makePreSignUpHandler({
  link: (event, email, options) => linkToNativeUser(event, email, providers, options),
});
