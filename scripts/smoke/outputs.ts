import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { StageConfig } from '../../lib/config/schema';
import { SmokeFailure } from './runner';

/** Stack outputs of one stage, by output key, merged across its stacks. */
export type StageOutputs = Readonly<Record<string, string>>;

/** The stacks every stage deploys (lib/app.ts): `<project>-<stage>-<name>`. */
export const STAGE_STACKS = ['Data', 'Auth', 'Api'] as const;
export type StageStack = (typeof STAGE_STACKS)[number];

/**
 * The outputs the smoke test reads, per stack: those every stage has, plus those of features the
 * config turns on (lib/stacks/auth-stack.ts creates them only then). The config is the one the
 * smoke test runs with, so a missing output means the deployed stage is not that config.
 */
export function requiredOutputs(config: StageConfig): Record<StageStack, string[]> {
  const passwordless = config.passwordless.customChallenge;
  return {
    Data: ['DataBucketName', 'DataTableName'],
    Auth: [
      'UserPoolId',
      'WebClientId',
      'IdentityPoolId',
      'GroupRoleArns',
      ...(config.identityPool.rules.length > 0 ? ['RulesClientId'] : []),
      ...(passwordless.enabled ? ['PasswordlessClientId'] : []),
      ...(passwordless.enabled && passwordless.testOutbox ? ['TestOutboxTableName'] : []),
      ...(config.migration.enabled ? ['LegacyUsersTableName'] : []),
      ...(config.machineClients.some((m) => m.enabled) ? ['MachineClientIds'] : []),
    ],
    Api: ['ApiUrl'],
  };
}

/**
 * Reads the outputs of `<prefix>-<Name>` for every stack in `required` and fails (SmokeFailure)
 * when a stack does not exist or lacks a required output: a smoke test that silently checks
 * less than the stage deploys would pass for the wrong reason. Other errors are thrown as they are.
 */
export async function readStageOutputs(
  cloudFormation: Pick<CloudFormationClient, 'send'>,
  prefix: string,
  required: Readonly<Partial<Record<StageStack, readonly string[]>>>,
): Promise<StageOutputs> {
  const outputs: Record<string, string> = {};
  const missingStacks: string[] = [];
  const missingOutputs: string[] = [];
  for (const [name, keys = []] of Object.entries(required)) {
    const stackName = `${prefix}-${name}`;
    let found: Record<string, string>;
    try {
      const { Stacks = [] } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
      found = Object.fromEntries(
        (Stacks[0]?.Outputs ?? []).flatMap((o) =>
          o.OutputKey && o.OutputValue !== undefined ? [[o.OutputKey, o.OutputValue]] : [],
        ),
      );
    } catch (error) {
      if (!(error instanceof Error && /does not exist/.test(error.message))) throw error;
      missingStacks.push(stackName);
      continue;
    }
    Object.assign(outputs, found);
    const absent = keys.filter((key) => !found[key]);
    if (absent.length > 0) missingOutputs.push(`${stackName}: ${absent.join(', ')}`);
  }
  if (missingStacks.length > 0) {
    const stacks = `${missingStacks.length > 1 ? 'stacks' : 'stack'} ${missingStacks.join(', ')}`;
    throw new SmokeFailure(`${stacks} not found: deploy the stage first`);
  }
  if (missingOutputs.length > 0) {
    throw new SmokeFailure(
      `outputs missing (${missingOutputs.join('; ')}): the deployed stage does not match its config; deploy it again`,
    );
  }
  return outputs;
}

/** The value of a required output, or a clear error naming the stack outputs that exist. */
export function requireOutput(outputs: StageOutputs, key: string): string {
  const value = outputs[key];
  if (value === undefined || value === '') {
    throw new Error(`stack output ${key} not found (have: ${Object.keys(outputs).sort().join(', ') || 'none'})`);
  }
  return value;
}
