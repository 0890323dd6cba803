import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';

/** Stack outputs of one stage, by output key, merged across its stacks. */
export type StageOutputs = Readonly<Record<string, string>>;

/**
 * Reads the outputs of `<prefix>-<Name>` for each stack name that exists. A missing stack is
 * skipped (a stage may not deploy all of them); an error other than "does not exist" is thrown.
 */
export async function readStageOutputs(
  cloudFormation: Pick<CloudFormationClient, 'send'>,
  prefix: string,
  stackNames: readonly string[],
): Promise<{ outputs: StageOutputs; stacks: string[] }> {
  const outputs: Record<string, string> = {};
  const stacks: string[] = [];
  for (const name of stackNames) {
    const stackName = `${prefix}-${name}`;
    try {
      const { Stacks = [] } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
      for (const output of Stacks[0]?.Outputs ?? []) {
        if (output.OutputKey && output.OutputValue !== undefined) outputs[output.OutputKey] = output.OutputValue;
      }
      stacks.push(stackName);
    } catch (error) {
      if (error instanceof Error && /does not exist/.test(error.message)) continue;
      throw error;
    }
  }
  return { outputs, stacks };
}

/** The value of a required output, or a clear error naming the stack outputs that exist. */
export function requireOutput(outputs: StageOutputs, key: string): string {
  const value = outputs[key];
  if (value === undefined || value === '') {
    throw new Error(`stack output ${key} not found (have: ${Object.keys(outputs).sort().join(', ') || 'none'})`);
  }
  return value;
}
