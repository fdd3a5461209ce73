// Reading the lifecycle read model: lists for clients and staff, one lifecycle with its timeline.
// Written only by the recordTransition activity; the API reads it for lists and falls back to it
// when a workflow cannot be queried.
import type pg from 'pg';
import type { Actor, TimelineEntry } from '../../domain/lifecycle.js';
import { isUuid } from '../../domain/ids.js';
import type { Role } from '../../domain/roles.js';
import { clampLimit, decodeCursor, encodeCursor, InvalidCursorError, type Page } from './cursor.js';
import { TASK_COLUMNS, toTask, type Task, type TaskRow } from './tasks.js';

export interface LifecycleSummary {
  workflowId: string;
  type: string;
  businessId: string;
  ownerId: string | null;
  status: string;
  /** Per type (deposit: amount, currency, reference, receivedAmount, holdUntil, screening, ...). */
  attributes: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  lastSeq: number;
}

export interface LifecycleEvent extends TimelineEntry {
  seq: number;
  /** Internal facts of the transition (action, notes, screening): staff only. */
  data: Record<string, unknown>;
}

export interface LifecycleDetail extends LifecycleSummary {
  /** In order; the shape of API.md's `timeline`. */
  timeline: TimelineEntry[];
  /** The same transitions with seq and internal data, for staff and auditors. */
  events: LifecycleEvent[];
  /** Every task the workflow opened, oldest first. */
  tasks: Task[];
}

interface LifecycleRow {
  workflow_id: string;
  type: string;
  business_id: string;
  owner_id: string | null;
  status: string;
  attributes: Record<string, unknown>;
  created_at_iso: string;
  updated_at_iso: string;
  closed_at_iso: string | null;
  last_seq: number;
}

interface EventRow {
  seq: number;
  at: Date;
  from_status: string | null;
  to_status: string;
  actor_id: string | null;
  actor_role: string | null;
  reason: string | null;
  data: Record<string, unknown>;
}

/**
 * A timestamptz as JavaScript's toISOString() writes it (UTC, milliseconds truncated as a Date
 * truncates them): a list page's times arrive as the text the answer carries, where parsing each into
 * a Date and writing it out again was a fifth of a page's CPU in the server (50 rows, 3 times each
 * and one per transition). The aliases differ from the columns so ORDER BY still sorts on the times.
 */
const isoOf = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const LIFECYCLE_COLUMNS = `workflow_id, type, business_id, owner_id, status, attributes,
  ${isoOf('created_at')} AS created_at_iso, ${isoOf('updated_at')} AS updated_at_iso,
  ${isoOf('closed_at')} AS closed_at_iso, last_seq`;

function toSummary(row: LifecycleRow): LifecycleSummary {
  return {
    workflowId: row.workflow_id,
    type: row.type,
    businessId: row.business_id,
    ownerId: row.owner_id,
    status: row.status,
    attributes: row.attributes,
    createdAt: row.created_at_iso,
    updatedAt: row.updated_at_iso,
    closedAt: row.closed_at_iso,
    lastSeq: row.last_seq,
  };
}

function toEvent(row: EventRow): LifecycleEvent {
  const actor: Actor | null =
    row.actor_id && row.actor_role ? { id: row.actor_id, role: row.actor_role as Role } : null;
  return {
    seq: row.seq,
    at: row.at.toISOString(),
    from: row.from_status,
    to: row.to_status,
    actor,
    reason: row.reason,
    data: row.data,
  };
}

export interface ListLifecyclesInput {
  type?: string;
  /** A client's own lifecycles (always set it for a client caller). */
  ownerId?: string;
  /** One status or any of several. */
  status?: string | readonly string[];
  /** Only lifecycles whose attributes hold each of these values (JSON containment). */
  attributes?: Readonly<Record<string, string | number | boolean>>;
  /** 1..200, default 50. */
  limit?: number;
  cursor?: string | null;
}

