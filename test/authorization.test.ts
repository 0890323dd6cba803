/**
 * The authorization matrix: the synthesized identity-pool role policies (and the data bucket's
 * policy), evaluated by a real IAM policy evaluator (@cloud-copilot/iam-simulate, AGPL-3.0,
 * test-only) for requests by different users, tenants and roles.
 *
 * CloudFormation tokens resolve to fixed test names. IAM fills `${aws:PrincipalTag/tenant}` from
 * the request context (the simulator does that); `${cognito-identity.amazonaws.com:sub}` is a
 * variable the simulator does not know, so it is replaced with the caller's identity id, exactly
 * as IAM does when Cognito's credentials make the request.
 */
import { isTenantId } from '../lambda/contract';
import type { CfnElement, Stack } from 'aws-cdk-lib';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { IDENTITY_ID_VARIABLE } from '../lib/constructs/identity-pool-access';
import { DATA_OUTPUTS } from '../lib/stacks/data-stack';
import { SHIPPED_STAGES, synthShipped, synthStage, type SynthesizedStage } from './helpers/app';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const BUCKET = 'protected-bucket';
const TABLE = 'protected-table';
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;
const TABLE_ARN = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${TABLE}`;
const AUTO_DELETE_ROLE_PREFIX = 'CustomS3AutoDeleteObjectsCustomResourceProviderRole';
const AUTO_DELETE_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/auto-delete-objects-provider`;

/** Two users: A of tenant acme, B of tenant globex. Identity ids look like Cognito's. */
const A = `${REGION}:0a0a0a0a-0000-4000-8000-00000000000a`;
const B = `${REGION}:0b0b0b0b-0000-4000-8000-00000000000b`;

// The fixture dev config (fixed role names for the matrix below) with guest access on, so the
// guest role has its (public-only) policy, and as it is.
const withGuests = synthStage('dev', { identityPool: { allowGuests: true } });
const defaults = synthStage('dev');

/** Replaces every CloudFormation token the policies contain; fails on any other. */
function resolve(value: unknown, bucketLogicalId: string): unknown {
  if (Array.isArray(value)) return value.map((v) => resolve(v, bucketLogicalId));
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  const [key] = Object.keys(object);
  const arg = object[key!];
  if (key === 'Ref') {
    const pseudo: Record<string, string> = {
      'AWS::Partition': 'aws',
      'AWS::Region': REGION,
      'AWS::AccountId': ACCOUNT,
    };
    if (pseudo[arg as string]) return pseudo[arg as string];
  }
  if (key === 'Fn::Join') {
    const [separator, parts] = arg as [string, unknown[]];
    return parts.map((p) => resolve(p, bucketLogicalId)).join(separator);
  }
  if (key === 'Fn::GetStackOutput') {
    const { OutputName } = arg as { OutputName: string };
    if (OutputName === DATA_OUTPUTS.bucketName) return BUCKET;
    if (OutputName === DATA_OUTPUTS.tableName) return TABLE;
  }
  if (key === 'Fn::GetAtt' && JSON.stringify(arg) === JSON.stringify([bucketLogicalId, 'Arn'])) return BUCKET_ARN;
  // Non-production buckets let CDK's bucket-emptying function (autoDeleteObjects) in; its role is
  // no identity-pool role, so it never matches a caller here.
  const [resource, attribute] = (key === 'Fn::GetAtt' ? arg : []) as [string?, string?];
  if (resource?.startsWith(AUTO_DELETE_ROLE_PREFIX) && attribute === 'Arn') return AUTO_DELETE_ROLE_ARN;
  if (key?.startsWith('Fn::') || key === 'Ref')
    throw new Error(`unresolved token in a policy: ${JSON.stringify(value)}`);
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, resolve(v, bucketLogicalId)]));
}

type RoleName = 'authenticated' | 'guest' | 'admins' | 'editors' | 'readers' | 'finance';

interface Policies {
  /** Inline policies by role: authenticated, guest, every group and every rule role by name. */
  identity: Record<string, { policies: unknown[] }>;
  bucketPolicy: unknown;
}

