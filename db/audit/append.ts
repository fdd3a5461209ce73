import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { isUuid } from '../../domain/ids.js';
import { AUDIT_TIME_SQL, auditHash, formatAuditTime, type AuditRowFields } from './hash.js';

// The tamper-evident audit log of human actions (table audit_log, migration 20261122000400): this
// module appends to it; read.ts reads it, verify.ts recomputes its hash chain. It knows nothing of
// HTTP: the request metadata (request id, IP, user agent) is passed in. api/audit/log.ts is the
// request-aware side (fills the metadata from the current request, logs a failed write).
//
// Appends are serialised by a transaction-scoped advisory lock (AUDIT_CHAIN_LOCK): under it the
// writer reads the chain head, assigns seq = head.seq + 1, hashes the row onto head.hash and
// inserts it. The table's insert trigger rejects any row that does not extend the head, so even a
// writer that skipped the lock could not fork the chain (it would fail instead).
//
// appendAudit throws when the row cannot be written (see api/audit/log.ts for the failure policy).

/** pg_advisory_xact_lock(AUDIT_CHAIN_LOCK[0], AUDIT_CHAIN_LOCK[1]): "audi", 1. */
export const AUDIT_CHAIN_LOCK = [0x61756469, 1] as const;

export type AuditDb = pg.Pool | pg.PoolClient;

export interface AuditActor {
  id: string;
  role: string;
  email?: string | null;
}

export interface AuditSubject {
  type: string;
  id: string;
}

/** Where the action came from (the HTTP request); structurally api/middleware/request-context.ts RequestMeta. */
export interface AuditMeta {
  requestId: string | null;
  ip: string | null;
  userAgent: string | null;
}

export interface AuditEntryInput {
  /** Who acted; null for anonymous events (a failed sign-in). */
  actor: AuditActor | null;
  /** `<area>.<verb>`: 'auth.login', 'auth.login_failed', 'deposit.confirm', 'task.claim', ... */
  action: string;
  subject?: AuditSubject | null;
  /** JSON-serialisable state before/after (bigints become decimal strings, dates ISO strings). */
  before?: unknown;
  after?: unknown;
  /** The request the action came from; absent or null records none. */
  meta?: AuditMeta | null;
  /**
   * Record the action once however often it is retried: 'request' — an entry with the same request
   * id, action, actor and subject already in the log is returned instead of appending another;
   * 'subject' — likewise for the same action on the same subject (a creation, which happens once).
   */
  once?: 'request' | 'subject';
}

export interface AuditRecord {
  id: string;
  seq: string;
  at: string;
  prevHash: string | null;
  hash: string;
}

/** A malformed entry (a programming error in the caller, not a storage failure). */
export class AuditEntryError extends Error {
  override readonly name = 'AuditEntryError';
}

const ACTION = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
const TEXT_MAX = 512;

function clip(value: string | null | undefined, max = TEXT_MAX): string | null {
  if (value === null || value === undefined || value === '') return null;
  return value.length > max ? value.slice(0, max) : value;
}

/** JSON text for a jsonb parameter: null/undefined → SQL NULL; bigints as decimal strings. */
export function jsonParam(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return JSON.stringify(value, (_key, member: unknown) =>
    typeof member === 'bigint' ? member.toString() : member,
  );
}

function normaliseEntry(entry: AuditEntryInput) {
  if (!ACTION.test(entry.action) || entry.action.length > 100) {
    throw new AuditEntryError(`audit action "${entry.action}" is not of the form area.verb`);
  }
  const actor = entry.actor;
  if (actor && (!isUuid(actor.id) || !actor.role)) {
    throw new AuditEntryError('an audit actor needs a uuid id and a role');
  }
  const subject = entry.subject ?? null;
  if (subject && (!subject.type || !subject.id)) {
    throw new AuditEntryError('an audit subject needs a type and an id');
  }
  const meta = entry.meta ?? null;
  return {
    actorId: actor ? actor.id.toLowerCase() : null,
    actorRole: actor ? clip(actor.role, 100) : null,
    actorEmail: actor ? clip(actor.email ?? null, 320) : null,
    action: entry.action,
    subjectType: subject ? clip(subject.type, 100) : null,
    subjectId: subject ? clip(subject.id, 200) : null,
    before: jsonParam(entry.before),
    after: jsonParam(entry.after),
    requestId: clip(meta?.requestId ?? null, 200),
    ip: clip(meta?.ip ?? null, 100),
    userAgent: clip(meta?.userAgent ?? null),
    once: entry.once ?? null,
  };
}

type Normalised = ReturnType<typeof normaliseEntry>;

/**
 * The entry `entry` repeats (see AuditEntryInput.once), if any. Called under the chain lock, so two
 * retries racing each other still append one entry.
 */
