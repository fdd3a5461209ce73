// The history archive (table workflow_history_archive): closed workflows' histories kept in
// PostgreSQL, so audits, exports and replays outlive Temporal's retention. Written by the
// archiveHistory activity and by the backfill (auditing/history-backfill.ts); never updated for the
// same run.
import type pg from 'pg';
import { historyFacts, historySha256 } from './format.js';

type Db = pg.Pool | pg.PoolClient;

export interface HistoryArchiveSummary {
  workflowId: string;
  runId: string;
  type: string;
  closedAt: string;
  eventCount: number;
  sha256: string;
  archivedAt: string;
}

export interface HistoryArchive extends HistoryArchiveSummary {
  /** The proto3 JSON document as stored (jsonb: key order is PostgreSQL's, not the original's). */
  history: { events: Record<string, unknown>[] };
}

export interface SaveHistoryArchiveInput {
  workflowId: string;
  runId: string;
  /** The workflow type (for a lifecycle: its lifecycle type, e.g. 'deposit'). */
  type: string;
  closedAt: Date | string;
  /** The history JSON text (historyToJSON / the CLI's output); stored as jsonb, hashed canonically. */
  historyText: string;
}

export interface SaveHistoryArchiveResult {
  /** false when this run was archived before (the stored row is returned unchanged). */
  stored: boolean;
  archive: HistoryArchiveSummary;
}

interface Row {
  workflow_id: string;
  run_id: string;
  type: string;
  closed_at: Date;
  event_count: number;
  sha256: string;
  archived_at: Date;
  history?: HistoryArchive['history'];
}

const SUMMARY_COLUMNS = 'workflow_id, run_id, type, closed_at, event_count, sha256, archived_at';

function toSummary(row: Row): HistoryArchiveSummary {
  return {
    workflowId: row.workflow_id,
    runId: row.run_id,
    type: row.type,
    closedAt: row.closed_at.toISOString(),
    eventCount: row.event_count,
    sha256: row.sha256,
    archivedAt: row.archived_at.toISOString(),
  };
}

/**
 * Archives one closed run. Idempotent: the same run again stores nothing and returns the first row;
 * a later run of the same workflow id (a reset) replaces an earlier one; an older run never
 * replaces a newer one.
 */
export async function saveHistoryArchive(
  db: Db,
  input: SaveHistoryArchiveInput,
): Promise<SaveHistoryArchiveResult> {
  const parsed: unknown = JSON.parse(input.historyText);
  const facts = historyFacts(parsed);
  if (!facts.closeEventType)
    throw new TypeError(`the history of ${input.workflowId} has not closed; only closed runs are archived`);
  const sha256 = historySha256(parsed);
  const { rows } = await db.query<Row>(
    `INSERT INTO workflow_history_archive AS a (workflow_id, run_id, type, closed_at, event_count, sha256, history)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)
     ON CONFLICT (workflow_id) DO UPDATE SET
       run_id = EXCLUDED.run_id, type = EXCLUDED.type, closed_at = EXCLUDED.closed_at,
       event_count = EXCLUDED.event_count, sha256 = EXCLUDED.sha256, history = EXCLUDED.history,
       archived_at = now()
     WHERE a.run_id <> EXCLUDED.run_id AND EXCLUDED.closed_at > a.closed_at
     RETURNING ${SUMMARY_COLUMNS}`,
    [input.workflowId, input.runId, input.type, input.closedAt, facts.eventCount, sha256, input.historyText],
  );
  if (rows[0]) return { stored: true, archive: toSummary(rows[0]) };
  const existing = await getHistoryArchiveSummary(db, input.workflowId);
  if (!existing) throw new Error(`archiving ${input.workflowId} stored nothing and found nothing`);
  return { stored: false, archive: existing };
}

export async function getHistoryArchiveSummary(
  db: Db,
  workflowId: string,
): Promise<HistoryArchiveSummary | null> {
  const { rows } = await db.query<Row>(
    `SELECT ${SUMMARY_COLUMNS} FROM workflow_history_archive WHERE workflow_id = $1`,
    [workflowId],
  );
  return rows[0] ? toSummary(rows[0]) : null;
}

/** The archived history of `workflowId`, or null when it was never archived. */
export async function getHistoryArchive(db: Db, workflowId: string): Promise<HistoryArchive | null> {
  const { rows } = await db.query<Row>(
    `SELECT ${SUMMARY_COLUMNS}, history FROM workflow_history_archive WHERE workflow_id = $1`,
    [workflowId],
  );
  const row = rows[0];
  return row ? { ...toSummary(row), history: row.history! } : null;
}

/** Archive summaries of several workflows at once (search results), keyed by workflow id. */
export async function getHistoryArchiveSummaries(
  db: Db,
  workflowIds: readonly string[],
): Promise<Map<string, HistoryArchiveSummary>> {
  if (workflowIds.length === 0) return new Map();
  const { rows } = await db.query<Row>(
    `SELECT ${SUMMARY_COLUMNS} FROM workflow_history_archive WHERE workflow_id = ANY($1::text[])`,
    [[...workflowIds]],
  );
  return new Map(rows.map((row) => [row.workflow_id, toSummary(row)]));
}

/** Archived runs of a type closed at or after `since`, oldest first (the replay CLI). */
export async function listHistoryArchives(
  db: Db,
  input: { type?: string; since?: Date | string; limit?: number },
): Promise<HistoryArchiveSummary[]> {
  const conditions: string[] = [];
  const params: unknown[] = [];
  if (input.type !== undefined) {
    params.push(input.type);
    conditions.push(`type = $${params.length}`);
  }
  if (input.since !== undefined) {
    params.push(input.since);
    conditions.push(`closed_at >= $${params.length}`);
  }
  params.push(input.limit ?? 10_000);
  const { rows } = await db.query<Row>(
    `SELECT ${SUMMARY_COLUMNS} FROM workflow_history_archive
      ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
      ORDER BY closed_at, workflow_id LIMIT $${params.length}`,
    params,
  );
  return rows.map(toSummary);
}
