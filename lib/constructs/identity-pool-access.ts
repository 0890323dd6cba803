import { KEY_PREFIX, S3_PREFIX } from '../../lambda/contract';
import { Lazy, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as identitypool from 'aws-cdk-lib/aws-cognito-identitypool';
import * as iam from 'aws-cdk-lib/aws-iam';
// cdk-nag's own rendering of a resource in a finding id (not re-exported from its index).
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import { Construct } from 'constructs';
import { TENANT_PRINCIPAL_TAG, type StageConfig, type TenantAccess } from '../config/schema';
import type { ProtectedDataArns } from './protected-data';

/** IAM policy variable that holds the caller's identity id (`<region>:<uuid>`), set by Cognito. */
export const IDENTITY_ID_VARIABLE = '${cognito-identity.amazonaws.com:sub}';
/** IAM policy variable that holds the caller's tenant, from the `tenant` principal tag. */
export const TENANT_VARIABLE = `\${aws:PrincipalTag/${TENANT_PRINCIPAL_TAG}}`;

/** What one identity-pool role may do with the protected data. Public data is always readable. */
export interface DataAccess {
  /** Read and write `private/<identity id>/` and the `IDENTITY#<identity id>` partition. */
  readonly ownData: boolean;
  /** Access to `tenants/<tenant tag>/` and the `TENANT#<tenant tag>` partition. */
  readonly tenant: TenantAccess;
}

// Item-level actions only: DynamoDB sets dynamodb:LeadingKeys for each of them. Never Scan or
// PartiQL (no partition key to confine them) and never a wildcard.
const ITEM_READ = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'];
const ITEM_WRITE = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];
const OBJECT_READ = ['s3:GetObject'];
const OBJECT_WRITE = ['s3:PutObject', 's3:DeleteObject'];

/** Objects under one prefix: which actions, and why the wildcard in its ARN is confined. */
interface PrefixGrant {
  readonly sid: string;
  /** Key prefix ending in '/', possibly with an IAM policy variable. */
  readonly prefix: string;
  readonly actions: readonly string[];
  /** Why `<bucket>/<prefix>*` is acceptable (the cdk-nag IAM5 acknowledgement). */
  readonly reason: string;
}

function prefixGrants(access: DataAccess): PrefixGrant[] {
  const grants: PrefixGrant[] = [
    {
      sid: 'Public',
      prefix: S3_PREFIX.public,
      actions: OBJECT_READ,
      reason:
        'Read-only access to public/, the prefix that holds data meant for every user of the app; no other prefix matches.',
    },
  ];
  if (access.ownData) {
    grants.push({
      sid: 'Own',
      prefix: `${S3_PREFIX.private}${IDENTITY_ID_VARIABLE}/`,
      actions: [...OBJECT_READ, ...OBJECT_WRITE],
      reason:
        "IAM replaces ${cognito-identity.amazonaws.com:sub} with the caller's own identity id, so the wildcard covers only private/<own id>/ (test/authorization.test.ts proves other users' prefixes are denied).",
    });
  }
  if (access.tenant !== 'none') {
    grants.push({
      sid: 'Tenant',
      prefix: `${S3_PREFIX.tenants}${TENANT_VARIABLE}/`,
      actions: access.tenant === 'write' ? [...OBJECT_READ, ...OBJECT_WRITE] : OBJECT_READ,
      reason:
        'The tenant principal tag comes from the immutable, admin-set custom:tenant_id claim, so the wildcard covers only tenants/<own tenant>/; without the tag nothing matches (test/authorization.test.ts proves other tenants are denied).',
    });
  }
  return grants;
}

/**
 * The policy of an identity-pool role over the protected data, built from what the role may do.
 * Row-level security comes from policy variables that IAM fills from the caller's session: the
 * identity id for own data, the `tenant` principal tag for tenant data.
 */
export function dataAccessPolicy(data: ProtectedDataArns, access: DataAccess): iam.PolicyDocument {
  const statements = prefixGrants(access).flatMap((grant) => [
    new iam.PolicyStatement({
      sid: `${grant.sid}Objects`,
      actions: [...grant.actions],
      resources: [objectsArn(data, grant.prefix)],
    }),
    new iam.PolicyStatement({
      sid: `${grant.sid}List`,
      actions: ['s3:ListBucket'],
      resources: [data.bucketArn],
      // The prefix ends with '/', so listing private/A cannot reach private/AB/.
      conditions: { StringLike: { 's3:prefix': [grant.prefix, `${grant.prefix}*`] } },
    }),
  ]);
  if (access.ownData) {
    statements.push(itemStatement('OwnItems', data.tableArn, `${KEY_PREFIX.identity}${IDENTITY_ID_VARIABLE}`, true));
  }
  if (access.tenant !== 'none') {
    const write = access.tenant === 'write';
    statements.push(itemStatement('TenantItems', data.tableArn, `${KEY_PREFIX.tenant}${TENANT_VARIABLE}`, write));
  }
  return new iam.PolicyDocument({ statements });
}

function objectsArn(data: ProtectedDataArns, prefix: string): string {
  return `${data.bucketArn}/${prefix}*`;
}

