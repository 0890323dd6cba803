import type { PreTokenGenerationV2TriggerHandler } from 'aws-lambda';
import { jsonEnv } from '../../shared/env';
import { log } from '../../shared/log';
import { assertTriggerEvent, runTrigger } from '../../shared/trigger';
import { decideTokenClaims, parseScopeRules } from './claims';

const SOURCES = [
  'TokenGeneration_HostedAuth',
  'TokenGeneration_Authentication',
  'TokenGeneration_NewPasswordChallenge',
  'TokenGeneration_AuthenticateDevice',
  'TokenGeneration_RefreshTokens',
] as const;

const rules = jsonEnv('SCOPE_RULES', parseScopeRules);

/**
 * Pre token generation, event version V2_0: adds `tenant_id` / `department` to the access token
 * from immutable attributes and API scopes from group membership, suppresses API scopes the
 * user is not entitled to, and leaves groupConfiguration (groups, IAM roles, preferred role)
 * exactly as Cognito computed it. clientMetadata is never read.
 */
export const handler: PreTokenGenerationV2TriggerHandler = async (event) =>
  runTrigger('preTokenGeneration', (event as { triggerSource?: unknown } | null)?.triggerSource, () => {
    assertTriggerEvent(event, SOURCES);
    // A V1 event has no access-token section: fail closed rather than issue unscoped tokens.
    if (event.version !== '2') throw new Error('unsupported event version');
    const groups = event.request.groupConfiguration?.groupsToOverride ?? [];
    const decision = decideTokenClaims(groups, event.request.userAttributes ?? {}, event.request.scopes ?? [], rules);
    event.response = {
      claimsAndScopeOverrideDetails: {
        ...(decision.idTokenClaimsToSuppress.length > 0
          ? { idTokenGeneration: { claimsToSuppress: decision.idTokenClaimsToSuppress } }
          : {}),
        accessTokenGeneration: {
          claimsToAddOrOverride: decision.accessTokenClaims,
          scopesToAdd: decision.scopesToAdd,
          scopesToSuppress: decision.scopesToSuppress,
        },
      },
    };
    log.info('preTokenGeneration.issued', {
      triggerSource: event.triggerSource,
      groups: groups.length,
      scopes: decision.scopesToAdd,
      suppressed: decision.scopesToSuppress.length,
    });
    return event;
  });
