import { makeCreateAuthChallengeHandler } from './create-challenge';

/** Create auth challenge: emails the code through SES (see create-challenge.ts). No DynamoDB client. */
export const handler = makeCreateAuthChallengeHandler();
