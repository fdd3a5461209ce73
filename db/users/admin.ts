// What user administration reads and writes on app_user (api/services/admin-users.ts): the searchable
// list, one user as the admin page shows them, role and access changes that return the row before
// and after (for the audit log), and setting a password. Disabling fires the trigger of migration
// ..._session_revocation, which revokes every session of the user in the same statement.
import type pg from 'pg';
import type { Role } from '../../domain/roles.js';

type Db = pg.Pool | pg.PoolClient;

/** A user as administrators see them (never the password hash). */
export interface AdminUserRow {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  disabled: boolean;
  /** False while an invited user has not set a password yet. */
  passwordSet: boolean;
  totpEnabled: boolean;
  createdAt: Date;
}

/** The columns SELECT reads (also db/lists/user-list.ts's sorted list). */
export interface Row {
  id: string;
  email: string;
  display_name: string;
  role: Role;
  disabled: boolean;
  password_set: boolean;
  totp_enabled: boolean;
  created_at: Date;
}

/** SELECT's columns and tables, apart for a query that adds columns of its own (the sorted list). */
export const COLUMNS = `u.id, u.email, u.display_name, u.role, u.disabled,
                       u.password_set_at IS NOT NULL AS password_set,
                       (t.enabled_at IS NOT NULL) AS totp_enabled, u.created_at`;
export const FROM = 'app_user u LEFT JOIN user_totp t ON t.user_id = u.id';

export const SELECT = `SELECT ${COLUMNS} FROM ${FROM}`;

export function toRow(row: Row): AdminUserRow {
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    role: row.role,
    disabled: row.disabled,
    passwordSet: row.password_set,
    totpEnabled: row.totp_enabled,
    createdAt: row.created_at,
  };
}

export interface UserListQuery {
  /** Part of the email or name, case-insensitive. */
  search?: string | null;
  role?: Role | null;
  disabled?: boolean | null;
  limit: number;
  offset: number;
}

/** One page of users, newest first, and how many match in all. */
export async function listUsers(
  db: Db,
  query: UserListQuery,
): Promise<{ users: AdminUserRow[]; total: number }> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.search) {
    params.push(`%${query.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    where.push(`(u.email ILIKE $${params.length} OR u.display_name ILIKE $${params.length})`);
  }
  if (query.role) {
    params.push(query.role);
    where.push(`u.role = $${params.length}`);
  }
  if (query.disabled !== undefined && query.disabled !== null) {
    params.push(query.disabled);
    where.push(`u.disabled = $${params.length}`);
  }
  const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  const counted = await db.query<{ total: string }>(
    `SELECT count(*) AS total FROM app_user u ${filter}`,
    params,
  );
  const { rows } = await db.query<Row>(
    `${SELECT} ${filter} ORDER BY u.created_at DESC, u.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, query.limit, query.offset],
  );
  return { users: rows.map(toRow), total: Number(counted.rows[0]?.total ?? 0) };
}

export async function getAdminUser(db: Db, id: string): Promise<AdminUserRow | null> {
  const { rows } = await db.query<Row>(`${SELECT} WHERE u.id = $1`, [id]);
  return rows[0] ? toRow(rows[0]) : null;
}

/** The user locked FOR UPDATE inside the caller's transaction, or null. */
export async function lockAdminUser(client: pg.PoolClient, id: string): Promise<AdminUserRow | null> {
  const { rows } = await client.query<Row>(`${SELECT} WHERE u.id = $1 FOR UPDATE OF u`, [id]);
  return rows[0] ? toRow(rows[0]) : null;
}

/**
 * Adds an invited user: no usable password yet (the stored text is not a scrypt hash, so no
 * password matches it) until they follow their link. Null when the email is taken.
 */
export async function insertInvitedUser(
  client: pg.PoolClient,
  user: { email: string; role: Role; displayName: string },
): Promise<string | null> {
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO app_user (email, password_hash, role, display_name, password_set_at)
     VALUES ($1, 'invited', $2, $3, NULL) ON CONFLICT (email) DO NOTHING RETURNING id`,
    [user.email, user.role, user.displayName],
  );
  return rows[0]?.id ?? null;
}

export async function setUserRole(client: pg.PoolClient, id: string, role: Role): Promise<void> {
  await client.query('UPDATE app_user SET role = $2 WHERE id = $1', [id, role]);
}

/** Disabling also revokes every session of the user (the trigger of ..._session_revocation). */
export async function setUserDisabled(client: pg.PoolClient, id: string, disabled: boolean): Promise<void> {
  await client.query('UPDATE app_user SET disabled = $2 WHERE id = $1', [id, disabled]);
}

/** Stores a new password hash and ends every session of the user (a reset locks out whoever had one). */
export async function setUserPassword(
  client: pg.PoolClient,
  id: string,
  passwordHash: string,
): Promise<void> {
  await client.query('UPDATE app_user SET password_hash = $2, password_set_at = now() WHERE id = $1', [
    id,
    passwordHash,
  ]);
  await endUserSessions(client, id);
}

/** Revokes every session (refresh-token family) of the user; their access tokens stop on the next request. */
export async function endUserSessions(client: pg.PoolClient, id: string): Promise<void> {
  await client.query(
    'UPDATE refresh_token SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL',
    [id],
  );
}

/** How many enabled admins there are besides `exceptId` (the last admin must stay). */
export async function countOtherActiveAdmins(db: Db, exceptId: string): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    `SELECT count(*) AS n FROM app_user WHERE role = 'admin' AND NOT disabled AND id <> $1`,
    [exceptId],
  );
  return Number(rows[0]?.n ?? 0);
}

/** Display names and emails of these users, for showing people instead of ids. */
export async function userLabels(
  db: Db,
  ids: readonly string[],
): Promise<Map<string, { email: string; displayName: string }>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const { rows } = await db.query<{ id: string; email: string; display_name: string }>(
    'SELECT id, email, display_name FROM app_user WHERE id = ANY($1::uuid[])',
    [unique],
  );
  return new Map(rows.map((row) => [row.id, { email: row.email, displayName: row.display_name }]));
}
