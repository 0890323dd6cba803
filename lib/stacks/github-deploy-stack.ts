import { Arn, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
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
}
