import { App, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { parseStageConfig } from '../lib/config/load';
import type { StageConfig } from '../lib/config/schema';
import { StageAlarms } from '../lib/constructs/stage-alarms';
import { SHIPPED_STAGES, stageInput, synthShipped, synthStage, type SynthesizedStage } from './helpers/app';

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] };
type CfnTemplate = { Resources: Record<string, Resource>; Outputs?: Record<string, { Value: unknown }> };

const byType = (template: Template, type: string) =>
  Object.entries(template.findResources(type) as Record<string, Resource>);

/**
 * Resolves a value the Monitoring stack reads from another stack (`Fn::GetStackOutput`) to what
 * that stack's output holds, e.g. `{ Ref: 'TriggersPreSignUpFunction...' }`, tagged with the stack.
 */
function resolveOutput(stage: SynthesizedStage, value: unknown): string {
  const ref = (value as { 'Fn::GetStackOutput'?: { StackName: string; OutputName: string } })['Fn::GetStackOutput'];
  if (!ref) return JSON.stringify(value);
  const template = stage.templatesByStackName[ref.StackName] as CfnTemplate;
  return `${ref.StackName}:${JSON.stringify(template.Outputs?.[ref.OutputName]?.Value)}`;
}

/** The alarms of the Monitoring stack as `<metric> <resolved dimensions>` keys, with their properties. */
function alarmsOf(stage: SynthesizedStage): { key: string; props: Record<string, unknown> }[] {
  return byType(stage.templates.monitoring!, 'AWS::CloudWatch::Alarm').map(([, alarm]) => {
    const metrics = alarm.Properties.Metrics as
      { MetricStat?: { Metric: { MetricName: string; Dimensions: { Name: string; Value: unknown }[] } } }[] | undefined;
    const stat = metrics?.find((m) => m.MetricStat)?.MetricStat?.Metric;
    const name = (alarm.Properties.MetricName as string | undefined) ?? stat?.MetricName ?? '';
    const dimensions = (alarm.Properties.Dimensions ?? stat?.Dimensions ?? []) as { Name: string; Value: unknown }[];
    const key = `${name} ${dimensions.map((d) => `${d.Name}=${resolveOutput(stage, d.Value)}`).join(' ')}`;
    return { key, props: alarm.Properties };
  });
}

/** `<stack name>:{"Ref":"<logical id>"}` of every Lambda function in the stage's other stacks. */
function functionsOf(stage: SynthesizedStage): string[] {
  return Object.entries(stage.templatesByStackName)
    .filter(([name]) => !name.endsWith('-Monitoring'))
    .flatMap(([name, template]) =>
      Object.entries((template as CfnTemplate).Resources)
        .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
        .map(([id]) => `${name}:${JSON.stringify({ Ref: id })}`),
    );
}

