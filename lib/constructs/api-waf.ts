import { ArnFormat, CfnOutput, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

export interface ApiWafProps {
  /** Requests one IP address may make in 5 minutes before it is blocked. */
  readonly rateLimit: number;
  /** The API stage to protect. */
  readonly stage: apigw.Stage;
  /** Also protect this user pool's endpoints (sign-in, token). @default - the pool is not associated */
  readonly userPool?: cognito.IUserPool;
  /** Days WAF logs are kept. @default 90 */
  readonly logRetentionDays?: number;
  /** @default RemovalPolicy.DESTROY */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/** AWS managed rule groups, in evaluation order. */
const MANAGED_RULE_GROUPS = [
  'AWSManagedRulesAmazonIpReputationList',
  'AWSManagedRulesCommonRuleSet',
  'AWSManagedRulesKnownBadInputsRuleSet',
] as const;

const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
  cloudWatchMetricsEnabled: true,
  metricName,
  sampledRequestsEnabled: true,
});

/**
 * A regional AWS WAF web ACL in front of the API stage (and optionally the user pool): AWS managed
 * rule groups for IP reputation, common exploits (OWASP-style, incl. an 8 KB body limit) and known
 * bad inputs, then a per-IP rate limit. Requests are logged to CloudWatch with the Authorization
 * and Cookie headers redacted, so no token lands in the WAF logs.
 */
export class ApiWaf extends Construct {
  readonly webAcl: wafv2.CfnWebACL;
  readonly logGroup: logs.LogGroup;
  /**
   * An output with the web ACL's name (its metrics' `WebACL` dimension), for a stack that reads it
   * with `Fn::GetStackOutput`: the name is part of the Ref ("name|id|scope"), and splitting an
   * imported value in the reading stack is not a function CloudFormation allows there.
   */
  readonly nameOutput: CfnOutput;

  constructor(scope: Construct, id: string, props: ApiWafProps) {
    super(scope, id);
    if (!Number.isInteger(props.rateLimit) || props.rateLimit < 10) {
      throw new Error(`ApiWaf: rateLimit must be an integer >= 10, got ${props.rateLimit}`);
    }

    const managed: wafv2.CfnWebACL.RuleProperty[] = MANAGED_RULE_GROUPS.map((name, priority) => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
      visibilityConfig: visibility(name),
    }));
    const rateLimit: wafv2.CfnWebACL.RuleProperty = {
      name: 'RateLimitPerIp',
      priority: managed.length,
      action: { block: {} },
      statement: {
        rateBasedStatement: { limit: props.rateLimit, aggregateKeyType: 'IP', evaluationWindowSec: 300 },
      },
      visibilityConfig: visibility('RateLimitPerIp'),
    };

    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      description: 'Managed rule groups and a per-IP rate limit for the API and optionally the user pool',
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      rules: [...managed, rateLimit],
      visibilityConfig: visibility('ApiWebAcl'),
    });

    this.nameOutput = new CfnOutput(this, 'WebAclName', {
      value: Fn.select(0, Fn.split('|', this.webAcl.ref)),
      description: 'Name of the WAF web ACL (the WebACL dimension of its CloudWatch metrics)',
    });

    const associations = [
      new wafv2.CfnWebACLAssociation(this, 'ApiStage', {
        resourceArn: props.stage.stageArn,
        webAclArn: this.webAcl.attrArn,
      }),
    ];
    if (props.userPool) {
      associations.push(
        new wafv2.CfnWebACLAssociation(this, 'UserPool', {
          resourceArn: props.userPool.userPoolArn,
          webAclArn: this.webAcl.attrArn,
        }),
      );
    }
    // An explicit DependsOn on the web ACL, as the Cognito WAF guide advises for associations. The
    // ARN reference already orders them; this keeps the order if the ARN ever comes from elsewhere.
    // It does not wait for WAF's propagation (seconds to minutes; WAFUnavailableEntityException).
    for (const association of associations) association.node.addDependency(this.webAcl);

    // WAF only logs to log groups whose name starts with "aws-waf-logs-", so CloudFormation cannot
    // generate the name. A fixed name breaks re-creating the stack while a retained log group of
    // the old stack still exists (AlreadyExists); the stack id's UUID makes it unique per stack.
    const stack = Stack.of(this);
    const stackUuid = Fn.select(2, Fn.split('/', stack.stackId));
    const logGroupName = Fn.join('-', ['aws-waf-logs', stack.stackName, stackUuid]);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName,
      retention: (props.logRetentionDays ?? 90) as logs.RetentionDays,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
    });
    const logging = new wafv2.CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAcl.attrArn,
      // WAF wants the log group ARN without the trailing ":*" that LogGroup.logGroupArn carries.
      logDestinationConfigs: [
        stack.formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: logGroupName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
      redactedFields: [{ singleHeader: { Name: 'authorization' } }, { singleHeader: { Name: 'cookie' } }],
    });
    logging.node.addDependency(this.logGroup);
  }
}
