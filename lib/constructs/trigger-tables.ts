import { LEGACY_TABLE, OUTBOX_TABLE, SIGN_IN_STATE_TABLE } from '../../lambda/contract';
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct, type IConstruct } from 'constructs';

export interface LegacyUserTableProps {
  /** What happens to the table (and the password hashes in it) when the stack deletes it. */
  readonly removalPolicy: 'RETAIN' | 'DESTROY';
}

export interface SignInStateTableProps {
  /**
   * What happens to the table when the stack deletes it: the stage's (RETAIN in production), so a
   * replaced stack does not silently reset every lockout and email count.
   */
  readonly removalPolicy: 'RETAIN' | 'DESTROY';
}

/** Retention of a table that follows the stage: RETAIN comes with deletion protection. */
function retention(
  removalPolicy: 'RETAIN' | 'DESTROY',
): Pick<dynamodb.TableProps, 'deletionProtection' | 'removalPolicy'> {
  const retain = removalPolicy === 'RETAIN';
  return { deletionProtection: retain, removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY };
}

/**
 * The legacy user directory the migrate-user trigger reads: one item per user, keyed by the
 * lower-cased email (layout in lambda/shared/legacy-directory.ts), loaded by
 * scripts/seed-legacy-users.ts or your own export. Encrypted, point-in-time recovery on; the
 * trigger may only `GetItem` on it.
 */
export class LegacyUserTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: LegacyUserTableProps) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: LEGACY_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      ...retention(props.removalPolicy),
    });
  }
}

/**
 * Dev-only test outbox: create-auth-challenge also writes each sign-in code here (keyed by the
 * lower-cased address), so a smoke test can finish a passwordless sign-in without a mailbox.
 * Items expire through DynamoDB TTL; the config schema refuses the outbox in production.
 */
export class TestOutboxTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: OUTBOX_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: OUTBOX_TABLE.expiresAt,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.table.node.defaultChild as IConstruct).acknowledge({
      id: 'AwsSolutions-DDB3',
      reason:
        'Dev-only outbox of short-lived sign-in codes that expire through TTL; point-in-time backups would keep codes for 35 days after they expired.',
    });
  }
}

/**
 * Passwordless sign-in state per user across sessions (layout SIGN_IN_STATE_TABLE): the
 * outstanding code, emails sent and wrong answers in their windows. create- and
 * verify-auth-challenge may only `GetItem` and `PutItem` (conditional) on it. Items expire
 * through DynamoDB TTL once the code and both windows have ended; no backups, so expired codes
 * and counts do not linger.
 */
export class SignInStateTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: SignInStateTableProps) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: SIGN_IN_STATE_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: SIGN_IN_STATE_TABLE.expiresAt,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      ...retention(props.removalPolicy),
    });
    Validations.of(this.table.node.defaultChild as IConstruct).acknowledge({
      id: 'AwsSolutions-DDB3',
      reason:
        'Short-lived sign-in state (outstanding codes, counts) that expires through TTL within a day; point-in-time backups would keep sign-in codes for 35 days and restoring old counts has no use.',
    });
  }
}
