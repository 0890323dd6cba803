import {
  AdminLinkProviderForUserCommand,
  ListUsersCommand,
  type UserType,
} from '@aws-sdk/client-cognito-identity-provider';
import type { PreSignUpTriggerEvent, PreSignUpTriggerHandler } from 'aws-lambda';
import { cognitoClient } from '../../shared/cognito';
import { listEnv, requireEnv } from '../../shared/env';
import { USER_MESSAGES, UserFacingError } from '../../shared/errors';
import { log } from '../../shared/log';
import { assertTriggerEvent, runTrigger } from '../../shared/trigger';
import {
  checkEmailDomain,
  decideLink,
  emailFilter,
  parseExternalUserName,
  type DomainPolicy,
  type ExistingUser,
} from './policy';

const SOURCES = ['PreSignUp_SignUp', 'PreSignUp_AdminCreateUser', 'PreSignUp_ExternalProvider'] as const;

const policy: DomainPolicy = { allow: listEnv('ALLOWED_EMAIL_DOMAINS'), deny: listEnv('DENIED_EMAIL_DOMAINS') };
const linkFederatedUsers = requireEnv('LINK_FEDERATED_USERS') === 'true';
const providers = listEnv('FEDERATED_PROVIDERS');

/**
 * Pre sign-up: applies the email-domain rules to every kind of sign-up and links a federated
 * sign-up to the native account with the same, verified email. It never sets autoConfirmUser,
 * autoVerifyEmail or autoVerifyPhone (Cognito's defaults, false, stay), and ignores
 * validationData and clientMetadata, which the caller controls.
 */
export const handler: PreSignUpTriggerHandler = async (event) =>
  runTrigger('preSignUp', (event as { triggerSource?: unknown } | null)?.triggerSource, async () => {
    assertTriggerEvent(event, SOURCES);
    const email = event.request.userAttributes?.email;
    const domain = checkEmailDomain(email, policy);
    if (!domain.allowed) {
      throw new UserFacingError(USER_MESSAGES.signUpNotAllowed, `domain-${domain.reason}`);
    }
    if (event.triggerSource === 'PreSignUp_ExternalProvider' && linkFederatedUsers && email) {
      await linkToNativeUser(event, email);
    }
    log.info('preSignUp.allowed', { triggerSource: event.triggerSource, domain: domain.domain });
    return event;
  });

async function linkToNativeUser(event: PreSignUpTriggerEvent, email: string): Promise<void> {
  const identity = parseExternalUserName(event.userName, providers);
  const filter = emailFilter(email);
  if (!identity || !filter) {
    log.info('preSignUp.linkSkipped', { reason: identity ? 'unfilterable-email' : 'unknown-provider' });
    return;
  }
  const { Users = [] } = await cognitoClient.send(
    new ListUsersCommand({ UserPoolId: event.userPoolId, Filter: filter, Limit: 10 }),
  );
  const candidates = Users.filter((u) => u.Username).map(toExistingUser);
  const decision = decideLink(event.request.userAttributes.email_verified === 'true', candidates);
  if (!decision.link) {
    log.info('preSignUp.linkRefused', { provider: identity.providerName, reason: decision.reason });
    return;
  }
  await cognitoClient.send(
    new AdminLinkProviderForUserCommand({
      UserPoolId: event.userPoolId,
      DestinationUser: { ProviderName: 'Cognito', ProviderAttributeValue: decision.destinationUsername },
      SourceUser: {
        ProviderName: identity.providerName,
        ProviderAttributeName: 'Cognito_Subject',
        ProviderAttributeValue: identity.subject,
      },
    }),
  );
  log.info('preSignUp.linked', { provider: identity.providerName });
}

function toExistingUser(user: UserType): ExistingUser {
  const verified = user.Attributes?.find((a) => a.Name === 'email_verified')?.Value;
  return { username: user.Username ?? '', status: user.UserStatus, emailVerified: verified === 'true' };
}
