// Webhook endpoints and their deliveries. An endpoint belongs to a client (events about them) or is
// an admin's system hook (every event of its types). A delivery is one (endpoint, event): the
// consumer creates it once, attempts update it, redeliver resets it.
import type pg from 'pg';

type Db = pg.Pool | pg.PoolClient;

export type DeliveryStatus = 'PENDING' | 'DELIVERED' | 'FAILED' | 'DEAD';
/** Deliveries listed per page at most. */
export const DELIVERY_PAGE_MAX = 100;

export interface WebhookEndpoint {
  id: string;
  ownerId: string;
  system: boolean;
  url: string;
  events: string[];
  createdAt: string;
  /** Until when the previous secret still signs (after a rotation), else null. */
  previousSecretExpiresAt: string | null;
}

/** The endpoint with its live secrets: only the delivery side reads these. */
export interface SigningEndpoint extends WebhookEndpoint {
  secrets: string[];
}

interface EndpointRow {
  id: string;
  owner_id: string;
  system: boolean;
  url: string;
  events: string[];
  created_at: Date;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
}

const ENDPOINT_COLUMNS =
  'id, owner_id, system, url, events, created_at, secret, previous_secret, previous_secret_expires_at';

function toEndpoint(row: EndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    ownerId: row.owner_id,
    system: row.system,
    url: row.url,
    events: row.events,
    createdAt: row.created_at.toISOString(),
    previousSecretExpiresAt: row.previous_secret_expires_at?.toISOString() ?? null,
  };
}

function toSigningEndpoint(row: EndpointRow, nowMs: number): SigningEndpoint {
  const previousLive =
    row.previous_secret !== null && (row.previous_secret_expires_at?.getTime() ?? 0) > nowMs;
  return { ...toEndpoint(row), secrets: previousLive ? [row.secret, row.previous_secret!] : [row.secret] };
}

export async function insertEndpoint(
  db: Db,
  endpoint: { ownerId: string; system: boolean; url: string; events: string[]; secret: string },
): Promise<WebhookEndpoint> {
  const rows = await db.query<EndpointRow>(
    `INSERT INTO webhook_endpoint (owner_id, system, url, events, secret) VALUES ($1, $2, $3, $4, $5)
     RETURNING ${ENDPOINT_COLUMNS}`,
    [endpoint.ownerId, endpoint.system, endpoint.url, endpoint.events, endpoint.secret],
  );
  return toEndpoint(rows.rows[0]!);
}

/** The owner's live endpoints, newest first. */
export async function listEndpoints(db: Db, ownerId: string): Promise<WebhookEndpoint[]> {
  const rows = await db.query<EndpointRow>(
    `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoint WHERE owner_id = $1 AND deleted_at IS NULL
      ORDER BY created_at DESC, id DESC LIMIT 100`,
    [ownerId],
  );
  return rows.rows.map(toEndpoint);
}

export async function getOwnEndpoint(db: Db, ownerId: string, id: string): Promise<WebhookEndpoint | null> {
  const rows = await db.query<EndpointRow>(
    `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoint WHERE id = $1 AND owner_id = $2 AND deleted_at IS NULL`,
    [id, ownerId],
  );
  return rows.rows[0] ? toEndpoint(rows.rows[0]) : null;
}

/** Soft delete (deliveries keep their endpoint); false when it was not the owner's live endpoint. */
export async function deleteEndpoint(db: Db, ownerId: string, id: string): Promise<boolean> {
  const updated = await db.query(
    `UPDATE webhook_endpoint SET deleted_at = now() WHERE id = $1 AND owner_id = $2 AND deleted_at IS NULL`,
    [id, ownerId],
  );
  return updated.rowCount === 1;
}

/** A new secret; the current one keeps signing until `overlapUntil`. */
export async function rotateEndpointSecret(
  db: Db,
  ownerId: string,
  id: string,
  secret: string,
  overlapUntil: Date,
): Promise<WebhookEndpoint | null> {
  const rows = await db.query<EndpointRow>(
    `UPDATE webhook_endpoint SET previous_secret = secret, previous_secret_expires_at = $4, secret = $3
      WHERE id = $1 AND owner_id = $2 AND deleted_at IS NULL RETURNING ${ENDPOINT_COLUMNS}`,
    [id, ownerId, secret, overlapUntil],
  );
  return rows.rows[0] ? toEndpoint(rows.rows[0]) : null;
}

