import { z } from 'zod';
import { emailAddress, LOG_RETENTION_DAYS, logRetentionDays } from '../fields';
import { requirePlan, rule, type RuleSection } from '../rule';

/** What Cognito may do with a sign-in it rates at one risk level (adaptive authentication). */
export const RISK_ACTIONS = ['NO_ACTION', 'MFA_IF_CONFIGURED', 'MFA_REQUIRED', 'BLOCK'] as const;
/** Events in which Cognito checks the password against its compromised-credentials lists. */
export const COMPROMISED_CREDENTIALS_EVENTS = ['SIGN_IN', 'PASSWORD_CHANGE', 'SIGN_UP'] as const;

const riskAction = (level: string, fallback: (typeof RISK_ACTIONS)[number]) =>
  z
    .enum(RISK_ACTIONS)
    .default(fallback)
    .describe(
      `What Cognito does with a sign-in it rates ${level} risk: NO_ACTION (allow), MFA_IF_CONFIGURED (MFA challenge when the user has MFA, else allow), MFA_REQUIRED (MFA challenge, block without MFA) or BLOCK.`,
    );

export const threatActionsSchema = z
  .strictObject({
    compromisedCredentials: z
      .enum(['BLOCK', 'NO_ACTION'])
      .default('BLOCK')
      .describe('What Cognito does when the password is in its lists of leaked credentials: BLOCK or NO_ACTION.'),
    compromisedCredentialsEvents: z
      .array(z.enum(COMPROMISED_CREDENTIALS_EVENTS))
      .min(1)
      .default(['SIGN_IN', 'PASSWORD_CHANGE'])
      .describe('Events in which Cognito checks for compromised credentials: SIGN_IN, PASSWORD_CHANGE, SIGN_UP.'),
    lowRisk: riskAction('low', 'NO_ACTION'),
    mediumRisk: riskAction('medium', 'MFA_IF_CONFIGURED'),
    highRisk: riskAction('high', 'BLOCK'),
    notifyUsers: z
      .boolean()
      .default(false)
      .describe(
        "Email the user (through the `email` section's SES identity) when a sign-in at a risk level with an action other than NO_ACTION is challenged or blocked. Needs the `email` section.",
      ),
  })
  .describe(
    'Threat protection that acts (`AWS::Cognito::UserPoolRiskConfigurationAttachment`, all app clients): compromised-credentials and adaptive-authentication actions. Absent: no risk configuration is attached and Cognito applies its own defaults for the mode. Needs PLUS and a threat protection mode ENFORCED (actions only apply in full-function mode).',
  );

export const logExportSchema = z
  .strictObject({
    userActivity: z
      .boolean()
      .default(false)
      .describe(
        'Export user-activity logs (every sign-in and its risk decision, event source `userAuthEvents`) to CloudWatch Logs. Needs PLUS and threat protection AUDIT or ENFORCED.',
      ),
    notificationErrors: z
      .boolean()
      .default(false)
      .describe(
        'Export errors delivering email and SMS messages (event source `userNotification`, e.g. an SES sender that is not verified) to CloudWatch Logs.',
      ),
    retentionDays: logRetentionDays()
      .default(365)
      .describe(`Days CloudWatch keeps the exported user-pool logs; one of ${LOG_RETENTION_DAYS.join(', ')}.`),
  })
  .describe(
    'User-pool log export (`AWS::Cognito::LogDeliveryConfiguration`) to CloudWatch Logs log groups of this stage, kept or deleted with the stack per `data.removalPolicy`.',
  );

const count = (what: string, fallback: number) =>
  z
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(fallback)
    .describe(`Alarm when ${what} in 5 minutes reach this count (at least 1).`);

