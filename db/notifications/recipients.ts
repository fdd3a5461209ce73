// Who an event is for: its owner, or the staff of a role (an overdue task). Disabled people get nothing.
import type pg from 'pg';
import type { Role } from '../../domain/roles.js';

type Db = pg.Pool | pg.PoolClient;

export interface Recipient {
  id: string;
  email: string;
  displayName: string;
  role: Role;
}

/** At most this many people receive one event (a role's staff): bounded work per job. */
export const RECIPIENTS_MAX = 500;

export async function recipientById(db: Db, id: string): Promise<Recipient | null> {
  const rows = await db.query<{ id: string; email: string; display_name: string; role: Role }>(
    `SELECT id, email, display_name, role FROM app_user WHERE id = $1 AND NOT disabled`,
    [id],
  );
  const row = rows.rows[0];
  return row ? { id: row.id, email: row.email, displayName: row.display_name, role: row.role } : null;
}

/** The enabled people holding one of `roles`, oldest accounts first. */
export async function recipientsWithRoles(db: Db, roles: readonly Role[]): Promise<Recipient[]> {
  const rows = await db.query<{ id: string; email: string; display_name: string; role: Role }>(
    `SELECT id, email, display_name, role FROM app_user WHERE role = ANY($1::text[]) AND NOT disabled
      ORDER BY created_at, id LIMIT $2`,
    [roles, RECIPIENTS_MAX],
  );
  return rows.rows.map((row) => ({
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    role: row.role,
  }));
}
