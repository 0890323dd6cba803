import { isTenantId } from '../../contract';
import type { PreSignUpTriggerEvent, PreSignUpTriggerHandler } from 'aws-lambda';
import { Deadline, type SendOptions } from '../../shared/deadline';
import { listEnv } from '../../shared/env';
import { USER_MESSAGES, UserFacingError } from '../../shared/errors';
import { log } from '../../shared/log';
import { assertTriggerEvent, runTrigger } from '../../shared/trigger';
import { checkEmailDomain, type DomainPolicy } from './policy';

const SOURCES = ['PreSignUp_SignUp', 'PreSignUp_AdminCreateUser', 'PreSignUp_ExternalProvider'] as const;

/** Links a federated sign-up to an existing account (see link-accounts.ts). */
export type LinkFederatedUser = (event: PreSignUpTriggerEvent, email: string, options: SendOptions) => Promise<void>;

/** Whether a legacy user not yet migrated owns `email` (see legacy-check.ts). */
export type IsLegacyUser = (email: string, options: SendOptions) => Promise<boolean>;

/** What a deployed variant adds to the rules every variant applies. */
export interface PreSignUpExtensions {
  /** Account linking for federated sign-ups (only with trusted providers configured). */
  readonly link?: LinkFederatedUser;
  /** Refuses self sign-ups of legacy users' addresses (only with self sign-up and migration on). */
  readonly isLegacyUser?: IsLegacyUser;
}

const refuse = (reason: string) => new UserFacingError(USER_MESSAGES.signUpNotAllowed, reason);

/**
 * Builds the pre sign-up handler: the email-domain and tenant-id rules for every kind of sign-up,
 * and what the deployed variant adds (`extensions`). It never sets autoConfirmUser,
 * autoVerifyEmail or autoVerifyPhone (Cognito's defaults, false, stay), and ignores
 * validationData and clientMetadata, which the caller controls. Every refusal carries the same
 * fixed message; the reason goes to the logs only.
 */
export function makePreSignUpHandler(extensions: PreSignUpExtensions = {}): PreSignUpTriggerHandler {
  const policy: DomainPolicy = { allow: listEnv('ALLOWED_EMAIL_DOMAINS'), deny: listEnv('DENIED_EMAIL_DOMAINS') };
  const { link, isLegacyUser } = extensions;
  return async (event, context) =>
    runTrigger('preSignUp', (event as { triggerSource?: unknown } | null)?.triggerSource, async () => {
      assertTriggerEvent(event, SOURCES);
      const attributes = event.request.userAttributes ?? {};
      const email = attributes.email;
      const domain = checkEmailDomain(email, policy);
      if (!domain.allowed) throw refuse(`domain-${domain.reason}`);
      // An administrator (AdminCreateUser) or an IdP attribute mapping sets the tenant: it becomes
      // the `tenant` principal tag and a path segment, so only the safe alphabet passes.
      const tenant = attributes['custom:tenant_id'];
      if (tenant !== undefined && !isTenantId(tenant)) throw refuse('tenant-id-invalid');
      if (event.triggerSource === 'PreSignUp_SignUp' && isLegacyUser && email) {
        // One lookup, bounded by this invocation's deadline; a legacy user keeps their address.
        if (await Deadline.of(context).bound((options) => isLegacyUser(email, options))) throw refuse('legacy-user');
      }
      if (event.triggerSource === 'PreSignUp_ExternalProvider' && link && email) {
        // One abort signal for the lookup and the link: both end before the invocation does.
        await Deadline.of(context).bound((options) => link(event, email, options));
      }
      log.info('preSignUp.allowed', { triggerSource: event.triggerSource, domain: domain.domain });
      return event;
    });
}
