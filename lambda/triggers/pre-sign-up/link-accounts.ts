import {
  AdminLinkProviderForUserCommand,
  ListUsersCommand,
  type UserType,
} from '@aws-sdk/client-cognito-identity-provider';
import type { PreSignUpTriggerEvent } from 'aws-lambda';
import { cognitoClient } from '../../shared/cognito';
import type { SendOptions } from '../../shared/deadline';
import { log } from '../../shared/log';
import { decideLink, emailFilter, parseExternalUserName, type ExistingUser } from './policy';

/**
 * Links a federated sign-up to the native user with the same email when `decideLink` allows
 * it: the only part of pre sign-up that calls AWS, so only handler-federated.ts bundles it.
 * (A lazy `import()` instead would not help: a single-file bundle still loads the SDK's Node
 * built-ins eagerly, and esbuild's lazy-module wrappers grew the bundle by 35%; see bench/.)
 */
export async function linkToNativeUser(
  event: PreSignUpTriggerEvent,
  email: string,
  providers: readonly string[],
  options: SendOptions,
): Promise<void> {
  const identity = parseExternalUserName(event.userName, providers);
  const filter = emailFilter(email);
  if (!identity || !filter) {
    log.info('preSignUp.linkSkipped', { reason: identity ? 'unfilterable-email' : 'unknown-provider' });
    return;
  }
  const list = new ListUsersCommand({ UserPoolId: event.userPoolId, Filter: filter, Limit: 10 });
  const { Users = [] } = await cognitoClient.send(list, options);
  const candidates = Users.filter((u) => u.Username).map(toExistingUser);
  const decision = decideLink(event.request.userAttributes.email_verified === 'true', candidates);
  if (!decision.link) {
    log.info('preSignUp.linkRefused', { provider: identity.providerName, reason: decision.reason });
    return;
  }
  const link = new AdminLinkProviderForUserCommand({
    UserPoolId: event.userPoolId,
    DestinationUser: { ProviderName: 'Cognito', ProviderAttributeValue: decision.destinationUsername },
    SourceUser: {
      ProviderName: identity.providerName,
      ProviderAttributeName: 'Cognito_Subject',
      ProviderAttributeValue: identity.subject,
    },
  });
  await cognitoClient.send(link, options);
  log.info('preSignUp.linked', { provider: identity.providerName });
}

function toExistingUser(user: UserType): ExistingUser {
  const verified = user.Attributes?.find((a) => a.Name === 'email_verified')?.Value;
  return { username: user.Username ?? '', status: user.UserStatus, emailVerified: verified === 'true' };
}
