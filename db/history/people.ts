// The people a workflow history mentions (actors carry user ids): their emails, for the audit pages.
import type pg from 'pg';
import { isUuid } from '../../domain/ids.js';

/** user id → email for those of `ids` that are users; ids that are not UUIDs are skipped. */
export async function userEmails(pool: pg.Pool, ids: readonly string[]): Promise<Map<string, string>> {
  const uuids = ids.filter(isUuid);
  if (uuids.length === 0) return new Map();
  const { rows } = await pool.query<{ id: string; email: string }>(
    'SELECT id, email FROM app_user WHERE id = ANY($1::uuid[])',
    [uuids],
  );
  return new Map(rows.map((row) => [row.id, row.email]));
}
