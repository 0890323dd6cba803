import { z } from 'zod';
import { awsRegion, emailAddress, lowerDomain } from '../fields';
import { rule, type RuleSection } from '../rule';

export const emailSchema = z
  .strictObject({
    fromAddress: emailAddress.describe(
      "Sender of every email this stage sends through Amazon SES (passwordless codes; the user pool's own mail when useForUserPool).",
    ),
    fromName: z
      .string()
      .regex(/^[\p{L}\p{N} .&'-]{1,64}$/u, "expected 1-64 letters, digits, spaces or . & ' -")
      .optional()
      .describe('Display name shown with fromAddress.'),
    sesIdentity: lowerDomain
      .or(emailAddress)
      .optional()
      .describe(
        'The verified SES identity that may send as fromAddress: its domain or the address itself (default: the domain of fromAddress). IAM allows sending from this identity only.',
      ),
    sesRegion: awsRegion
      .optional()
      .describe(
        "Region of the SES identity (default: the stack's region; required for useForUserPool when env.region is not set). With useForUserPool it must be one Cognito accepts for the pool's region (checked when env.region is set): the pool's own region, or for pools in some regions us-east-1, us-west-2 or eu-west-1.",
      ),
    useForUserPool: z
      .boolean()
      .default(false)
      .describe(
        "Send the user pool's own email (verification, password reset, email OTP sign-in) through this SES identity instead of Cognito's built-in, rate-limited email.",
      ),
  })
  .describe("Amazon SES sender. Absent: no function sends email and the user pool uses Cognito's built-in email.");

type Email = z.output<typeof emailSchema>;

/**
 * SES regions Cognito accepts for a user pool's own email, by the pool's region. Every pool may use
 * SES in its own region; pools in the regions below may also use the three regions Cognito
 * supported at launch. Source: Amazon Cognito Developer Guide, "Email settings for Amazon Cognito
 * user pools", table "Amazon SES email configuration Regions".
 */
const SES_LAUNCH_REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1'];
const POOL_REGIONS_WITH_SES_LAUNCH_REGIONS = new Set([
  ...SES_LAUNCH_REGIONS,
  'us-east-2',
  'ca-central-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-south-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'eu-west-2',
  'eu-central-1',
]);

/** The SES regions a user pool in `poolRegion` can send its email through. */
export function cognitoSesRegions(poolRegion: string): string[] {
  return POOL_REGIONS_WITH_SES_LAUNCH_REGIONS.has(poolRegion)
    ? [...new Set([poolRegion, ...SES_LAUNCH_REGIONS])]
    : [poolRegion];
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1);
}

/** The SES identity that sends as `email.fromAddress`: `sesIdentity`, else the address's domain. */
export function sesIdentityOf(email: Email): string {
  return email.sesIdentity ?? domainOf(email.fromAddress);
}

export const emailRules: RuleSection = {
  title: 'Email',
  rules: [
    rule(
      'ses-identity-owns-sender',
      '`email.sesIdentity` is `email.fromAddress` or its domain (IAM and Cognito use its ARN).',
      (config, report) => {
        const { email } = config;
        if (email?.sesIdentity === undefined) return;
        const domain = domainOf(email.fromAddress);
        if (email.sesIdentity !== email.fromAddress && email.sesIdentity !== domain) {
          report(['email', 'sesIdentity'], email.sesIdentity, `must be email.fromAddress or its domain ("${domain}")`);
        }
      },
    ),
    rule(
      'ses-region-cognito-accepts',
      "With `email.useForUserPool`, `email.sesRegion` is a region Cognito accepts for the pool's region (`env.region`, checked when set): its own, or for pools in some regions us-east-1, us-west-2 or eu-west-1.",
      (config, report) => {
        const { email } = config;
        const poolRegion = config.env.region;
        if (!email?.useForUserPool || email.sesRegion === undefined || poolRegion === undefined) return;
        const accepted = cognitoSesRegions(poolRegion);
        if (!accepted.includes(email.sesRegion)) {
          report(
            ['email', 'sesRegion'],
            email.sesRegion,
            `a user pool in ${poolRegion} (env.region) can send email only through SES in ${accepted.map((r) => `"${r}"`).join(', ')} (Cognito's supported SES regions)`,
          );
        }
      },
    ),
    rule(
      'ses-region-for-user-pool',
      '`email.useForUserPool` needs `email.sesRegion` when `env.region` is not set.',
      (config, report) => {
        const { email } = config;
        if (email?.useForUserPool && email.sesRegion === undefined && config.env.region === undefined) {
          report(
            ['email', 'sesRegion'],
            undefined,
            'required when email.useForUserPool is true and env.region is not set (the user pool needs the SES region)',
          );
        }
      },
    ),
  ],
};