/**
 * The live endpoints that take an event of `ownerId`: the owner's own, and every system hook.
 * Subscription matching is domain/notifications.ts subscriptionMatches (the caller filters).
 */
export async function endpointsForEvent(
  db: Db,
  ownerId: string | null,
  nowMs: number,
): Promise<SigningEndpoint[]> {
  const rows = await db.query<EndpointRow>(
    `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoint
      WHERE deleted_at IS NULL AND (system OR owner_id = $1) ORDER BY created_at, id LIMIT 1000`,
    [ownerId],
  );
  return rows.rows.map((row) => toSigningEndpoint(row, nowMs));
}

// ---- deliveries ------------------------------------------------------------------------------

export interface WebhookDelivery {
  id: string;
  endpointId: string;
  eventId: string;
  event: string;
  status: DeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  deliveredAt: string | null;
  redeliveries: number;
}

interface DeliveryRow {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  status: DeliveryStatus;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: Date | null;
  created_at: Date;
  delivered_at: Date | null;
  redeliveries: number;
}

const DELIVERY_COLUMNS =
  'id, endpoint_id, event_id, event_type, status, attempts, last_status_code, last_error, next_attempt_at, created_at, delivered_at, redeliveries';

const toDelivery = (row: DeliveryRow): WebhookDelivery => ({
  id: row.id,
  endpointId: row.endpoint_id,
  eventId: row.event_id,
  event: row.event_type,
  status: row.status,
  attempts: row.attempts,
  lastStatusCode: row.last_status_code,
  lastError: row.last_error,
  nextAttemptAt: row.next_attempt_at?.toISOString() ?? null,
  createdAt: row.created_at.toISOString(),
  deliveredAt: row.delivered_at?.toISOString() ?? null,
  redeliveries: row.redeliveries,
});

/**
 * The deliveries of one event to several endpoints, created PENDING where absent, in one statement
 * (the fan-out's transaction). Existing ones are answered as they are, so the caller can tell a
 * delivery already under way.
 */
export async function ensureDeliveries(
  db: Db,
  event: { eventId: string; eventType: string },
  endpointIds: readonly string[],
): Promise<WebhookDelivery[]> {
  if (endpointIds.length === 0) return [];
  if (endpointIds.length > 1000) throw new Error('at most 1000 deliveries per statement');
  await db.query(
    `INSERT INTO webhook_delivery (endpoint_id, event_id, event_type)
     SELECT endpoint_id, $2, $3 FROM unnest($1::uuid[]) AS endpoint_id
     ON CONFLICT (endpoint_id, event_id) DO NOTHING`,
    [endpointIds, event.eventId, event.eventType],
  );
  const rows = await db.query<DeliveryRow>(
    `SELECT ${DELIVERY_COLUMNS} FROM webhook_delivery WHERE event_id = $1 AND endpoint_id = ANY($2::uuid[])
      ORDER BY endpoint_id`,
    [event.eventId, endpointIds],
  );
  if (rows.rows.length !== endpointIds.length) throw new Error('a delivery was neither added nor found');
  return rows.rows.map(toDelivery);
}

