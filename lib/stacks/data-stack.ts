import { CfnOutput, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config/schema';
import { ProtectedData, type ProtectedDataArns } from '../constructs/protected-data';

export interface DataStackProps extends StackProps {
  readonly config: StageConfig;
}

/** Output names (also their logical ids) other stacks read the protected data's names from. */
export const DATA_OUTPUTS = { bucketName: 'DataBucketName', tableName: 'DataTableName' } as const;

/**
 * The stateful data protected per identity and per tenant. It depends on nothing, so it can be
 * retained, replaced or reused independently of the identity and API stacks that grant access to it.
 */
export class DataStack extends Stack {
  readonly data: ProtectedData;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    this.data = new ProtectedData(this, 'Protected', {
      removalPolicy: props.config.data.removalPolicy,
      // The web app's origins: it reads and writes its users' objects with identity-pool credentials.
      corsOrigins: props.config.api.corsOrigins,
    });
    new CfnOutput(this, DATA_OUTPUTS.bucketName, {
      value: this.data.bucket.bucketName,
      description: 'Protected S3 bucket',
    });
    new CfnOutput(this, DATA_OUTPUTS.tableName, {
      value: this.data.table.tableName,
      description: 'Protected DynamoDB table',
    });
  }

  /**
   * The data's ARNs for policies in `consumer`, read from this stack's named outputs with
   * `Fn::GetStackOutput` (a weak reference: no export lock, like the `weak` default in cdk.json).
   * Named outputs instead of CDK's generated ones keep the ARNs, and so the cdk-nag findings that
   * quote them, stable and readable. `consumer` deploys after this stack.
   */
  arnsFor(consumer: Stack): ProtectedDataArns {
    consumer.addStackDependency(this, 'policies name the protected bucket and table');
    const bucketName = Fn.getStackOutput(this.stackName, DATA_OUTPUTS.bucketName);
    const tableName = Fn.getStackOutput(this.stackName, DATA_OUTPUTS.tableName);
    return {
      bucketArn: consumer.formatArn({ service: 's3', region: '', account: '', resource: bucketName }),
      tableArn: consumer.formatArn({ service: 'dynamodb', resource: 'table', resourceName: tableName }),
    };
  }
}
