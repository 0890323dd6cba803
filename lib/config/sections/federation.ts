import { z } from 'zod';
import { httpsUrl, secretName } from '../fields';

/** Federated user names are `<provider>_<subject>`, so a provider name has no `_`. */
const providerName = z
  .string()
  .regex(
    /^[A-Za-z0-9-]{3,32}$/,
    'expected 3-32 characters from A-Z a-z 0-9 - (no "_": federated user names are <provider>_<subject>)',
  );

const trustEmailVerified = z
  .boolean()
  .default(false)
  .describe(
    'Link a sign-up through this provider to the native account with the same email when the provider says `email_verified`. Off by default: turn it on only for a provider that verifies every address it asserts (a provider that lets users claim unverified addresses could take over native accounts).',
  );

const googleSchema = z.strictObject({
  clientId: z.string().min(1).describe('Google OAuth client id (not secret).'),
  clientSecretName: secretName.describe('Secrets Manager secret holding the Google client secret (plain string).'),
  scopes: z.array(z.string().min(1)).default(['openid', 'email', 'profile']).describe('Scopes requested from Google.'),
  trustEmailVerified,
});

const oidcSchema = z.strictObject({
  name: providerName.describe('Provider name shown in managed login and used in `identities`.'),
  issuerUrl: httpsUrl('issuer').describe('OIDC issuer URL.'),
  clientId: z.string().min(1).describe('Client id registered at the provider.'),
  clientSecretName: secretName.describe('Secrets Manager secret holding the client secret (plain string).'),
  scopes: z.array(z.string().min(1)).default(['openid', 'email']).describe('Scopes requested from the provider.'),
  trustEmailVerified,
});

const samlSchema = z.strictObject({
  name: providerName.describe('Provider name shown in managed login.'),
  metadataUrl: httpsUrl('metadata').describe('URL of the IdP SAML metadata document.'),
});

export const identityProvidersSchema = z
  .strictObject({
    google: googleSchema.optional().describe('Sign in with Google (off when absent).'),
    oidc: z.array(oidcSchema).default([]).describe('Generic OIDC providers (none by default).'),
    saml: z.array(samlSchema).default([]).describe('SAML providers (none by default).'),
  })
  .describe('Optional federation. All off by default; secrets are referenced by Secrets Manager name, never inline.');
