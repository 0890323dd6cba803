import { KEY_PREFIX } from '../../lambda/contract';
import { Arn, CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { DEFAULT_TEST_OUTBOX_ADDRESSES } from '../config/schema';

const GITHUB_ISSUER = 'token.actions.githubusercontent.com';

/**
 * The smoke test's users' addresses (SES mailbox simulator): the only outbox and legacy-table keys
 * it touches, and the default of passwordless.customChallenge.testOutboxAddresses.
 */
export const SMOKE_TEST_ADDRESSES = DEFAULT_TEST_OUTBOX_ADDRESSES;

/**
 * What scripts/smoke.ts does with its own credentials (the dev deploy role in CI), and where.
 * Everything else it calls is unsigned (InitiateAuth, RespondToAuthChallenge, GetTokensFromRefreshToken, GetId and
 * GetCredentialsForIdentity are public Cognito APIs the SDK sends without a signature, so IAM
 * never evaluates them) or made with the test users' identity-pool credentials.
 * test/smoke.test.ts checks that a simulated run calls exactly these actions on these keys.
 *
 * Tables are matched by the names CloudFormation generates, `<stack name>-<logical id>-<suffix>`,
 * whose logical ids start with the construct path (test/github-deploy.test.ts checks the app's).
 */
export const SMOKE_TEST_ACCESS = {
  /** `<project>-<stage>-<name>` (lib/app.ts): read their outputs. */
  stacks: { names: ['Data', 'Auth', 'Api'], actions: ['cloudformation:DescribeStacks'] },
  /** Create, set up and delete the test users; read a machine client's secret for its token request. */
  userPool: {
    actions: [
      'cognito-idp:AdminCreateUser',
      'cognito-idp:AdminSetUserPassword',
      'cognito-idp:AdminAddUserToGroup',
      'cognito-idp:AdminDeleteUser',
      'cognito-idp:DescribeUserPoolClient',
    ],
  },
  /** Delete the identities GetId created for the test users. */
  identityPool: { actions: ['cognito-identity:DeleteIdentities'] },
  tables: {
    /** Read the sign-in codes of the test users. */
    testOutbox: {
      stack: 'Auth',
      logicalIdPrefix: 'TriggersTestOutboxTable',
      actions: ['dynamodb:GetItem'],
      leadingKeys: SMOKE_TEST_ADDRESSES,
      keys: "the smoke test's users' addresses",
    },
    /** Seed and delete the legacy record of the migration test. */
    legacyUsers: {
      stack: 'Auth',
      logicalIdPrefix: 'TriggersLegacyUsersTable',
      actions: ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
      leadingKeys: SMOKE_TEST_ADDRESSES,
      keys: "the smoke test's users' addresses",
    },
    /** Delete the document PUT /documents wrote (USER#<sub>; the API has no delete route). */
    data: {
      stack: 'Data',
      logicalIdPrefix: 'ProtectedTable',
      actions: ['dynamodb:DeleteItem'],
      leadingKeys: `${KEY_PREFIX.user}*`,
      // IAM has no condition on the sort key, and the user id is generated at sign-in.
      keys: 'API documents only (no IDENTITY# or TENANT# item, no read or write)',
    },
  },
} as const;

/**
 * Whether bin/github-deploy.ts creates the pull-request diff role: by default only outside
 * production. The diff role may assume the CDK lookup role, which `cdk bootstrap` gives
 * ReadOnlyAccess, and it trusts every pull request of the repository: in a production account
 * any collaborator's branch could read the production data. `-c pullRequestDiff=true` opts in.
 */
export function pullRequestDiffWanted(production: boolean, flag: unknown): boolean {
  if (flag === undefined) return !production;
  if (flag === true || flag === 'true') return true;
  if (flag === false || flag === 'false') return false;
  throw new Error(`pullRequestDiff must be true or false, got ${JSON.stringify(flag)}`);
}

export interface GitHubDeployStackProps extends StackProps {
  /** `owner/repo` of the repository whose workflows may deploy. */
  readonly repository: string;
  /** The stage this account hosts; the deploy role trusts only the GitHub environment of that name. */
  readonly stage: string;
  /**
   * Also create a role for `cdk diff` on pull requests; it may assume the CDK lookup role
   * (ReadOnlyAccess: it can read the account's data). bin/github-deploy.ts turns it off for
   * production stages unless asked (see `pullRequestDiffWanted`). @default true
   */
  readonly pullRequestDiff?: boolean;
  /** ARN of an existing GitHub OIDC provider in the account (there can be only one). @default - create it */
  readonly existingOidcProviderArn?: string;
  /** CDK bootstrap qualifier. @default 'hnb659fds' */
  readonly bootstrapQualifier?: string;
  /**
   * Let the deploy role run `npm run smoke` against this stage after deploying: exactly
   * SMOKE_TEST_ACCESS, confined to the stage's stacks, user pool, identity pools and tables. Only
   * for non-production stages (the smoke test refuses production anyway).
   * @default - none
   */
  readonly smokeTest?: { readonly project: string };
}

/**
 * One-time setup per account for .github/workflows/deploy.yml: GitHub's OIDC provider and the
 * roles its workflows assume without long-lived keys. The roles can do nothing themselves but
 * assume the CDK bootstrap roles (`cdk bootstrap` must run first), and they trust only this
 * repository: the deploy role only in the GitHub environment named like the stage (put required
 * reviewers on `prod` there, and restrict its deployment branches to main), the diff role only on
 * pull requests and only the lookup role (read-only, but it reads everything: no diff role in
 * production unless asked).
 */
export class GitHubDeployStack extends Stack {
  readonly deployRole: iam.Role;
  readonly diffRole?: iam.Role;

  constructor(scope: Construct, id: string, props: GitHubDeployStackProps) {
    super(scope, id, props);
    if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(props.repository)) {
      throw new Error(`GitHubDeployStack: repository must be "owner/repo", got "${props.repository}"`);
    }
    const qualifier = props.bootstrapQualifier ?? 'hnb659fds';
    const providerArn =
      props.existingOidcProviderArn ??
      new iam.OidcProviderNative(this, 'GitHubOidc', {
        url: `https://${GITHUB_ISSUER}`,
        clientIds: ['sts.amazonaws.com'],
      }).oidcProviderArn;

    const principal = (subject: string) =>
      new iam.WebIdentityPrincipal(providerArn, {
        StringEquals: { [`${GITHUB_ISSUER}:aud`]: 'sts.amazonaws.com', [`${GITHUB_ISSUER}:sub`]: subject },
      });
    const bootstrapRole = (kind: string) =>
      Arn.format(
        {
          service: 'iam',
          region: '',
          resource: 'role',
          resourceName: `cdk-${qualifier}-${kind}-role-${this.account}-${this.region}`,
        },
        this,
      );

    this.deployRole = new iam.Role(this, 'DeployRole', {
      description: `GitHub Actions deploys ${props.stage} from ${props.repository} (environment ${props.stage})`,
      assumedBy: principal(`repo:${props.repository}:environment:${props.stage}`),
      maxSessionDuration: Duration.hours(1),
    });
    this.deployRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['sts:AssumeRole', 'sts:TagSession'],
        resources: ['deploy', 'file-publishing', 'image-publishing', 'lookup'].map(bootstrapRole),
      }),
    );
    if (props.smokeTest) this.allowSmokeTest(props.smokeTest.project, props.stage);
    new CfnOutput(this, 'DeployRoleArn', {
      value: this.deployRole.roleArn,
      description: 'Set as AWS_DEPLOY_ROLE_ARN in the GitHub environment',
    });

    if (props.pullRequestDiff ?? true) {
      this.diffRole = new iam.Role(this, 'DiffRole', {
        description: `GitHub Actions runs cdk diff for pull requests of ${props.repository} (read-only)`,
        assumedBy: principal(`repo:${props.repository}:pull_request`),
        maxSessionDuration: Duration.hours(1),
      });
      this.diffRole.addToPolicy(
        new iam.PolicyStatement({
          actions: ['sts:AssumeRole', 'sts:TagSession'],
          resources: [bootstrapRole('lookup')],
        }),
      );
      new CfnOutput(this, 'DiffRoleArn', {
        value: this.diffRole.roleArn,
        // .github/workflows/deploy.yml reads one variable per stage: each account has its own diff role.
        description: `Set as AWS_DIFF_ROLE_ARN_${props.stage.toUpperCase().replace(/[^A-Z0-9]/g, '_')} in the repository variables`,
      });
    }
  }

  /**
   * SMOKE_TEST_ACCESS as IAM statements, each on the narrowest resource IAM allows: the stage's
   * stacks by name, its user pool by the Project/Stage tags every resource of the stage carries
   * (pool ids are generated), identity pools of this account and region (DeleteIdentities has no
   * resource type and no tag condition; pool ids are generated), and each table by its generated
   * name's prefix, limited to the partition keys the smoke test writes.
   */
  private allowSmokeTest(project: string, stage: string): void {
    const prefix = `${project}-${stage}`;
    const access = SMOKE_TEST_ACCESS;
    const reasons: Record<string, string> = {};
    const acknowledge = (resource: string, reason: string) => {
      reasons[`Resource::${resource}`] = reason;
    };
    const nagArn = (service: string, resource: string) =>
      `arn:<AWS::Partition>:${service}:<AWS::Region>:<AWS::AccountId>:${resource}`;

    const stackNames = access.stacks.names.map((name) => `${prefix}-${name}`);
    this.deployRole.addToPolicy(
      new iam.PolicyStatement({
        actions: [...access.stacks.actions],
        resources: stackNames.map((name) =>
          Arn.format({ service: 'cloudformation', resource: 'stack', resourceName: `${name}/*` }, this),
        ),
      }),
    );
    for (const name of stackNames) {
      acknowledge(
        nagArn('cloudformation', `stack/${name}/*`),
        `The smoke test reads the outputs of the stack ${name} only; the * is the stack id CloudFormation generates.`,
      );
    }

    this.deployRole.addToPolicy(
      new iam.PolicyStatement({
        actions: [...access.userPool.actions],
        resources: [Arn.format({ service: 'cognito-idp', resource: 'userpool', resourceName: '*' }, this)],
        conditions: { StringEquals: { 'aws:ResourceTag/Project': project, 'aws:ResourceTag/Stage': stage } },
      }),
    );
    acknowledge(
      nagArn('cognito-idp', 'userpool/*'),
      'User pool ids are generated; the statement is confined by the Project and Stage tags of this stage, and only lets the smoke test create and delete its test users.',
    );

    this.deployRole.addToPolicy(
      new iam.PolicyStatement({
        actions: [...access.identityPool.actions],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'cognito-identity:IdentityPoolArn': Arn.format(
              { service: 'cognito-identity', resource: 'identitypool', resourceName: `${this.region}:*` },
              this,
            ),
          },
        },
      }),
    );
    acknowledge(
      '*',
      'cognito-identity:DeleteIdentities has no resource type (IAM accepts only *) and no tag condition; the cognito-identity:IdentityPoolArn condition confines it to identity pools of this account and region (their ids are generated), for the smoke test to delete the identities it created.',
    );

    for (const table of Object.values(access.tables)) {
      const name = `${prefix}-${table.stack}-${table.logicalIdPrefix}*`;
      this.deployRole.addToPolicy(
        new iam.PolicyStatement({
          actions: [...table.actions],
          resources: [Arn.format({ service: 'dynamodb', resource: 'table', resourceName: name }, this)],
          conditions: {
            'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [table.leadingKeys] },
            // ForAllValues alone is true for a request without a partition key.
            Null: { 'dynamodb:LeadingKeys': 'false' },
          },
        }),
      );
      acknowledge(
        nagArn('dynamodb', `table/${name}`),
        `Table names are generated (<stack name>-<logical id>-<suffix>); ${table.actions.join(', ')} only, on items whose partition key matches ${table.leadingKeys}: ${table.keys}.`,
      );
    }

    const policy = this.deployRole.node.findChild('DefaultPolicy').node.defaultChild as iam.CfnPolicy;
    for (const [finding, reason] of Object.entries(reasons)) {
      Validations.of(policy).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
    }
  }
}
