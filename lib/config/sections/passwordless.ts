import { z } from 'zod';
import { requirePlan, rule, type RuleSection } from '../rule';

/** The addresses scripts/smoke.ts creates (its dev deploy role may read their outbox items). */
export const DEFAULT_TEST_OUTBOX_ADDRESSES = 'success+smoke*@simulator.amazonses.com';

/**
 * A test-outbox address pattern: lower-case, at most one `*` in the local part after at least 4
 * literal characters, and an exact domain. `*@example.com` (a whole domain) never passes.
 */
const OUTBOX_ADDRESS_PATTERN =
  /^[a-z0-9._+-]{4,}(\*[a-z0-9._+-]*)?@([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

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
    testOutboxAddresses: z
      .string()
      .max(254)
      .regex(
        OUTBOX_ADDRESS_PATTERN,
        'expected a lower-case address, or a pattern with one "*" after a literal start of at least 4 characters, e.g. "success+smoke*@simulator.amazonses.com" (never a whole domain)',
      )
      .default(DEFAULT_TEST_OUTBOX_ADDRESSES)
      .describe(
        'Only codes for addresses matching this pattern (`*` = any characters except `@`, case-insensitive) are written to the test outbox; everyone else gets the code by email only. The default matches the addresses the smoke test creates.',
      ),
    usersWithMfa: z
      .enum(['refuse', 'allow'])
      .default('refuse')
      .describe(
        'Users who enrolled MFA (TOTP, SMS or email): "refuse" gives them a challenge that sends no code and never succeeds (they sign in with their password and MFA); "allow" accepts the emailed code alone for them, one factor instead of two. With userPool.mfa REQUIRED every user has MFA, so only "allow" makes sense there.',
      ),
    emailLimit: z
      .strictObject({
        maxEmails: z
          .number()
          .int()
          .min(1)
          .max(10)
          .default(3)
          .describe('Codes emailed to one user within windowSeconds (1-10), whatever the number of sign-in sessions.'),
        windowSeconds: z
          .number()
          .int()
          .min(60)
          .max(86400)
          .default(900)
          .describe('Length of the email window in seconds (60-86400, at least codeTtlSeconds).'),
      })
      .prefault({})
      .describe(
        'Cross-session email limit per user. A new session reuses a code that is still valid and sends nothing; a new code is emailed only while this limit allows.',
      ),
    lockout: z
      .strictObject({
        maxWrongAnswers: z
          .number()
          .int()
          .min(1)
          .max(100)
          .default(5)
          .describe(
            'Wrong answers one user may give within windowSeconds, across all sessions (1-100); then sign-in by code is refused until the window ends.',
          ),
        windowSeconds: z
          .number()
          .int()
          .min(60)
          .max(86400)
          .default(3600)
          .describe(
            'Length of the wrong-answer window in seconds (60-86400, at least codeTtlSeconds), counted from the first wrong answer in it.',
          ),
      })
      .prefault({})
      .describe(
        'Cross-session lockout per user. A locked-out user sees what any failed sign-in shows (same challenges, same error); other users are not affected.',
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
      'With `userPool.mfa: REQUIRED` every user has MFA, so `passwordless.customChallenge.usersWithMfa` must be `allow` (an emailed code is one factor and skips TOTP; `refuse` would refuse everyone).',
      (config, report) => {
        const custom = config.passwordless.customChallenge;
        if (custom.enabled && config.userPool.mfa === 'REQUIRED' && custom.usersWithMfa !== 'allow') {
          report(
            [...CUSTOM, 'usersWithMfa'],
            custom.usersWithMfa,
            'with userPool.mfa "REQUIRED" every user has MFA, so "refuse" would refuse everyone; an emailed code is a single factor that skips the TOTP password sign-in asks for: set userPool.mfa to "OPTIONAL", or usersWithMfa to "allow" to accept that',
          );
        }
      },
    ),
    rule(
      'limit-windows-cover-code-lifetime',
      '`passwordless.customChallenge.emailLimit.windowSeconds` and `lockout.windowSeconds` are at least `codeTtlSeconds` (a shorter window resets while a code is still valid: more emails or guesses than the limits say).',
      (config, report) => {
        const custom = config.passwordless.customChallenge;
        for (const limit of ['emailLimit', 'lockout'] as const) {
          const seconds = custom[limit].windowSeconds;
          if (seconds < custom.codeTtlSeconds) {
            report(
              [...CUSTOM, limit, 'windowSeconds'],
              seconds,
              `must be at least passwordless.customChallenge.codeTtlSeconds (${custom.codeTtlSeconds}): a shorter window resets while a code is still valid`,
            );
          }
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
