import { type CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { EnvName } from '../../lambda/contract';
import type { StageConfig } from '../config/schema';
import { bundledCode } from './lambda-bundle';

export { LAMBDA_SOURCE_ROOT } from './lambda-bundle';

/**
 * The Node.js every function runs on: the one place the runtime is named. The toolchain uses the
 * same major (.nvmrc, package.json engines, CI, @types/node; test/toolchain.test.ts checks it).
 */
export const LAMBDA_RUNTIME = lambda.Runtime.NODEJS_24_X;
/** The runtime's major version (24 for nodejs24.x). */
export const LAMBDA_NODE_MAJOR = Number(/^nodejs(\d+)\.x$/.exec(LAMBDA_RUNTIME.name)?.[1]);
/** esbuild target matching LAMBDA_RUNTIME. */
export const LAMBDA_TARGET = `node${LAMBDA_NODE_MAJOR}`;

/** Trigger functions must answer within Cognito's 5-second budget. */
export const MAX_TRIGGER_TIMEOUT = Duration.seconds(5);

export interface ReferenceFunctionProps {
  /** Handler source relative to `lambda/`, e.g. `triggers/pre-sign-up/handler.ts`. */
  readonly entry: string;
  /** What the function does, shown in the console. */
  readonly description: string;
  /** Stage-wide function settings (memory, log retention, log level, tracing). */
  readonly settings: StageConfig['functions'];
  /** @default Duration.seconds(5) */
  readonly timeout?: Duration;
  /**
   * Environment variables, by the names of the contract (lambda/contract.ts); set each together
   * with the grant it belongs to. @default - none
   */
  readonly environment?: Readonly<Partial<Record<EnvName, string>>>;
  /** How the log group is removed with the stack. @default RemovalPolicy.DESTROY */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * The Lambda defaults every function in this project shares: Node.js 24 on arm64, ESM bundle
 * (see lambdaBuildOptions), a 5 s timeout, Lambda's native JSON logs with levels, its own log group
 * with retention, X-Ray tracing, and its own role that may write only to that log group (instead
 * of AWSLambdaBasicExecutionRole, which may write to any). Callers pass only what differs, then
 * grant what the handler needs on `role`.
 */
export class ReferenceFunction extends Construct {
  /** Handler source relative to `lambda/` (bench/ builds each entry the same way). */
  readonly entry: string;
  private readonly env: Record<string, string>;
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ReferenceFunctionProps) {
    super(scope, id);
    this.entry = props.entry;
    this.env = Object.fromEntries(
      Object.entries(props.environment ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined),
    );
    const timeout = props.timeout ?? MAX_TRIGGER_TIMEOUT;
    if (timeout.toSeconds() < 1 || timeout.toSeconds() > 900) {
      throw new Error(`ReferenceFunction ${id}: timeout must be 1-900 s, got ${timeout.toSeconds()} s`);
    }

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.settings.logRetentionDays as logs.RetentionDays,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${this.node.path}`,
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    this.function = new lambda.Function(this, 'Function', {
      code: bundledCode(props.entry, LAMBDA_TARGET),
      handler: 'index.handler',
      description: props.description,
      runtime: LAMBDA_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.settings.memoryMb,
      timeout,
      role: this.role,
      environment: { ...this.env },
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: APPLICATION_LOG_LEVELS[props.settings.logLevel],
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      tracing: props.settings.tracing ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
      recursiveLoop: lambda.RecursiveLoop.TERMINATE,
    });

    // Acknowledged on the role's policy, the one resource whose statements raise the findings.
    const policy = this.role.node.findChild('DefaultPolicy');
    const logGroupId = Stack.of(this).getLogicalId(this.logGroup.node.defaultChild as CfnElement);
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logGroupId}.Arn>:*]`,
      reason:
        "Log streams get generated names at run time; the grant covers only the streams of this function's own log group.",
    });
    if (props.settings.tracing) {
      Validations.of(policy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions, so they need Resource "*" (no other action may use it; tests list every statement).',
      });
    }
  }

  /** The environment the function gets (bench/ and tests load each bundle with it). */
  get environment(): Readonly<Record<string, string>> {
    return { ...this.env };
  }

  /** Adds an environment variable; use it next to the grant of the resource it names. */
  addEnvironment(name: EnvName, value: string): void {
    this.env[name] = value;
    this.function.addEnvironment(name, value);
  }
}

const APPLICATION_LOG_LEVELS: Record<StageConfig['functions']['logLevel'], lambda.ApplicationLogLevel> = {
  DEBUG: lambda.ApplicationLogLevel.DEBUG,
  INFO: lambda.ApplicationLogLevel.INFO,
  WARN: lambda.ApplicationLogLevel.WARN,
  ERROR: lambda.ApplicationLogLevel.ERROR,
};
