import { stages } from '../config';
import {
  type Acknowledgement,
  type CfnTemplate,
  checkUpdate,
  describeFinding,
  STATEFUL_TYPES,
  type StackTemplates,
} from '../scripts/update-guard/rules';
import { maskAssetHashes, type SynthesizedStage, synthShipped, synthStage } from './helpers/app';
import { STATEFUL_LOGICAL_IDS } from './stateful-resources';

// Day-2 safety: what the second deploy and `cdk destroy` do to stored data. Synthesizing costs
// seconds, so this file synthesizes each shipped stage once plus three config variants of dev.

/** As check:update synthesizes: with construct paths, which its messages quote. */
const GUARD_SYNTH = { pathMetadata: true };

type Resources = Record<
  string,
  { Type: string; DeletionPolicy?: string; UpdateReplacePolicy?: string; Properties?: Record<string, unknown> }
>;

const shipped: Record<string, SynthesizedStage> = Object.fromEntries(
  Object.keys(stages).map((stage) => [stage, synthShipped(stage, GUARD_SYNTH)]),
);

function resourcesOf(synthesized: SynthesizedStage, key: keyof SynthesizedStage['templates']): Resources {
  return (synthesized.templates[key]?.toJSON() as { Resources: Resources } | undefined)?.Resources ?? {};
}

function statefulOf(resources: Resources): Resources {
  return Object.fromEntries(Object.entries(resources).filter(([, resource]) => resource.Type in STATEFUL_TYPES));
}

describe.each(Object.keys(stages))('stateful resources (%s)', (stage) => {
  const synthesized = shipped[stage]!;
  const { config } = synthesized;
  const stackKeys = Object.keys(synthesized.templates) as (keyof SynthesizedStage['templates'])[];

  it('keep the logical ids pinned in test/stateful-resources.ts (a renamed construct would replace them)', () => {
    const unpinned = stackKeys.flatMap((key) =>
      Object.entries(statefulOf(resourcesOf(synthesized, key)))
        .filter(([logicalId, resource]) => STATEFUL_LOGICAL_IDS[key]?.[logicalId] !== resource.Type)
        .map(([logicalId, resource]) => `${key} ${logicalId} (${resource.Type})`),
    );
    expect(unpinned).toEqual([]);
  });

  it('retain the identity pool exactly when the data its identity ids key is retained', () => {
    const pools = Object.values(resourcesOf(synthesized, 'auth')).filter(
      (resource) => resource.Type === 'AWS::Cognito::IdentityPool',
    );
    expect(pools).toHaveLength(1);
    const policy = config.data.removalPolicy === 'RETAIN' ? 'Retain' : 'Delete';
    // CloudFormation deletes a resource without a DeletionPolicy.
    expect([pools[0]?.DeletionPolicy ?? 'Delete', pools[0]?.UpdateReplacePolicy ?? 'Delete']).toEqual([policy, policy]);
  });

  if (config.production) {
    it('retain every stateful resource but the login domain on deletion and on replacement (production)', () => {
      const notRetained = stackKeys.flatMap((key) =>
        Object.entries(statefulOf(resourcesOf(synthesized, key)))
          // A retained domain would block the next stack from creating one ("already has a domain").
          .filter(([, resource]) => resource.Type !== 'AWS::Cognito::UserPoolDomain')
          .filter(([, resource]) => resource.DeletionPolicy !== 'Retain' || resource.UpdateReplacePolicy !== 'Retain')
          .map(([logicalId]) => `${key} ${logicalId}`),
      );
      expect(notRetained).toEqual([]);
    });
  }

  it(`${config.data.removalPolicy === 'DESTROY' ? 'empty every bucket before deleting it' : 'never empty a bucket'} on destroy`, () => {
    const resources = resourcesOf(synthesized, 'data');
    const buckets = Object.keys(resources).filter((id) => resources[id]?.Type === 'AWS::S3::Bucket');
    const emptied = Object.values(resources)
      .filter((resource) => resource.Type === 'Custom::S3AutoDeleteObjects')
      .map((resource) => (resource.Properties?.BucketName as { Ref: string }).Ref);
    expect(buckets.length).toBeGreaterThan(0);
    expect(emptied.sort()).toEqual(config.data.removalPolicy === 'DESTROY' ? buckets.sort() : []);
  });
});

/** The dev templates as the guard reads them: by stack name, masked like the committed baseline. */
const masked = (synthesized: SynthesizedStage): StackTemplates => maskAssetHashes(synthesized.templatesByStackName);

