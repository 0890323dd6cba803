import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listAcknowledgements } from './helpers/acknowledgements';
import { SHIPPED_STAGES, synthShipped } from './helpers/app';

interface ValidationReport {
  pluginReports: { pluginName: string; conclusion: string; violations: { ruleName: string; severity: string }[] }[];
}

describe.each(SHIPPED_STAGES)('cdk-nag AwsSolutions and CloudFormation validation (%s)', (stage) => {
  // cdk-nag runs as a validation plugin: synth throws on any unacknowledged error. The built-in
  // CloudFormation validation and the esbuild bundling of every function run here too, exactly as
  // in `npm run synth` (cdk.json makes CloudFormation findings errors).
  const synthesized = synthShipped(stage, { cfnValidation: true, bundling: true });

  it('reports no violation at all (errors or warnings)', () => {
    const outdir = synthesized.app.outdir;
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as ValidationReport;
    const violations = report.pluginReports.flatMap((r) =>
      r.violations.map((v) => `${r.pluginName}: ${v.severity} ${v.ruleName}`),
    );
    expect(violations).toEqual([]);
  });

  it('lists every acknowledgement with a reason a reviewer can check (a new one is a visible diff)', () => {
    const rows = listAcknowledgements(synthesized.app);
    for (const row of rows) {
      expect(row.reason.length).toBeGreaterThanOrEqual(40);
      // IAM5 acknowledgements must name the exact finding, never the whole rule.
      if (row.id.includes('IAM5')) expect(row.id).toMatch(/IAM5\[(Action|Resource)::.+\]$/);
    }
    expect(rows.map((r) => `${r.path} ${r.id}: ${r.reason}`)).toMatchSnapshot();
  });
});
