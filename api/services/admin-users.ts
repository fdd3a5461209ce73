// User administration (GET/POST /admin/users, role, disable, enable) and the set-password links it
// sends (invitations; password resets are api/auth/password-reset.ts). Every change is checked by
// domain/admin.ts, written in one transaction with its audit entry (before and after), and a
// change of access takes effect at once: disabling revokes the sessions in the same statement
// (trigger) and this process forgets what it cached about them (api/auth/live-session.ts).
import { z } from 'zod';
import { inTransaction } from '../../db/pool.js';
import {
  countOtherActiveAdmins,
  endUserSessions,
  getAdminUser,
  insertInvitedUser,
  listUsers,
  lockAdminUser,
  setUserDisabled,
  setUserRole,
  type AdminUserRow,
} from '../../db/users/admin.js';
import { insertUserToken } from '../../db/users/user-tokens.js';
import { removeTotp } from '../../db/users/totp.js';
import { insertOutboxEvent } from '../../db/outbox/events.js';
import { checkAdminChange, INVITATION_TTL_MS, USER_PAGE_MAX, type AdminAction } from '../../domain/admin.js';
import { ROLES, type Role } from '../../domain/roles.js';
import { recordAudit } from '../audit/log.js';
import { normalizeEmail } from '../auth/service.js';
import { forgetUserSessions } from '../auth/live-session.js';
import { hashOpaqueToken, newOpaqueToken } from '../auth/tokens.js';
import type { AppDeps } from '../deps.js';
import { ApiError, conflict, notFound } from '../errors.js';
import { textField, uuidSchema } from '../validate.js';
import { parseInput, type SessionUser } from './common.js';

// ---- schemas (also the OpenAPI document's) ---------------------------------------------------------

export const AdminUserSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    name: z.string(),
    role: z.enum(ROLES),
    status: z.enum(['invited', 'active', 'disabled']),
    twoFactor: z.boolean().meta({ description: 'TOTP enrolled' }),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'AdminUser' });
export type AdminUserView = z.output<typeof AdminUserSchema>;