async function earlierEntry(client: pg.PoolClient, entry: Normalised): Promise<AuditRecord | null> {
  const columns = `id, seq::text AS seq, ${AUDIT_TIME_SQL} AS at_text, prev_hash, hash`;
  let query: { text: string; values: unknown[] } | null = null;
  if (entry.once === 'request' && entry.requestId !== null) {
    query = {
      text: `SELECT ${columns} FROM audit_log
              WHERE request_id = $1 AND action = $2 AND actor_id IS NOT DISTINCT FROM $3
                AND subject_type IS NOT DISTINCT FROM $4 AND subject_id IS NOT DISTINCT FROM $5
              ORDER BY seq LIMIT 1`,
      values: [entry.requestId, entry.action, entry.actorId, entry.subjectType, entry.subjectId],
    };
  } else if (entry.once === 'subject' && entry.subjectId !== null) {
    query = {
      text: `SELECT ${columns} FROM audit_log
              WHERE subject_type = $1 AND subject_id = $2 AND action = $3 ORDER BY seq LIMIT 1`,
      values: [entry.subjectType, entry.subjectId, entry.action],
    };
  }
  if (query === null) return null;
  const { rows } = await client.query<{
    id: string;
    seq: string;
    at_text: string;
    prev_hash: string | null;
    hash: string;
  }>(query);
  const found = rows[0];
  return found
    ? { id: found.id, seq: found.seq, at: found.at_text, prevHash: found.prev_hash, hash: found.hash }
    : null;
}

/** The append itself; `client` is inside a transaction. */
async function appendLocked(client: pg.PoolClient, entry: Normalised): Promise<AuditRecord> {
  await client.query('SELECT pg_advisory_xact_lock($1, $2)', [...AUDIT_CHAIN_LOCK]);
  const earlier = await earlierEntry(client, entry);
  if (earlier) return earlier;
  // A new statement, so a new snapshot (READ COMMITTED): it sees the previous holder's row. The
  // jsonb values go through PostgreSQL once, so we hash exactly what verify will read back.
  const { rows } = await client.query<{
    before: unknown;
    after: unknown;
    seq: string | null;
    hash: string | null;
  }>(
    `SELECT $1::jsonb AS before, $2::jsonb AS after, head.seq::text AS seq, head.hash
       FROM (SELECT 1) AS one
       LEFT JOIN LATERAL (SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1) AS head ON true`,
    [entry.before, entry.after],
  );
  const head = rows[0]!;
  const row: AuditRowFields = {
    id: randomUUID(),
    seq: head.seq === null ? '1' : (BigInt(head.seq) + 1n).toString(),
    at: formatAuditTime(new Date()),
    actorId: entry.actorId,
    actorRole: entry.actorRole,
    actorEmail: entry.actorEmail,
    action: entry.action,
    subjectType: entry.subjectType,
    subjectId: entry.subjectId,
    before: head.before ?? null,
    after: head.after ?? null,
    requestId: entry.requestId,
    ip: entry.ip,
    userAgent: entry.userAgent,
    prevHash: head.hash,
  };
  const hash = auditHash(row);
  await client.query(
    `INSERT INTO audit_log (id, seq, at, actor_id, actor_role, actor_email, action, subject_type, subject_id,
                            before, after, request_id, ip, user_agent, prev_hash, hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11::jsonb, $12, $13, $14, $15, $16)`,
    [
      row.id,
      row.seq,
      row.at,
      row.actorId,
      row.actorRole,
      row.actorEmail,
      row.action,
      row.subjectType,
      row.subjectId,
      entry.before,
      entry.after,
      row.requestId,
      row.ip,
      row.userAgent,
      row.prevHash,
      hash,
    ],
  );
  return { id: row.id, seq: row.seq, at: row.at, prevHash: row.prevHash, hash };
}

function isPoolClient(db: AuditDb): db is pg.PoolClient {
  return typeof (db as Partial<pg.PoolClient>).release === 'function';
}

async function inOwnTransaction(client: pg.PoolClient, entry: Normalised): Promise<AuditRecord> {
  await client.query('BEGIN');
  try {
    const record = await appendLocked(client, entry);
    await client.query('COMMIT');
    return record;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * Appends one entry to the audit log and returns it. With a pool, the append is its own short
 * transaction. With a client, it joins the client's open transaction (behind a savepoint, so a
 * failure here leaves that transaction usable) — the entry then commits or rolls back with the
 * caller's work, and the chain lock is held until the caller commits: keep such transactions
 * short, and READ COMMITTED. A client outside any transaction gets its own transaction.
 * Throws on failure (an AuditEntryError for a malformed entry).
 */
export async function appendAudit(db: AuditDb, input: AuditEntryInput): Promise<AuditRecord> {
  const entry = normaliseEntry(input);
  if (!isPoolClient(db)) {
    const client = await db.connect();
    try {
      return await inOwnTransaction(client, entry);
    } finally {
      client.release();
    }
  }
  try {
    await db.query('SAVEPOINT audit_append');
  } catch (error) {
    // 25P01 no_active_sql_transaction: the client is in autocommit mode.
    if ((error as { code?: string }).code === '25P01') return inOwnTransaction(db, entry);
    throw error;
  }
  try {
    const record = await appendLocked(db, entry);
    await db.query('RELEASE SAVEPOINT audit_append');
    return record;
  } catch (error) {
    await db.query('ROLLBACK TO SAVEPOINT audit_append').catch(() => undefined);
    throw error;
  }
}
