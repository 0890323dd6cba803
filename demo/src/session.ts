/** A signed-in user, however they signed in: what the page shows and the buttons it offers. */
export interface Session {
  /** How the user signed in, for the page. */
  readonly method: string;
  readonly idToken: string;
  readonly accessToken: string;
  /** New tokens from the refresh token; says whether the refresh token rotated. */
  refresh(): Promise<Refreshed>;
  /** Revokes the refresh token and forgets the tokens (and ends the managed-login session). */
  signOut(): Promise<void>;
  /** Signs the user out on every device (GlobalSignOut), where the access token allows it. */
  readonly signOutEverywhere?: () => Promise<void>;
}

export interface Refreshed {
  readonly session: Session;
  readonly refreshTokenRotated: boolean;
  readonly accessTokenChanged: boolean;
}