/** Items whose partition key is exactly `partition`. */
function itemStatement(sid: string, tableArn: string, partition: string, write: boolean): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid,
    actions: write ? [...ITEM_READ, ...ITEM_WRITE] : ITEM_READ,
    resources: [tableArn],
    conditions: {
      'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [partition] },
      // ForAllValues is true when the key is absent; require it so no request without a
      // partition key can ever match.
      Null: { 'dynamodb:LeadingKeys': 'false' },
    },
  });
}

export interface IdentityPoolAccessProps {
  readonly userPool: cognito.IUserPool;
  /** Client whose users get the role of their highest-precedence group (token-based mapping). */
  readonly webClient: cognito.IUserPoolClient;
  /**
   * Client whose users get a role from `settings.rules` (rules-based mapping). Required exactly
   * when there are rules.
   * @default - no rules-based mapping
   */
  readonly rulesClient?: cognito.IUserPoolClient;
  /**
   * More clients whose users get their group's role like the web client's (e.g. the passwordless
   * client), by mapping key.
   * @default - none
   */
  readonly additionalTokenClients?: Readonly<Record<string, cognito.IUserPoolClient>>;
  /** The user pool groups; each gets a role, with the group's tenant access, for `UserPoolGroups` to attach. */
  readonly groups: StageConfig['groups'];
  readonly settings: StageConfig['identityPool'];
  /** The data the roles grant access to. */
  readonly data: ProtectedDataArns;
  /**
   * What happens to the identity pool when the stack deletes or replaces it. Identity ids key the
   * stored data (`private/<identity id>/` objects, `IDENTITY#` items): a new pool mints new ids and
   * leaves that data unreachable, so retain the pool whenever the data is retained.
   * @default 'DESTROY'
   */
  readonly removalPolicy?: 'RETAIN' | 'DESTROY';
}

/**
 * The identity pool that turns user-pool ID tokens into AWS credentials, and its roles:
 * - one role per group, with the group's `tenantAccess`, for `cognito:preferred_role` (token-based
 *   mapping of the web client);
 * - one role per `ruleRoles` entry, picked by `rules` (rules-based mapping of the rules client);
 * - the default authenticated role (own data only) and the guest role (public data only).
 * Both mappings deny when no role can be chosen. Classic flow is off, the server-side token check
 * on, and principal tags (ABAC) come only from claims no user can write (the config checks this).
 */
export class IdentityPoolAccess extends Construct {
  readonly identityPool: identitypool.IdentityPool;
  readonly authenticatedRole: iam.Role;
  readonly guestRole: iam.Role;
  /** Roles by group name, for `UserPoolGroups`. */
  readonly groupRoles: Readonly<Record<string, iam.Role>>;
  /** Roles by `ruleRoles` name. */
  readonly ruleRoles: Readonly<Record<string, iam.Role>>;
  readonly principalTags: cognito.CfnIdentityPoolPrincipalTag;