export const alarmsSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe(
        'Create the Monitoring stack: an encrypted SNS topic, CloudWatch alarms on every Lambda function, trigger duration, the API, the authorizers, WAF and Cognito sign-in throttling, and a dashboard.',
      ),
    email: emailAddress
      .optional()
      .describe(
        'Subscribe this address to the alarm topic (SNS emails a confirmation link first). Absent: subscribe your own endpoints to the topic output `AlarmTopicArn`.',
      ),
    dashboard: z.boolean().default(true).describe('Create a CloudWatch dashboard with the same signals.'),
    thresholds: z
      .strictObject({
        functionErrors: count("a Lambda function's errors", 1),
        functionThrottles: count("a Lambda function's throttled invocations", 1),
        triggerDurationP99Ms: z
          .number()
          .int()
          .min(100)
          .max(4999)
          .default(3000)
          .describe(
            "Alarm when a trigger's p99 duration over 5 minutes exceeds this many milliseconds (100-4999): Cognito gives a trigger 5 seconds.",
          ),
        api5xxErrors: count('API Gateway 5XX responses', 1),
        api4xxRatePercent: z
          .number()
          .positive()
          .max(100)
          .default(10)
          .describe(
            'Alarm when more than this percent of API requests in 5 minutes get a 4XX response (a spike of refused tokens, scopes or tenants).',
          ),
        api4xxMinRequests: count('API requests', 50).describe(
          'The 4XX-rate alarm only considers 5-minute windows with at least this many requests (at least 1), so a single refused call on an idle API does not page.',
        ),
        authorizerErrors: count(
          'authorizer failures (API Gateway responses AUTHORIZER_FAILURE or AUTHORIZER_CONFIGURATION_ERROR in the access log)',
          1,
        ),
        wafBlockedRequests: count('requests the WAF web ACL blocked', 100),
        signInThrottles: count('sign-ins Cognito throttled for one app client', 1),
      })
      .prefault({})
      .describe('Alarm thresholds; every count is per 5-minute window.'),
  })
  .describe('Alarms, their SNS topic and a dashboard, in their own `<project>-<stage>-Monitoring` stack.');

export const operationsRules: RuleSection = {
  title: 'Threat protection actions, log export and alarms',
  rules: [
    rule(
      'threat-actions-need-plus',
      '`userPool.threatProtection.actions` needs `userPool.featurePlan: PLUS`.',
      (config, report) => {
        const { actions } = config.userPool.threatProtection;
        if (actions) {
          requirePlan(
            config,
            report,
            'PLUS',
            ['userPool', 'threatProtection', 'actions'],
            actions,
            'threat protection actions',
          );
        }
      },
    ),
    rule(
      'threat-actions-need-enforced',
      '`userPool.threatProtection.actions` needs `standardAuth` or `customAuth` `ENFORCED`: Cognito takes the actions only in full-function mode.',
      (config, report) => {
        const { actions, standardAuth, customAuth } = config.userPool.threatProtection;
        if (actions && standardAuth !== 'ENFORCED' && customAuth !== 'ENFORCED') {
          report(
            ['userPool', 'threatProtection', 'actions'],
            actions,
            'needs userPool.threatProtection.standardAuth or customAuth "ENFORCED" (in AUDIT or OFF Cognito takes no action)',
          );
        }
      },
    ),
    rule(
      'threat-notify-needs-email',
      '`userPool.threatProtection.actions.notifyUsers` needs the `email` section (the SES identity Cognito sends the notices from).',
      (config, report) => {
        if (config.userPool.threatProtection.actions?.notifyUsers && !config.email) {
          report(
            ['userPool', 'threatProtection', 'actions', 'notifyUsers'],
            true,
            'needs the email section (a verified SES sender); without it Cognito has nothing to send from',
          );
        }
      },
    ),
    rule(
      'user-activity-log-needs-plus',
      '`userPool.logExport.userActivity` needs `userPool.featurePlan: PLUS`.',
      (config, report) => {
        if (config.userPool.logExport.userActivity) {
          requirePlan(
            config,
            report,
            'PLUS',
            ['userPool', 'logExport', 'userActivity'],
            true,
            'user-activity log export',
          );
        }
      },
    ),
    rule(
      'user-activity-log-needs-threat-protection',
      '`userPool.logExport.userActivity` needs threat protection `AUDIT` or `ENFORCED` for some flow: the logs are its records.',
      (config, report) => {
        const { standardAuth, customAuth } = config.userPool.threatProtection;
        if (config.userPool.logExport.userActivity && standardAuth === 'OFF' && customAuth === 'OFF') {
          report(
            ['userPool', 'logExport', 'userActivity'],
            true,
            'needs userPool.threatProtection.standardAuth or customAuth "AUDIT" or "ENFORCED" (user-activity logs record its decisions)',
          );
        }
      },
    ),
    rule(
      'alarm-email-needs-alarms',
      '`alarms.email` needs `alarms.enabled` (there is no topic to subscribe it to).',
      (config, report) => {
        if (config.alarms.email !== undefined && !config.alarms.enabled) {
          report(
            ['alarms', 'email'],
            config.alarms.email,
            'needs alarms.enabled true (there is no alarm topic to subscribe to)',
          );
        }
      },
    ),
  ],
};
