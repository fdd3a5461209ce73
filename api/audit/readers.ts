// Who may read the audit area (domain/roles.ts AUDIT_READER_ROLES: auditors and admins). The one check
// behind every audit service; the routes also say so with requireRole(...AUDIT_READER_ROLES).
import { canReadAudit, type Role } from '../../domain/roles.js';
import { forbidden } from '../errors.js';

/** 403 unless `user` is an auditor or an admin. */
export function assertAuditReader(user: { role: Role }): void {
  if (!canReadAudit(user.role)) throw forbidden('the audit area is for auditors and admins');
}
