import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SDK_CLIENT_CONFIG } from '../../shared/sdk';
import { OUTBOX_TABLE } from '../../shared/auth-tables';
import { sesClient } from '../../shared/ses';
import type { IssuedCode } from '../../shared/one-time-code';

/** Sends the code through Amazon SES v2 from the configured sender. */
export async function sendCodeEmail(
  from: string,
  to: string,
  message: { subject: string; text: string },
): Promise<void> {
  await sesClient.send(
    new SendEmailCommand({
      FromEmailAddress: from,
      Destination: { ToAddresses: [to] },
      Content: {
        Simple: {
          Subject: { Data: message.subject, Charset: 'UTF-8' },
          Body: { Text: { Data: message.text, Charset: 'UTF-8' } },
        },
      },
    }),
  );
}

/**
 * Dev-only test outbox: the code, keyed by the lower-cased address, for the smoke test to read
 * instead of a mailbox. Items expire through the table's TTL. Loaded on first use, so functions
 * without an outbox never load the DynamoDB client.
 */
let outboxClient: DynamoDBClient | undefined;

export async function writeToOutbox(tableName: string, to: string, issued: IssuedCode): Promise<void> {
  const { DynamoDBClient, PutItemCommand } = await import('@aws-sdk/client-dynamodb');
  outboxClient ??= new DynamoDBClient(SDK_CLIENT_CONFIG);
  await outboxClient.send(
    new PutItemCommand({
      TableName: tableName,
      Item: {
        [OUTBOX_TABLE.partitionKey]: { S: to.toLowerCase() },
        [OUTBOX_TABLE.code]: { S: issued.code },
        [OUTBOX_TABLE.expiresAt]: { N: String(Math.ceil(issued.expiresAt / 1000)) },
      },
    }),
  );
}
