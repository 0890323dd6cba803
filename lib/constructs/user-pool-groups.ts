import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { StageConfig } from '../config/schema';

export interface UserPoolGroupsProps {
  readonly userPool: cognito.IUserPool;
  readonly groups: StageConfig['groups'];
  /**
   * IAM role per group name. Cognito puts a member's group roles in `cognito:roles` and the
   * highest-precedence one in `cognito:preferred_role`, which the identity pool can map to
   * credentials. Groups without an entry get no role.
   * @default - no roles
   */
  readonly roles?: Readonly<Record<string, iam.IRole>>;
}

/** The user pool groups from config, each with its precedence, description and optional role. */
export class UserPoolGroups extends Construct {
  /** Groups by name. */
  readonly groups: Readonly<Record<string, cognito.UserPoolGroup>>;

  constructor(scope: Construct, id: string, props: UserPoolGroupsProps) {
    super(scope, id);
    const names = new Set(props.groups.map((g) => g.name));
    for (const name of Object.keys(props.roles ?? {})) {
      if (!names.has(name)) {
        throw new Error(`UserPoolGroups: a role was given for "${name}", which is not a configured group`);
      }
    }
    this.groups = Object.fromEntries(
      props.groups.map((group) => [
        group.name,
        new cognito.UserPoolGroup(this, `Group-${group.name}`, {
          userPool: props.userPool,
          groupName: group.name,
          precedence: group.precedence,
          description: group.description,
          role: props.roles?.[group.name],
        }),
      ]),
    );
  }
}
