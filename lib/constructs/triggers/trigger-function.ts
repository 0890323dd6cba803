import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { EnvName } from '../../../lambda/contract';
import { ReferenceFunction, type ReferenceFunctionProps } from '../lambda-function';

export interface TriggerFunctionProps extends Omit<ReferenceFunctionProps, 'timeout' | 'logRemovalPolicy'> {
  /** The pool that calls the trigger. */
  readonly userPool: cognito.UserPool;
  /** The pool operation the function handles (e.g. `UserPoolOperation.PRE_SIGN_UP`). */
  readonly operation: cognito.UserPoolOperation;
  /** Event version, for triggers that have several (pre token generation: V2_0). @default - V1_0 */
  readonly lambdaVersion?: cognito.LambdaVersion;
}

/**
 * A Lambda function the user pool calls: the project's Lambda defaults (ReferenceFunction, 5 s
 * timeout within Cognito's budget), wired with `UserPool.addTrigger`, which also lets
 * cognito-idp.amazonaws.com invoke it from this pool's ARN only.
 */
export class TriggerFunction extends ReferenceFunction {
  private readonly userPool: cognito.UserPool;

  constructor(scope: Construct, id: string, props: TriggerFunctionProps) {
    super(scope, id, props);
    this.userPool = props.userPool;
    props.userPool.addTrigger(props.operation, this.function, props.lambdaVersion);
  }

  /**
   * Item `actions` on one table, and its name in the environment variable `env`: the grant and
   * the variable that names the resource, set together.
   */
  useTable(env: EnvName, table: dynamodb.ITable, actions: string[]): void {
    this.addEnvironment(env, table.tableName);
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources: [table.tableArn] }));
  }

  /**
   * Grants `actions` on this user pool only. A standalone policy, not the role's default one:
   * the function must exist before the pool (trigger config) while this policy needs the pool's
   * ARN, and the default policy would be a dependency of the function, closing a cycle.
   */
  allowOnPool(id: string, actions: string[]): void {
    new iam.Policy(this, id, {
      roles: [this.role],
      statements: [new iam.PolicyStatement({ actions, resources: [this.userPool.userPoolArn] })],
    });
  }
}