describe.each(SHIPPED_STAGES)('threat protection actions and log export (%s)', (stage) => {
  const synthesized = synthShipped(stage);
  const { config, templates } = synthesized;
  const actions = config.userPool.threatProtection.actions;
  const logExport = config.userPool.logExport;

  it('attaches the configured risk actions to every app client, or none', () => {
    const attachments = byType(templates.auth, 'AWS::Cognito::UserPoolRiskConfigurationAttachment');
    if (!actions) {
      expect(attachments).toEqual([]);
      return;
    }
    expect(attachments).toHaveLength(1);
    const level = (action: string) => ({ EventAction: action, Notify: Match.anyValue() });
    templates.auth.hasResourceProperties('AWS::Cognito::UserPoolRiskConfigurationAttachment', {
      ClientId: 'ALL',
      UserPoolId: {
        Ref: synthesized.stacks.auth.getLogicalId(synthesized.stacks.auth.pool.userPool.node.defaultChild as never),
      },
      CompromisedCredentialsRiskConfiguration: {
        Actions: { EventAction: actions.compromisedCredentials },
        EventFilter: actions.compromisedCredentialsEvents,
      },
      AccountTakeoverRiskConfiguration: {
        Actions: {
          LowAction: level(actions.lowRisk),
          MediumAction: level(actions.mediumRisk),
          HighAction: level(actions.highRisk),
        },
      },
    });
  });

  it('notifies users only with an SES sender and notifyUsers', () => {
    const [attachment] = byType(templates.auth, 'AWS::Cognito::UserPoolRiskConfigurationAttachment');
    if (!attachment) return;
    const takeover = attachment[1].Properties.AccountTakeoverRiskConfiguration as Record<string, unknown>;
    const notifying = Boolean(actions?.notifyUsers && config.email);
    expect('NotifyConfiguration' in takeover).toBe(notifying);
    if (!notifying) expect(JSON.stringify(takeover)).not.toContain('"Notify":true');
  });

  it('exports the configured user-pool logs to their own log groups with the configured retention', () => {
    const deliveries = byType(templates.auth, 'AWS::Cognito::LogDeliveryConfiguration');
    const sources = [
      ...(logExport.userActivity ? [{ EventSource: 'userAuthEvents', LogLevel: 'INFO' }] : []),
      ...(logExport.notificationErrors ? [{ EventSource: 'userNotification', LogLevel: 'ERROR' }] : []),
    ];
    if (sources.length === 0) {
      expect(deliveries).toEqual([]);
      return;
    }
    expect(deliveries).toHaveLength(1);
    const [, delivery] = deliveries[0]!;
    const configurations = delivery.Properties.LogConfigurations as Record<string, unknown>[];
    expect(configurations.map(({ EventSource, LogLevel }) => ({ EventSource, LogLevel }))).toEqual(sources);
    const groups = byType(templates.auth, 'AWS::Logs::LogGroup').filter(([id]) => id.startsWith('LogExport'));
    expect(groups).toHaveLength(sources.length);
    for (const [id, group] of groups) {
      expect(group.Properties.RetentionInDays).toBe(logExport.retentionDays);
      // Generated names: a re-created stack never collides with a retained group of the old one.
      expect(group.Properties.LogGroupName).toBeUndefined();
      expect((group as unknown as { DeletionPolicy: string }).DeletionPolicy).toBe(
        config.data.removalPolicy === 'RETAIN' ? 'Retain' : 'Delete',
      );
      // Cognito's ARN pattern refuses the ":*" suffix of GetAtt Arn: the ARN is built from the name.
      expect(JSON.stringify(configurations)).toContain(JSON.stringify({ Ref: id }));
    }
    // Delivery waits for the resource policy that lets CloudWatch Logs' delivery service write.
    const [policyId, policy] = byType(templates.auth, 'AWS::Logs::ResourcePolicy')[0]!;
    expect(delivery.DependsOn).toContain(policyId);
    const document = JSON.stringify(policy.Properties.PolicyDocument);
    expect(document).toContain('delivery.logs.amazonaws.com');
    expect(document).toContain('aws:SourceAccount');
    for (const [id] of groups) expect(document).toContain(JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] }));
  });
});

