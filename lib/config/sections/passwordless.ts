import { z } from 'zod';
import { requirePlan, rule, type RuleSection } from '../rule';

const customChallengeSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(false)
      .describe(
        'Passwordless sign-in with an emailed one-time code through the custom-auth triggers and a dedicated app client (needs `email`).',
      ),
    codeLength: z.number().int().min(6).max(10).default(6).describe('Digits in a code (6-10).'),
    codeTtlSeconds: z
      .number()
      .int()
      .min(30)
      .max(180)
      .default(180)
      .describe(
        'Seconds a code stays valid (30-180). The sign-in session itself ends after 3 minutes, so a longer code could never be used.',
      ),
    maxAttempts: z
      .number()
      .int()
      .min(1)
      .max(3)
      .default(3)
      .describe('Codes a user may try in one sign-in session (1-3); then the session fails.'),
    testOutbox: z
      .boolean()
      .default(false)
      .describe(
        'Also write each code to a DynamoDB table with a TTL, for a smoke test to read instead of a mailbox. Never in production.',
      ),
    allowWithRequiredMfa: z
      .boolean()
      .default(false)
      .describe(
        'Accept that this sign-in proves only control of the email inbox and skips the TOTP MFA that userPool.mfa REQUIRED asks of password sign-in. Needed to enable it with required MFA.',
      ),
  })
  .describe(
    'Passwordless sign-in that this project controls: custom auth challenge (define / create / verify triggers).',
  );

const choiceBasedSchema = z
  .strictObject({
    emailOtp: z
      .boolean()
      .default(false)
      .describe(
        "Cognito's native email one-time password as a first sign-in factor (needs ESSENTIALS or PLUS and email.useForUserPool).",
      ),
    passkey: z
      .boolean()
      .default(false)
      .describe("Cognito's native passkey (WebAuthn) sign-in as a first factor (needs ESSENTIALS or PLUS)."),
    passkeyUserVerification: z
      .enum(['REQUIRED', 'PREFERRED'])
      .default('REQUIRED')
      .describe('Whether a passkey must verify the user (PIN or biometric) at every use.'),
  })
  .describe(
    "Cognito's native choice-based sign-in (USER_AUTH flow on the web client). Password sign-in stays available.",
  );

export const passwordlessSchema = z
  .strictObject({
    customChallenge: customChallengeSchema.prefault({}),
    choiceBased: choiceBasedSchema.prefault({}),
  })
  .describe('Passwordless sign-in options (docs/passwordless.md). All off by default.');

const CUSTOM = ['passwordless', 'customChallenge'] as const;
const CHOICE_FACTORS = ['emailOtp', 'passkey'] as const;

export const passwordlessRules: RuleSection = {
  title: 'Passwordless sign-in',
  rules: [
    rule(
      'custom-challenge-needs-email',
      '`passwordless.customChallenge.enabled` needs the `email` section (the SES sender of the codes).',
      (config, report) => {
        if (config.passwordless.customChallenge.enabled && config.email === undefined) {
          report([...CUSTOM, 'enabled'], true, 'needs the `email` section: the SES sender of the sign-in codes');
        }
      },
    ),
    rule(
      'custom-challenge-with-required-mfa',
      'With `userPool.mfa: REQUIRED`, `passwordless.customChallenge.enabled` also needs `allowWithRequiredMfa: true` (an emailed code is one factor and skips TOTP).',
      (config, report) => {
        const custom = config.passwordless.customChallenge;
        if (custom.enabled && config.userPool.mfa === 'REQUIRED' && !custom.allowWithRequiredMfa) {
          report(
            [...CUSTOM, 'enabled'],
            true,
            'an emailed code is a single factor and skips the TOTP that userPool.mfa "REQUIRED" asks of password sign-in; set userPool.mfa to "OPTIONAL" or passwordless.customChallenge.allowWithRequiredMfa to true',
          );
        }
      },
    ),
    rule(
      'test-outbox-needs-custom-challenge',
      '`passwordless.customChallenge.testOutbox` needs `enabled`.',
      (config, report) => {
        const custom = config.passwordless.customChallenge;
        if (custom.testOutbox && !custom.enabled) {
          report([...CUSTOM, 'testOutbox'], true, 'the test outbox needs passwordless.customChallenge.enabled');
        }
      },
    ),
    rule(
      'production-no-test-outbox',
      'Production stages have no test outbox (`passwordless.customChallenge.testOutbox`).',
      (config, report) => {
        if (config.passwordless.customChallenge.testOutbox && config.production) {
          report([...CUSTOM, 'testOutbox'], true, 'production stages may not store sign-in codes in a test outbox');
        }
      },
    ),
    rule(
      'choice-based-needs-essentials',
      '`passwordless.choiceBased.emailOtp` / `passkey` need `ESSENTIALS` or `PLUS`.',
      (config, report) => {
        for (const factor of CHOICE_FACTORS) {
          if (!config.passwordless.choiceBased[factor]) continue;
          const path = ['passwordless', 'choiceBased', factor];
          requirePlan(config, report, 'ESSENTIALS', path, true, `choice-based sign-in (${factor})`);
        }
      },
    ),
    rule(
      'choice-based-without-required-mfa',
      '`passwordless.choiceBased.emailOtp` / `passkey` need `userPool.mfa: OPTIONAL` (Cognito offers passwordless first factors only to users without MFA).',
      (config, report) => {
        for (const factor of CHOICE_FACTORS) {
          if (!config.passwordless.choiceBased[factor] || config.userPool.mfa !== 'REQUIRED') continue;
          report(
            ['passwordless', 'choiceBased', factor],
            true,
            'Cognito offers passwordless first factors only to users without MFA, and userPool.mfa "REQUIRED" gives every user MFA; set userPool.mfa to "OPTIONAL"',
          );
        }
      },
    ),
    rule(
      'email-otp-needs-ses',
      '`passwordless.choiceBased.emailOtp` needs `email.useForUserPool: true` (the pool sends the codes through SES).',
      (config, report) => {
        if (config.passwordless.choiceBased.emailOtp && !config.email?.useForUserPool) {
          report(
            ['passwordless', 'choiceBased', 'emailOtp'],
            true,
            'email OTP sign-in needs the user pool to send email through Amazon SES: set email.useForUserPool to true',
          );
        }
      },
    ),
  ],
};
