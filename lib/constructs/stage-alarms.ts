import { ArnFormat, type CfnResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { StageConfig } from '../config/schema';

/** Every alarm and dashboard graph looks at 5-minute windows. */
export const ALARM_PERIOD = Duration.minutes(5);

/** A Lambda function to watch: its name (usually a cross-stack reference) and a readable label. */
export interface WatchedFunction {
  /** Unique within the stage, used for construct ids and graph labels (e.g. `Auth/Triggers/PreSignUp`). */
  readonly label: string;
  readonly functionName: string;
}

/** An app client of the user pool whose sign-in throttling is watched. */
export interface WatchedClient {
  readonly label: string;
  readonly clientId: string;
}

export interface StageAlarmsProps {
  /** The `alarms` section of the stage config (thresholds, email). */
  readonly settings: StageConfig['alarms'];
  /** Every Lambda function of the stage: errors and throttles alarms each. */
  readonly functions: readonly WatchedFunction[];
  /** The functions Cognito calls as triggers: a p99 duration alarm each (5-second budget). */
  readonly triggers: readonly WatchedFunction[];
  /** The API stage: 5XX count and 4XX rate alarms. */
  readonly apiStage: apigw.Stage;
  /** The API's JSON access log (its `errorType` field tells authorizer failures apart). */
  readonly apiAccessLogs: logs.ILogGroup;
  /** Name of the WAF web ACL in front of the API. @default - no WAF alarm */
  readonly webAclName?: string;
  /** The user pool and its app clients: a sign-in throttling alarm per client. */
  readonly userPoolId: string;
  readonly clients: readonly WatchedClient[];
  /** Namespace of the metrics this construct derives from logs. */
  readonly metricNamespace: string;
}

/**
 * The alarms of one stage, plain CloudWatch: an SNS topic (KMS-encrypted, TLS-only, optionally
 * with an email subscription) that every alarm notifies, the alarms the issue lists, and a
 * dashboard with the same signals. What it watches comes in as lists the caller discovers from
 * the constructs (see MonitoringStack), so a new function or client is watched without an edit.
 */
export class StageAlarms extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard?: cloudwatch.Dashboard;
  private readonly action: actions.SnsAction;

  constructor(scope: Construct, id: string, props: StageAlarmsProps) {
    super(scope, id);
    const { settings } = props;
    const thresholds = settings.thresholds;
    for (const [name, value] of Object.entries(thresholds)) {
      if (!(value > 0)) throw new Error(`StageAlarms: thresholds.${name} must be positive, got ${value}`);
    }
    if (thresholds.triggerDurationP99Ms >= 5000) {
      throw new Error(
        `StageAlarms: thresholds.triggerDurationP99Ms must be below Cognito's 5000 ms, got ${thresholds.triggerDurationP99Ms}`,
      );
    }
    const stack = Stack.of(this);

    // CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key (its policy
    // admits no other service), so the topic gets its own key that CloudWatch may use.
    const key = new kms.Key(this, 'TopicKey', {
      description: `Encrypts the alarm topic of ${stack.stackName}`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: `Alarms of ${stack.stackName}`,
      masterKey: key,
      enforceSSL: true,
    });
    // A topic policy replaces SNS's default one, so CloudWatch's right to publish is explicit:
    // only alarms of this account and region.
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarms',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    if (settings.email) this.topic.addSubscription(new subscriptions.EmailSubscription(settings.email));
    this.action = new actions.SnsAction(this.topic);

    const fnMetric = (fn: WatchedFunction, metricName: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/Lambda',
        metricName,
        dimensionsMap: { FunctionName: fn.functionName },
        statistic,
        period: ALARM_PERIOD,
        label: fn.label,
      });

    const errors = props.functions.map((fn) => fnMetric(fn, 'Errors', 'Sum'));
    const throttles = props.functions.map((fn) => fnMetric(fn, 'Throttles', 'Sum'));
    props.functions.forEach((fn, index) => {
      this.countAlarm(`${fn.label}/Errors`, errors[index]!, thresholds.functionErrors, `${fn.label}: function errors`);
      this.countAlarm(
        `${fn.label}/Throttles`,
        throttles[index]!,
        thresholds.functionThrottles,
        `${fn.label}: throttled invocations`,
      );
    });

    const durations = props.triggers.map((fn) => fnMetric(fn, 'Duration', 'p99'));
    props.triggers.forEach((fn, index) => {
      this.addAlarm(`${fn.label}/DurationP99`, durations[index]!, {
        threshold: thresholds.triggerDurationP99Ms,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        description: `${fn.label}: p99 duration above ${thresholds.triggerDurationP99Ms} ms; Cognito fails the sign-in at 5 s`,
      });
    });

    const api5xx = props.apiStage.metricServerError({ statistic: 'Sum', period: ALARM_PERIOD });
    this.countAlarm('Api/5XX', api5xx, thresholds.api5xxErrors, 'API: 5XX responses');
    const api4xx = props.apiStage.metricClientError({ statistic: 'Sum', period: ALARM_PERIOD });
    const requests = props.apiStage.metricCount({ statistic: 'SampleCount', period: ALARM_PERIOD });
    // Windows with fewer requests than the minimum count as 0 %: one refused call on an idle API
    // is not a spike.
    const api4xxRate = new cloudwatch.MathExpression({
      expression: `IF(requests >= ${thresholds.api4xxMinRequests}, 100 * errors / requests, 0)`,
      usingMetrics: { errors: api4xx, requests },
      period: ALARM_PERIOD,
      label: 'API 4XX rate (%)',
    });
    this.addAlarm('Api/4XXRate', api4xxRate, {
      threshold: thresholds.api4xxRatePercent,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      description: `API: more than ${thresholds.api4xxRatePercent} % of requests got a 4XX response`,
    });

    // API Gateway publishes no per-authorizer metric; its access log names failed authorizers.
    const authorizerFilter = new logs.MetricFilter(this, 'AuthorizerFailures', {
      logGroup: props.apiAccessLogs,
      filterPattern: logs.FilterPattern.any(
        logs.FilterPattern.stringValue('$.errorType', '=', 'AUTHORIZER_FAILURE'),
        logs.FilterPattern.stringValue('$.errorType', '=', 'AUTHORIZER_CONFIGURATION_ERROR'),
      ),
      metricNamespace: props.metricNamespace,
      metricName: 'AuthorizerFailures',
      metricValue: '1',
      defaultValue: 0,
    });
    const authorizerFailures = authorizerFilter.metric({ statistic: 'Sum', period: ALARM_PERIOD });
    this.countAlarm(
      'Api/AuthorizerFailures',
      authorizerFailures,
      thresholds.authorizerErrors,
      'API: authorizer failures',
    );

    const wafBlocked = props.webAclName
      ? new cloudwatch.Metric({
          namespace: 'AWS/WAFV2',
          metricName: 'BlockedRequests',
          dimensionsMap: { WebACL: props.webAclName, Region: stack.region, Rule: 'ALL' },
          statistic: 'Sum',
          period: ALARM_PERIOD,
          label: 'WAF blocked requests',
        })
      : undefined;
    if (wafBlocked) {
      this.countAlarm('Waf/Blocked', wafBlocked, thresholds.wafBlockedRequests, 'WAF: blocked-request spike');
    }

    const signInThrottles = props.clients.map(
      (client) =>
        new cloudwatch.Metric({
          namespace: 'AWS/Cognito',
          metricName: 'SignInThrottles',
          dimensionsMap: { UserPool: props.userPoolId, UserPoolClient: client.clientId },
          statistic: 'Sum',
          period: ALARM_PERIOD,
          label: client.label,
        }),
    );
    props.clients.forEach((client, index) => {
      this.countAlarm(
        `${client.label}/SignInThrottles`,
        signInThrottles[index]!,
        thresholds.signInThrottles,
        `${client.label}: Cognito throttled sign-ins`,
      );
    });

    if (settings.dashboard) {
      const graph = (title: string, left: cloudwatch.IMetric[]) =>
        new cloudwatch.GraphWidget({ title, left, width: 12, height: 6, period: ALARM_PERIOD });
      this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
        widgets: [
          [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 6 })],
          [graph('Function errors', errors), graph('Function throttles', throttles)],
          [
            graph('Trigger duration p99 (ms; Cognito limit 5000)', durations),
            graph('API 5XX and 4XX', [api5xx, api4xx]),
          ],
          [graph('API 4XX rate (%)', [api4xxRate]), graph('Authorizer failures', [authorizerFailures])],
          [
            graph('Cognito sign-in throttles', signInThrottles),
            ...(wafBlocked ? [graph('WAF blocked requests', [wafBlocked])] : []),
          ],
        ],
      });
      // CloudFormation accepts Tags on a dashboard (aws-cdk-lib's schema has them, and the stage
      // tags land there), but cfn-lint 1.51's schema does not know them yet: only E3002, only here.
      (this.dashboard.node.defaultChild as CfnResource).addMetadata('cfn-lint', {
        config: { ignore_checks: ['E3002'] },
      });
    }
  }

  /** An alarm at `threshold` or more in one window. */
  private countAlarm(id: string, metric: cloudwatch.IMetric, threshold: number, description: string): void {
    this.addAlarm(id, metric, {
      threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      description,
    });
  }

  private addAlarm(
    id: string,
    metric: cloudwatch.IMetric,
    options: Pick<cloudwatch.CreateAlarmOptions, 'threshold' | 'comparisonOperator'> & { readonly description: string },
  ): void {
    // Construct ids may not contain "/"; labels are construct paths.
    const alarm = new cloudwatch.Alarm(this, id.replaceAll('/', '-'), {
      metric,
      threshold: options.threshold,
      comparisonOperator: options.comparisonOperator,
      evaluationPeriods: 1,
      // No data (an idle function, an API nobody calls) is not a problem.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: options.description,
    });
    alarm.addAlarmAction(this.action);
    this.alarms.push(alarm);
  }
}
