// A break's resolution, written by the reconciliation workflow's activities: each checks the break
// under a row lock (it belongs to this statement and is in the status the step needs), changes it and
// closes its inbox task in one transaction. Repeating a step that committed answers the same.
import type pg from 'pg';
import { internalBreakAdjustable } from '../../domain/reconciliation/internal.js';
import { RECON_APPROVAL_TASK_PREFIX, RECON_BREAK_TASK_PREFIX } from './matching.js';

export interface BreakRow {
  id: string;
  statementId: string | null;
  workflowId: string;
  kind: string;
  status: 'OPEN' | 'PENDING_APPROVAL' | 'RESOLVED' | 'DISMISSED';
  lineIds: string[];
  entryIds: string[];
  differenceMinor: bigint;
  asset: string;
  resolution: string | null;
  note: string | null;
  resolvedBy: string | null;
  approvedBy: string | null;
  adjustmentEntryId: string | null;
  createdAt: string;
  resolvedAt: string | null;
  detail: Record<string, unknown>;
}

export const BREAK_COLUMNS = `id, statement_id, workflow_id, kind, status, line_ids::text[] AS line_ids, entry_ids::text[] AS entry_ids,
  difference_minor::text AS difference_minor, asset, resolution, note, resolved_by, approved_by, adjustment_entry_id,
  created_at, resolved_at, detail`;

interface Raw {
  id: string;
  statement_id: string | null;
  workflow_id: string;
  kind: string;
  status: BreakRow['status'];
  line_ids: string[];
  entry_ids: string[];
  difference_minor: string;
  asset: string;
  resolution: string | null;
  note: string | null;
  resolved_by: string | null;
  approved_by: string | null;
  adjustment_entry_id: string | null;
  created_at: Date;
  resolved_at: Date | null;
  detail: Record<string, unknown>;
}

export function breakFromRow(r: Raw): BreakRow {
  return {
    id: r.id,
    statementId: r.statement_id,
    workflowId: r.workflow_id,
    kind: r.kind,
    status: r.status,
    lineIds: r.line_ids,
    entryIds: r.entry_ids,
    differenceMinor: BigInt(r.difference_minor),
    asset: r.asset,
    resolution: r.resolution,
    note: r.note,
    resolvedBy: r.resolved_by,
    approvedBy: r.approved_by,
    adjustmentEntryId: r.adjustment_entry_id,
    createdAt: r.created_at.toISOString(),
    resolvedAt: r.resolved_at?.toISOString() ?? null,
    detail: r.detail,
  };
}

export async function getBreak(q: pg.Pool | pg.PoolClient, id: string): Promise<BreakRow | null> {
  const { rows } = await q.query<Raw>(`SELECT ${BREAK_COLUMNS} FROM recon_break WHERE id = $1`, [id]);
  return rows[0] ? breakFromRow(rows[0]) : null;
}

export class BreakRefusal extends Error {
  constructor(
    readonly code: 'not_found' | 'invalid_state' | 'validation_failed',
    message: string,
  ) {
    super(message);
    this.name = 'BreakRefusal';
  }
}

export interface BreakChange {
  workflowId: string;
  breakId: string;
  actorId: string;
  at: string;
}