/** Newest first (created_at, then workflow_id), keyset-paginated. Throws InvalidCursorError. */
export async function listLifecycles(
  pool: pg.Pool,
  input: ListLifecyclesInput = {},
): Promise<Page<LifecycleSummary>> {
  return selectLifecyclePage<LifecycleRow, LifecycleSummary>(pool, input, '', toSummary);
}

/** A lifecycle of a list page with its transitions (lifecycle_event, in order). */
export interface LifecycleSummaryWithTransitions extends LifecycleSummary {
  transitions: { entry: TimelineEntry; action: string | null }[];
}

interface TransitionJson {
  at: string;
  from: string | null;
  to: string;
  actorId: string | null;
  actorRole: string | null;
  reason: string | null;
  action: string | null;
}

// One correlated aggregate per row of the page (the (workflow_id, seq) index): the page and its
// timelines in one statement, one round trip for a list read instead of two.
const TRANSITIONS_COLUMN = `, (SELECT COALESCE(json_agg(json_build_object(
      'at', ${isoOf('e.at')}, 'from', e.from_status, 'to', e.to_status, 'actorId', e.actor_id,
      'actorRole', e.actor_role, 'reason', e.reason, 'action', e.data->>'action') ORDER BY e.seq), '[]'::json)
    FROM lifecycle_event e WHERE e.workflow_id = lifecycle.workflow_id) AS transitions`;

/** listLifecycles with each lifecycle's transitions, in the same statement. */
export async function listLifecyclesWithTransitions(
  pool: pg.Pool,
  input: ListLifecyclesInput = {},
): Promise<Page<LifecycleSummaryWithTransitions>> {
  return selectLifecyclePage<
    LifecycleRow & { transitions: TransitionJson[] },
    LifecycleSummaryWithTransitions
  >(pool, input, TRANSITIONS_COLUMN, (row) => ({
    ...toSummary(row),
    transitions: row.transitions.map((t) => ({
      entry: {
        at: t.at,
        from: t.from,
        to: t.to,
        actor: t.actorId && t.actorRole ? { id: t.actorId, role: t.actorRole as Role } : null,
        reason: t.reason,
      },
      action: t.action,
    })),
  }));
}

async function selectLifecyclePage<Row extends LifecycleRow, Item extends LifecycleSummary>(
  pool: pg.Pool,
  input: ListLifecyclesInput,
  extraColumns: string,
  toItem: (row: Row) => Item,
): Promise<Page<Item>> {
  const limit = clampLimit(input.limit);
  const conditions: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (input.type !== undefined) conditions.push(`type = ${param(input.type)}`);
  if (input.ownerId !== undefined) {
    if (!isUuid(input.ownerId)) return { items: [], nextCursor: null };
    conditions.push(`owner_id = ${param(input.ownerId)}`);
  }
  if (input.status !== undefined) {
    const statuses = typeof input.status === 'string' ? [input.status] : [...input.status];
    conditions.push(`status = ANY(${param(statuses)}::text[])`);
  }
  if (input.attributes !== undefined && Object.keys(input.attributes).length > 0)
    conditions.push(`attributes @> ${param(JSON.stringify(input.attributes))}::jsonb`);
  if (input.cursor) {
    const [createdAt, workflowId] = decodeCursor('lifecycle', input.cursor, ['s', 's']) as [string, string];
    conditions.push(
      `(created_at, workflow_id) < (${createdAtOfCursor(createdAt, input.cursor, param)}, ${param(workflowId)})`,
    );
  }
  const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
  const { rows } = await pool.query<Row & { created_us: string }>(
    `SELECT ${LIFECYCLE_COLUMNS}${extraColumns}, ${CREATED_US} AS created_us FROM lifecycle ${where}
      ORDER BY created_at DESC, workflow_id DESC LIMIT ${param(limit + 1)}`,
    params,
  );
  const items = rows.slice(0, limit).map(toItem);
  const last = rows[limit - 1];
  return {
    items,
    nextCursor:
      rows.length > limit && last ? encodeCursor('lifecycle', [last.created_us, last.workflow_id]) : null,
  };
}

