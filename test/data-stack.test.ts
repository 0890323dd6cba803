import { Match } from 'aws-cdk-lib/assertions';
import { SHIPPED_STAGES, synthShipped } from './helpers/app';

describe.each(SHIPPED_STAGES)('protected data (%s)', (stage) => {
  const { templates, config } = synthShipped(stage);
  const data = templates.data;
  const retain = config.data.removalPolicy === 'RETAIN';

  it('encrypts the data bucket, blocks public access, versions it and logs access', () => {
    data.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 'data-bucket/' },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
  });

  it('lets exactly the web app origins call the data bucket from a browser (GET and PUT), or none', () => {
    const buckets = Object.values(data.findResources('AWS::S3::Bucket')).map(
      (b) => (b as { Properties: Record<string, unknown> }).Properties,
    );
    const withCors = buckets.filter((b) => b.CorsConfiguration !== undefined);
    if (config.api.corsOrigins.length === 0) {
      expect(withCors).toEqual([]);
      return;
    }
    // Only the data bucket (the one with versioning), never the access-log bucket.
    expect(withCors).toHaveLength(1);
    expect(withCors[0]!.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(withCors[0]!.CorsConfiguration).toEqual({
      CorsRules: [
        {
          AllowedOrigins: config.api.corsOrigins,
          AllowedMethods: ['GET', 'PUT'],
          AllowedHeaders: ['authorization', 'content-type', 'x-amz-*', 'amz-sdk-*'],
          ExposedHeaders: ['ETag'],
          MaxAge: 600,
        },
      ],
    });
  });

  it('denies every request without TLS on both buckets', () => {
    const policies = Object.values(data.findResources('AWS::S3::BucketPolicy'));
    expect(policies).toHaveLength(2);
    for (const policy of policies) {
      expect(JSON.stringify(policy)).toContain('"aws:SecureTransport":"false"');
    }
  });

  it('keeps the table keyed by pk/sk with point-in-time recovery and encryption', () => {
    data.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      DeletionProtectionEnabled: retain,
    });
  });

  it(`${retain ? 'retains' : 'deletes'} the data with the stack, as configured`, () => {
    for (const type of ['AWS::S3::Bucket', 'AWS::DynamoDB::Table']) {
      for (const resource of Object.values(data.findResources(type))) {
        expect(resource.DeletionPolicy).toBe(retain ? 'Retain' : 'Delete');
      }
    }
    // The schema's production guard rail, seen in the template.
    expect(config.production ? retain : true).toBe(true);
  });
});