function policiesOf({ stacks, templates }: SynthesizedStage): Policies {
  const id = (construct: { node: { defaultChild?: unknown } }, stack: Stack) =>
    stack.getLogicalId(construct.node.defaultChild as CfnElement);
  const access = stacks.auth.identityPool;
  const bucketId = id(stacks.data.data.bucket, stacks.data);
  const roleResources = templates.auth.findResources('AWS::IAM::Role') as Record<
    string,
    { Properties: { Policies?: { PolicyDocument: unknown }[] } }
  >;
  const documents = (role: { node: { defaultChild?: unknown } }) => {
    const logicalId = id(role, stacks.auth);
    // Inline policies only: the roles must have no managed or separately attached policy.
    expect(
      Object.keys(templates.auth.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: logicalId }] } })),
    ).toEqual([]);
    return (roleResources[logicalId]!.Properties.Policies ?? []).map((p) => resolve(p.PolicyDocument, bucketId));
  };
  const byName: Record<string, { node: { defaultChild?: unknown } }> = {
    authenticated: access.authenticatedRole,
    guest: access.guestRole,
    ...access.groupRoles,
    ...access.ruleRoles,
  };
  const bucketPolicies = templates.data.findResources('AWS::S3::BucketPolicy', {
    Properties: { Bucket: { Ref: bucketId } },
  }) as Record<string, { Properties: { PolicyDocument: unknown } }>;
  const [bucketPolicy] = Object.values(bucketPolicies);
  return {
    identity: Object.fromEntries(Object.entries(byName).map(([name, role]) => [name, { policies: documents(role) }])),
    bucketPolicy: resolve(bucketPolicy!.Properties.PolicyDocument, bucketId),
  };
}

const policies = { withGuests: policiesOf(withGuests), defaults: policiesOf(defaults) };

interface Caller {
  readonly role: string;
  /** Identity id: what `${cognito-identity.amazonaws.com:sub}` becomes in the caller's policies. */
  readonly identity: string;
  /** Value of the `tenant` principal tag; absent when the user has no custom:tenant_id. */
  readonly tenant?: string;
  /** Which synthesized config the role comes from. */
  readonly config?: keyof typeof policies;
}

const userA = (role: RoleName): Caller => ({ role, identity: A, tenant: 'acme' });
const guest: Caller = { role: 'guest', identity: `${REGION}:0c0c0c0c-0000-4000-8000-00000000000c` };

type Request = { action: string; resource: string; context?: Record<string, string | string[]> };
const object = (action: string, key: string, context?: Request['context']): Request => ({
  action,
  resource: `${BUCKET_ARN}/${key}`,
  context,
});
const list = (prefix?: string): Request => ({
  action: 's3:ListBucket',
  resource: BUCKET_ARN,
  context: prefix === undefined ? {} : { 's3:prefix': prefix },
});
const item = (action: string, ...partitions: string[]): Request => ({
  action,
  resource: TABLE_ARN,
  context: partitions.length ? { 'dynamodb:LeadingKeys': partitions } : {},
});

type Expected = 'Allowed' | 'Denied';

