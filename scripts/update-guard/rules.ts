/**
 * The offline update guard: compares the templates of a stage with the templates of its last
 * release, using the diff engine of `cdk diff` (@aws-cdk/cloudformation-diff, which knows from the
 * CloudFormation resource specification which property changes replace a resource), and refuses
 * what would lose stored data or what Cognito refuses to update in place.
 */
import { deepEqual, fullDiff, ResourceImpact, type ResourceDifference } from '@aws-cdk/cloudformation-diff';

export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DeletionPolicy?: string;
  readonly Metadata?: Record<string, unknown>;
}
export interface CfnTemplate {
  readonly Resources?: Record<string, TemplateResource>;
  readonly [section: string]: unknown;
}
/** Templates of one stage by stack name. */
export type StackTemplates = Readonly<Record<string, CfnTemplate>>;

/**
 * Resource types whose replacement or removal loses what they hold: what each is called and what
 * stays behind. By type, not by logical id, so a resource added later (another table, another
 * bucket) is guarded too.
 */
export const STATEFUL_TYPES: Readonly<Record<string, { readonly noun: string; readonly holds: string }>> = {
  'AWS::Cognito::UserPool': { noun: 'user pool', holds: 'its users, their passwords and sub ids' },
  'AWS::Cognito::IdentityPool': {
    noun: 'identity pool',
    holds: 'its identity ids (which key the private/<identity id>/ objects and IDENTITY# items)',
  },
  'AWS::Cognito::UserPoolDomain': { noun: 'login domain', holds: 'the URL of managed login and the OAuth endpoints' },
  'AWS::DynamoDB::Table': { noun: 'table', holds: 'its items' },
  'AWS::DynamoDB::GlobalTable': { noun: 'table', holds: 'its items' },
  'AWS::S3::Bucket': { noun: 'bucket', holds: 'its objects' },
};

const USER_POOL = 'AWS::Cognito::UserPool';
const DOMAIN = 'AWS::Cognito::UserPoolDomain';
const CHANGING_A_STAGE = 'docs/deploy.md, "Changing a deployed stage"';

/** One change the guard refuses unless it is acknowledged. */
export interface Finding {
  readonly stack: string;
  readonly logicalId: string;
  readonly resourceType: string;
  /** Construct path (`aws:cdk:path` metadata), to find the code. */
  readonly path?: string;
  /** The property that changed; absent when the whole resource goes. */
  readonly property?: string;
  readonly change: string;
  readonly consequence: string;
}

/** A reviewed, intended change: lets every finding on `stack` / `logicalId` through. */
export interface Acknowledgement {
  readonly stack: string;
  readonly logicalId: string;
  readonly reason: string;
}

export interface UpdateCheck {
  /** Findings no acknowledgement covers: the update must not ship. */
  readonly refused: readonly Finding[];
  readonly acknowledged: readonly { readonly finding: Finding; readonly reason: string }[];
  /** Acknowledgements that match no finding (remove them so the file does not rot). */
  readonly unusedAcknowledgements: readonly Acknowledgement[];
  /** Stacks absent from the baseline: a first deploy. */
  readonly newStacks: readonly string[];
  /** Baseline stacks the app no longer has. */
  readonly missingStacks: readonly string[];
}

export function describeFinding(finding: Finding): string {
  const where = `${finding.stack} ${finding.logicalId} (${finding.resourceType}${finding.path ? `, ${finding.path}` : ''})`;
  return `${where}${finding.property ? ` ${finding.property}` : ''}: ${finding.change}. ${finding.consequence}`;
}