  constructor(scope: Construct, id: string, props: IdentityPoolAccessProps) {
    super(scope, id);
    const { settings, data, userPool } = props;
    if (settings.rules.length > 0 && !props.rulesClient) {
      throw new Error(`IdentityPoolAccess: ${settings.rules.length} rule(s) configured but no rulesClient given`);
    }
    if (settings.rules.length === 0 && props.rulesClient) {
      throw new Error('IdentityPoolAccess: a rulesClient was given but settings.rules is empty');
    }

    // Roles trust the pool by id and the pool lists the roles: resolve the id lazily.
    const poolId = Lazy.string({ produce: () => this.identityPool.identityPoolId });
    const role = (roleId: string, description: string, access: DataAccess) => {
      const created = new iam.Role(this, roleId, {
        description,
        assumedBy: cognitoPrincipal(poolId, 'authenticated'),
        inlinePolicies: { DataAccess: dataAccessPolicy(data, access) },
      });
      this.acknowledgeConfinedWildcards(created, data, access);
      return created;
    };

    this.authenticatedRole = role('AuthenticatedRole', 'Identity pool default role: own and public data only', {
      ownData: true,
      tenant: 'none',
    });
    this.groupRoles = Object.fromEntries(
      props.groups.map(({ name, tenantAccess }) => [
        name,
        role(`GroupRole-${name}`, `Identity pool role of group ${name}: tenant ${tenantAccess}, own data`, {
          ownData: true,
          tenant: tenantAccess,
        }),
      ]),
    );
    this.ruleRoles = Object.fromEntries(
      settings.ruleRoles.map((r) => [
        r.name,
        role(`RuleRole-${r.name}`, r.description, { ownData: true, tenant: r.tenantAccess }),
      ]),
    );
    // Unauthenticated identities carry no tags: no sts:TagSession. Without guest access the pool
    // never issues guest credentials, and the role holds no permission either.
    this.guestRole = new iam.Role(this, 'GuestRole', {
      description: settings.allowGuests
        ? 'Identity pool guest role: public data only'
        : 'Identity pool guest role: no permissions (guest access is off)',
      assumedBy: cognitoPrincipal(poolId, 'unauthenticated'),
      inlinePolicies: settings.allowGuests ? { DataAccess: dataAccessPolicy(data, GUEST_ACCESS) } : undefined,
    });
    if (settings.allowGuests) this.acknowledgeConfinedWildcards(this.guestRole, data, GUEST_ACCESS);

    const tokenClients: Record<string, cognito.IUserPoolClient> = {
      web: props.webClient,
      ...props.additionalTokenClients,
    };
    const mappable: Record<string, iam.IRole> = { ...this.groupRoles, ...this.ruleRoles };
    const rulesMapping: identitypool.IdentityPoolRoleMapping[] = props.rulesClient
      ? [
          {
            mappingKey: 'rules',
            providerUrl: identitypool.IdentityPoolProviderUrl.userPool(userPool, props.rulesClient),
            resolveAmbiguousRoles: false,
            rules: settings.rules.map((rule) => {
              const mappedRole = mappable[rule.role];
              if (!mappedRole)
                throw new Error(`IdentityPoolAccess: rule names role "${rule.role}", which does not exist`);
              return { claim: rule.claim, claimValue: rule.value, matchType: MATCH_TYPE[rule.matchType], mappedRole };
            }),
          },
        ]
      : [];

    this.identityPool = new identitypool.IdentityPool(this, 'Pool', {
      allowUnauthenticatedIdentities: settings.allowGuests,
      allowClassicFlow: false,
      authenticatedRole: this.authenticatedRole,
      unauthenticatedRole: this.guestRole,
      authenticationProviders: {
        userPools: [...Object.values(tokenClients), ...(props.rulesClient ? [props.rulesClient] : [])].map(
          (userPoolClient) =>
            new identitypool.UserPoolAuthenticationProvider({
              userPool,
              userPoolClient,
              disableServerSideTokenCheck: false,
            }),
        ),
      },
      roleMappings: [
        ...Object.entries(tokenClients).map(([mappingKey, client]) => ({
          mappingKey,
          providerUrl: identitypool.IdentityPoolProviderUrl.userPool(userPool, client),
          useToken: true,
          resolveAmbiguousRoles: false,
        })),
        ...rulesMapping,
      ],
    });

    // DeletionPolicy and UpdateReplacePolicy: kept on stack deletion and on a replacement, so it can
    // be imported back (`cdk import`) with every identity id intact.
    if (props.removalPolicy === 'RETAIN') this.identityPool.applyRemovalPolicy(RemovalPolicy.RETAIN);

    if (settings.allowGuests) {
      Validations.of(this.identityPool.node.defaultChild as cognito.CfnIdentityPool).acknowledge({
        id: 'AwsSolutions-COG7',
        reason:
          'Guest access is switched on in the stage config (identityPool.allowGuests); the guest role can only read and list the public/ prefix.',
      });
    }

    // One map per user-pool provider; it applies to every client of the pool.
    this.principalTags = new cognito.CfnIdentityPoolPrincipalTag(this, 'PrincipalTags', {
      identityPoolId: this.identityPool.identityPoolId,
      identityProviderName: userPool.userPoolProviderName,
      principalTags: settings.principalTags,
      useDefaults: false,
    });
  }

  /**
   * Acknowledges, on the role itself, each cdk-nag IAM5 finding for an object wildcard of its
   * policy, naming the exact resource as cdk-nag prints it (computed with cdk-nag's own
   * formatting, so the id cannot drift from the finding).
   */
  private acknowledgeConfinedWildcards(role: iam.Role, data: ProtectedDataArns, access: DataAccess): void {
    const stack = Stack.of(this);
    for (const grant of prefixGrants(access)) {
      const resource = flattenCfnReference(stack.resolve(objectsArn(data, grant.prefix)));
      Validations.of(role.node.defaultChild as iam.CfnRole).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${resource}]`,
        reason: grant.reason,
      });
    }
  }
}

const GUEST_ACCESS: DataAccess = { ownData: false, tenant: 'none' };

const MATCH_TYPE: Record<StageConfig['identityPool']['rules'][number]['matchType'], identitypool.RoleMappingMatchType> =
  {
    Equals: identitypool.RoleMappingMatchType.EQUALS,
    Contains: identitypool.RoleMappingMatchType.CONTAINS,
    StartsWith: identitypool.RoleMappingMatchType.STARTS_WITH,
    NotEqual: identitypool.RoleMappingMatchType.NOTEQUAL,
  };

/**
 * Trust for Cognito identity pool credentials: only tokens of this pool (`aud`) and of the given
 * kind (`amr`). Authenticated sessions also carry principal tags, so they need sts:TagSession.
 */
function cognitoPrincipal(poolId: string, amr: 'authenticated' | 'unauthenticated'): iam.IPrincipal {
  const principal = new iam.FederatedPrincipal(
    'cognito-identity.amazonaws.com',
    {
      StringEquals: { 'cognito-identity.amazonaws.com:aud': poolId },
      'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': amr },
    },
    'sts:AssumeRoleWithWebIdentity',
  );
  return amr === 'authenticated' ? principal.withSessionTags() : principal;
}
