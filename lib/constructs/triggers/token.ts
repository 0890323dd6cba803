import { ArnFormat, Names, Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { MachineClientRule, ScopeRules } from '../../../lambda/contract';
import type { StageConfig } from '../../config/schema';
import { TriggerFunction } from './trigger-function';

export interface PreTokenGenerationTriggerProps {
  readonly userPool: cognito.UserPool;
  readonly functions: StageConfig['functions'];
  /** Which claims and API scopes access tokens get (from the groups and attributes of the config). */
  readonly rules: ScopeRules;
}

/** A machine client whose client-credentials tokens the trigger gives a tenant. */
export interface MachineClientGrant {
  readonly name: string;
  readonly client: cognito.IUserPoolClient;
  readonly tenant: string;
  /** Full scope names (`<resource server>/<name>`) the client may hold. */
  readonly scopes: readonly string[];
}

/**
 * Token family: pre token generation, event version V3_0, so it runs for user sign-ins and for
 * client-credentials (machine) tokens. For users it adds the tenant claims and the API scopes of
 * their groups; for a machine client the tenant of its config entry. It calls no AWS API.
 *
 * The trigger must know machine client ids, which exist only once the clients (which need the
 * pool, which names the trigger) are created: a dependency cycle in CloudFormation. It is broken
 * here, in one place: the function gets a name fixed at synth time, and the pool names the
 * function by an ARN built from that name instead of a reference to it (see acceptMachineClients).
 */
export class PreTokenGenerationTrigger extends TriggerFunction {
  /** The function name the pool's trigger configuration points at. */
  readonly functionName: string;
  private readonly pool: cognito.UserPool;

  constructor(scope: Construct, id: string, props: PreTokenGenerationTriggerProps) {
    super(scope, id, {
      userPool: props.userPool,
      operation: cognito.UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG,
      lambdaVersion: cognito.LambdaVersion.V3_0,
      entry: 'triggers/pre-token-generation/handler.ts',
      description: 'Cognito pre token generation (V3): tenant claims and group scopes; tenant of machine clients',
      settings: props.functions,
      environment: { SCOPE_RULES: JSON.stringify(props.rules), MACHINE_CLIENTS: '[]' },
    });
    this.pool = props.userPool;
    // Deterministic (stack name and construct path) and within Lambda's 64 characters.
    this.functionName = Names.uniqueResourceName(this, { maxLength: 64 });
  }

  /**
   * Gives client-credentials tokens of these clients their tenant and limits them to their scopes
   * (MACHINE_CLIENTS). The function's environment now references the clients, so the pool must not
   * reference the function (cycle): the function gets the fixed name `functionName`, and the pool's
   * PreTokenGenerationConfig names it by the ARN of that name. Cognito calls the function by ARN
   * either way; the invoke permission (addTrigger) still references the function and the pool.
   */
  acceptMachineClients(grants: readonly MachineClientGrant[]): void {
    if (grants.length === 0) return;
    const stack = Stack.of(this);
    const rules: MachineClientRule[] = grants.map((grant) => ({
      clientId: grant.client.userPoolClientId,
      name: grant.name,
      tenant: grant.tenant,
      scopes: [...grant.scopes],
    }));
    this.addEnvironment('MACHINE_CLIENTS', stack.toJsonString(rules));
    (this.function.node.defaultChild as lambda.CfnFunction).functionName = this.functionName;
    const arn = stack.formatArn({
      service: 'lambda',
      resource: 'function',
      resourceName: this.functionName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    (this.pool.node.defaultChild as cognito.CfnUserPool).addPropertyOverride(
      'LambdaConfig.PreTokenGenerationConfig.LambdaArn',
      arn,
    );
  }
}
