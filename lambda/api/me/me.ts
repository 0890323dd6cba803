import type { Caller } from '../caller';

/** What `GET /me` returns: the caller as the verified access token describes them. */
export interface MeResponse {
  readonly sub: string;
  readonly username: string;
  readonly clientId: string;
  readonly groups: readonly string[];
  readonly scopes: readonly string[];
  readonly tenantId: string | null;
  readonly department: string | null;
}

export function describeCaller(caller: Caller): MeResponse {
  return {
    sub: caller.sub,
    username: caller.username,
    clientId: caller.clientId,
    groups: [...caller.groups].sort(),
    scopes: [...caller.scopes].sort(),
    tenantId: caller.tenantId ?? null,
    department: caller.department ?? null,
  };
}