/** What one attempt needs, in one round trip: the delivery, its live endpoint's secrets, its event. */
export async function deliveryWithTarget(
  db: Db,
  id: string,
  nowMs: number,
): Promise<{
  delivery: WebhookDelivery;
  endpoint: SigningEndpoint | null;
  event: { id: string; type: string; createdAt: string; data: Record<string, unknown> } | null;
} | null> {
  const rows = await db.query<
    DeliveryRow & {
      e_id: string | null;
      owner_id: string;
      system: boolean;
      url: string;
      events: string[];
      e_created_at: Date;
      secret: string;
      previous_secret: string | null;
      previous_secret_expires_at: Date | null;
      e_deleted: boolean;
      o_type: string | null;
      o_data: Record<string, unknown> | null;
      o_created_at: Date | null;
    }
  >(
    `SELECT d.id, d.endpoint_id, d.event_id, d.event_type, d.status, d.attempts, d.last_status_code,
            d.last_error, d.next_attempt_at, d.created_at, d.delivered_at, d.redeliveries,
            e.id AS e_id, e.owner_id, e.system, e.url, e.events, e.created_at AS e_created_at, e.secret,
            e.previous_secret, e.previous_secret_expires_at, e.deleted_at IS NOT NULL AS e_deleted,
            o.type AS o_type, o.data AS o_data, o.created_at AS o_created_at
       FROM webhook_delivery d
       JOIN webhook_endpoint e ON e.id = d.endpoint_id
       LEFT JOIN outbox_event o ON o.id = d.event_id
      WHERE d.id = $1`,
    [id],
  );
  const row = rows.rows[0];
  if (!row) return null;
  const endpoint = row.e_deleted
    ? null
    : toSigningEndpoint({ ...row, id: row.endpoint_id, created_at: row.e_created_at }, nowMs);
  const event =
    row.o_type !== null && row.o_data !== null && row.o_created_at !== null
      ? { id: row.event_id, type: row.o_type, data: row.o_data, createdAt: row.o_created_at.toISOString() }
      : null;
  return { delivery: toDelivery(row), endpoint, event };
}

export async function listDeliveries(db: Db, endpointId: string, limit: number): Promise<WebhookDelivery[]> {
  if (!(Number.isInteger(limit) && limit >= 1 && limit <= DELIVERY_PAGE_MAX)) throw new Error('bad limit');
  const rows = await db.query<DeliveryRow>(
    `SELECT ${DELIVERY_COLUMNS} FROM webhook_delivery WHERE endpoint_id = $1
      ORDER BY created_at DESC, id DESC LIMIT $2`,
    [endpointId, limit],
  );
  return rows.rows.map(toDelivery);
}

/** One attempt's outcome. `final` failed attempts make the delivery DEAD. Answers the attempts so far. */
export async function recordAttempt(
  db: Db,
  id: string,
  outcome:
    | { ok: true; statusCode: number }
    | { ok: false; statusCode: number | null; error: string; final: boolean; nextAttemptAt: Date | null },
): Promise<WebhookDelivery> {
  const rows = outcome.ok
    ? await db.query<DeliveryRow>(
        `UPDATE webhook_delivery SET status = 'DELIVERED', attempts = attempts + 1, last_status_code = $2,
                last_error = NULL, next_attempt_at = NULL, delivered_at = now()
          WHERE id = $1 RETURNING ${DELIVERY_COLUMNS}`,
        [id, outcome.statusCode],
      )
    : await db.query<DeliveryRow>(
        `UPDATE webhook_delivery SET status = $5, attempts = attempts + 1, last_status_code = $2,
                last_error = $3, next_attempt_at = $4
          WHERE id = $1 RETURNING ${DELIVERY_COLUMNS}`,
        [
          id,
          outcome.statusCode,
          outcome.error.slice(0, 500),
          outcome.nextAttemptAt,
          outcome.final ? 'DEAD' : 'FAILED',
        ],
      );
  const row = rows.rows[0];
  if (!row) throw new Error(`no webhook delivery ${id}`);
  return toDelivery(row);
}

/**
 * Back to PENDING with its attempts counted afresh, for the owner's redeliver; null when the
 * delivery is not one of this endpoint's. Answers the round number (the new job's id needs it).
 */
export async function resetForRedelivery(
  db: Db,
  endpointId: string,
  id: string,
): Promise<WebhookDelivery | null> {
  const rows = await db.query<DeliveryRow>(
    `UPDATE webhook_delivery SET status = 'PENDING', attempts = 0, next_attempt_at = now(), last_error = NULL,
            redeliveries = redeliveries + 1
      WHERE id = $1 AND endpoint_id = $2 RETURNING ${DELIVERY_COLUMNS}`,
    [id, endpointId],
  );
  return rows.rows[0] ? toDelivery(rows.rows[0]) : null;
}
