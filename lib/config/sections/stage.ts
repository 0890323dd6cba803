import { z } from 'zod';
import { awsRegion, removalPolicy } from '../fields';
import { productionRequires, rule, type RuleSection } from '../rule';

/** Stage names that always mean production (their config must say production: true). */
const PRODUCTION_STAGE_NAMES: readonly string[] = ['prod', 'prd', 'production', 'live'];

export const stageShape = {
  project: z
    .string()
    .regex(
      /^[a-z][a-z0-9-]{1,23}$/,
      'expected 2-24 characters: a lower-case letter, then lower-case letters, digits or hyphens',
    )
    .describe('Project name, the prefix of every stack and resource name.'),
  stage: z
    .string()
    .regex(/^[a-z][a-z0-9]{1,11}$/, 'expected 2-12 lower-case letters or digits, starting with a letter')
    .describe('Stage name (dev, prod, ...); stacks are named `<project>-<stage>-<Name>`.'),
  production: z
    .boolean()
    .describe(
      'Production guard rails: RETAIN, deletion protection, required MFA, 12+ character passwords, HTTPS-only URLs and origins, WAF on, no API data trace.',
    ),
  env: z
    .strictObject({
      account: z
        .string()
        .regex(/^\d{12}$/, 'expected a 12-digit AWS account id')
        .optional()
        .describe("AWS account to deploy to (default: the CLI credentials' account)."),
      region: awsRegion.optional().describe("AWS region to deploy to (default: the CLI's region)."),
    })
    .prefault({})
    .describe('Target AWS environment. Leave empty for an environment-agnostic template.'),
};

export const dataSchema = z
  .strictObject({
    removalPolicy: removalPolicy()
      .default('RETAIN')
      .describe(
        'What CloudFormation does with the protected bucket and table on stack deletion. Production stages need RETAIN.',
      ),
  })
  .describe('The protected data (S3 bucket and DynamoDB table).');

export const stageRules: RuleSection = {
  title: 'Stage and data',
  rules: [
    rule(
      'production-stage-name',
      `A stage named ${PRODUCTION_STAGE_NAMES.map((n) => `\`${n}\``).join(', ')} sets \`production: true\` (a flipped flag must not slip through).`,
      (config, report) => {
        if (PRODUCTION_STAGE_NAMES.includes(config.stage) && !config.production) {
          report(['production'], config.production, `a stage named "${config.stage}" must set production: true`);
        }
      },
    ),
    productionRequires(
      'production-retains-data',
      'Production stages use `data.removalPolicy: RETAIN`.',
      ['data', 'removalPolicy'],
      (config) => config.data.removalPolicy,
      (policy) => policy === 'RETAIN',
      'production stages must use "RETAIN"',
    ),
  ],
};
