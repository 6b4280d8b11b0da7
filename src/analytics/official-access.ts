import { ForbiddenError } from '../policy/access.errors.js';
import { Role } from '../policy/role.js';
import type { Viewer } from '../policy/viewer.js';

/**
 * The subsidy report (per-parcel checks, amounts per operating company) and
 * the per-courier quality rates are for officials: they are computed in raw
 * SQL over every firm's parcels, outside the row scopes, so a platform or a
 * courier key must not read them. OFFICIAL and ADMIN keys may, and so may the
 * anonymous caller of demo mode (demo data only).
 */
export function assertOfficialView(viewer: Viewer | undefined, what: string): void {
  // Fail closed (issue #11): an export wired without a viewer serves nobody.
  if (!viewer) throw new ForbiddenError(`${what} is for officials, and this caller could not be identified.`);
  const role = viewer.role;
  if (role === Role.PLATFORM || role === Role.COURIER) {
    throw new ForbiddenError(`${what} is for officials: it needs an OFFICIAL or ADMIN key; this caller is ${role}.`);
  }
}
