import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { sesIdentityOf, type StageConfig } from '../config/schema';

type ThreatActions = NonNullable<StageConfig['userPool']['threatProtection']['actions']>;

export interface ThreatProtectionActionsProps {
  readonly userPool: cognito.IUserPool;
  /** The actions from `userPool.threatProtection.actions`. */
  readonly actions: ThreatActions;
  /** The SES sender; required when `actions.notifyUsers`. @default - no notices */
  readonly email?: StageConfig['email'];
}

/**
 * Threat protection that acts: one risk configuration for every app client (`ClientId: ALL`)
 * with the compromised-credentials action and an adaptive-authentication action per risk level.
 * Users are notified only when the config asks for it and names an SES sender, because Cognito
 * sends those notices from a verified SES identity (NotifyConfiguration.SourceArn).
 */
export class ThreatProtectionActions extends Construct {
  readonly riskConfiguration: cognito.CfnUserPoolRiskConfigurationAttachment;

  constructor(scope: Construct, id: string, props: ThreatProtectionActionsProps) {
    super(scope, id);
    const { actions, email } = props;
    if (actions.notifyUsers && !email) {
      throw new Error('ThreatProtectionActions: notifyUsers needs an SES sender (email), got none');
    }
    const notify = actions.notifyUsers && email !== undefined;
    const level = (eventAction: string) => ({ eventAction, notify: notify && eventAction !== 'NO_ACTION' });

    this.riskConfiguration = new cognito.CfnUserPoolRiskConfigurationAttachment(this, 'Risk', {
      userPoolId: props.userPool.userPoolId,
      clientId: 'ALL',
      compromisedCredentialsRiskConfiguration: {
        actions: { eventAction: actions.compromisedCredentials },
        eventFilter: [...actions.compromisedCredentialsEvents],
      },
      accountTakeoverRiskConfiguration: {
        actions: {
          lowAction: level(actions.lowRisk),
          mediumAction: level(actions.mediumRisk),
          highAction: level(actions.highRisk),
        },
        ...(notify && email
          ? {
              notifyConfiguration: {
                sourceArn: Stack.of(this).formatArn({
                  service: 'ses',
                  region: email.sesRegion ?? Stack.of(this).region,
                  resource: 'identity',
                  resourceName: sesIdentityOf(email),
                }),
                from: email.fromAddress,
              },
            }
          : {}),
      },
    });
  }
}

export interface UserPoolLogExportProps {
  readonly userPool: cognito.IUserPool;
  /** `userPool.logExport` from the stage config. */
  readonly settings: StageConfig['userPool']['logExport'];
  /** What happens to the log groups when the stack deletes them. @default RemovalPolicy.DESTROY */
  readonly removalPolicy?: RemovalPolicy;
}

/** Cognito's names of the log sources, with the only level each accepts for CloudWatch Logs. */
const LOG_SOURCES = {
  userActivity: { eventSource: 'userAuthEvents', logLevel: 'INFO' },
  notificationErrors: { eventSource: 'userNotification', logLevel: 'ERROR' },
} as const;

/**
 * User-pool log export to CloudWatch Logs: user activity (sign-ins and their risk decisions) and
 * message-delivery errors, each in its own log group. The groups get generated names, so a stack
 * re-created while a retained group of the old one still exists does not collide. Cognito delivers
 * through CloudWatch Logs' delivery service, which needs a resource policy on the groups; this
 * construct writes it (scoped to these groups and this account) instead of letting the deploying
 * principal's logs:PutResourcePolicy create one outside CloudFormation.
 */
export class UserPoolLogExport extends Construct {
  /** The log group per exported source, by config field name. */
  readonly logGroups: Partial<Record<keyof typeof LOG_SOURCES, logs.LogGroup>> = {};
  readonly deliveryConfiguration?: cognito.CfnLogDeliveryConfiguration;

  constructor(scope: Construct, id: string, props: UserPoolLogExportProps) {
    super(scope, id);
    const enabled = (Object.keys(LOG_SOURCES) as (keyof typeof LOG_SOURCES)[]).filter((name) => props.settings[name]);
    if (enabled.length === 0) return;

    for (const name of enabled) {
      this.logGroups[name] = new logs.LogGroup(this, name === 'userActivity' ? 'UserActivity' : 'NotificationErrors', {
        retention: props.settings.retentionDays as logs.RetentionDays,
        removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
      });
    }
    const groups = Object.values(this.logGroups);
    const stack = Stack.of(this);
    const policy = new logs.ResourcePolicy(this, 'DeliveryPolicy', {
      policyStatements: [
        new iam.PolicyStatement({
          sid: 'CognitoLogDelivery',
          principals: [new iam.ServicePrincipal('delivery.logs.amazonaws.com')],
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: groups.map((group) => group.logGroupArn),
          conditions: {
            StringEquals: { 'aws:SourceAccount': stack.account },
            ArnLike: {
              'aws:SourceArn': stack.formatArn({
                service: 'logs',
                resource: '*',
                arnFormat: ArnFormat.NO_RESOURCE_NAME,
              }),
            },
          },
        }),
      ],
    });

    this.deliveryConfiguration = new cognito.CfnLogDeliveryConfiguration(this, 'Delivery', {
      userPoolId: props.userPool.userPoolId,
      logConfigurations: enabled.map((name) => ({
        ...LOG_SOURCES[name],
        // Cognito's ARN pattern refuses the trailing ":*" that LogGroup.logGroupArn carries.
        cloudWatchLogsConfiguration: {
          logGroupArn: stack.formatArn({
            service: 'logs',
            resource: 'log-group',
            resourceName: this.logGroups[name]!.logGroupName,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        },
      })),
    });
    this.deliveryConfiguration.node.addDependency(policy);
  }
}