describe.each(SHIPPED_STAGES)('alarms (%s)', (stage) => {
  const synthesized = synthShipped(stage);
  const { config, templates, stacks } = synthesized;
  const settings = config.alarms;
  if (!settings.enabled) {
    it('has no Monitoring stack', () => expect(stacks.monitoring).toBeUndefined());
    return;
  }
  const monitoring = templates.monitoring!;
  const alarms = alarmsOf(synthesized);
  const keys = alarms.map((a) => a.key);
  const thresholds = settings.thresholds;

  it('has errors and throttles alarms for every Lambda function of the stage', () => {
    const functions = functionsOf(synthesized);
    expect(functions.length).toBeGreaterThan(0);
    for (const fn of functions) {
      expect(keys).toContain(`Errors FunctionName=${fn}`);
      expect(keys).toContain(`Throttles FunctionName=${fn}`);
    }
    expect(keys.filter((k) => k.startsWith('Errors ')).length).toBe(functions.length);
  });

  it('has a p99 duration alarm below the 5-second budget for every trigger the user pool calls', () => {
    const [, pool] = byType(templates.auth, 'AWS::Cognito::UserPool')[0]!;
    const triggerIds = [
      ...JSON.stringify(pool.Properties.LambdaConfig ?? {}).matchAll(/"Fn::GetAtt":\["([^"]+)","Arn"\]/g),
    ].map((m) => m[1]!);
    expect(triggerIds.length).toBeGreaterThan(0);
    const authName = stacks.auth.stackName;
    for (const id of new Set(triggerIds)) {
      const alarm = alarms.find((a) => a.key === `Duration FunctionName=${authName}:${JSON.stringify({ Ref: id })}`);
      expect(alarm?.props).toMatchObject({
        Threshold: thresholds.triggerDurationP99Ms,
        ComparisonOperator: 'GreaterThanThreshold',
      });
      expect(JSON.stringify(alarm?.props.Metrics)).toContain('"Stat":"p99"');
    }
    expect(thresholds.triggerDurationP99Ms).toBeLessThan(5000);
  });

  it('has API 5XX, 4XX-rate and authorizer-failure alarms', () => {
    expect(keys.some((k) => k.startsWith('5XXError ApiName='))).toBe(true);
    monitoring.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: thresholds.api4xxRatePercent,
      Metrics: Match.arrayWith([
        Match.objectLike({
          Expression: `IF(requests >= ${thresholds.api4xxMinRequests}, 100 * errors / requests, 0)`,
        }),
      ]),
    });
    monitoring.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: Match.stringLikeRegexp('AUTHORIZER_FAILURE.*AUTHORIZER_CONFIGURATION_ERROR'),
    });
    monitoring.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'AuthorizerFailures',
      Threshold: thresholds.authorizerErrors,
    });
  });

  it('has a WAF blocked-request alarm exactly when WAF is on', () => {
    const waf = alarms.filter((a) => a.key.startsWith('BlockedRequests '));
    expect(waf).toHaveLength(config.api.waf.enabled ? 1 : 0);
    if (config.api.waf.enabled) {
      expect(waf[0]!.props.Threshold).toBe(thresholds.wafBlockedRequests);
      // The name is cut from the web ACL's Ref in the Api stack; CloudFormation does not split an
      // imported value (Fn::GetStackOutput) inside Fn::Split in the reading stack.
      expect(waf[0]!.key).toMatch(/WebACL=[\w-]+-Api:\{"Fn::Select":\[0,\{"Fn::Split":\["\|",\{"Ref":"Waf/);
    }
    expect(JSON.stringify(monitoring.toJSON())).not.toMatch(/"Fn::Split":\["\|",\{"Fn::GetStackOutput"/);
  });

  it('has a Cognito sign-in throttling alarm for every app client', () => {
    const clients = byType(templates.auth, 'AWS::Cognito::UserPoolClient');
    expect(clients.length).toBeGreaterThan(0);
    for (const [id] of clients) {
      expect(keys.some((k) => k.startsWith('SignInThrottles ') && k.endsWith(`:${JSON.stringify({ Ref: id })}`))).toBe(
        true,
      );
    }
  });

  it('notifies one encrypted, TLS-only topic from every alarm', () => {
    const [topicId, topic] = byType(monitoring, 'AWS::SNS::Topic')[0]!;
    expect(topic.Properties.KmsMasterKeyId).toBeDefined();
    for (const { props } of alarms) expect(props.AlarmActions).toEqual([{ Ref: topicId }]);
    monitoring.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' } }),
        ]),
      },
    });
    monitoring.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    const subscriptions = byType(monitoring, 'AWS::SNS::Subscription');
    expect(subscriptions.map(([, s]) => s.Properties.Endpoint)).toEqual(settings.email ? [settings.email] : []);
  });

  it('has a dashboard when the config asks for one', () => {
    expect(byType(monitoring, 'AWS::CloudWatch::Dashboard')).toHaveLength(settings.dashboard ? 1 : 0);
  });

  it('deploys after the stacks it watches, and none of them reads it (no cross-stack cycle)', () => {
    const monitoringStack = stacks.monitoring!;
    const dependencies = monitoringStack.dependencies.map((s) => s.stackName);
    expect(dependencies).toEqual(expect.arrayContaining([stacks.auth.stackName, stacks.api.stackName]));
    for (const [name, template] of Object.entries(synthesized.templatesByStackName)) {
      if (name === monitoringStack.stackName) continue;
      expect(JSON.stringify(template)).not.toContain(monitoringStack.stackName);
    }
    for (const other of [stacks.data, stacks.auth, stacks.api]) {
      expect(other.dependencies.map((s) => s.stackName)).not.toContain(monitoringStack.stackName);
    }
  });
});

describe('threat protection and alarms with fixed values (fixture config)', () => {
  it('notifies through the SES identity only on levels that act', () => {
    const { templates } = synthStage('prod', {
      email: { fromAddress: 'security@example.com', sesRegion: 'eu-west-1' },
      userPool: {
        threatProtection: { actions: { lowRisk: 'NO_ACTION', mediumRisk: 'MFA_REQUIRED', notifyUsers: true } },
      },
    });
    templates.auth.hasResourceProperties('AWS::Cognito::UserPoolRiskConfigurationAttachment', {
      AccountTakeoverRiskConfiguration: {
        Actions: {
          LowAction: { EventAction: 'NO_ACTION', Notify: false },
          MediumAction: { EventAction: 'MFA_REQUIRED', Notify: true },
          HighAction: { EventAction: 'BLOCK', Notify: true },
        },
        NotifyConfiguration: {
          From: 'security@example.com',
          SourceArn: {
            'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':ses:eu-west-1:'), ':identity/example.com'])],
          },
        },
      },
      CompromisedCredentialsRiskConfiguration: { EventFilter: ['SIGN_IN', 'PASSWORD_CHANGE'] },
    });
  });

  it('builds no Monitoring stack when alarms are off, and subscribes the configured address when on', () => {
    const off = synthStage('dev', { alarms: { enabled: false } });
    expect(off.stacks.monitoring).toBeUndefined();
    expect(Object.keys(off.templatesByStackName).some((name) => name.endsWith('-Monitoring'))).toBe(false);

    const on = synthStage('dev', {
      alarms: {
        email: 'oncall@example.com',
        dashboard: false,
        thresholds: { functionErrors: 3, triggerDurationP99Ms: 2500 },
      },
    });
    on.templates.monitoring!.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
    on.templates.monitoring!.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    on.templates.monitoring!.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 3,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Metrics: Match.arrayWith([
        Match.objectLike({ MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'Errors' }) }) }),
      ]),
    });
    on.templates.monitoring!.hasResourceProperties('AWS::CloudWatch::Alarm', { Threshold: 2500 });
  });
});

describe('StageAlarms props', () => {
  function build(thresholds: Partial<StageConfig['alarms']['thresholds']>): void {
    const stack = new Stack(new App(), 'Props');
    const api = new apigw.RestApi(stack, 'Api');
    api.root.addMethod('GET', new apigw.MockIntegration());
    const settings = parseStageConfig(stageInput('dev'), 'test').alarms;
    new StageAlarms(stack, 'Alarms', {
      settings: { ...settings, thresholds: { ...settings.thresholds, ...thresholds } },
      functions: [],
      triggers: [],
      apiStage: api.deploymentStage,
      apiAccessLogs: new logs.LogGroup(stack, 'Logs'),
      userPoolId: 'eu-west-1_example',
      clients: [],
      metricNamespace: 'test',
    });
  }

  it('refuses thresholds the config schema would refuse, quoting the value', () => {
    expect(() => build({ functionErrors: 0 })).toThrow('thresholds.functionErrors must be positive, got 0');
    expect(() => build({ triggerDurationP99Ms: 5000 })).toThrow("below Cognito's 5000 ms, got 5000");
    expect(() => build({})).not.toThrow();
  });
});
