// What the staff lists need beyond a page of records: how many of a lifecycle type are in each
// status (the counts above a list) and which ones a search text finds (reference, id, the owner's
// email or name, an IBAN in the lifecycle's or its bank account's attributes). Read-only.
import type pg from 'pg';

export const MAX_SEARCH_RESULTS = 100;
const MAX_SEARCH_TEXT = 100;

/** Lifecycles of `type` per status, every status that has one. */
export async function statusCounts(pool: pg.Pool, type: string): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ status: string; n: string }>(
    'SELECT status, count(*) AS n FROM lifecycle WHERE type = $1 GROUP BY status',
    [type],
  );
  return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
}

/** Escapes LIKE's wildcards, so a search for "CH_1" means those characters. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Business ids of `type` that `text` finds, newest first: an exact id, or the text (spaces ignored,
 * for IBANs typed in groups) in the attributes, the owner's email or display name, or the attributes
 * of the bank account the lifecycle names (withdrawals).
 */
export async function searchLifecycles(
  pool: pg.Pool,
  input: { type: string; text: string; status?: string; limit: number },
): Promise<string[]> {
  const text = input.text.trim().slice(0, MAX_SEARCH_TEXT);
  if (text === '') return [];
  if (!(input.limit >= 1 && input.limit <= MAX_SEARCH_RESULTS))
    throw new Error(`search limit ${input.limit}`);
  const compact = text.replace(/\s+/g, '');
  const { rows } = await pool.query<{ business_id: string }>(
    `SELECT l.business_id
       FROM lifecycle l
       LEFT JOIN app_user u ON u.id = l.owner_id
       LEFT JOIN lifecycle b ON b.type = 'bank_account' AND b.business_id = l.attributes->>'bankAccountId'
      WHERE l.type = $1
        AND ($5::text IS NULL OR l.status = $5)
        AND (lower(l.business_id) = lower($2)
             OR l.attributes::text ILIKE $3
             OR l.attributes::text ILIKE $4
             OR u.email ILIKE $3
             OR u.display_name ILIKE $3
             OR coalesce(b.attributes::text, '') ILIKE $4)
      ORDER BY l.created_at DESC, l.workflow_id DESC
      LIMIT $6`,
    [input.type, text, likePattern(text), likePattern(compact), input.status ?? null, input.limit],
  );
  return rows.map((row) => row.business_id);
}