/** Compares `current` with `baseline` stack by stack (matched by name) and applies the acknowledgements. */
export function checkUpdate(
  baseline: StackTemplates,
  current: StackTemplates,
  acknowledgements: readonly Acknowledgement[] = [],
): UpdateCheck {
  const newStacks = Object.keys(current).filter((name) => !(name in baseline));
  const missingStacks = Object.keys(baseline).filter((name) => !(name in current));

  const findings: Finding[] = [];
  const removed: Located[] = [];
  // Stateful resources of new stacks count as added: a resource may have moved into one.
  const added: Located[] = newStacks.flatMap((stack) =>
    Object.entries(current[stack]?.Resources ?? {})
      .filter(([, resource]) => resource.Type in STATEFUL_TYPES)
      .map(([logicalId, resource]) => ({ stack, logicalId, resource })),
  );
  for (const stack of Object.keys(current).filter((name) => name in baseline)) {
    const diff = fullDiff(baseline[stack] ?? {}, current[stack] ?? {});
    diff.resources.forEachDifference((logicalId, change) => {
      const oldType = change.oldValue?.Type;
      const newType = change.newValue?.Type;
      if (!isStateful(oldType) && !isStateful(newType)) return;
      if (change.isAddition && change.newValue) {
        added.push({ stack, logicalId, resource: change.newValue });
      } else if (change.isRemoval && change.oldValue) {
        removed.push({ stack, logicalId, resource: change.oldValue });
      } else {
        findings.push(...updateFindings(stack, logicalId, change));
      }
    });
  }
  for (const gone of removed) findings.push(removalFinding(gone, added));

  const key = (stack: string, logicalId: string) => `${stack}\u0000${logicalId}`;
  const reasons = new Map(acknowledgements.map((ack) => [key(ack.stack, ack.logicalId), ack.reason]));
  const used = new Set<string>();
  const refused: Finding[] = [];
  const acknowledged: { finding: Finding; reason: string }[] = [];
  for (const finding of findings) {
    const k = key(finding.stack, finding.logicalId);
    const reason = reasons.get(k);
    if (reason === undefined) {
      refused.push(finding);
    } else {
      used.add(k);
      acknowledged.push({ finding, reason });
    }
  }
  const unusedAcknowledgements = acknowledgements.filter((ack) => !used.has(key(ack.stack, ack.logicalId)));
  return { refused, acknowledged, unusedAcknowledgements, newStacks, missingStacks };
}

interface Located {
  readonly stack: string;
  readonly logicalId: string;
  readonly resource: TemplateResource;
}

function isStateful(type: string | undefined): type is string {
  return type !== undefined && type in STATEFUL_TYPES;
}

function cdkPath(resource: TemplateResource | undefined): string | undefined {
  const path = resource?.Metadata?.['aws:cdk:path'];
  return typeof path === 'string' ? path : undefined;
}

/** What a replacement (a new physical resource, the old one deleted or orphaned) does to `type`. */
function replacementConsequence(type: string): string {
  if (type === DOMAIN) {
    return `Cognito refuses it: CloudFormation creates the new domain before it deletes the old one, and a user pool has only one domain of each kind ("User pool already has a domain"). Change it in two deploys (${CHANGING_A_STAGE})`;
  }
  const { noun, holds } = STATEFUL_TYPES[type]!;
  return `CloudFormation replaces it: it creates a new, empty ${noun} and deletes the old one (orphans it if retained), and ${holds} stay behind`;
}

/** The added resources `gone` most likely became: same type, and the same construct path ending if any has it. */
function successorsOf(gone: Located, added: readonly Located[]): Located[] {
  const sameType = added.filter((candidate) => candidate.resource.Type === gone.resource.Type);
  const ending = cdkPath(gone.resource)?.split('/').slice(-2).join('/');
  const sameEnding = sameType.filter((candidate) => ending && cdkPath(candidate.resource)?.endsWith(`/${ending}`));
  return sameEnding.length > 0 ? sameEnding : sameType;
}

function removalFinding(gone: Located, added: readonly Located[]): Finding {
  const type = gone.resource.Type;
  const base = { stack: gone.stack, logicalId: gone.logicalId, resourceType: type, path: cdkPath(gone.resource) };
  const successors = successorsOf(gone, added);
  if (successors.length > 0) {
    const names = successors.map((s) => `${s.stack} ${s.logicalId}`).join(', ');
    return {
      ...base,
      change: `logical id moved: it is gone and ${names} of the same type ${successors.length > 1 ? 'are' : 'is'} new (a renamed or moved construct, or a config change)`,
      consequence: `${replacementConsequence(type)}. Keep the old logical id (restore the construct id and path, or pin it with overrideLogicalId)`,
    };
  }
  const retained = gone.resource.DeletionPolicy === 'Retain' || gone.resource.DeletionPolicy === 'RetainExceptOnCreate';
  const { noun, holds } = STATEFUL_TYPES[type]!;
  const consequence =
    type === DOMAIN
      ? `managed login and the OAuth endpoints stop working until a domain is added again; acknowledge it only as step 1 of a domain change (${CHANGING_A_STAGE})`
      : retained
        ? `CloudFormation orphans the ${noun} with ${holds}: it keeps existing outside the stack, and adding it back later creates a new, empty one`
        : `CloudFormation deletes the ${noun} and ${holds}`;
  return { ...base, change: 'removed', consequence };
}

const SIGN_IN_PROPERTIES: Readonly<Record<string, string>> = {
  UsernameAttributes: 'username attributes',
  AliasAttributes: 'alias attributes',
  UsernameConfiguration: 'username case sensitivity',
};

