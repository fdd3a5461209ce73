import { createHash } from 'node:crypto';

// The audit chain's hashing rule, frozen: changing anything here makes every stored row fail
// verification. (Deliberately not shared with the ledger's or the idempotency canonical JSON, which
// may evolve on their own.)
//
//   hash = sha256_hex( utf8(prev_hash ?? '') || utf8(canonical_json(row without hash)) )
//
// canonical_json: JSON.stringify of the row with object keys sorted (JavaScript's default string
// order, at every depth), no whitespace, members that are undefined dropped. Row fields:
//   id, seq (decimal string), at (ISO 8601 UTC with 6 fractional digits, "2026-11-22T10:00:00.123000Z"),
//   actorId, actorRole, actorEmail, action, subjectType, subjectId, before, after, requestId, ip,
//   userAgent, prevHash — absent values are null. `before`/`after` are hashed exactly as PostgreSQL
//   returns them from jsonb (the writer round-trips them through jsonb before hashing).
// Anyone can recompute it: `SELECT ... ORDER BY seq`, build that object, sort keys, sha256.

export interface AuditRowFields {
  id: string;
  seq: string;
  /** ISO 8601 UTC with microseconds, see formatAuditTime. */
  at: string;
  actorId: string | null;
  actorRole: string | null;
  actorEmail: string | null;
  action: string;
  subjectType: string | null;
  subjectId: string | null;
  before: unknown;
  after: unknown;
  requestId: string | null;
  ip: string | null;
  userAgent: string | null;
  prevHash: string | null;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function sortKeys(value: unknown): Json {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('non-finite number in an audit entry');
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => sortKeys(item));
  if (typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const key of Object.keys(value).sort()) {
      const member = (value as Record<string, unknown>)[key];
      if (member !== undefined) out[key] = sortKeys(member);
    }
    return out;
  }
  throw new TypeError(`unsupported ${typeof value} in an audit entry`);
}

export function canonicalAuditJson(row: AuditRowFields): string {
  return JSON.stringify(sortKeys(row));
}

export function auditHash(row: AuditRowFields): string {
  return createHash('sha256')
    .update(row.prevHash ?? '', 'utf8')
    .update(canonicalAuditJson(row), 'utf8')
    .digest('hex');
}

/** A millisecond JavaScript date as the chain hashes it: ISO 8601 UTC with 6 fractional digits. */
export function formatAuditTime(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new TypeError('invalid date in an audit entry');
  return date.toISOString().replace(/Z$/, '000Z');
}

/**
 * SQL giving `at` in exactly that format from the stored timestamptz (microseconds included, so a
 * sub-millisecond edit is caught too).
 */
export const AUDIT_TIME_SQL = `to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
