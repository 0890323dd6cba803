import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { failedAssertions, SNAPSHOT_DIR, synthesizeIntegTemplates } from '../scripts/integ';

// The integration test app (test/integ/integ.stage.ts) is deployed by `npm run integ:deploy`; here
// it is synthesized offline and compared with its committed snapshot, so a change to what the
// integration test deploys or asserts is a reviewed diff (`npm run integ:snapshot` accepts it).
describe('integration test app (test/integ/integ.stage.ts)', () => {
  const templates = synthesizeIntegTemplates();

  it('matches its committed snapshot', () => {
    const committed = Object.fromEntries(
      readdirSync(SNAPSHOT_DIR)
        .sort()
        .map((f) => [f, readFileSync(join(SNAPSHOT_DIR, f), 'utf8')]),
    );
    expect(Object.keys(templates)).toEqual(Object.keys(committed));
    for (const [file, text] of Object.entries(templates)) expect(text).toBe(committed[file]);
  });

  it('asserts group membership and the tenant authorizer on real tokens, and cleans up the test user', () => {
    const assert = Object.entries(templates).find(([f]) => f.includes('DeployAssert'))![1];
    for (const call of [
      'adminCreateUser',
      'adminAddUserToGroup',
      'adminListGroupsForUser',
      'adminInitiateAuth',
      'adminDeleteUser',
    ]) {
      expect(assert).toContain(`AwsApiCallCognitoIdentityServiceProvider${call}`);
    }
    const outputs = Object.keys((JSON.parse(assert) as { Outputs: object }).Outputs);
    expect(outputs.filter((o) => o.startsWith('AssertionResults'))).toHaveLength(3);
    expect(assert).toContain('\\"Effect\\":\\"Allow\\"');
    expect(assert).toContain('\\"Effect\\":\\"Deny\\"');
  });

  it('lets integ:deploy fail on any assertion that did not succeed', () => {
    expect(
      failedAssertions({
        Assert: {
          AssertionResultsA: '{"status":"success"}',
          AssertionResultsB: '{"status":"fail","message":"Expected Deny"}',
          SomethingElse: 'x',
        },
      }),
    ).toEqual(['Assert/AssertionResultsB: {"status":"fail","message":"Expected Deny"}']);
  });
});
