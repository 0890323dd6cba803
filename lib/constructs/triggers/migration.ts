import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import type { PasswordRules } from '../../../lambda/contract';
import type { StageConfig } from '../../config/schema';
import { TriggerFunction } from './trigger-function';

export interface MigrateUserTriggerProps {
  readonly userPool: cognito.UserPool;
  readonly functions: StageConfig['functions'];
  /** The pool's password rules: a weak legacy password migrates as RESET_REQUIRED. */
  readonly passwordPolicy: StageConfig['userPool']['passwordPolicy'];
  /** The legacy directory (LegacyUserTable); the function may only GetItem on it. */
  readonly legacyUsers: dynamodb.ITable;
}

/**
 * Migration family: migrate user checks a password against the legacy directory at the first
 * sign-in and migrates the user. The table is created by UserPoolTriggers, beside this function,
 * so its logical id stays where it has always been (it holds password hashes and is retained).
 */
export class MigrateUserTrigger extends TriggerFunction {
  constructor(scope: Construct, id: string, props: MigrateUserTriggerProps) {
    const policy = props.passwordPolicy;
    const rules: PasswordRules = {
      minLength: policy.minLength,
      requireLowercase: policy.requireLowercase,
      requireUppercase: policy.requireUppercase,
      requireDigits: policy.requireDigits,
      requireSymbols: policy.requireSymbols,
    };
    super(scope, id, {
      userPool: props.userPool,
      operation: cognito.UserPoolOperation.USER_MIGRATION,
      entry: 'triggers/migrate-user/handler.ts',
      description: 'Cognito migrate user: checks the password against the legacy directory and migrates the user',
      settings: props.functions,
      environment: { PASSWORD_POLICY: JSON.stringify(rules) },
    });
    // Read-only access to the legacy directory: GetItem on that one table, nothing else.
    this.useTable('LEGACY_USERS_TABLE', props.legacyUsers, ['dynamodb:GetItem']);
  }
}
