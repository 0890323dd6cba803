import type { PreTokenGenerationV2TriggerEvent, PreTokenGenerationV3TriggerEvent } from 'aws-lambda';
import fc from 'fast-check';
import type { MachineClientRule, ScopeRules } from '../../lambda/contract';
import {
  decideMachineClaims,
  decideTokenClaims,
  parseMachineClients,
  parseScopeRules,
  UnknownMachineClient,
} from '../../lambda/triggers/pre-token-generation/claims';
import { GENERIC_ERROR_MESSAGE } from '../../lambda/shared/errors';
import { context, expectNothingLeaked, fixture, loadHandler, spyOnLogs, type AsyncHandler } from '../helpers/lambda';

type Event = PreTokenGenerationV2TriggerEvent;
type Handler = AsyncHandler<Event, Event>;

const RULES: ScopeRules = {
  resourceServer: 'api',
  byGroup: { admins: ['admin', 'write', 'read'], editors: ['write', 'read'] },
  everyone: ['read'],
  claims: ['tenant_id', 'department'],
};
const MACHINES: MachineClientRule[] = [
  { clientId: '3example45machine67client89', name: 'default', tenant: 'acme', scopes: ['api/read'] },
  {
    clientId: '4example56other78client901',
    name: 'globex-reports',
    tenant: 'globex',
    scopes: ['api/read', 'api/write'],
  },
];
const load = (rules: unknown = RULES, machines: unknown = MACHINES) =>
  loadHandler<Handler>('triggers/pre-token-generation/handler', {
    SCOPE_RULES: JSON.stringify(rules),
    MACHINE_CLIENTS: JSON.stringify(machines),
  }).handler;
const tokenEvent = () => fixture<Event>('pre-token-generation.v2');
type MachineEvent = PreTokenGenerationV3TriggerEvent;
const machineEvent = () => fixture<MachineEvent>('pre-token-generation.client-credentials');
const loadMachine = (machines: unknown = MACHINES) =>
  load(RULES, machines) as unknown as AsyncHandler<MachineEvent, MachineEvent>;

let logs: ReturnType<typeof spyOnLogs>;
beforeEach(() => {
  logs = spyOnLogs();
});
afterEach(() => logs.restore());

