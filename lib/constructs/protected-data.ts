import { PARTITION_KEY, SORT_KEY } from '../../lambda/contract';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** What an IAM policy needs to name the protected data, possibly from another stack. */
export interface ProtectedDataArns {
  readonly bucketArn: string;
  readonly tableArn: string;
}

export interface ProtectedDataProps {
  /**
   * What happens to the bucket, its log bucket and the table when the stack deletes them. With
   * `DESTROY` the buckets are emptied first (every object version), so `cdk destroy` succeeds.
   */
  readonly removalPolicy: 'RETAIN' | 'DESTROY';
  /**
   * Browser origins that may call the bucket directly (with identity-pool credentials): a CORS
   * rule for GET and PUT of objects from exactly these origins. CORS grants nothing by itself;
   * the identity-pool roles' IAM policies decide what each caller may read or write.
   * @default - no CORS rule: browsers cannot call the bucket
   */
  readonly corsOrigins?: readonly string[];
}

/**
 * The data that shows row-level security: an S3 bucket laid out by identity and tenant
 * (`private/<identity id>/`, `tenants/<tenant id>/`, `public/`) and a DynamoDB table keyed the
 * same way (see lambda/contract.ts). Who may touch what is decided by the IAM policies of
 * the identity-pool roles and the API functions, not here.
 */
export class ProtectedData extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogs: s3.Bucket;
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: ProtectedDataProps) {
    super(scope, id);
    const destroy = props.removalPolicy === 'DESTROY';
    const removalPolicy = destroy ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    // CloudFormation cannot delete a bucket that holds objects (or, when versioned, old versions
    // and delete markers). autoDeleteObjects adds a custom resource that first denies new writes
    // and then deletes every version, so a late access-log delivery cannot refill the bucket.
    const autoDeleteObjects = destroy;

    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365) }],
      removalPolicy,
      autoDeleteObjects,
    });
    Validations.of(this.accessLogs.node.defaultChild as Construct).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket receives the server access logs of the data bucket; logging it to itself would loop.',
    });

    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'data-bucket/',
      removalPolicy,
      autoDeleteObjects,
      ...(props.corsOrigins?.length
        ? {
            cors: [
              {
                allowedOrigins: [...props.corsOrigins],
                allowedMethods: [s3.HttpMethods.GET, s3.HttpMethods.PUT],
                // What the AWS SDK's signed requests carry (SigV4, checksums, SDK metadata).
                allowedHeaders: ['authorization', 'content-type', 'x-amz-*', 'amz-sdk-*'],
                exposedHeaders: ['ETag'],
                maxAge: 600,
              },
            ],
          }
        : {}),
    });

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: PARTITION_KEY, type: dynamodb.AttributeType.STRING },
      sortKey: { name: SORT_KEY, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: !destroy,
      removalPolicy,
    });
  }
}
