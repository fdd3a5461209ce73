// Who may read the audit area (the log, workflow histories, replays, exports): auditors and admins.
// The one check behind every audit service; the routes also say so with requireRole('auditor', 'admin').
import { hasAnyRole, type Role } from '../../domain/roles.js';
import { forbidden } from '../errors.js';

export const AUDIT_READER_ROLES: readonly Role[] = ['auditor', 'admin'];

/** 403 unless `user` is an auditor or an admin. */
export function assertAuditReader(user: { role: Role }): void {
  if (!hasAnyRole(user.role, AUDIT_READER_ROLES))
    throw forbidden('the audit area is for auditors and admins');
}
