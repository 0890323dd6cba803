/**
 * How bench/ exercises each function warm: the event fixture (test/events/<fixture>.json) and
 * the canned answers its SDK clients return, by command class name. Every function the app
 * deploys needs an entry here; run.ts reports any that is missing.
 */
export interface WarmSpec {
  readonly fixture: string;
  readonly clients?: readonly {
    /** Module (relative to the project root) exporting the client singleton. */
    readonly module: string;
    readonly export: string;
    readonly responses: Readonly<Record<string, unknown>>;
  }[];
}

const cognito = (responses: Record<string, unknown>) => ({
  module: 'lambda/shared/cognito',
  export: 'cognitoClient',
  responses,
});

export const WARM_SPECS: Readonly<Record<string, WarmSpec>> = {
  'triggers/pre-sign-up/handler.ts': { fixture: 'pre-sign-up.sign-up' },
  'triggers/pre-sign-up/handler-federated.ts': {
    fixture: 'pre-sign-up.external-provider',
    clients: [
      cognito({
        ListUsersCommand: {
          Users: [
            {
              Username: 'native-user-1',
              UserStatus: 'CONFIRMED',
              Attributes: [{ Name: 'email_verified', Value: 'true' }],
            },
          ],
        },
        AdminLinkProviderForUserCommand: {},
      }),
    ],
  },
  'triggers/post-confirmation/handler.ts': {
    fixture: 'post-confirmation.confirm-sign-up',
    clients: [cognito({ AdminAddUserToGroupCommand: {} })],
  },
  'triggers/pre-token-generation/handler.ts': { fixture: 'pre-token-generation.v2' },
};
