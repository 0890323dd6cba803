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

/**
 * Builds the pre sign-up handler: the email-domain rules for every kind of sign-up and, when
 * `link` is given, account linking for federated sign-ups. It never sets autoConfirmUser,
 * autoVerifyEmail or autoVerifyPhone (Cognito's defaults, false, stay), and ignores
 * validationData and clientMetadata, which the caller controls.
 */
export function makePreSignUpHandler(link?: LinkFederatedUser): PreSignUpTriggerHandler {
  const policy: DomainPolicy = { allow: listEnv('ALLOWED_EMAIL_DOMAINS'), deny: listEnv('DENIED_EMAIL_DOMAINS') };
  return async (event, context) =>
    runTrigger('preSignUp', (event as { triggerSource?: unknown } | null)?.triggerSource, async () => {
      assertTriggerEvent(event, SOURCES);
      const email = event.request.userAttributes?.email;
      const domain = checkEmailDomain(email, policy);
      if (!domain.allowed) {
        throw new UserFacingError(USER_MESSAGES.signUpNotAllowed, `domain-${domain.reason}`);
      }
      if (event.triggerSource === 'PreSignUp_ExternalProvider' && link && email) {
        // One abort signal for the lookup and the link: both end before the invocation does.
        await Deadline.of(context).bound((options) => link(event, email, options));
      }
      log.info('preSignUp.allowed', { triggerSource: event.triggerSource, domain: domain.domain });
      return event;
    });
}