describe('decideTokenClaims', () => {
  it.each([
    [['admins'], ['api/admin', 'api/read', 'api/write']],
    [['editors'], ['api/read', 'api/write']],
    [['readers'], ['api/read']],
    [[], ['api/read']],
    [
      ['editors', 'admins'],
      ['api/admin', 'api/read', 'api/write'],
    ],
    [['__proto__', 'constructor', 'toString'], ['api/read']],
  ])('groups %j get scopes %j', (groups, scopes) => {
    expect(decideTokenClaims(groups, {}, [], RULES).scopesToAdd).toEqual(scopes);
  });

  it('copies tenant and department from the immutable attributes into short claims', () => {
    const decision = decideTokenClaims(
      [],
      { 'custom:tenant_id': 'acme', 'custom:department': 'finance', tenant_id: 'globex' },
      [],
      RULES,
    );
    expect(decision.accessTokenClaims).toEqual({ tenant_id: 'acme', department: 'finance' });
  });

  it('copies exactly the configured authorization attributes (a forker can add one)', () => {
    const rules = { ...RULES, claims: ['tenant_id', 'region'] };
    const decision = decideTokenClaims(
      [],
      { 'custom:tenant_id': 'acme', 'custom:region': 'eu', 'custom:department': 'finance', region: 'us' },
      [],
      rules,
    );
    expect(decision.accessTokenClaims).toEqual({ tenant_id: 'acme', region: 'eu' });
  });

  it('leaves out attribute values that are not short identifiers', () => {
    const decision = decideTokenClaims(
      [],
      { 'custom:tenant_id': 'acme"}, {"x', 'custom:department': 'x'.repeat(65) },
      [],
      RULES,
    );
    expect(decision.accessTokenClaims).toEqual({});
  });

  it.each(['acme/sub', 'Acme', 'acme.sub', 'acme_sub', 'acme*'])(
    'drops a tenant %j that is not a tenant id from the access token and suppresses it in the ID token',
    (tenant) => {
      const decision = decideTokenClaims([], { 'custom:tenant_id': tenant, 'custom:department': 'finance' }, [], RULES);
      expect(decision.accessTokenClaims).toEqual({ department: 'finance' });
      expect(decision.idTokenClaimsToSuppress).toEqual(['custom:tenant_id']);
    },
  );

  it('suppresses API scopes the user is not entitled to and keeps others', () => {
    const decision = decideTokenClaims(['editors'], {}, ['openid', 'api/admin', 'api/write'], RULES);
    expect(decision.scopesToSuppress).toEqual(['api/admin']);
    expect(decision.scopesToAdd).toEqual(['api/read']);
  });

  // Property: scopes come only from groups and the everyone list; user-writable attributes and
  // anything else in the event never change them.
  it('derives scopes from groups only, whatever the attributes say (property)', () => {
    const groups = fc.subarray(['admins', 'editors', 'readers', 'other']);
    const attributes = fc.dictionary(fc.string(), fc.string());
    fc.assert(
      fc.property(groups, attributes, attributes, (g, a, b) => {
        const left = decideTokenClaims(g, a, [], RULES).scopesToAdd;
        const right = decideTokenClaims(g, b, [], RULES).scopesToAdd;
        expect(left).toEqual(right);
        const allowed = new Set(['api/read', ...g.flatMap((x) => (RULES.byGroup[x] ?? []).map((s) => `api/${s}`))]);
        for (const scope of left) expect(allowed.has(scope)).toBe(true);
        expect(left).toContain('api/read');
      }),
    );
  });

  it('never lets a requested API scope outside the entitlement through (property)', () => {
    const scope = fc.constantFrom('api/read', 'api/write', 'api/admin', 'openid', 'email', 'api/other');
    fc.assert(
      fc.property(fc.subarray(['admins', 'editors', 'readers']), fc.array(scope), (g, requested) => {
        const d = decideTokenClaims(g, {}, requested, RULES);
        const final = new Set([...requested.filter((s) => !d.scopesToSuppress.includes(s)), ...d.scopesToAdd]);
        const entitled = new Set(['api/read', ...g.flatMap((x) => (RULES.byGroup[x] ?? []).map((s) => `api/${s}`))]);
        for (const s of final) if (s.startsWith('api/')) expect(entitled.has(s)).toBe(true);
      }),
    );
  });
});

describe('decideMachineClaims', () => {
  it("gives a machine token its config entry's tenant and suppresses scopes the entry does not allow", () => {
    expect(decideMachineClaims('3example45machine67client89', ['api/read', 'api/admin'], MACHINES)).toEqual({
      client: 'default',
      accessTokenClaims: { tenant_id: 'acme' },
      scopesToSuppress: ['api/admin'],
    });
    expect(decideMachineClaims('4example56other78client901', ['api/write'], MACHINES).accessTokenClaims).toEqual({
      tenant_id: 'globex',
    });
  });

  it.each(['unknown-client', '', '3EXAMPLE45MACHINE67CLIENT89', '__proto__'])('refuses client id %j', (clientId) => {
    expect(() => decideMachineClaims(clientId, ['api/read'], MACHINES)).toThrow(UnknownMachineClient);
  });

  // Property: whatever scopes are requested, the token keeps only the entry's scopes, adds none,
  // and carries exactly the entry's tenant.
  it('never widens scopes beyond the entry and never changes its tenant (property)', () => {
    const scope = fc.constantFrom('api/read', 'api/write', 'api/admin', 'api/other', 'openid', 'other/read');
    fc.assert(
      fc.property(fc.constantFrom(...MACHINES), fc.array(scope), (entry, requested) => {
        const d = decideMachineClaims(entry.clientId, requested, MACHINES);
        const kept = requested.filter((s) => !d.scopesToSuppress.includes(s));
        for (const s of kept) expect(entry.scopes).toContain(s);
        expect(d.accessTokenClaims).toEqual({ tenant_id: entry.tenant });
      }),
    );
  });
});

