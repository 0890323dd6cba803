import { SESv2Client } from '@aws-sdk/client-sesv2';
import { optionalEnv } from './env';
import { SDK_CLIENT_CONFIG } from './sdk';

/**
 * Module-scope SES v2 client. `SES_REGION` (optional) names the region of the sending identity
 * when it differs from the function's own region.
 */
const region = optionalEnv('SES_REGION');
export const sesClient = new SESv2Client({ ...SDK_CLIENT_CONFIG, ...(region ? { region } : {}) });
