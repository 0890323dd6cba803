import { AdminGetUserCommand } from '@aws-sdk/client-cognito-identity-provider';
import { cognitoClient } from '../../shared/cognito';
import type { SendOptions } from '../../shared/deadline';

/**
 * Whether the user enrolled an MFA factor (TOTP, SMS or email). The trigger events carry the
 * user's attributes but not their MFA settings; `AdminGetUser` returns them in
 * `UserMFASettingList`. One call, made beside the state read and bounded by the invocation's
 * deadline; needs `cognito-idp:AdminGetUser` on this pool.
 */
export async function isMfaEnrolled(userPoolId: string, userName: string, options: SendOptions): Promise<boolean> {
  const user = await cognitoClient.send(
    new AdminGetUserCommand({ UserPoolId: userPoolId, Username: userName }),
    options,
  );
  return (user.UserMFASettingList?.length ?? 0) > 0 || (user.PreferredMfaSetting ?? '') !== '';
}