export const ListUsersQuerySchema = z.object({
  q: textField({ max: 200 }).optional().meta({ description: 'Part of the email or name' }),
  role: z.enum(ROLES).optional(),
  status: z.enum(['active', 'disabled']).optional(),
  limit: z.coerce.number().int().min(1).max(USER_PAGE_MAX).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

export const UserListSchema = z
  .object({ items: z.array(AdminUserSchema), total: z.number().int(), offset: z.number().int() })
  .meta({ id: 'AdminUserList' });

export const InviteUserBodySchema = z
  .object({
    email: z
      .email('an email address like name@example.com')
      .max(320)
      .meta({ example: 'new.colleague@example.com' }),
    role: z.enum(ROLES),
    name: textField({ max: 200, required: true }).meta({ example: 'Dana Example' }),
  })
  .meta({ id: 'InviteUserBody' });

export const InvitationSchema = z
  .object({ user: AdminUserSchema, invitation: z.object({ expiresAt: z.iso.datetime() }) })
  .meta({ id: 'Invitation' });

export const ChangeRoleBodySchema = z.object({ role: z.enum(ROLES) }).meta({ id: 'ChangeRoleBody' });
export const UserIdParamsSchema = z.object({ id: uuidSchema });

// ---- views -----------------------------------------------------------------------------------------

export function adminUserView(row: AdminUserRow): AdminUserView {
  return {
    id: row.id,
    email: row.email,
    name: row.displayName,
    role: row.role,
    status: row.disabled ? 'disabled' : row.passwordSet ? 'active' : 'invited',
    twoFactor: row.totpEnabled,
    createdAt: row.createdAt.toISOString(),
  };
}

/** What the audit log keeps of a user (never secrets). */
function auditState(row: AdminUserRow) {
  return { email: row.email, name: row.displayName, role: row.role, disabled: row.disabled };
}

// ---- reading ---------------------------------------------------------------------------------------

export async function listAdminUsers(
  deps: Pick<AppDeps, 'pool'>,
  rawQuery: unknown,
): Promise<z.output<typeof UserListSchema>> {
  const query = parseInput(ListUsersQuerySchema, rawQuery, 'query');
  const page = await listUsers(deps.pool, {
    search: query.q?.trim() || null,
    role: query.role ?? null,
    disabled: query.status === undefined ? null : query.status === 'disabled',
    limit: query.limit,
    offset: query.offset,
  });
  return { items: page.users.map(adminUserView), total: page.total, offset: query.offset };
}

export async function getAdminUserView(deps: Pick<AppDeps, 'pool'>, id: string): Promise<AdminUserView> {
  const row = await getAdminUser(deps.pool, parseInput(UserIdParamsSchema, { id }, 'path').id);
  if (!row) throw notFound('no such user');
  return adminUserView(row);
}

// ---- inviting --------------------------------------------------------------------------------------

/** The page a set-password link opens (relative: the mailer puts APP_URL in front). */
export function setPasswordLink(token: string): string {
  return `/set-password?token=${encodeURIComponent(token)}`;
}

/**
 * POST /admin/users: a user with no password yet and an invitation mail (outbox event
 * `user.invited` with the set-password link, written in the same transaction). 409 when the email
 * is taken.
 */
export async function inviteUser(
  deps: Pick<AppDeps, 'pool'>,
  admin: SessionUser,
  rawBody: unknown,
): Promise<z.output<typeof InvitationSchema>> {
  const body = parseInput(InviteUserBodySchema, rawBody, 'body');
  const email = normalizeEmail(body.email);
  const token = newOpaqueToken();
  return inTransaction(deps.pool, async (client) => {
    const id = await insertInvitedUser(client, { email, role: body.role, displayName: body.name });
    if (!id) throw conflict('email_taken', 'a user with this email exists already');
    const expiresAt = await insertUserToken(client, {
      userId: id,
      purpose: 'invitation',
      tokenHash: hashOpaqueToken(token),
      ttlMs: INVITATION_TTL_MS,
      createdBy: admin.id,
    });
    await insertOutboxEvent(client, {
      type: 'user.invited',
      ownerId: id,
      data: { link: setPasswordLink(token), expiresAt: expiresAt.toISOString(), role: body.role },
    });
    const row = await lockAdminUser(client, id);
    if (!row) throw new Error('the invited user vanished inside its own transaction');
    await recordAudit(client, {
      actor: admin,
      action: 'admin.user_invite',
      subject: { type: 'user', id },
      before: null,
      after: { ...auditState(row), invitationExpiresAt: expiresAt.toISOString() },
    });
    return { user: adminUserView(row), invitation: { expiresAt: expiresAt.toISOString() } };
  });
}

// ---- changing role and access ----------------------------------------------------------------------

function refusalError(refusal: { code: string; message: string }): ApiError {
  const status = refusal.code === 'forbidden' ? 403 : refusal.code === 'invalid_state' ? 409 : 400;
  return new ApiError(status, refusal.code, refusal.message);
}

/**
 * POST /admin/users/:id/role | disable | enable. Refused (domain/admin.ts checkAdminChange) when
 * an admin would lock themselves out, and when the change would leave no enabled admin at all.
 */
export async function changeUser(
  deps: Pick<AppDeps, 'pool'>,
  admin: SessionUser,
  rawId: string,
  action: AdminAction,
  rawBody: unknown = {},
): Promise<AdminUserView> {
  const { id } = parseInput(UserIdParamsSchema, { id: rawId }, 'path');
  const newRole: Role | undefined =
    action === 'role' ? parseInput(ChangeRoleBodySchema, rawBody, 'body').role : undefined;
  const changed = await inTransaction(deps.pool, async (client) => {
    const before = await lockAdminUser(client, id);
    if (!before) throw notFound('no such user');
    const refusal = checkAdminChange({
      actorId: admin.id,
      targetId: id,
      targetRole: before.role,
      targetDisabled: before.disabled,
      action,
      newRole,
    });
    if (refusal) throw refusalError(refusal);
    const losesAdmin =
      before.role === 'admin' &&
      !before.disabled &&
      (action === 'disable' || (action === 'role' && newRole !== 'admin'));
    if (losesAdmin && (await countOtherActiveAdmins(client, id)) === 0)
      throw new ApiError(409, 'invalid_state', 'this is the last enabled administrator');
    if (action === 'role' && newRole) await setUserRole(client, id, newRole);
    else await setUserDisabled(client, id, action === 'disable');
    const after = await lockAdminUser(client, id);
    if (!after) throw new Error('the user vanished inside its own transaction');
    await recordAudit(client, {
      actor: admin,
      action: `admin.user_${action}`,
      subject: { type: 'user', id },
      before: auditState(before),
      after: auditState(after),
    });
    return after;
  });
  // Their next request asks the database (revoked sessions, the new role) instead of this process's cache.
  forgetUserSessions(id);
  return adminUserView(changed);
}

/**
 * POST /admin/users/:id/totp-reset: removes a user's TOTP secret and recovery codes (a lost
 * phone), so they sign in with the password alone and enrol again. Their sessions end.
 */
export async function resetUserTwoFactor(
  deps: Pick<AppDeps, 'pool'>,
  admin: SessionUser,
  rawId: string,
): Promise<AdminUserView> {
  const { id } = parseInput(UserIdParamsSchema, { id: rawId }, 'path');
  const after = await inTransaction(deps.pool, async (client) => {
    const before = await lockAdminUser(client, id);
    if (!before) throw notFound('no such user');
    if (!before.totpEnabled) throw new ApiError(409, 'invalid_state', 'the user has no two-factor set-up');
    await removeTotp(client, id);
    await endUserSessions(client, id);
    const row = await lockAdminUser(client, id);
    if (!row) throw new Error('the user vanished inside its own transaction');
    await recordAudit(client, {
      actor: admin,
      action: 'admin.user_totp_reset',
      subject: { type: 'user', id },
      before: { ...auditState(before), twoFactor: true },
      after: { ...auditState(row), twoFactor: false, sessionsEnded: true },
    });
    return row;
  });
  forgetUserSessions(id);
  return adminUserView(after);
}
