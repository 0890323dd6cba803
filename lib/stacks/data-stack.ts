import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config/schema';
import { ProtectedData } from '../constructs/protected-data';

export interface DataStackProps extends StackProps {
  readonly config: StageConfig;
}

/**
 * The stateful data protected per identity and per tenant. It depends on nothing, so it can be
 * retained, replaced or reused independently of the identity and API stacks that grant access to it.
 */
export class DataStack extends Stack {
  readonly data: ProtectedData;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    this.data = new ProtectedData(this, 'Protected', { removalPolicy: props.config.data.removalPolicy });
    new CfnOutput(this, 'DataBucketName', { value: this.data.bucket.bucketName, description: 'Protected S3 bucket' });
    new CfnOutput(this, 'DataTableName', { value: this.data.table.tableName, description: 'Protected DynamoDB table' });
  }
}
