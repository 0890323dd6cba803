import * as cognito from 'aws-cdk-lib/aws-cognito';
import type { Construct } from 'constructs';
import type { ScopeRules } from '../../../lambda/contract';
import type { StageConfig } from '../../config/schema';
import { TriggerFunction } from './trigger-function';

export interface PreTokenGenerationTriggerProps {
  readonly userPool: cognito.UserPool;
  readonly functions: StageConfig['functions'];
  /** Which claims and API scopes access tokens get (from the groups and attributes of the config). */
  readonly rules: ScopeRules;
}

/**
 * Token family: pre token generation (event version V2_0) adds the tenant claims and the API
 * scopes of the user's groups to access tokens. It calls no AWS API.
 */
export class PreTokenGenerationTrigger extends TriggerFunction {
  constructor(scope: Construct, id: string, props: PreTokenGenerationTriggerProps) {
    super(scope, id, {
      userPool: props.userPool,
      operation: cognito.UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG,
      lambdaVersion: cognito.LambdaVersion.V2_0,
      entry: 'triggers/pre-token-generation/handler.ts',
      description: 'Cognito pre token generation (V2): tenant claims and group scopes',
      settings: props.functions,
      environment: { SCOPE_RULES: JSON.stringify(props.rules) },
    });
  }
}
