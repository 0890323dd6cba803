import { codeStateStore } from '../../shared/code-state-table';
import { makeCreateAuthChallengeHandler } from './create-challenge';

/**
 * Create auth challenge with usersWithMfa "allow" (the config's explicit opt-in): the emailed code
 * alone signs in users with MFA too, so no MFA lookup and no Cognito client in this bundle.
 */
export const handler = makeCreateAuthChallengeHandler({ store: codeStateStore });
