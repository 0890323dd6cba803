import { AdminAddUserToGroupCommand } from '@aws-sdk/client-cognito-identity-provider';
import type { PostConfirmationTriggerHandler } from 'aws-lambda';
import { cognitoClient } from '../../shared/cognito';
import { Deadline } from '../../shared/deadline';
import { requireEnv } from '../../shared/env';
import { log } from '../../shared/log';
import { assertTriggerEvent, runTrigger } from '../../shared/trigger';

const SOURCES = ['PostConfirmation_ConfirmSignUp', 'PostConfirmation_ConfirmForgotPassword'] as const;
const defaultGroup = requireEnv('DEFAULT_GROUP');

/**
 * Post confirmation: puts a newly confirmed user into the default group. AdminAddUserToGroup is
 * idempotent (adding a member again succeeds), so a Cognito retry of this trigger is harmless.
 * A confirmed password reset (ConfirmForgotPassword) changes no membership.
 */
export const handler: PostConfirmationTriggerHandler = async (event, context) =>
  runTrigger('postConfirmation', (event as { triggerSource?: unknown } | null)?.triggerSource, async () => {
    assertTriggerEvent(event, SOURCES);
    if (event.triggerSource === 'PostConfirmation_ConfirmSignUp') {
      const command = new AdminAddUserToGroupCommand({
        UserPoolId: event.userPoolId,
        Username: event.userName,
        GroupName: defaultGroup,
      });
      await Deadline.of(context).bound((options) => cognitoClient.send(command, options));
      log.info('postConfirmation.addedToGroup', { group: defaultGroup });
    }
    return event;
  });