async function inTransaction<T>(pool: pg.Pool, work: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

async function lockBreak(c: pg.PoolClient, change: BreakChange): Promise<BreakRow> {
  const { rows } = await c.query<Raw>(`SELECT ${BREAK_COLUMNS} FROM recon_break WHERE id = $1 FOR UPDATE`, [
    change.breakId,
  ]);
  const row = rows[0] ? breakFromRow(rows[0]) : null;
  if (!row || row.workflowId !== change.workflowId)
    throw new BreakRefusal('not_found', 'no such break in this reconciliation');
  return row;
}

/** Closes the break's live task of `prefix` (the break itself, or its adjustment's approval). */
async function closeTask(
  c: pg.PoolClient,
  change: BreakChange,
  outcome: string,
  prefix: string = RECON_BREAK_TASK_PREFIX,
): Promise<void> {
  await c.query(
    `UPDATE task SET status = 'done', completed_at = $3, completed_by = $4, outcome = $5, assignee = COALESCE(assignee, $4),
            version = version + 1
      WHERE workflow_id = $1 AND kind = $2 AND status IN ('open', 'claimed')`,
    [change.workflowId, `${prefix}:${change.breakId}`, change.at, change.actorId, outcome],
  );
}

/** Match by hand: the break's lines (and items) are RESOLVED against `entryIds`, which must exist. */
export async function resolveBreakByMatch(
  pool: pg.Pool,
  change: BreakChange & { entryIds: string[]; note: string | null },
): Promise<BreakRow> {
  return inTransaction(pool, async (c) => {
    const row = await lockBreak(c, change);
    if (row.status === 'RESOLVED' && row.resolution === 'match' && row.resolvedBy === change.actorId)
      return row;
    if (row.status !== 'OPEN') throw new BreakRefusal('invalid_state', `the break is ${row.status}`);
    const known = await c.query<{ n: string }>(
      'SELECT count(*) AS n FROM journal_entry WHERE id = ANY($1::uuid[])',
      [change.entryIds],
    );
    if (Number(known.rows[0]?.n) !== new Set(change.entryIds).size)
      throw new BreakRefusal('validation_failed', 'entryIds names a ledger entry that does not exist');
    await c.query(
      `UPDATE recon_break SET status = 'RESOLVED', resolution = 'match', entry_ids = $2::uuid[], note = $3, resolved_by = $4, resolved_at = $5
        WHERE id = $1`,
      [row.id, change.entryIds, change.note, change.actorId, change.at],
    );
    await c.query(
      `UPDATE recon_line SET match_status = 'RESOLVED', rule = 'manual', entry_ids = $2::uuid[] WHERE break_id = $1`,
      [row.id, change.entryIds],
    );
    await c.query(
      `UPDATE recon_ledger_item SET match_status = 'RESOLVED', rule = 'manual' WHERE break_id = $1`,
      [row.id],
    );
    await closeTask(c, change, 'matched');
    return (await getBreak(c, row.id)) as BreakRow;
  });
}

export async function dismissBreak(
  pool: pg.Pool,
  change: BreakChange & { reason: string },
): Promise<BreakRow> {
  return inTransaction(pool, async (c) => {
    const row = await lockBreak(c, change);
    if (row.status === 'DISMISSED' && row.resolvedBy === change.actorId) return row;
    if (row.status !== 'OPEN') throw new BreakRefusal('invalid_state', `the break is ${row.status}`);
    await c.query(
      `UPDATE recon_break SET status = 'DISMISSED', resolution = 'dismiss', note = $2, resolved_by = $3, resolved_at = $4 WHERE id = $1`,
      [row.id, change.reason, change.actorId, change.at],
    );
    await c.query(`UPDATE recon_line SET match_status = 'RESOLVED', rule = 'dismissed' WHERE break_id = $1`, [
      row.id,
    ]);
    await c.query(
      `UPDATE recon_ledger_item SET match_status = 'RESOLVED', rule = 'dismissed' WHERE break_id = $1`,
      [row.id],
    );
    await closeTask(c, change, 'dismissed');
    return (await getBreak(c, row.id)) as BreakRow;
  });
}

/** An adjustment proposed: PENDING_APPROVAL until a second operator approves (the entry posts then). */
export async function proposeAdjustment(
  pool: pg.Pool,
  change: BreakChange & { note: string },
): Promise<BreakRow> {
  return inTransaction(pool, async (c) => {
    const row = await lockBreak(c, change);
    if (row.status === 'PENDING_APPROVAL' && row.resolvedBy === change.actorId) return row;
    if (row.status !== 'OPEN') throw new BreakRefusal('invalid_state', `the break is ${row.status}`);
    if (row.differenceMinor === 0n)
      throw new BreakRefusal('invalid_state', 'the break has no difference to adjust');
    if (row.statementId === null && !internalBreakAdjustable(row.kind))
      throw new BreakRefusal(
        'invalid_state',
        `an adjusting entry does not explain a ${row.kind.replaceAll('_', ' ')} difference; dismiss it with what explains it`,
      );
    await c.query(
      `UPDATE recon_break SET status = 'PENDING_APPROVAL', resolution = 'adjust', note = $2, resolved_by = $3 WHERE id = $1`,
      [row.id, change.note, change.actorId],
    );
    // The proposer's part is done; what is left is a second operator's, so it is a task of its own
    // (the proposer cannot approve it: the workflow refuses self_approval).
    await closeTask(c, change, 'adjustment_proposed');
    await c.query(
      `INSERT INTO task (kind, workflow_id, subject_type, subject_id, required_role, created_at, due_at, summary, priority)
       SELECT $1, $2, 'reconciliation_break', $3, 'operations', $4, t.due_at, $5, 1
         FROM (SELECT max(due_at) AS due_at FROM task WHERE workflow_id = $2 AND kind = $6) t`,
      [
        `${RECON_APPROVAL_TASK_PREFIX}:${row.id}`,
        change.workflowId,
        row.id,
        change.at,
        `Approve the reconciliation adjustment of ${row.differenceMinor} minor units of ${row.asset} (${row.kind.replaceAll('_', ' ')})`,
        `${RECON_BREAK_TASK_PREFIX}:${row.id}`,
      ],
    );
    return (await getBreak(c, row.id)) as BreakRow;
  });
}

/** After the adjusting entry posted: the break RESOLVED with its entry, its task closed. */
export async function completeAdjustment(
  pool: pg.Pool,
  change: BreakChange & { entryId: string },
): Promise<BreakRow> {
  return inTransaction(pool, async (c) => {
    const row = await lockBreak(c, change);
    if (row.status === 'RESOLVED' && row.adjustmentEntryId === change.entryId) return row;
    if (row.status !== 'PENDING_APPROVAL')
      throw new BreakRefusal('invalid_state', `the break is ${row.status}`);
    await c.query(
      `UPDATE recon_break SET status = 'RESOLVED', approved_by = $2, adjustment_entry_id = $3, resolved_at = $4 WHERE id = $1`,
      [row.id, change.actorId, change.entryId, change.at],
    );
    await c.query(`UPDATE recon_line SET match_status = 'RESOLVED', rule = 'adjusted' WHERE break_id = $1`, [
      row.id,
    ]);
    await c.query(
      `UPDATE recon_ledger_item SET match_status = 'RESOLVED', rule = 'adjusted' WHERE break_id = $1`,
      [row.id],
    );
    await closeTask(c, change, 'adjusted', RECON_APPROVAL_TASK_PREFIX);
    return (await getBreak(c, row.id)) as BreakRow;
  });
}

export async function openBreakCount(pool: pg.Pool, workflowId: string): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM recon_break WHERE workflow_id = $1 AND status IN ('OPEN', 'PENDING_APPROVAL')`,
    [workflowId],
  );
  return Number(rows[0]?.n ?? 0);
}
