import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

export interface AcknowledgementRow {
  /** Construct path relative to the app. */
  readonly path: string;
  /** Rule id as cdk-nag matches it, e.g. `AwsSolutions-IAM5[Resource::*]`. */
  readonly id: string;
  readonly reason: string;
}

/** Every `Validations.acknowledge(...)` in the construct tree, sorted by path then id. */
export function listAcknowledgements(root: IConstruct): AcknowledgementRow[] {
  const rows: AcknowledgementRow[] = [];
  for (const construct of root.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        // cdk-nag matches the rule id with aws-cdk-lib's 'Annotation::' namespace stripped.
        rows.push({ path: construct.node.path, id: id.replace(/^annotation::/i, ''), reason });
      }
    }
  }
  return rows.sort((a, b) => a.path.localeCompare(b.path) || a.id.localeCompare(b.id));
}
