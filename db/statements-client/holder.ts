// Whose statement it is: a client's name and email for the statement's header.
import type pg from 'pg';
import { isUuid } from '../../domain/ids.js';

export interface StatementHolder {
  id: string;
  email: string;
  /** May be empty: the email stands in for it then. */
  displayName: string;
}

/** The client with this id, or null (no such user, or not a client: staff have no statement). */
export async function statementHolder(pool: pg.Pool, clientId: string): Promise<StatementHolder | null> {
  if (!isUuid(clientId)) return null;
  const { rows } = await pool.query<{ id: string; email: string; display_name: string }>(
    `SELECT id, email, display_name FROM app_user WHERE id = $1::uuid AND role = 'client'`,
    [clientId],
  );
  const row = rows[0];
  return row ? { id: row.id, email: row.email, displayName: row.display_name } : null;
}
