// A deposit's AML screenings, one per attempt, written once (activities/deposit.ts screenDepositOnce).
import type pg from 'pg';

/** The screening kept for (workflow, attempt), or null when that attempt has not screened yet. */
export async function storedScreening<T>(
  pool: pg.Pool,
  workflowId: string,
  attempt: number,
): Promise<T | null> {
  const { rows } = await pool.query<{ result: T }>(
    'SELECT result FROM deposit_screening WHERE workflow_id = $1 AND attempt = $2',
    [workflowId, attempt],
  );
  return rows[0]?.result ?? null;
}

/**
 * Keeps `result` as the screening of (workflow, attempt) unless one is kept already, and answers the
 * one kept: a run that lost the race to another (a retried workflow task) takes the first.
 */
export async function keepFirstScreening<T>(
  pool: pg.Pool,
  workflowId: string,
  attempt: number,
  result: T,
): Promise<T> {
  const { rows } = await pool.query<{ result: T }>(
    `WITH kept AS (
       INSERT INTO deposit_screening (workflow_id, attempt, result) VALUES ($1, $2, $3)
       ON CONFLICT (workflow_id, attempt) DO NOTHING
       RETURNING result)
     SELECT result FROM kept
     UNION ALL
     SELECT result FROM deposit_screening WHERE workflow_id = $1 AND attempt = $2 AND NOT EXISTS (SELECT 1 FROM kept)`,
    [workflowId, attempt, JSON.stringify(result)],
  );
  const kept = rows[0];
  if (!kept) throw new Error(`no screening kept for ${workflowId} attempt ${attempt}`);
  return kept.result;
}
