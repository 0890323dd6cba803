import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct, type IConstruct } from 'constructs';
import { sesIdentityOf, type StageConfig } from '../config/schema';

export interface AuthUserPoolProps {
  /** User pool settings from the stage config. */
  readonly settings: StageConfig['userPool'];
  /** Cognito's native passwordless first factors (choice-based sign-in). @default - password only */
  readonly choiceBased?: StageConfig['passwordless']['choiceBased'];
  /** SES sender; the pool sends its own mail through it when `useForUserPool`. @default - Cognito's email */
  readonly email?: StageConfig['email'];
  /**
   * Passkey relying party: must be the custom domain when managed login runs on one.
   * @default - Cognito's prefix domain
   */
  readonly passkeyRelyingPartyId?: string;
}

/**
 * The Cognito user pool, configured per docs/security.md: email sign-in (case-insensitive),
 * verification before an email change takes effect, TOTP MFA, strong passwords, recovery by
 * verified email only, feature plan and threat protection from config, immutable
 * admin-only authorization attributes.
 */
export class AuthUserPool extends Construct {
  readonly userPool: cognito.UserPool;

  constructor(scope: Construct, id: string, props: AuthUserPoolProps) {
    super(scope, id);
    const { settings } = props;
    const policy = settings.passwordPolicy;

    this.userPool = new cognito.UserPool(this, 'Pool', {
      selfSignUpEnabled: settings.selfSignUp,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      // AttributesRequireVerificationBeforeUpdate: a changed email only takes effect once the
      // user proves they own it, so an email change cannot take over another person's account.
      keepOriginal: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      // Authorization data (config userPool.authorizationAttributes, e.g. tenant_id): immutable
      // (set once, at creation) and writable by no app client, so only an administrator creating
      // the user sets it and a user can never move into another tenant or department.
      customAttributes: Object.fromEntries(
        settings.authorizationAttributes.map((name) => [
          name,
          new cognito.StringAttribute({ minLen: 1, maxLen: 64, mutable: false }),
        ]),
      ),
      mfa: settings.mfa === 'REQUIRED' ? cognito.Mfa.REQUIRED : cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false, email: false },
      passwordPolicy: {
        minLength: policy.minLength,
        requireLowercase: policy.requireLowercase,
        requireUppercase: policy.requireUppercase,
        requireDigits: policy.requireDigits,
        requireSymbols: policy.requireSymbols,
        tempPasswordValidity: Duration.days(policy.tempPasswordValidityDays),
        ...(policy.passwordHistorySize > 0 ? { passwordHistorySize: policy.passwordHistorySize } : {}),
      },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: cognito.FeaturePlan[settings.featurePlan],
      ...threatProtection(settings.threatProtection),
      deletionProtection: settings.deletionProtection,
      removalPolicy: settings.removalPolicy === 'RETAIN' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      ...choiceBasedSignIn(props.choiceBased, props.passkeyRelyingPartyId),
      ...(props.email?.useForUserPool
        ? {
            email: cognito.UserPoolEmail.withSES({
              fromEmail: props.email.fromAddress,
              ...(props.email.fromName ? { fromName: props.email.fromName } : {}),
              ...(props.email.sesRegion ? { sesRegion: props.email.sesRegion } : {}),
              // The identity in the pool's SourceArn: the same one the functions may send from.
              ...(sesIdentityOf(props.email) === props.email.fromAddress
                ? {}
                : { sesVerifiedDomain: sesIdentityOf(props.email) }),
            }),
          }
        : {}),
    });

    this.acknowledgeFindings(settings);
  }

  /**
   * cdk-nag findings that this configuration triggers on purpose, each with its reason. They are
   * acknowledged on the CfnUserPool itself so they cover nothing else under the L2 construct.
   */
  private acknowledgeFindings(settings: StageConfig['userPool']): void {
    const pool = this.userPool.node.defaultChild as IConstruct;
    if (settings.mfa !== 'REQUIRED') {
      Validations.of(pool).acknowledge({
        id: 'AwsSolutions-COG2',
        reason:
          'MFA is OPTIONAL (TOTP offered to every user) in this non-production stage; the config schema forces REQUIRED when production is true.',
      });
    }
    if (settings.featurePlan !== 'PLUS') {
      Validations.of(pool).acknowledge({
        id: 'AwsSolutions-COG8',
        reason: `The stage config chooses the ${settings.featurePlan} plan to save cost; threat protection needs PLUS and the schema refuses it on cheaper plans. Production stages must use PLUS with threat protection ENFORCED (config schema).`,
      });
    }
  }
}

/**
 * Choice-based sign-in (USER_AUTH): password stays a first factor (Cognito requires it); email
 * OTP and passkeys are added when configured. Nothing is set when neither is on, so the pool
 * keeps Cognito's default (password only).
 */
function choiceBasedSignIn(
  choice: StageConfig['passwordless']['choiceBased'] | undefined,
  relyingPartyId: string | undefined,
): Pick<cognito.UserPoolProps, 'signInPolicy' | 'passkeyUserVerification' | 'passkeyRelyingPartyId'> {
  if (!choice || (!choice.emailOtp && !choice.passkey)) return {};
  return {
    signInPolicy: {
      allowedFirstAuthFactors: { password: true, emailOtp: choice.emailOtp, passkey: choice.passkey },
    },
    ...(choice.passkey
      ? {
          passkeyUserVerification:
            choice.passkeyUserVerification === 'REQUIRED'
              ? cognito.PasskeyUserVerification.REQUIRED
              : cognito.PasskeyUserVerification.PREFERRED,
          ...(relyingPartyId ? { passkeyRelyingPartyId: relyingPartyId } : {}),
        }
      : {}),
  };
}

function threatProtection(
  settings: StageConfig['userPool']['threatProtection'],
): Pick<cognito.UserPoolProps, 'standardThreatProtectionMode' | 'customThreatProtectionMode'> {
  const standard = {
    OFF: cognito.StandardThreatProtectionMode.NO_ENFORCEMENT,
    AUDIT: cognito.StandardThreatProtectionMode.AUDIT_ONLY,
    ENFORCED: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
  }[settings.standardAuth];
  const custom = {
    OFF: undefined,
    AUDIT: cognito.CustomThreatProtectionMode.AUDIT_ONLY,
    ENFORCED: cognito.CustomThreatProtectionMode.FULL_FUNCTION,
  }[settings.customAuth];
  return {
    ...(settings.standardAuth === 'OFF' ? {} : { standardThreatProtectionMode: standard }),
    ...(custom ? { customThreatProtectionMode: custom } : {}),
  };
}