describe('parseMachineClients', () => {
  it.each([
    null,
    {},
    [{ clientId: 'c', name: 'n', tenant: 'Acme', scopes: [] }],
    [{ clientId: 'c', name: 'n', tenant: 'acme/sub', scopes: [] }],
    [{ clientId: '', name: 'n', tenant: 'acme', scopes: [] }],
    [{ clientId: 'c', name: 'n', tenant: 'acme', scopes: 'api/read' }],
  ])('refuses %j', (value) => {
    expect(() => parseMachineClients(value)).toThrow('MACHINE_CLIENTS');
  });

  it('accepts an empty list (no machine clients)', () => {
    expect(parseMachineClients([])).toEqual([]);
  });
});

describe('pre token generation handler (V3, client credentials)', () => {
  it("adds the client's tenant from MACHINE_CLIENTS, whatever clientMetadata says, and adds no scope", async () => {
    const event = machineEvent();
    expect(event.request.clientMetadata).toEqual({ tenant_id: 'globex' });
    const result = await loadMachine()(event, context, () => undefined);
    expect(result.response).toEqual({
      claimsAndScopeOverrideDetails: {
        accessTokenGeneration: { claimsToAddOrOverride: { tenant_id: 'acme' }, scopesToAdd: [], scopesToSuppress: [] },
      },
    });
  });

  it('suppresses a requested scope the client entry does not allow', async () => {
    const event = machineEvent();
    (event.request as { scopes: string[] }).scopes = ['api/read', 'api/admin'];
    const result = await loadMachine()(event, context, () => undefined);
    expect(result.response.claimsAndScopeOverrideDetails?.accessTokenGeneration?.scopesToSuppress).toEqual([
      'api/admin',
    ]);
  });

  it('issues no token for a client without an entry, with the generic message (also with no machine clients at all)', async () => {
    const other = machineEvent();
    other.callerContext.clientId = 'not-a-configured-client';
    await expect(loadMachine()(other, context, () => undefined)).rejects.toThrow(new Error(GENERIC_ERROR_MESSAGE));
    await expect(loadMachine([])(machineEvent(), context, () => undefined)).rejects.toThrow(
      new Error(GENERIC_ERROR_MESSAGE),
    );
  });

  it('refuses a client-credentials event in version 2 or without a client id', async () => {
    const v2 = machineEvent() as unknown as { version: string };
    v2.version = '2';
    await expect(loadMachine()(v2 as MachineEvent, context, () => undefined)).rejects.toThrow(
      new Error(GENERIC_ERROR_MESSAGE),
    );
    const noClient = machineEvent() as unknown as { callerContext: Record<string, unknown> };
    delete noClient.callerContext.clientId;
    await expect(loadMachine()(noClient as unknown as MachineEvent, context, () => undefined)).rejects.toThrow(
      new Error(GENERIC_ERROR_MESSAGE),
    );
  });

  it('refuses malformed MACHINE_CLIENTS at load', () => {
    expect(() => loadMachine([{ clientId: 'c', name: 'n', tenant: 'Acme', scopes: [] }])).toThrow('MACHINE_CLIENTS');
  });

  it('logs the client name, never the client id or the tenant', async () => {
    const event = machineEvent();
    await loadMachine()(event, context, () => undefined);
    expect(logs.text()).toContain('"machineClient":"default"');
    expectNothingLeaked(logs.text(), event, ['3example45machine67client89', 'acme']);
  });
});

describe('parseScopeRules', () => {
  it.each([
    null,
    {},
    { resourceServer: 'api', byGroup: { a: 'read' }, everyone: [] },
    { resourceServer: 1, byGroup: {}, everyone: [], claims: [] },
    { resourceServer: 'api', byGroup: {}, everyone: [] },
  ])('refuses %j', (value) => {
    expect(() => parseScopeRules(value)).toThrow('SCOPE_RULES');
  });
});

