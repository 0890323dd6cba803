import { OUTBOX_TABLE } from '../../contract';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { SendOptions } from '../../shared/deadline';
import { dynamoDbClient } from '../../shared/dynamodb';
import type { IssuedCode } from '../../shared/one-time-code';

/**
 * Dev-only test outbox: the code, keyed by the lower-cased address, for the smoke test to read
 * instead of a mailbox, written only for addresses matching the configured pattern (the caller
 * checks). Items expire through the table's TTL. Only handler-with-outbox.ts bundles this module.
 */
export async function writeToOutbox(
  tableName: string,
  to: string,
  issued: IssuedCode,
  options: SendOptions,
): Promise<void> {
  await dynamoDbClient.send(
    new PutItemCommand({
      TableName: tableName,
      Item: {
        [OUTBOX_TABLE.partitionKey]: { S: to.toLowerCase() },
        [OUTBOX_TABLE.code]: { S: issued.code },
        [OUTBOX_TABLE.expiresAt]: { N: String(Math.ceil(issued.expiresAt / 1000)) },
      },
    }),
    options,
  );
}