/** A copy of `templates` with `edit` applied to one resource of `type` in `stack`. */
function edited(
  templates: StackTemplates,
  type: string,
  edit: (resources: Record<string, { Type: string; Properties: Record<string, unknown> }>, logicalId: string) => void,
): { templates: StackTemplates; stack: string; logicalId: string } {
  const copy = structuredClone(templates) as Record<string, CfnTemplate>;
  for (const [stack, template] of Object.entries(copy)) {
    const resources = template.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;
    const logicalId = Object.keys(resources).find((id) => resources[id]?.Type === type);
    if (logicalId) {
      edit(resources, logicalId);
      return { templates: copy, stack, logicalId };
    }
  }
  throw new Error(`no ${type}`);
}

describe('update guard (npm run check:update)', () => {
  // The fixture dev stage (fixed prefix, attributes, migration on), like the variants below.
  const dev = synthStage('dev', {}, GUARD_SYNTH);
  const baseline = masked(dev);
  const authStack = dev.stacks.auth.stackName;
  const poolId = dev.stacks.auth.getLogicalId(dev.stacks.auth.pool.userPool.node.defaultChild as never);
  const domainId = dev.stacks.auth.getLogicalId(dev.stacks.auth.domain!.domain.node.defaultChild as never);
  const legacyTableId = dev.stacks.auth.getLogicalId(
    dev.stacks.auth.triggers.legacyUsers!.table.node.defaultChild as never,
  );
  const refused = (current: StackTemplates, acks: Acknowledgement[] = []) =>
    checkUpdate(baseline, current, acks).refused.map(describeFinding);

  it('passes a stage compared with itself', () => {
    expect(checkUpdate(baseline, baseline)).toEqual({
      refused: [],
      acknowledged: [],
      unusedAcknowledgements: [],
      newStacks: [],
      missingStacks: [],
    });
  });

  describe('refuses each config change that loses data or that Cognito refuses, with its message', () => {
    // One synth for three independent changes; each must be reported on its own resource.
    const changed = synthStage(
      'dev',
      {
        userPool: { authorizationAttributes: ['tenant_id'] },
        // Rules that read custom:department go with it (the config schema requires that).
        identityPool: { rules: [], ruleRoles: [] },
        domain: { prefix: 'example-authref-dev-renamed' },
        migration: { enabled: false },
      },
      GUARD_SYNTH,
    );
    const findings = refused(masked(changed));

    it('custom attribute removed', () => {
      expect(findings).toContain(
        `${authStack} ${poolId} (AWS::Cognito::UserPool, ${authStack}/UserPool/Pool/Resource) Schema: custom attribute "custom:department" removed. Cognito refuses it ("Existing schema attributes cannot be modified or deleted"): the stack update fails and rolls back. Add a new attribute instead (docs/deploy.md, "Changing a deployed stage")`,
      );
    });

    it('domain prefix changed (must be two deploys)', () => {
      expect(findings).toContain(
        `${authStack} ${domainId} (AWS::Cognito::UserPoolDomain, ${authStack}/Login/Domain/Resource) Domain: domain changed from "example-authref-dev" to "example-authref-dev-renamed". Cognito refuses it: CloudFormation creates the new domain before it deletes the old one, and a user pool has only one domain of each kind ("User pool already has a domain"). Change it in two deploys (docs/deploy.md, "Changing a deployed stage")`,
      );
    });

    it('table removed by a config switch (migration off)', () => {
      expect(findings).toContain(
        `${authStack} ${legacyTableId} (AWS::DynamoDB::Table, ${authStack}/Triggers/LegacyUsers/Table/Resource): removed. CloudFormation deletes the table and its items`,
      );
    });

    it('and nothing else', () => {
      expect(findings).toHaveLength(3);
    });

    it('lets an acknowledged change through and reports an acknowledgement that matches nothing', () => {
      const acks: Acknowledgement[] = [
        { stack: authStack, logicalId: poolId, reason: 'custom:department was never set on any user' },
        { stack: authStack, logicalId: domainId, reason: 'test: acknowledged prefix change' },
        { stack: authStack, logicalId: legacyTableId, reason: 'every legacy user has migrated; table retired' },
        { stack: authStack, logicalId: 'Gone0000', reason: 'left over from an earlier release' },
      ];
      const result = checkUpdate(baseline, masked(changed), acks);
      expect(result.refused).toEqual([]);
      expect(result.acknowledged.map((a) => a.reason)).toEqual(
        expect.arrayContaining(['custom:department was never set on any user']),
      );
      expect(result.unusedAcknowledgements).toEqual([acks[3]]);
    });
  });

  it('accepts the two-step domain change: removal (acknowledged) first, a new domain later', () => {
    const withoutDomain = masked(synthStage('dev', { domain: { remove: true } }, GUARD_SYNTH));
    expect(refused(withoutDomain)).toEqual([
      `${authStack} ${domainId} (AWS::Cognito::UserPoolDomain, ${authStack}/Login/Domain/Resource): removed. managed login and the OAuth endpoints stop working until a domain is added again; acknowledge it only as step 1 of a domain change (docs/deploy.md, "Changing a deployed stage")`,
    ]);
    expect(
      refused(withoutDomain, [
        { stack: authStack, logicalId: domainId, reason: 'step 1 of renaming the login domain' },
      ]),
    ).toEqual([]);
    // Step 2, after step 1 was released and accepted: adding a domain (any prefix) is additive.
    expect(checkUpdate(withoutDomain, baseline).refused).toEqual([]);
    // What step 1 deploys: no domain, no branding, no LoginDomainUrl output.
    const auth = withoutDomain[authStack]!;
    expect(Object.values(auth.Resources ?? {}).map((r) => r.Type)).not.toEqual(
      expect.arrayContaining(['AWS::Cognito::UserPoolDomain']),
    );
    expect(Object.values(auth.Resources ?? {}).map((r) => r.Type)).not.toContain('AWS::Cognito::ManagedLoginBranding');
    expect(Object.keys(auth.Outputs as object)).not.toContain('LoginDomainUrl');
  });

  it('passes additive config changes: a new group, a new scope, a new custom attribute', () => {
    const added = synthStage(
      'dev',
      {
        groups: [...(dev.config.groups as never[]), { name: 'auditors', precedence: 50, description: 'Auditors.' }],
        resourceServer: {
          scopes: [...dev.config.resourceServer.scopes, { name: 'audit', description: 'Read the audit trail.' }],
        },
        userPool: { authorizationAttributes: [...dev.config.userPool.authorizationAttributes, 'region_code'] },
      },
      GUARD_SYNTH,
    );
    const result = checkUpdate(baseline, masked(added));
    expect(result.refused).toEqual([]);
    // The additions really are in the templates (the guard saw them and let them through).
    const auth = JSON.stringify(added.templatesByStackName[authStack]);
    for (const name of ['"auditors"', '"audit"', '"region_code"']) expect(auth).toContain(name);
  });

  describe('refuses changes only code can make (simulated on the templates)', () => {
    const poolChange = (edit: (props: Record<string, unknown>) => void) =>
      refused(edited(baseline, 'AWS::Cognito::UserPool', (r, id) => edit(r[id]!.Properties)).templates);
    const poolPrefix = `${authStack} ${poolId} (AWS::Cognito::UserPool, ${authStack}/UserPool/Pool/Resource)`;
    const signInConsequence =
      'Cognito fixes how users sign in when it creates a pool and cannot change it on an existing one: the update fails, or a replaced pool loses every user';

    it('custom attribute changed', () => {
      expect(
        poolChange((props) => {
          const schema = props.Schema as { Name: string; Mutable?: boolean }[];
          schema.find((attribute) => attribute.Name === 'tenant_id')!.Mutable = true;
        }),
      ).toEqual([
        `${poolPrefix} Schema: custom attribute "custom:tenant_id" changed (Mutable false -> true). Cognito refuses it ("Existing schema attributes cannot be modified or deleted"): the stack update fails and rolls back. Add a new attribute instead (docs/deploy.md, "Changing a deployed stage")`,
      ]);
    });

    it('username attributes, alias attributes and case sensitivity changed', () => {
      expect(
        poolChange((props) => {
          props.UsernameAttributes = ['email', 'phone_number'];
          props.AliasAttributes = ['preferred_username'];
          props.UsernameConfiguration = { CaseSensitive: true };
        }),
      ).toEqual([
        `${poolPrefix} UsernameAttributes: username attributes changed from ["email"] to ["email","phone_number"]. ${signInConsequence}`,
        `${poolPrefix} AliasAttributes: alias attributes changed from (not set) to ["preferred_username"]. ${signInConsequence}`,
        `${poolPrefix} UsernameConfiguration: username case sensitivity changed from {"CaseSensitive":false} to {"CaseSensitive":true}. ${signInConsequence}`,
      ]);
    });

    it('table and bucket replaced (properties that require replacement)', () => {
      const table = edited(baseline, 'AWS::DynamoDB::Table', (r, id) => {
        r[id]!.Properties.KeySchema = [{ AttributeName: 'id', KeyType: 'HASH' }];
      });
      expect(refused(table.templates)).toEqual([
        expect.stringMatching(
          new RegExp(
            `^${table.stack} ${table.logicalId} \\(AWS::DynamoDB::Table, .+\\) KeySchema: requires replacement \\(changed from .+\\)\\. CloudFormation replaces it: it creates a new, empty table and deletes the old one \\(orphans it if retained\\), and its items stay behind$`,
          ),
        ),
      ]);
      const bucket = edited(baseline, 'AWS::S3::Bucket', (r, id) => {
        r[id]!.Properties.BucketName = 'a-fixed-name';
      });
      expect(refused(bucket.templates)).toEqual([
        expect.stringContaining(
          `${bucket.stack} ${bucket.logicalId} (AWS::S3::Bucket, ${bucket.stack}/Protected/AccessLogs/Resource) BucketName: requires replacement (changed from (not set) to "a-fixed-name"). CloudFormation replaces it: it creates a new, empty bucket and deletes the old one (orphans it if retained), and its objects stay behind`,
        ),
      ]);
    });

    it('a stateful logical id that moved (a renamed construct): user pool and identity pool', () => {
      for (const type of ['AWS::Cognito::UserPool', 'AWS::Cognito::IdentityPool']) {
        const moved = edited(baseline, type, (resources, id) => {
          resources[`${id}Renamed`] = resources[id]!;
          delete resources[id];
        });
        expect(refused(moved.templates)).toEqual([
          expect.stringMatching(
            new RegExp(
              `^${moved.stack} ${moved.logicalId} \\(${type}, .+\\): logical id moved: it is gone and ${moved.stack} ${moved.logicalId}Renamed of the same type is new \\(a renamed or moved construct, or a config change\\)\\. CloudFormation replaces it: it creates a new, empty .+ stay behind\\. Keep the old logical id \\(restore the construct id and path, or pin it with overrideLogicalId\\)$`,
            ),
          ),
        ]);
      }
    });
  });

  it('pairs each moved resource with the new one whose construct path ends the same (a renamed parent)', () => {
    // The Protected construct renamed to ProtectedData: both buckets and the table get new ids.
    const dataStack = dev.stacks.data.stackName;
    const copy = structuredClone(baseline) as Record<string, CfnTemplate>;
    const resources = copy[dataStack]!.Resources as Record<string, { Metadata?: Record<string, unknown> }>;
    for (const id of Object.keys(resources).filter((key) => key.startsWith('Protected'))) {
      const resource = resources[id]!;
      const path = String(resource.Metadata?.['aws:cdk:path']);
      resources[id.replace('Protected', 'ProtectedData')] = {
        ...resource,
        Metadata: { ...resource.Metadata, 'aws:cdk:path': path.replace('/Protected/', '/ProtectedData/') },
      };
      delete resources[id];
    }
    const moves = checkUpdate(baseline, copy).refused.map((f) => `${f.logicalId} ${f.change.split(' of the same')[0]}`);
    expect(moves).toEqual([
      `ProtectedAccessLogs91A68F6F logical id moved: it is gone and ${dataStack} ProtectedDataAccessLogs91A68F6F`,
      `ProtectedBucket3B99FEFB logical id moved: it is gone and ${dataStack} ProtectedDataBucket3B99FEFB`,
      `ProtectedTable27FDFF89 logical id moved: it is gone and ${dataStack} ProtectedDataTable27FDFF89`,
    ]);
  });

  it('reports a stack absent from the baseline as a first deploy and does not fail (a fork renamed the project)', () => {
    const renamed = Object.fromEntries(
      Object.entries(baseline).map(([name, template]) => [name.replace(/^cognito-ref-/, 'acme-auth-'), template]),
    );
    const result = checkUpdate(baseline, renamed);
    expect(result.refused).toEqual([]);
    expect(result.newStacks).toHaveLength(Object.keys(baseline).length);
    expect(result.missingStacks).toEqual(Object.keys(baseline));
  });
});
