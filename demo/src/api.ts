import type { DemoConfig, DemoRoute } from './config';

/** One concrete request the page makes for a route of the API. */
export interface ApiCall {
  readonly route: DemoRoute;
  readonly method: string;
  readonly path: string;
  /** What the call shows: the caller's own data, or an attempt on another tenant's. */
  readonly expectation: 'own' | 'other tenant';
}

export interface ApiAnswer {
  readonly status: number;
  readonly verdict: 'allowed' | 'denied' | 'error';
  readonly body: string;
}

/** Someone else's tenant, for the denial; any id other than the caller's own. */
export function otherTenant(own: string | undefined): string {
  return own === 'other-tenant' ? 'another-tenant' : 'other-tenant';
}

/**
 * The requests that show every route: path parameters filled with the caller's own values, and
 * for a tenant route one more call with another tenant in the path, which the authorizer must deny.
 */
export function plannedCalls(config: DemoConfig, tenant: string | undefined): ApiCall[] {
  const calls: ApiCall[] = [];
  for (const route of config.routes) {
    const [method = 'GET', template = '/'] = route.route.split(' ');
    const fill = (tenantId: string) =>
      template.replace(/\{([^}]+)\}/g, (_, name: string) =>
        encodeURIComponent(name === config.tenantParameter ? tenantId : 'demo-note'),
      );
    calls.push({ route, method, path: fill(tenant ?? 'none'), expectation: 'own' });
    if (template.includes(`{${config.tenantParameter}}`)) {
      calls.push({ route, method, path: fill(otherTenant(tenant)), expectation: 'other tenant' });
    }
  }
  // Write before read, so GET /documents/{id} finds the note PUT wrote.
  return calls.sort((a, b) => Number(b.method === 'PUT') - Number(a.method === 'PUT'));
}

/** Calls one route with the access token (the API accepts only access tokens). */
export async function callRoute(config: DemoConfig, call: ApiCall, accessToken: string): Promise<ApiAnswer> {
  const url = new URL(call.path.replace(/^\//, ''), config.apiUrl);
  const headers: Record<string, string> = { Authorization: `Bearer ${accessToken}` };
  let body: string | undefined;
  if (call.method === 'PUT' || call.method === 'POST') {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify({ title: 'Demo note', body: `Written by the demo page at ${new Date().toISOString()}` });
  }
  try {
    const response = await fetch(url, { method: call.method, headers, body, cache: 'no-store' });
    const text = await response.text();
    return { status: response.status, verdict: verdictOf(response.status), body: text.slice(0, 400) };
  } catch (error) {
    // A CORS refusal or a network error: the browser gives no status.
    return { status: 0, verdict: 'error', body: error instanceof Error ? error.message : String(error) };
  }
}

/** 401/403 are the gateway's or the handler's refusals; 404 means allowed, but nothing there. */
export function verdictOf(status: number): ApiAnswer['verdict'] {
  if (status === 401 || status === 403) return 'denied';
  if ((status >= 200 && status < 300) || status === 404) return 'allowed';
  return 'error';
}
