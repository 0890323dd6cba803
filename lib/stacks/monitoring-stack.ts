import { CfnOutput, CfnResource, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type { Construct, IConstruct } from 'constructs';
import type { StageConfig } from '../config/schema';
import { StageAlarms, type WatchedFunction } from '../constructs/stage-alarms';
import { TriggerFunction } from '../constructs/triggers/trigger-function';
import type { ApiStack } from './api-stack';
import type { AuthStack } from './auth-stack';

export interface MonitoringStackProps extends StackProps {
  readonly config: StageConfig;
  /** Every other stack of the stage: each Lambda function in them gets its alarms. */
  readonly watched: readonly Stack[];
  readonly auth: AuthStack;
  readonly api: ApiStack;
}

/**
 * The alarms, their topic and the dashboard of one stage, in a stack of their own that deploys
 * last. It reads the other stacks (function names, the API, the pool and its clients) and nothing
 * reads it, so there is no cross-stack cycle, and the stacks it watches never wait for it.
 * Functions, triggers and app clients are discovered from the construct tree at synth time: a
 * fork that adds a function or a client gets its alarms without touching this file.
 */
export class MonitoringStack extends Stack {
  readonly alarms: StageAlarms;

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id, props);
    const { config, auth, api } = props;
    // Also implied by the references below, but the web ACL's name is read by output name.
    this.addStackDependency(api);

    const functions = props.watched.flatMap((stack) =>
      stack.node
        .findAll()
        .filter((c): c is CfnResource => CfnResource.isCfnResource(c) && c.cfnResourceType === 'AWS::Lambda::Function')
        .map((resource) => watched(stack, resource)),
    );
    const triggers = auth.node
      .findAll()
      .filter((c): c is TriggerFunction => c instanceof TriggerFunction)
      .map((trigger) => watched(auth, trigger.function.node.defaultChild as CfnResource));
    const clients = auth.node
      .findAll()
      .filter((c): c is cognito.CfnUserPoolClient => c instanceof cognito.CfnUserPoolClient)
      .map((client) => ({ label: labelOf(auth, client), clientId: client.ref }));

    this.alarms = new StageAlarms(this, 'Alarms', {
      settings: config.alarms,
      functions,
      triggers,
      apiStage: api.restApi.stage,
      apiAccessLogs: api.restApi.accessLogs,
      webAclName: api.waf ? Fn.getStackOutput(api.stackName, api.getLogicalId(api.waf.nameOutput)) : undefined,
      userPoolId: auth.pool.userPool.userPoolId,
      clients,
      metricNamespace: `${config.project}/${config.stage}`,
    });

    new CfnOutput(this, 'AlarmTopicArn', {
      value: this.alarms.topic.topicArn,
      description: 'SNS topic every alarm of the stage notifies; subscribe on-call endpoints to it',
    });
  }
}

/**
 * `Auth/Triggers/PreSignUp`: the stack's short name and the construct's path in it, without the
 * L1 leaf (`Resource`) and the function wrapper (`Function`) that every function has.
 */
function labelOf(stack: Stack, construct: IConstruct): string {
  const shortStack = stack.node.id.slice(stack.node.id.lastIndexOf('-') + 1);
  const path = construct.node.path.slice(stack.node.path.length + 1).split('/');
  while (path.length > 1 && ['Resource', 'Function'].includes(path[path.length - 1]!)) path.pop();
  return [shortStack, ...path].join('/');
}

function watched(stack: Stack, resource: CfnResource): WatchedFunction {
  return { label: labelOf(stack, resource), functionName: resource.ref };
}