describe('pre token generation handler (V2)', () => {
  it('adds tenant claims and group scopes to the access token and keeps groupConfiguration', async () => {
    const handler = load();
    const event = tokenEvent();
    const groupConfiguration = structuredClone(event.request.groupConfiguration);
    const result = await handler(event, context, () => undefined);
    expect(result.response).toEqual({
      claimsAndScopeOverrideDetails: {
        accessTokenGeneration: {
          claimsToAddOrOverride: { tenant_id: 'acme', department: 'finance' },
          scopesToAdd: ['api/read', 'api/write'],
          scopesToSuppress: [],
        },
      },
    });
    expect(result.response.claimsAndScopeOverrideDetails?.groupOverrideDetails).toBeUndefined();
    expect(result.request.groupConfiguration).toEqual(groupConfiguration);
  });

  it('suppresses custom:tenant_id in the ID token when it is not a tenant id (no principal tag from it)', async () => {
    const event = tokenEvent();
    event.request.userAttributes['custom:tenant_id'] = 'acme/sub';
    const result = await load()(event, context, () => undefined);
    expect(result.response.claimsAndScopeOverrideDetails?.idTokenGeneration).toEqual({
      claimsToSuppress: ['custom:tenant_id'],
    });
    expect(result.response.claimsAndScopeOverrideDetails?.accessTokenGeneration?.claimsToAddOrOverride).toEqual({
      department: 'finance',
    });
  });

  it('ignores clientMetadata that asks for another tenant or more scopes', async () => {
    const handler = load();
    const event = tokenEvent();
    event.request.clientMetadata = { tenant_id: 'globex', scopes: 'api/admin', groups: 'admins' };
    const result = await handler(event, context, () => undefined);
    const access = result.response.claimsAndScopeOverrideDetails?.accessTokenGeneration;
    expect(access?.claimsToAddOrOverride).toEqual({ tenant_id: 'acme', department: 'finance' });
    expect(access?.scopesToAdd).not.toContain('api/admin');
  });

  it.each([
    'TokenGeneration_HostedAuth',
    'TokenGeneration_Authentication',
    'TokenGeneration_NewPasswordChallenge',
    'TokenGeneration_AuthenticateDevice',
    'TokenGeneration_RefreshTokens',
  ])('handles %s', async (source) => {
    const handler = load();
    const event = tokenEvent() as unknown as { triggerSource: string };
    event.triggerSource = source;
    const result = await handler(event as Event, context, () => undefined);
    expect(result.response.claimsAndScopeOverrideDetails?.accessTokenGeneration?.scopesToAdd).toEqual([
      'api/read',
      'api/write',
    ]);
  });

  it('handles user sources in event version 3 (V3_0 trigger) like version 2', async () => {
    const event = tokenEvent() as unknown as { version: string };
    event.version = '3';
    const result = await load()(event as Event, context, () => undefined);
    expect(result.response.claimsAndScopeOverrideDetails?.accessTokenGeneration?.claimsToAddOrOverride).toEqual({
      tenant_id: 'acme',
      department: 'finance',
    });
  });

  it('rejects an unknown triggerSource and a V1 event with the generic message', async () => {
    const handler = load();
    const unknown = tokenEvent() as unknown as { triggerSource: string };
    unknown.triggerSource = 'TokenGeneration_Unknown';
    await expect(handler(unknown as Event, context, () => undefined)).rejects.toThrow(new Error(GENERIC_ERROR_MESSAGE));
    const v1 = tokenEvent();
    v1.version = '1';
    await expect(handler(v1, context, () => undefined)).rejects.toThrow(new Error(GENERIC_ERROR_MESSAGE));
  });

  it('tolerates a user without groups or custom attributes', async () => {
    const handler = load();
    const event = tokenEvent();
    event.request.groupConfiguration = { groupsToOverride: [], iamRolesToOverride: [] };
    event.request.userAttributes = { sub: 'x' };
    const result = await handler(event, context, () => undefined);
    expect(result.response.claimsAndScopeOverrideDetails?.accessTokenGeneration).toEqual({
      claimsToAddOrOverride: {},
      scopesToAdd: ['api/read'],
      scopesToSuppress: [],
    });
  });

  it('tolerates fields AWS may add', async () => {
    const handler = load();
    const event = tokenEvent() as unknown as Record<string, unknown> & { request: Record<string, unknown> };
    event.newTopLevelField = { x: 1 };
    event.request.newRequestField = 'y';
    await expect(handler(event as unknown as Event, context, () => undefined)).resolves.toBeDefined();
  });

  it('refuses malformed SCOPE_RULES at load', () => {
    expect(() => load({ resourceServer: 'api' })).toThrow('SCOPE_RULES');
  });

  it('logs no email, attribute value or event', async () => {
    const handler = load();
    const event = tokenEvent();
    await handler(event, context, () => undefined);
    expectNothingLeaked(logs.text(), event, ['alice@example.com', 'acme', 'finance']);
  });
});
