import { parseLegacyItem } from '../lambda/shared/legacy-directory';
import { meetsPasswordPolicy } from '../lambda/triggers/migrate-user/migration';
import {
  parseSeedArgs,
  parseSeedFile,
  sampleUsers,
  strongPassword,
  tableNameFromOutputs,
  toLegacyItem,
} from '../scripts/seed-legacy-users';

// Only the pure parts: the script itself talks to a deployed account and never runs in tests.
describe('scripts/seed-legacy-users.ts', () => {
  const POLICY = {
    minLength: 14,
    requireLowercase: true,
    requireUppercase: true,
    requireDigits: true,
    requireSymbols: true,
  };

  it('parses its flags, with dev as the default stage', () => {
    expect(parseSeedArgs([])).toEqual({ stage: 'dev', overwrite: false, dryRun: false });
    expect(parseSeedArgs(['--stage', 'qa', '--table', 't1', '--file', 'u.json', '--overwrite', '--dry-run'])).toEqual({
      stage: 'qa',
      table: 't1',
      file: 'u.json',
      overwrite: true,
      dryRun: true,
    });
    expect(() => parseSeedArgs(['--table'])).toThrow('--table needs a value');
    expect(() => parseSeedArgs(['--bogus'])).toThrow('unknown argument --bogus');
    expect(() => parseSeedArgs(['--table', 'a', '--outputs-file', 'o.json'])).toThrow('not both');
  });

  it('reads the table name from `cdk deploy --outputs-file` JSON', () => {
    const outputs = { 'cognito-ref-dev-Auth': { LegacyUsersTableName: 'cognito-ref-dev-Auth-LegacyUsers-ABC' } };
    expect(tableNameFromOutputs(outputs, 'cognito-ref-dev-Auth')).toBe('cognito-ref-dev-Auth-LegacyUsers-ABC');
    expect(() => tableNameFromOutputs(outputs, 'cognito-ref-prod-Auth')).toThrow('no LegacyUsersTableName output');
    expect(() => tableNameFromOutputs({ x: { LegacyUsersTableName: 'a b' } }, 'x')).toThrow();
  });

  it('builds table items the migrate-user trigger reads back unchanged', () => {
    const item = toLegacyItem(
      {
        email: ' Alice@Example.com ',
        password: 'unused',
        emailVerified: true,
        attributes: { given_name: 'Alice' },
        tenantId: 'acme',
      },
      '$scrypt$ln=10,r=8,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2g',
    );
    expect(parseLegacyItem(item)).toEqual({
      username: 'alice@example.com',
      email: 'Alice@Example.com',
      emailVerified: true,
      passwordHash: '$scrypt$ln=10,r=8,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2g',
      attributes: { given_name: 'Alice' },
      tenantId: 'acme',
    });
    expect(JSON.stringify(item)).not.toContain('unused');
  });

  it('validates a users file and names the bad entry', () => {
    const ok = { email: 'a@example.com', password: 'x', emailVerified: true };
    expect(parseSeedFile([ok])).toEqual([ok]);
    const cases: [unknown, string][] = [
      [{}, 'must hold a JSON array'],
      [[{ ...ok, email: 'nope' }], 'users[0].email'],
      [[{ ...ok, emailVerified: 'yes' }], 'users[0].emailVerified'],
      [[{ ...ok, passwordHash: '$scrypt$x' }], 'exactly one of password or passwordHash'],
      [[{ email: 'a@example.com', emailVerified: true, passwordHash: '$2b$10$bcrypt' }], 'users[0].passwordHash'],
      [[ok, { ...ok, attributes: { 'custom:tenant_id': 'x' } }], 'users[1].attributes.custom:tenant_id'],
      [[{ ...ok, tenantId: 'a b' }], 'users[0].tenantId'],
    ];
    for (const [input, message] of cases) expect(() => parseSeedFile(input)).toThrow(message);
  });

  it('generates strong sample passwords that meet the policy, and one weak one that must be reset', () => {
    const users = sampleUsers(14);
    expect(users.map((u) => [u.email, u.emailVerified])).toEqual([
      ['alice.legacy@example.com', true],
      ['bob.unverified@example.com', false],
      ['carol.weak@example.com', true],
    ]);
    expect(users.map((u) => meetsPasswordPolicy(u.password!, POLICY))).toEqual([true, true, false]);
    for (let i = 0; i < 200; i++) expect(meetsPasswordPolicy(strongPassword(14), POLICY)).toBe(true);
  });
});
