import { KeyScope, Role } from './role.js';

/** How the caller proved who it is. */
export type CredentialKind = 'anonymous' | 'api_key' | 'jwt';

/**
 * Who is calling: resolved once per request (HTTP) or per connection
 * (graphql-ws) by `authenticate`, then read by the policy, the row scopes,
 * masking and the audit trail. Services receive it, never a request.
 */
export interface Viewer {
  credential: CredentialKind;
  /** null only for an anonymous caller in demo mode. */
  role: Role | null;
  scopes: readonly KeyScope[];
  /** API key id (the public part of the key) or JWT subject; "anonymous" otherwise. */
  actor: string;
  organisationId: number | null;
  organisationName: string | null;
  /** For COURIER: the courier firm whose parcels this caller may see. */
  courierId: number | null;
  /** For PLATFORM: the market (e-commerce platform) whose listings and sales this caller may see. */
  platformId: number | null;
  /** Codes of `courierId` and `platformId`: name the caller's own feed (`courier:<code>`) among rejected records. */
  courierCode?: string | null;
  platformCode?: string | null;
  /** Admin only: why personal data is shown unmasked in this request (audited). */
  unmaskReason: string | null;
  /** Client address, for rate limits and the audit trail. */
  ip: string | null;
}

/** The caller with no credentials (only ever let through in demo mode). */
export function anonymousViewer(ip: string | null = null): Viewer {
  return {
    credential: 'anonymous',
    role: null,
    scopes: [KeyScope.READ],
    actor: 'anonymous',
    organisationId: null,
    organisationName: null,
    courierId: null,
    platformId: null,
    courierCode: null,
    platformCode: null,
    unmaskReason: null,
    ip,
  };
}

/** Whether personal data may be shown in clear to this viewer in this request. */
export function mayUnmaskPersonal(viewer: Viewer): boolean {
  return viewer.role === Role.ADMIN && Boolean(viewer.unmaskReason);
}
