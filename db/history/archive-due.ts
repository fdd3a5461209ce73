// Closed lifecycles owed a history archive (table history_archive_due): written by the closing
// transition in its own transaction (activities/lifecycle.ts) or, for a run that closes without
// one, by the workflow's last local activity; taken by the archive sweeper
// (activities/history-archive-sweeper.ts), which deletes a row once the history is archived.
import type pg from 'pg';

type Db = pg.Pool | pg.PoolClient;

/** NOTIFY channel told of every new row (payload: workflow id), so the sweeper need not wait a poll. */
export const ARCHIVE_DUE_CHANNEL = 'history_archive_due';

/**
 * The first try waits this long after the commit: the closing transition commits inside the run's
 * last workflow task, and the run closes only once that task has completed, moments later.
 */
const FIRST_TRY_AFTER_MS = 200;

export interface ArchiveDue {
  workflowId: string;
  /** The closing run; null: the latest run of the workflow id. */
  runId: string | null;
  /** Tries so far, this one included. */
  attempts: number;
}

/**
 * Records that `workflowId` is owed an archive, in the caller's transaction, and wakes the sweeper
 * on commit. One row per workflow id: the first closing wins (a second one is a reset, which the
 * backfill catches), so a retried attempt changes nothing.
 */
export async function oweHistoryArchive(db: Db, workflowId: string, runId: string | null): Promise<void> {
  await db.query(
    `WITH due AS (
       INSERT INTO history_archive_due (workflow_id, run_id, due_at)
       VALUES ($1, $2, now() + make_interval(secs => $3))
       ON CONFLICT (workflow_id) DO NOTHING
       RETURNING workflow_id)
     SELECT pg_notify($4, workflow_id) FROM due`,
    [workflowId, runId, FIRST_TRY_AFTER_MS / 1000, ARCHIVE_DUE_CHANNEL],
  );
}

/**
 * Takes up to `limit` rows that are due, oldest first, skipping rows another sweeper holds. Taking
 * one moves its due time a lease ahead (so a sweeper that died mid-way leaves it to the next) and
 * counts the attempt; the lock is released at once, nothing waits on Temporal inside a transaction.
 */
export async function takeDueArchives(db: Db, limit: number, leaseMs: number): Promise<ArchiveDue[]> {
  const { rows } = await db.query<{ workflow_id: string; run_id: string | null; attempts: number }>(
    `UPDATE history_archive_due d
        SET due_at = now() + make_interval(secs => $2), attempts = d.attempts + 1
       FROM (SELECT workflow_id FROM history_archive_due
              WHERE due_at <= now()
              ORDER BY due_at
              LIMIT $1
              FOR UPDATE SKIP LOCKED) taken
      WHERE d.workflow_id = taken.workflow_id
      RETURNING d.workflow_id, d.run_id, d.attempts`,
    [limit, leaseMs / 1000],
  );
  return rows.map((row) => ({ workflowId: row.workflow_id, runId: row.run_id, attempts: row.attempts }));
}

/** The archive is stored (or there is nothing to archive): the debt is paid. */
export async function settleHistoryArchive(db: Db, workflowIds: readonly string[]): Promise<void> {
  if (workflowIds.length === 0) return;
  await db.query('DELETE FROM history_archive_due WHERE workflow_id = ANY($1::text[])', [workflowIds]);
}

/** Not archived this time (the run has not closed, or the try failed): try again after `delayMs`. */
export async function postponeHistoryArchive(
  db: Db,
  workflowId: string,
  delayMs: number,
  error: string | null,
): Promise<void> {
  await db.query(
    `UPDATE history_archive_due SET due_at = now() + make_interval(secs => $2), last_error = $3
      WHERE workflow_id = $1`,
    [workflowId, delayMs / 1000, error],
  );
}

export interface ArchiveDueBacklog {
  /** Closed lifecycles whose history is not archived yet. */
  pending: number;
  /** Seconds since the oldest of them closed (0 when none). */
  oldestSeconds: number;
}

/** For the metrics: how many archives are owed and how late the oldest is. */
export async function archiveDueBacklog(db: Pick<pg.PoolClient, 'query'>): Promise<ArchiveDueBacklog> {
  const { rows } = await db.query<{ pending: number; oldest_seconds: number }>(
    `SELECT count(*)::int AS pending,
            COALESCE(EXTRACT(EPOCH FROM now() - min(recorded_at)), 0)::float8 AS oldest_seconds
       FROM history_archive_due`,
  );
  return { pending: rows[0]!.pending, oldestSeconds: rows[0]!.oldest_seconds };
}
