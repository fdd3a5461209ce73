// Who may do what, as pure data and predicates. The API's requireRole and the workflows' Update
// validators both ask these functions, so a rule is written once.

export const ROLES = ['client', 'operations', 'aml_officer', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** People who work the back office and may act on lifecycles (the task inbox). Auditors are not staff: they only read. */
export const STAFF_ROLES: readonly Role[] = ['operations', 'aml_officer', 'admin'];

/** Roles that may read every client's data (staff plus the read-only auditor). */
export const READ_ALL_ROLES: readonly Role[] = [...STAFF_ROLES, 'auditor'];

/** Who may read the audit area (the log, workflow histories, replays, exports): auditors and admins. */
export const AUDIT_READER_ROLES: readonly Role[] = ['auditor', 'admin'];

/** Roles that appear as `task.required_role`: a task is opened for exactly one of these. */
export const TASK_ROLES: readonly Role[] = ['operations', 'aml_officer'];

export const ROLE_LABELS: Record<Role, string> = {
  client: 'Client',
  operations: 'Operations',
  aml_officer: 'AML officer',
  auditor: 'Auditor',
  admin: 'Administrator',
};

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function isClient(role: Role): boolean {
  return role === 'client';
}

export function isStaff(role: Role): boolean {
  return STAFF_ROLES.includes(role);
}

/** Staff and auditors see every client's resources; clients see only their own. */
export function canReadAllClients(role: Role): boolean {
  return READ_ALL_ROLES.includes(role);
}

/** The auditor reads everything and changes nothing. */
export function isReadOnly(role: Role): boolean {
  return role === 'auditor';
}

/**
 * Whether someone holding `actual` may act where `required` is asked for. Each role covers itself;
 * an admin also covers operations ("everything operations can do"). AML decisions stay with the
 * aml_officer, and nobody but a client acts as a client.
 */
export function canActAs(actual: Role, required: Role): boolean {
  if (actual === required) return true;
  return actual === 'admin' && required === 'operations';
}

/** True when `actual` satisfies at least one of `allowed` (see canActAs). */
export function hasAnyRole(actual: Role, allowed: readonly Role[]): boolean {
  return allowed.some((required) => canActAs(actual, required));
}

/** The task roles whose tasks `role` may list, claim and act on (empty for clients and auditors). */
export function taskRolesFor(role: Role): Role[] {
  return TASK_ROLES.filter((required) => canActAs(role, required));
}

/** Whether `role` may read the audit area (AUDIT_READER_ROLES). */
export function canReadAudit(role: Role): boolean {
  return hasAnyRole(role, AUDIT_READER_ROLES);
}

export function canActOnTasks(role: Role): boolean {
  return taskRolesFor(role).length > 0;
}

/** Whether `role` may act on a task opened for `requiredRole`. */
export function canActOnTask(role: Role, requiredRole: Role): boolean {
  return canActAs(role, requiredRole);
}