function updateFindings(stack: string, logicalId: string, change: ResourceDifference): Finding[] {
  const oldResource = change.oldValue as TemplateResource;
  const newResource = change.newValue as TemplateResource;
  const base = { stack, logicalId, path: cdkPath(newResource) };
  if (oldResource.Type !== newResource.Type) {
    return [
      {
        ...base,
        resourceType: newResource.Type,
        change: `resource type changed from ${oldResource.Type}`,
        consequence: replacementConsequence(oldResource.Type),
      },
    ];
  }
  const type = newResource.Type;
  const findings: Finding[] = [];
  const handled = new Set<string>();
  const oldProps = oldResource.Properties ?? {};
  const newProps = newResource.Properties ?? {};

  if (type === USER_POOL) {
    handled.add('Schema');
    for (const attribute of schemaChanges(oldProps.Schema, newProps.Schema)) {
      findings.push({
        ...base,
        resourceType: type,
        property: 'Schema',
        change: attribute,
        consequence: `Cognito refuses it ("Existing schema attributes cannot be modified or deleted"): the stack update fails and rolls back. Add a new attribute instead (${CHANGING_A_STAGE})`,
      });
    }
    for (const [property, what] of Object.entries(SIGN_IN_PROPERTIES)) {
      handled.add(property);
      if (same(oldProps[property], newProps[property])) continue;
      findings.push({
        ...base,
        resourceType: type,
        property,
        change: `${what} changed from ${show(oldProps[property])} to ${show(newProps[property])}`,
        consequence:
          'Cognito fixes how users sign in when it creates a pool and cannot change it on an existing one: the update fails, or a replaced pool loses every user',
      });
    }
  }
  if (type === DOMAIN && !same(oldProps.Domain, newProps.Domain)) {
    handled.add('Domain');
    findings.push({
      ...base,
      resourceType: type,
      property: 'Domain',
      change: `domain changed from ${show(oldProps.Domain)} to ${show(newProps.Domain)}`,
      consequence: replacementConsequence(type),
    });
  }
  for (const [property, difference] of Object.entries(change.propertyUpdates)) {
    if (handled.has(property)) continue;
    const impact = difference.changeImpact;
    if (impact !== ResourceImpact.WILL_REPLACE && impact !== ResourceImpact.MAY_REPLACE) continue;
    findings.push({
      ...base,
      resourceType: type,
      property,
      change: `${impact === ResourceImpact.MAY_REPLACE ? 'may require' : 'requires'} replacement (changed from ${show(difference.oldValue)} to ${show(difference.newValue)})`,
      consequence: replacementConsequence(type),
    });
  }
  return findings;
}

/** Attribute names of the OIDC standard claims; any other schema attribute is `custom:<name>`. */
const STANDARD_ATTRIBUTES = new Set([
  'address',
  'birthdate',
  'email',
  'email_verified',
  'family_name',
  'gender',
  'given_name',
  'locale',
  'middle_name',
  'name',
  'nickname',
  'phone_number',
  'phone_number_verified',
  'picture',
  'preferred_username',
  'profile',
  'updated_at',
  'website',
  'zoneinfo',
]);

interface SchemaAttribute {
  readonly Name?: string;
  readonly [field: string]: unknown;
}

/** Each released schema attribute that is gone or different (additions are fine). */
function schemaChanges(oldSchema: unknown, newSchema: unknown): string[] {
  const byName = (schema: unknown) =>
    new Map(
      (Array.isArray(schema) ? (schema as SchemaAttribute[]) : []).map((attribute) => [
        String(attribute.Name),
        attribute,
      ]),
    );
  const before = byName(oldSchema);
  const after = byName(newSchema);
  const changes: string[] = [];
  for (const [name, attribute] of before) {
    const label = STANDARD_ATTRIBUTES.has(name) ? `standard attribute "${name}"` : `custom attribute "custom:${name}"`;
    const now = after.get(name);
    if (now === undefined) {
      changes.push(`${label} removed`);
      continue;
    }
    const fields = [...new Set([...Object.keys(attribute), ...Object.keys(now)])].filter(
      (field) => !same(attribute[field], now[field]),
    );
    if (fields.length > 0) {
      const detail = fields.map((field) => `${field} ${show(attribute[field])} -> ${show(now[field])}`).join(', ');
      changes.push(`${label} changed (${detail})`);
    }
  }
  return changes;
}

function same(a: unknown, b: unknown): boolean {
  return deepEqual(a, b);
}

function show(value: unknown): string {
  if (value === undefined) return '(not set)';
  const text = JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
