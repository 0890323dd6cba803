import { z } from 'zod';
import { lowerDomain } from '../fields';
import { requirePlan, rule, type RuleSection } from '../rule';

/** Words Cognito refuses in a prefix domain. */
const RESERVED_DOMAIN_WORDS = ['aws', 'amazon', 'cognito'];

export const domainSchema = z
  .strictObject({
    prefix: z
      .string()
      .regex(
        /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/,
        'expected 1-63 lower-case letters, digits or hyphens, not starting or ending with a hyphen',
      )
      .optional()
      .describe(
        'Prefix of the Cognito-hosted domain `<prefix>.auth.<region>.amazoncognito.com`. Must be unique in the region.',
      ),
    customDomain: z
      .strictObject({
        domainName: lowerDomain.describe('Your own domain for managed login, e.g. auth.example.com.'),
        certificateArn: z
          .string()
          .regex(
            /^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[A-Za-z0-9-]+$/,
            'expected an ACM certificate ARN in us-east-1 (Cognito custom domains use CloudFront)',
          )
          .describe('ACM certificate for domainName; it must live in us-east-1.'),
      })
      .optional()
      .describe('Use your own domain instead of a prefix.'),
    remove: z
      .boolean()
      .default(false)
      .describe(
        'Deploy without the login domain: step 1 of changing domain.prefix or domain.customDomain (docs/deploy.md, "Changing a deployed stage"). Cognito keeps one domain of each kind per pool and CloudFormation creates the new one before deleting the old, which Cognito refuses. Managed login and the OAuth endpoints are down until the next deploy without it.',
      ),
    managedLogin: z
      .enum(['CLASSIC_HOSTED_UI', 'MANAGED_LOGIN'])
      .default('MANAGED_LOGIN')
      .describe(
        'Which hosted sign-in pages to serve: the classic hosted UI or the newer managed login (needs ESSENTIALS or PLUS).',
      ),
  })
  .describe('Managed login domain: exactly one of prefix or customDomain.');

export const domainRules: RuleSection = {
  title: 'Managed login domain',
  rules: [
    rule('domain-prefix-or-custom', '`domain` sets exactly one of `prefix` and `customDomain`.', (config, report) => {
      const { prefix, customDomain } = config.domain;
      if ((prefix === undefined) === (customDomain === undefined)) {
        report(['domain'], config.domain, 'set exactly one of domain.prefix or domain.customDomain');
      }
    }),
    rule(
      'domain-prefix-reserved-words',
      `A domain prefix contains none of ${RESERVED_DOMAIN_WORDS.map((w) => `\`${w}\``).join(', ')} (Cognito refuses them).`,
      (config, report) => {
        const { prefix } = config.domain;
        const reserved = prefix && RESERVED_DOMAIN_WORDS.find((word) => prefix.includes(word));
        if (reserved) report(['domain', 'prefix'], prefix, `a Cognito domain prefix may not contain "${reserved}"`);
      },
    ),
    rule(
      'managed-login-needs-essentials',
      'Managed login (`domain.managedLogin: MANAGED_LOGIN`) needs `ESSENTIALS` or `PLUS`.',
      (config, report) => {
        if (config.domain.managedLogin === 'MANAGED_LOGIN') {
          requirePlan(config, report, 'ESSENTIALS', ['domain', 'managedLogin'], 'MANAGED_LOGIN', 'managed login');
        }
      },
    ),
  ],
};
