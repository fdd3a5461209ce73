// The audit search over the lifecycle projection (table lifecycle), with each lifecycle's archive
// status. The projection is the source for every business filter (type, business status, business
// id, client, time range): it is ours, indexed, and outlives Temporal's retention. Execution status
// (Running, Completed, Failed, ...) is Temporal's, read from its visibility store by the service.
import type pg from 'pg';
import {
  clampLimit,
  decodeCursor,
  encodeCursor,
  InvalidCursorError,
  type Page,
} from '../lifecycle/cursor.js';
import { isUuid } from '../../domain/ids.js';
import type { HistoryArchiveSummary } from './archive.js';

export interface AuditLifecycleSearch {
  type?: string;
  /** Business status(es) as the projection has them ('CLEARED', 'ON_HOLD', ...). */
  status?: string | readonly string[];
  businessId?: string;
  /** The client the lifecycle belongs to (lifecycle.owner_id). */
  ownerId?: string;
  /** Only these workflows (the service narrows to a Temporal visibility page this way). */
  workflowIds?: readonly string[];
  /** Inclusive lower and exclusive upper bound on `timeField`. */
  from?: string;
  to?: string;
  /** Which time the range applies to: when the lifecycle started (default) or closed. */
  timeField?: 'startedAt' | 'closedAt';
  limit?: number;
  cursor?: string | null;
}

export interface AuditLifecycleRow {
  workflowId: string;
  type: string;
  businessId: string;
  ownerId: string | null;
  status: string;
  attributes: Record<string, unknown>;
  startedAt: string;
  updatedAt: string;
  closedAt: string | null;
  transitions: number;
  archive: Pick<HistoryArchiveSummary, 'runId' | 'sha256' | 'eventCount' | 'archivedAt'> | null;
}

interface Row {
  workflow_id: string;
  type: string;
  business_id: string;
  owner_id: string | null;
  status: string;
  attributes: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
  closed_at: Date | null;
  last_seq: number;
  archive_run_id: string | null;
  archive_sha256: string | null;
  archive_event_count: number | null;
  archived_at: Date | null;
}

function toRow(row: Row): AuditLifecycleRow {
  return {
    workflowId: row.workflow_id,
    type: row.type,
    businessId: row.business_id,
    ownerId: row.owner_id,
    status: row.status,
    attributes: row.attributes,
    startedAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    closedAt: row.closed_at?.toISOString() ?? null,
    transitions: row.last_seq,
    archive:
      row.archive_sha256 && row.archive_run_id && row.archived_at
        ? {
            runId: row.archive_run_id,
            sha256: row.archive_sha256,
            eventCount: row.archive_event_count ?? 0,
            archivedAt: row.archived_at.toISOString(),
          }
        : null,
  };
}

/** Newest first (started, then workflow id), keyset-paginated. Throws InvalidCursorError. */
export async function searchLifecycles(
  pool: pg.Pool,
  input: AuditLifecycleSearch,
): Promise<Page<AuditLifecycleRow>> {
  const limit = clampLimit(input.limit);
  const conditions: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (input.type !== undefined) conditions.push(`l.type = ${param(input.type)}`);
  if (input.status !== undefined) {
    const statuses = typeof input.status === 'string' ? [input.status] : [...input.status];
    conditions.push(`l.status = ANY(${param(statuses)}::text[])`);
  }
  if (input.businessId !== undefined) conditions.push(`l.business_id = ${param(input.businessId)}`);
  if (input.ownerId !== undefined) {
    if (!isUuid(input.ownerId)) return { items: [], nextCursor: null };
    conditions.push(`l.owner_id = ${param(input.ownerId.toLowerCase())}`);
  }
  if (input.workflowIds !== undefined)
    conditions.push(`l.workflow_id = ANY(${param([...input.workflowIds])}::text[])`);
  const column = input.timeField === 'closedAt' ? 'l.closed_at' : 'l.created_at';
  if (input.from !== undefined) conditions.push(`${column} >= ${param(input.from)}::timestamptz`);
  if (input.to !== undefined) conditions.push(`${column} < ${param(input.to)}::timestamptz`);
  if (input.cursor) {
    const [createdAt, workflowId] = decodeCursor('audit-lifecycle', input.cursor, ['s', 's']) as [
      string,
      string,
    ];
    if (Number.isNaN(Date.parse(createdAt))) throw new InvalidCursorError(input.cursor);
    conditions.push(
      `(l.created_at, l.workflow_id) < (${param(createdAt)}::timestamptz, ${param(workflowId)})`,
    );
  }
  const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
  const { rows } = await pool.query<Row>(
    `SELECT l.workflow_id, l.type, l.business_id, l.owner_id, l.status, l.attributes, l.created_at, l.updated_at,
            l.closed_at, l.last_seq, a.run_id AS archive_run_id, a.sha256 AS archive_sha256,
            a.event_count AS archive_event_count, a.archived_at
       FROM lifecycle l
       LEFT JOIN workflow_history_archive a ON a.workflow_id = l.workflow_id
      ${where}
      ORDER BY l.created_at DESC, l.workflow_id DESC
      LIMIT ${param(limit + 1)}`,
    params,
  );
  const items = rows.slice(0, limit).map(toRow);
  const last = items[items.length - 1];
  return {
    items,
    nextCursor:
      rows.length > limit && last ? encodeCursor('audit-lifecycle', [last.startedAt, last.workflowId]) : null,
  };
}

/** The workflow ids of the lifecycles with this business id (one per lifecycle type at most). */
export async function workflowIdsOfBusiness(pool: pg.Pool, businessId: string): Promise<string[]> {
  const { rows } = await pool.query<{ workflow_id: string }>(
    'SELECT workflow_id FROM lifecycle WHERE business_id = $1',
    [businessId],
  );
  return rows.map((row) => row.workflow_id);
}
