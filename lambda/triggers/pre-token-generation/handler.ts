import type { PreTokenGenerationV2TriggerEvent, PreTokenGenerationV3TriggerEvent } from 'aws-lambda';
import { jsonEnv } from '../../shared/env';
import { log } from '../../shared/log';
import { assertTriggerEvent, runTrigger } from '../../shared/trigger';
import { decideMachineClaims, decideTokenClaims, parseMachineClients, parseScopeRules } from './claims';

/** Sources of user tokens; Cognito sends them as event version 2 (V2_0) or 3 (V3_0). */
const USER_SOURCES = [
  'TokenGeneration_HostedAuth',
  'TokenGeneration_Authentication',
  'TokenGeneration_NewPasswordChallenge',
  'TokenGeneration_AuthenticateDevice',
  'TokenGeneration_RefreshTokens',
] as const;
/** A machine client's client-credentials token (only in event version 3). */
const MACHINE_SOURCE = 'TokenGeneration_ClientCredentials';

function assertMachineEvent(event: unknown): asserts event is { version: unknown } {
  const e = event as Partial<Record<string, unknown>>;
  if (typeof e.userPoolId !== 'string') throw new Error('missing userPoolId');
  if (typeof e.request !== 'object' || e.request === null) throw new Error('missing request');
  if (typeof e.response !== 'object' || e.response === null) throw new Error('missing response');
}

const rules = jsonEnv('SCOPE_RULES', parseScopeRules);
const machines = jsonEnv('MACHINE_CLIENTS', parseMachineClients);

type UserEvent = PreTokenGenerationV2TriggerEvent;
type MachineEvent = PreTokenGenerationV3TriggerEvent;

/**
 * Pre token generation, event version V3_0. For a user: adds `tenant_id` / `department` to the
 * access token from immutable attributes and API scopes from group membership, suppresses API
 * scopes the user is not entitled to, and leaves groupConfiguration (groups, IAM roles, preferred
 * role) exactly as Cognito computed it. For a machine client (client credentials): adds the
 * tenant of the client's config entry, looked up by `callerContext.clientId`, and suppresses any
 * scope the entry does not allow; an unknown client gets no token. clientMetadata is never read.
 */
export const handler = async (event: UserEvent | MachineEvent): Promise<UserEvent | MachineEvent> =>
  runTrigger('preTokenGeneration', (event as { triggerSource?: unknown } | null)?.triggerSource, () => {
    // A V1 event has no access-token section: fail closed rather than issue unscoped tokens.
    if ((event as { triggerSource?: unknown } | null)?.triggerSource === MACHINE_SOURCE) {
      // No user here: only the fields a client-credentials event is sure to have are required.
      assertMachineEvent(event);
      if (event.version !== '3') throw new Error('unsupported event version');
      return machineToken(event as MachineEvent);
    }
    assertTriggerEvent(event, USER_SOURCES);
    if (event.version !== '2' && event.version !== '3') throw new Error('unsupported event version');
    return userToken(event);
  });

function userToken(event: UserEvent): UserEvent {
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
}

function machineToken(event: MachineEvent): MachineEvent {
  const clientId = (event.callerContext as { clientId?: unknown } | undefined)?.clientId;
  if (typeof clientId !== 'string') throw new Error('missing callerContext.clientId');
  const requested = (event.request as { scopes?: unknown }).scopes;
  const scopes = Array.isArray(requested) ? requested.filter((s): s is string => typeof s === 'string') : [];
  const decision = decideMachineClaims(clientId, scopes, machines);
  event.response = {
    claimsAndScopeOverrideDetails: {
      accessTokenGeneration: {
        claimsToAddOrOverride: decision.accessTokenClaims,
        scopesToAdd: [],
        scopesToSuppress: decision.scopesToSuppress,
      },
    },
  };
  log.info('preTokenGeneration.issued', {
    triggerSource: event.triggerSource,
    machineClient: decision.client,
    suppressed: decision.scopesToSuppress.length,
  });
  return event;
}