// prettier-ignore
const matrix: [string, Caller, Request, Expected][] = [
  // Own data: private/<identity id>/ and IDENTITY#<identity id>
  ['A reads an object in A\'s private prefix',          userA('readers'), object('s3:GetObject', `private/${A}/notes.txt`), 'Allowed'],
  ['A writes an object in A\'s private prefix',         userA('readers'), object('s3:PutObject', `private/${A}/notes.txt`), 'Allowed'],
  ['A reads an object in B\'s private prefix',          userA('readers'), object('s3:GetObject', `private/${B}/notes.txt`), 'Denied'],
  ['A (admin) overwrites B\'s private object',          userA('admins'), object('s3:PutObject', `private/${B}/notes.txt`), 'Denied'],
  ['A deletes B\'s private object',                     userA('editors'), object('s3:DeleteObject', `private/${B}/notes.txt`), 'Denied'],
  ['A lists A\'s private prefix',                       userA('readers'), list(`private/${A}/`), 'Allowed'],
  ['A lists B\'s private prefix',                       userA('readers'), list(`private/${B}/`), 'Denied'],
  ['A lists every private prefix',                      userA('admins'), list('private/'), 'Denied'],
  ['A lists A\'s id without the slash (reaches siblings)', userA('readers'), list(`private/${A}`), 'Denied'],
  ['A lists the whole bucket',                          userA('admins'), list(), 'Denied'],
  ['A reads A\'s private object without TLS',           userA('readers'), object('s3:GetObject', `private/${A}/notes.txt`, { 'aws:SecureTransport': 'false' }), 'Denied'],
  ['default role reads A\'s own object',                { role: 'authenticated', identity: A, tenant: 'acme' }, object('s3:GetObject', `private/${A}/notes.txt`), 'Allowed'],
  ['DynamoDB: A gets an item of A\'s partition',        userA('readers'), item('dynamodb:GetItem', `IDENTITY#${A}`), 'Allowed'],
  ['DynamoDB: A puts an item into A\'s partition',      userA('readers'), item('dynamodb:PutItem', `IDENTITY#${A}`), 'Allowed'],
  ['DynamoDB: A gets an item of B\'s partition',        userA('readers'), item('dynamodb:GetItem', `IDENTITY#${B}`), 'Denied'],
  ['DynamoDB: A queries B\'s partition',                userA('admins'), item('dynamodb:Query', `IDENTITY#${B}`), 'Denied'],
  ['DynamoDB: A batch-writes to A\'s and B\'s partitions', userA('editors'), item('dynamodb:BatchWriteItem', `IDENTITY#${A}`, `IDENTITY#${B}`), 'Denied'],
  ['DynamoDB: A gets an item of the USER# (API) partition', userA('admins'), item('dynamodb:GetItem', 'USER#a-sub'), 'Denied'],
  // Tenant data: tenants/<tenant tag>/ and TENANT#<tenant tag>
  ['acme reader reads an acme document',                userA('readers'), object('s3:GetObject', 'tenants/acme/plan.pdf'), 'Allowed'],
  ['acme reader lists the acme prefix',                 userA('readers'), list('tenants/acme/'), 'Allowed'],
  ['acme reader reads a globex document',               userA('readers'), object('s3:GetObject', 'tenants/globex/plan.pdf'), 'Denied'],
  ['acme admin reads a globex document',                userA('admins'), object('s3:GetObject', 'tenants/globex/plan.pdf'), 'Denied'],
  ['acme reader lists the globex prefix',               userA('readers'), list('tenants/globex/'), 'Denied'],
  ['acme reader writes an acme document',               userA('readers'), object('s3:PutObject', 'tenants/acme/plan.pdf'), 'Denied'],
  ['acme reader deletes an acme document',              userA('readers'), object('s3:DeleteObject', 'tenants/acme/plan.pdf'), 'Denied'],
  ['acme editor writes an acme document',               userA('editors'), object('s3:PutObject', 'tenants/acme/plan.pdf'), 'Allowed'],
  ['acme admin deletes an acme document',               userA('admins'), object('s3:DeleteObject', 'tenants/acme/plan.pdf'), 'Allowed'],
  ['acme editor writes a globex document',              userA('editors'), object('s3:PutObject', 'tenants/globex/plan.pdf'), 'Denied'],
  ['user without a tenant tag reads an acme document',  { role: 'readers', identity: A }, object('s3:GetObject', 'tenants/acme/plan.pdf'), 'Denied'],
  ['default role (no group) reads an acme document',    { role: 'authenticated', identity: A, tenant: 'acme' }, object('s3:GetObject', 'tenants/acme/plan.pdf'), 'Denied'],
  ['finance (rule role) reads an acme document',        userA('finance'), object('s3:GetObject', 'tenants/acme/budget.xlsx'), 'Allowed'],
  ['finance (rule role) writes an acme document',       userA('finance'), object('s3:PutObject', 'tenants/acme/budget.xlsx'), 'Denied'],
  ['DynamoDB: acme reader queries TENANT#acme',         userA('readers'), item('dynamodb:Query', 'TENANT#acme'), 'Allowed'],
  ['DynamoDB: acme reader queries TENANT#globex',       userA('readers'), item('dynamodb:Query', 'TENANT#globex'), 'Denied'],
  ['DynamoDB: acme reader puts into TENANT#acme',       userA('readers'), item('dynamodb:PutItem', 'TENANT#acme'), 'Denied'],
  ['DynamoDB: acme editor puts into TENANT#acme',       userA('editors'), item('dynamodb:PutItem', 'TENANT#acme'), 'Allowed'],
  ['DynamoDB: acme editor puts into TENANT#globex',     userA('editors'), item('dynamodb:PutItem', 'TENANT#globex'), 'Denied'],
  ['DynamoDB: untagged editor puts into TENANT#acme',   { role: 'editors', identity: A }, item('dynamodb:PutItem', 'TENANT#acme'), 'Denied'],
  // Tenant ids that share a prefix. IAM matches `tenants/${tag}/*` by string: acme's policy also
  // covers `tenants/acme/sub/...`, which is why no tenant may be called "acme/sub" (isTenantId in lambda/contract.ts;
  // the "tenant-id rule" test below). A tenant called "acme-sub" is another prefix altogether.
  ['acme reader reads under tenants/acme/sub/ (inside acme\'s own prefix)', userA('readers'), object('s3:GetObject', 'tenants/acme/sub/plan.pdf'), 'Allowed'],
  ['acme reader reads an acme-sub document',            userA('readers'), object('s3:GetObject', 'tenants/acme-sub/plan.pdf'), 'Denied'],
  ['acme reader lists the acme-sub prefix',             userA('readers'), list('tenants/acme-sub/'), 'Denied'],
  ['acme-sub reader reads an acme document',            { ...userA('readers'), tenant: 'acme-sub' }, object('s3:GetObject', 'tenants/acme/plan.pdf'), 'Denied'],
  ['acme-sub reader reads an acme-sub document',        { ...userA('readers'), tenant: 'acme-sub' }, object('s3:GetObject', 'tenants/acme-sub/plan.pdf'), 'Allowed'],
  ['DynamoDB: acme reader queries TENANT#acme-sub',     userA('readers'), item('dynamodb:Query', 'TENANT#acme-sub'), 'Denied'],
  ['DynamoDB: acme-sub reader queries TENANT#acme',     { ...userA('readers'), tenant: 'acme-sub' }, item('dynamodb:Query', 'TENANT#acme'), 'Denied'],
  // Operations no identity-pool role has
  ['DynamoDB: admin scans the table',                   userA('admins'), item('dynamodb:Scan'), 'Denied'],
  ['DynamoDB: admin runs a PartiQL select',             userA('admins'), item('dynamodb:PartiQLSelect'), 'Denied'],
  ['DynamoDB: admin runs a PartiQL update',             userA('admins'), item('dynamodb:PartiQLUpdate'), 'Denied'],
  ['DynamoDB: admin deletes the table',                 userA('admins'), item('dynamodb:DeleteTable'), 'Denied'],
  ['admin replaces the bucket policy',                  userA('admins'), { action: 's3:PutBucketPolicy', resource: BUCKET_ARN }, 'Denied'],
  // Public data and guests
  ['A reads a public object',                           userA('readers'), object('s3:GetObject', 'public/logo.png'), 'Allowed'],
  ['A writes a public object',                          userA('admins'), object('s3:PutObject', 'public/logo.png'), 'Denied'],
  ['guest reads a public object',                       guest, object('s3:GetObject', 'public/logo.png'), 'Allowed'],
  ['guest lists the public prefix',                     guest, list('public/'), 'Allowed'],
  ['guest reads A\'s private object',                   guest, object('s3:GetObject', `private/${A}/notes.txt`), 'Denied'],
  ['guest reads its own private prefix',                guest, object('s3:GetObject', `private/${guest.identity}/x`), 'Denied'],
  ['guest lists A\'s private prefix',                   guest, list(`private/${A}/`), 'Denied'],
  ['guest reads an acme document',                      { ...guest, tenant: 'acme' }, object('s3:GetObject', 'tenants/acme/plan.pdf'), 'Denied'],
  ['guest gets an item of A\'s partition',              guest, item('dynamodb:GetItem', `IDENTITY#${A}`), 'Denied'],
  ['guest reads a public object (guest access off)',    { ...guest, config: 'defaults' }, object('s3:GetObject', 'public/logo.png'), 'Denied'],
];

