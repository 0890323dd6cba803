import { Arn, CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

const GITHUB_ISSUER = 'token.actions.githubusercontent.com';

export interface GitHubDeployStackProps extends StackProps {
  /** `owner/repo` of the repository whose workflows may deploy. */
  readonly repository: string;
  /** The stage this account hosts; the deploy role trusts only the GitHub environment of that name. */
  readonly stage: string;
  /** Also create a read-only role for `cdk diff` on pull requests. @default true */
  readonly pullRequestDiff?: boolean;
  /** ARN of an existing GitHub OIDC provider in the account (there can be only one). @default - create it */
  readonly existingOidcProviderArn?: string;
  /** CDK bootstrap qualifier. @default 'hnb659fds' */
  readonly bootstrapQualifier?: string;
  /**
   * Let the deploy role run `npm run smoke` against this stage after deploying: read the stage's
   * stack outputs, manage test users in the stage's user pool, and read and write items of the
   * stage's tables. Only for non-production stages (the smoke test refuses production anyway).
   * @default - none
   */
  readonly smokeTest?: { readonly project: string };
}

/**
 * One-time setup per account for .github/workflows/deploy.yml: GitHub's OIDC provider and the
 * roles its workflows assume without long-lived keys. The roles can do nothing themselves but
 * assume the CDK bootstrap roles (`cdk bootstrap` must run first), and they trust only this
 * repository: the deploy role only in the GitHub environment named like the stage (put required
 * reviewers on `prod` there), the diff role only on pull requests and only the read-only lookup role.
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
        description: 'Set as AWS_DIFF_ROLE_ARN in the repository variables',
      });
    }
  }

  /**
   * What scripts/smoke.ts needs, confined to one stage: its stacks by name prefix, its user pool
   * by the Project/Stage tags every resource of the stage carries, its tables by the name prefix
   * CloudFormation gives them (`<stack name>-...`).
   */
  private allowSmokeTest(project: string, stage: string): void {
    const prefix = `${project}-${stage}`;
    const arn = (service: string, resource: string) =>
      Arn.format({ service, resource, resourceName: resource === 'stack' ? `${prefix}-*/*` : `${prefix}-*` }, this);
    this.deployRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['cloudformation:DescribeStacks'],
        resources: [arn('cloudformation', 'stack')],
      }),
    );
    this.deployRole.addToPolicy(
      new iam.PolicyStatement({
        actions: [
          'cognito-idp:AdminCreateUser',
          'cognito-idp:AdminSetUserPassword',
          'cognito-idp:AdminAddUserToGroup',
          'cognito-idp:AdminDeleteUser',
        ],
        resources: [Arn.format({ service: 'cognito-idp', resource: 'userpool', resourceName: '*' }, this)],
        conditions: { StringEquals: { 'aws:ResourceTag/Project': project, 'aws:ResourceTag/Stage': stage } },
      }),
    );
    this.deployRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
        resources: [arn('dynamodb', 'table')],
      }),
    );
    const policy = this.deployRole.node.findChild('DefaultPolicy').node.defaultChild as iam.CfnPolicy;
    const reasons: Record<string, string> = {
      [`Resource::arn:<AWS::Partition>:cloudformation:<AWS::Region>:<AWS::AccountId>:stack/${prefix}-*/*`]:
        "The smoke test reads the outputs of this stage's stacks only (name prefix); stack ids are generated.",
      'Resource::arn:<AWS::Partition>:cognito-idp:<AWS::Region>:<AWS::AccountId>:userpool/*':
        'User pool ids are generated; the statement is confined by the Project and Stage tags of this stage, and only lets the smoke test create and delete its test users.',
      [`Resource::arn:<AWS::Partition>:dynamodb:<AWS::Region>:<AWS::AccountId>:table/${prefix}-*`]:
        "Table names are generated with this stage's stack names as prefix; item reads and writes for the smoke test's own items only (outbox, legacy record, cleanup).",
    };
    for (const [finding, reason] of Object.entries(reasons)) {
      Validations.of(policy).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
    }
  }
}
