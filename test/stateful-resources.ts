/**
 * The logical id of every stateful resource the stacks can create, by stack (`data`, `auth`,
 * `api`) and with its type. A logical id names the physical resource to CloudFormation: if a
 * construct is renamed or moved, its id changes and CloudFormation creates a new, empty resource
 * and deletes (or orphans) the old one with its data. test/lifecycle.test.ts fails on any stateful
 * resource not listed here, so such a change is a visible diff of this file. Add a new resource
 * here when you add one; never change an existing entry of a deployed stage (docs/deploy.md,
 * "Changing a deployed stage").
 */
export const STATEFUL_LOGICAL_IDS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  data: {
    ProtectedAccessLogs91A68F6F: 'AWS::S3::Bucket',
    ProtectedBucket3B99FEFB: 'AWS::S3::Bucket',
    ProtectedTable27FDFF89: 'AWS::DynamoDB::Table',
  },
  auth: {
    UserPoolDAD9161D: 'AWS::Cognito::UserPool',
    IdentityPoolAA95ECA5: 'AWS::Cognito::IdentityPool',
    LoginDomainC59F1893: 'AWS::Cognito::UserPoolDomain',
    // Only with migration.enabled / passwordless.customChallenge.enabled / .testOutbox.
    TriggersLegacyUsersTableE066B682: 'AWS::DynamoDB::Table',
    TriggersSignInStateTable1A6945E6: 'AWS::DynamoDB::Table',
    TriggersTestOutboxTableF51F3485: 'AWS::DynamoDB::Table',
  },
  api: {},
};
