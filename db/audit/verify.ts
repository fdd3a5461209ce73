// Verifying the audit log: recomputes the hash chain (GET /audit/log/verify, npm run audit:verify).
import type pg from 'pg';
import { auditHash } from './hash.js';
import type { AuditDb } from './append.js';
import { AUDIT_COLUMNS, toFields, type AuditRow } from './rows.js';

export interface AuditVerifyResult {
  valid: boolean;
  /** Rows checked (all rows when valid; up to and including the first broken one otherwise). */
  entries: number;
  /** The id of the first row whose hash, link or sequence number does not check out. */
  firstBrokenId: string | null;
  /** Why that row is broken: 'hash' (contents edited), 'link' (prev_hash) or 'sequence' (gap). */
  reason: 'hash' | 'link' | 'sequence' | null;
  /**
   * The last entry that checked out (the head when valid). Note it somewhere outside the database:
   * a chain cannot show that its newest entries were removed, a remembered head can.
   */
  head: { seq: string; hash: string } | null;
}

/**
 * Recomputes the whole chain in seq order, `batchSize` rows per query (memory stays flat however
 * long the log is). Checks per row: seq is the previous seq + 1 (the first is 1), prev_hash is the
 * previous row's hash, and hash is the sha256 of the row's contents. Stops at the first failure.
 */
export async function verifyAuditLog(
  db: AuditDb,
  options: { batchSize?: number } = {},
): Promise<AuditVerifyResult> {
  const batchSize = Math.max(1, Math.min(options.batchSize ?? 1000, 10_000));
  let entries = 0;
  let previous: { seq: bigint; hash: string } | null = null;
  for (;;) {
    const after: string = previous ? previous.seq.toString() : '0';
    const { rows }: pg.QueryResult<AuditRow> = await db.query<AuditRow>(
      `SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE seq > $1::bigint ORDER BY audit_log.seq LIMIT $2`,
      [after, batchSize],
    );
    for (const row of rows) {
      entries += 1;
      const seq: bigint = BigInt(row.seq);
      const broken = (reason: 'hash' | 'link' | 'sequence'): AuditVerifyResult => ({
        valid: false,
        entries,
        firstBrokenId: row.id,
        reason,
        head: previous ? { seq: previous.seq.toString(), hash: previous.hash } : null,
      });
      if (seq !== (previous ? previous.seq + 1n : 1n)) return broken('sequence');
      if (row.prev_hash !== (previous ? previous.hash : null)) return broken('link');
      if (auditHash(toFields(row)) !== row.hash) return broken('hash');
      previous = { seq, hash: row.hash };
    }
    if (rows.length < batchSize) break;
  }
  return {
    valid: true,
    entries,
    firstBrokenId: null,
    reason: null,
    head: previous ? { seq: previous.seq.toString(), hash: previous.hash } : null,
  };
}