/**
 * created_at in whole microseconds since the epoch, exact (PostgreSQL keeps microseconds; an ISO
 * string in JavaScript keeps milliseconds, and a cursor holding one skipped the rows created in the
 * same millisecond just before the page's last row).
 */
const CREATED_US = `(extract(epoch FROM created_at) * 1000000)::bigint::text`;

/** The cursor's created_at as SQL: microseconds, or an ISO time from cursors handed out before. */
function createdAtOfCursor(value: string, cursor: string, param: (value: unknown) => string): string {
  if (/^-?\d{1,19}$/.test(value))
    return `(timestamptz 'epoch' + ${param(value)}::bigint * interval '1 microsecond')`;
  if (Number.isNaN(Date.parse(value))) throw new InvalidCursorError(cursor);
  return `${param(value)}::timestamptz`;
}

/** One lifecycle with its timeline, events and tasks; null when there is none. */
export async function getLifecycle(pool: pg.Pool, workflowId: string): Promise<LifecycleDetail | null> {
  const found = await pool.query<LifecycleRow>(
    `SELECT ${LIFECYCLE_COLUMNS} FROM lifecycle WHERE workflow_id = $1`,
    [workflowId],
  );
  return (await detailsOfRows(pool, found.rows))[0] ?? null;
}

/**
 * The lifecycles of `type` with these business ids, as getLifecycle has each, keyed by business id
 * (a missing one has no entry): three queries however many, for a page of a list.
 */
export async function getLifecyclesByBusinessIds(
  pool: pg.Pool,
  type: string,
  businessIds: readonly string[],
): Promise<Map<string, LifecycleDetail>> {
  if (businessIds.length === 0) return new Map();
  const found = await pool.query<LifecycleRow>(
    `SELECT ${LIFECYCLE_COLUMNS} FROM lifecycle WHERE type = $1 AND business_id = ANY($2::text[])`,
    [type, [...businessIds]],
  );
  const details = await detailsOfRows(pool, found.rows);
  return new Map(details.map((detail) => [detail.businessId, detail]));
}

/** The rows with their events and tasks, read for all of them at once (two queries), in row order. */
async function detailsOfRows(pool: pg.Pool, rows: readonly LifecycleRow[]): Promise<LifecycleDetail[]> {
  if (rows.length === 0) return [];
  const workflowIds = rows.map((row) => row.workflow_id);
  const [events, tasks] = await Promise.all([
    pool.query<EventRow & { workflow_id: string }>(
      `SELECT workflow_id, seq, at, from_status, to_status, actor_id, actor_role, reason, data
         FROM lifecycle_event WHERE workflow_id = ANY($1::text[]) ORDER BY workflow_id, seq`,
      [workflowIds],
    ),
    pool.query<TaskRow>(
      `SELECT ${TASK_COLUMNS} FROM task WHERE workflow_id = ANY($1::text[]) ORDER BY created_at, id`,
      [workflowIds],
    ),
  ]);
  const eventsOf = groupBy(events.rows, (row) => row.workflow_id);
  const tasksOf = groupBy(tasks.rows, (row) => row.workflow_id);
  return rows.map((row) => {
    const detailed = (eventsOf.get(row.workflow_id) ?? []).map(toEvent);
    return {
      ...toSummary(row),
      timeline: detailed.map(({ at, from, to, actor, reason }) => ({ at, from, to, actor, reason })),
      events: detailed,
      tasks: (tasksOf.get(row.workflow_id) ?? []).map(toTask),
    };
  });
}

/** `items` by `key`, each group in the items' order. */
function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}

/** The same by lifecycle type and business id (the API's `:id`). */
export async function getLifecycleByBusinessId(
  pool: pg.Pool,
  type: string,
  businessId: string,
): Promise<LifecycleDetail | null> {
  const found = await pool.query<{ workflow_id: string }>(
    `SELECT workflow_id FROM lifecycle WHERE type = $1 AND business_id = $2`,
    [type, businessId],
  );
  const workflowId = found.rows[0]?.workflow_id;
  return workflowId ? getLifecycle(pool, workflowId) : null;
}