/** What IAM does with a policy variable the simulator does not know: fill in the caller's value. */
function asSeenBy(policy: unknown, identityId: string): unknown {
  return JSON.parse(JSON.stringify(policy).split(IDENTITY_ID_VARIABLE).join(identityId));
}

async function evaluate(caller: Caller, request: Request, from: Policies = policies[caller.config ?? 'withGuests']) {
  const { identity, bucketPolicy } = from;
  const context: Record<string, string | string[]> = {
    'aws:SecureTransport': 'true',
    ...(caller.tenant === undefined ? {} : { 'aws:PrincipalTag/tenant': caller.tenant }),
    ...request.context,
  };
  const result = await runSimulation(
    {
      request: {
        principal: `arn:aws:sts::${ACCOUNT}:assumed-role/${caller.role}-role/CognitoIdentityCredentials`,
        action: request.action,
        resource: { resource: request.resource, accountId: ACCOUNT },
        contextVariables: context,
      },
      identityPolicies: identity[caller.role]!.policies.map((policy, index) => ({
        name: `${caller.role}-${index}`,
        policy: asSeenBy(policy, caller.identity),
      })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: request.resource.startsWith(BUCKET_ARN) ? bucketPolicy : undefined,
    },
    {},
  );
  if (result.resultType === 'error') throw new Error(`invalid simulation: ${JSON.stringify(result.errors)}`);
  return result.overallResult === 'Allowed' ? ('Allowed' as const) : ('Denied' as const);
}

describe("tenant-id rule: the tenant tag cannot reach into another tenant's prefix", () => {
  it('refuses every tenant id that contains "/" or a wildcard, so tenants/<id>/ never nests in another', () => {
    for (const nested of ['acme/sub', 'acme/', '/acme', 'acme/*', '*', 'acme?', '${aws:username}']) {
      expect({ nested, valid: isTenantId(nested) }).toEqual({ nested, valid: false });
    }
    expect(isTenantId('acme-sub')).toBe(true);
  });
});

describe('authorization matrix (identity-pool roles on the protected data)', () => {
  const rows = matrix.map(([name, caller, request, expected]) => [name, expected, caller, request] as const);
  it.each(rows)('%s → %s', async (_name, expected, caller, request) => {
    await expect(evaluate(caller, request)).resolves.toBe(expected);
  });

  it('covers every identity-pool role with at least one allowed and one denied request', () => {
    const byRole = new Map<string, Set<Expected>>();
    for (const [, caller, , expected] of matrix) {
      if (caller.config === 'defaults') continue;
      byRole.set(caller.role, (byRole.get(caller.role) ?? new Set()).add(expected));
    }
    expect([...byRole.keys()].sort()).toEqual(Object.keys(policies.withGuests.identity).sort());
    for (const outcomes of byRole.values()) expect([...outcomes].sort()).toEqual(['Allowed', 'Denied']);
  });
});

/**
 * The shipped stages: every group role, and every rule role, can do with its tenant's data exactly
 * what its config entry says (tenantAccess), never another tenant's, and always its own data.
 */
describe.each(SHIPPED_STAGES)('tenant access of the shipped roles, evaluated (%s)', (stage) => {
  const synthesized = synthShipped(stage);
  const shippedPolicies = policiesOf(synthesized);
  const { groups, identityPool } = synthesized.config;
  const roles = [...groups, ...identityPool.ruleRoles].map(({ name, tenantAccess }) => [name, tenantAccess] as const);
  const allowedIf = (yes: boolean): Expected => (yes ? 'Allowed' : 'Denied');
  const rows = roles.flatMap(([role, access]) => {
    const caller: Caller = { role, identity: A, tenant: 'acme' };
    return [
      [role, access, caller, object('s3:GetObject', 'tenants/acme/plan.pdf'), allowedIf(access !== 'none')],
      [role, access, caller, object('s3:PutObject', 'tenants/acme/plan.pdf'), allowedIf(access === 'write')],
      [role, access, caller, item('dynamodb:Query', 'TENANT#acme'), allowedIf(access !== 'none')],
      [role, access, caller, item('dynamodb:PutItem', 'TENANT#acme'), allowedIf(access === 'write')],
      [role, access, caller, object('s3:GetObject', 'tenants/globex/plan.pdf'), 'Denied'],
      [role, access, caller, item('dynamodb:PutItem', 'TENANT#globex'), 'Denied'],
      [role, access, caller, object('s3:PutObject', `private/${A}/notes.txt`), 'Allowed'],
      [role, access, caller, object('s3:GetObject', `private/${B}/notes.txt`), 'Denied'],
    ] as const;
  });

  it.each(rows)('%s (tenant %s): %#', async (_role, _access, caller, request, expected) => {
    await expect(evaluate(caller, request, shippedPolicies)).resolves.toBe(expected);
  });
});
