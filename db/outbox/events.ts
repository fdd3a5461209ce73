// The transactional outbox: an event row is written on the caller's client, inside the transaction
// whose projection it describes, so it exists exactly when that change committed. NOTIFY wakes the
// dispatcher at COMMIT (a rolled-back event wakes nobody); the dispatcher also polls, so a missed
// NOTIFY only delays.
import type pg from 'pg';
import { EVENT_TYPE_PATTERN } from '../../domain/notifications.js';

/** The NOTIFY channel the dispatcher listens on (activities/outbox-dispatcher.ts). */
export const OUTBOX_CHANNEL = 'outbox';

export interface NewOutboxEvent {
  type: string;
  /** The person (client) the event is about, if any: their webhooks and notifications get it. */
  ownerId: string | null;
  workflowId?: string | null;
  data: Record<string, unknown>;
}

export interface OutboxEvent {
  id: string;
  type: string;
  ownerId: string | null;
  workflowId: string | null;
  data: Record<string, unknown>;
  createdAt: string;
}

/** Inserts the event on `client` (the projection's transaction) and returns its id. */
export async function insertOutboxEvent(client: pg.PoolClient, event: NewOutboxEvent): Promise<string> {
  if (!EVENT_TYPE_PATTERN.test(event.type)) throw new Error(`not an event type: ${event.type}`);
  const inserted = await client.query<{ id: string }>(
    `INSERT INTO outbox_event (type, owner_id, workflow_id, data) VALUES ($1, $2, $3, $4) RETURNING id`,
    [event.type, event.ownerId, event.workflowId ?? null, JSON.stringify(event.data)],
  );
  await client.query('SELECT pg_notify($1, $2)', [OUTBOX_CHANNEL, '']);
  const id = inserted.rows[0]?.id;
  if (!id) throw new Error('outbox insert returned no id');
  return id;
}

interface OutboxRow {
  id: string;
  type: string;
  owner_id: string | null;
  workflow_id: string | null;
  data: Record<string, unknown>;
  created_at: Date;
}

export function outboxEventFromRow(row: OutboxRow): OutboxEvent {
  return {
    id: row.id,
    type: row.type,
    ownerId: row.owner_id,
    workflowId: row.workflow_id,
    data: row.data,
    createdAt: row.created_at.toISOString(),
  };
}

/**
 * Locks up to `limit` committed, undispatched events, oldest first, on `client` (in a transaction).
 * SKIP LOCKED: several dispatchers share the backlog without waiting on each other.
 */
export async function lockPendingEvents(
  client: pg.PoolClient,
  limit: number,
  /** Only these owners' events (test files sharing one database each dispatch their own); null: all. */
  ownerIds: readonly string[] | null = null,
): Promise<OutboxEvent[]> {
  if (!(Number.isInteger(limit) && limit >= 1 && limit <= 1000)) throw new Error(`bad limit ${limit}`);
  const rows = await client.query<OutboxRow>(
    `SELECT id, type, owner_id, workflow_id, data, created_at FROM outbox_event
      WHERE dispatched_at IS NULL AND ($2::uuid[] IS NULL OR owner_id = ANY($2::uuid[]))
      ORDER BY created_at, id LIMIT $1 FOR UPDATE SKIP LOCKED`,
    [limit, ownerIds],
  );
  return rows.rows.map(outboxEventFromRow);
}

export async function markDispatched(client: pg.PoolClient, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const updated = await client.query(
    `UPDATE outbox_event SET dispatched_at = clock_timestamp() WHERE id = ANY($1::uuid[]) AND dispatched_at IS NULL`,
    [ids],
  );
  if (updated.rowCount !== ids.length) throw new Error('an event to mark was not locked by this dispatcher');
}

export async function getOutboxEvent(pool: pg.Pool, id: string): Promise<OutboxEvent | null> {
  const rows = await pool.query<OutboxRow>(
    `SELECT id, type, owner_id, workflow_id, data, created_at FROM outbox_event WHERE id = $1`,
    [id],
  );
  return rows.rows[0] ? outboxEventFromRow(rows.rows[0]) : null;
}

/** How many events (of `ownerId`, when given) wait to be dispatched (tests, benchmarks). */
export async function pendingEventCount(pool: pg.Pool, ownerId?: string): Promise<number> {
  const rows = await pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM outbox_event WHERE dispatched_at IS NULL AND ($1::uuid IS NULL OR owner_id = $1)`,
    [ownerId ?? null],
  );
  return Number(rows.rows[0]?.n ?? 0);
}
