import {
  CognitoIdentityProviderClient,
  GetTokensFromRefreshTokenCommand,
  GlobalSignOutCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  RevokeTokenCommand,
  type AuthenticationResultType,
} from '@aws-sdk/client-cognito-identity-provider';
import type { Session } from './session';

/**
 * Passwordless sign-in with an emailed code: the project's custom auth challenge (define / create /
 * verify triggers) driven through the SDK with the passwordless app client, which allows only
 * CUSTOM_AUTH and refresh. No password and no secret on the page. Refresh goes through
 * GetTokensFromRefreshToken: with refresh-token rotation on (the shipped default), Cognito refuses
 * InitiateAuth's REFRESH_TOKEN_AUTH, and the operation works without rotation too.
 */
export class EmailCodeSignIn {
  private readonly client: CognitoIdentityProviderClient;
  private pending?: { email: string; session: string };

  constructor(
    region: string,
    private readonly clientId: string,
  ) {
    this.client = new CognitoIdentityProviderClient({ region });
  }

  /** Starts the challenge: Cognito runs the create trigger, which emails a code. */
  async start(email: string): Promise<void> {
    const result = await this.client.send(
      new InitiateAuthCommand({
        ClientId: this.clientId,
        AuthFlow: 'CUSTOM_AUTH',
        AuthParameters: { USERNAME: email },
      }),
    );
    if (result.ChallengeName !== 'CUSTOM_CHALLENGE' || !result.Session) {
      throw new Error(`expected a CUSTOM_CHALLENGE, got ${result.ChallengeName ?? 'none'}`);
    }
    this.pending = { email, session: result.Session };
  }

  /** Answers with the code: a session when it was right, undefined when another try is allowed. */
  async answer(code: string): Promise<Session | undefined> {
    if (!this.pending) throw new Error('ask for a code first');
    const { email, session } = this.pending;
    const result = await this.client.send(
      new RespondToAuthChallengeCommand({
        ClientId: this.clientId,
        ChallengeName: 'CUSTOM_CHALLENGE',
        Session: session,
        ChallengeResponses: { USERNAME: email, ANSWER: code },
      }),
    );
    if (result.AuthenticationResult) {
      this.pending = undefined;
      return this.session(result.AuthenticationResult, result.AuthenticationResult.RefreshToken);
    }
    if (result.ChallengeName === 'CUSTOM_CHALLENGE' && result.Session) {
      this.pending = { email, session: result.Session };
      return undefined;
    }
    this.pending = undefined;
    throw new Error('sign-in failed');
  }

  private session(tokens: AuthenticationResultType, refreshToken: string | undefined): Session {
    const { AccessToken: accessToken, IdToken: idToken } = tokens;
    if (!accessToken || !idToken || !refreshToken) throw new Error('Cognito returned incomplete tokens');
    return {
      method: 'email code (custom challenge, through the SDK)',
      idToken,
      accessToken,
      refresh: async () => {
        const { AuthenticationResult: renewed } = await this.client.send(
          new GetTokensFromRefreshTokenCommand({ ClientId: this.clientId, RefreshToken: refreshToken }),
        );
        if (!renewed) throw new Error('the refresh returned no tokens');
        // With rotation a new refresh token replaces the old one (valid for the client's grace period
        // only); without, Cognito returns none and the old one stays valid.
        const next = renewed.RefreshToken ?? refreshToken;
        return {
          session: this.session(renewed, next),
          refreshTokenRotated: next !== refreshToken,
          accessTokenChanged: renewed.AccessToken !== accessToken,
        };
      },
      signOut: async () => {
        await this.client.send(new RevokeTokenCommand({ ClientId: this.clientId, Token: refreshToken }));
      },
      // SDK sign-ins get the aws.cognito.signin.user.admin scope, which GlobalSignOut needs.
      signOutEverywhere: async () => {
        await this.client.send(new GlobalSignOutCommand({ AccessToken: accessToken }));
      },
    };
  }
}
