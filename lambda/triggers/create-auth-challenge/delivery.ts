import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { SendOptions } from '../../shared/deadline';
import { sesClient } from '../../shared/ses';

/** Sends the code through Amazon SES v2 from the configured sender. */
export async function sendCodeEmail(
  from: string,
  to: string,
  message: { subject: string; text: string },
  options: SendOptions,
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
    options,
  );
}
