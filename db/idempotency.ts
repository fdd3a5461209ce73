// Idempotency records (table idempotency_record): per user and Idempotency-Key one row, a
// placeholder while the first request runs, then its status and JSON body. The HTTP side (which
// answers are stored, replaying them, the 409s) is the middleware in api/idempotency.ts.
import type pg from 'pg';

type Db = pg.Pool | pg.PoolClient;

export interface IdempotencyClaim {
  userId: string;
  key: string;
  method: string;
  path: string;
  requestHash: string;
}

/** The row as the next request with the same key finds it. */
export interface IdempotencyRecord {
  requestHash: string;
  /** null while the first request is still running (a placeholder). */
  statusCode: number | null;
  responseBody: unknown;
  /** The placeholder is older than the staleness limit it was read with. */
  stale: boolean;
}

/** Inserts the placeholder; false when the key is already taken (then read the record). */
export async function claimIdempotencyKey(db: Db, claim: IdempotencyClaim): Promise<boolean> {
  const claimed = await db.query(
    `INSERT INTO idempotency_record (user_id, key, method, path, request_hash)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id, key) DO NOTHING`,
    [claim.userId, claim.key, claim.method, claim.path, claim.requestHash],
  );
  return claimed.rowCount !== 0;
}

/** The record of `key`, with `stale` meaning created more than `staleAfterSeconds` ago; null if gone. */
export async function readIdempotencyRecord(
  db: Db,
  userId: string,
  key: string,
  staleAfterSeconds: number,
): Promise<IdempotencyRecord | null> {
  const { rows } = await db.query<{
    request_hash: string;
    status_code: number | null;
    response_body: unknown;
    stale: boolean;
  }>(
    `SELECT request_hash, status_code, response_body,
            created_at < now() - make_interval(secs => $3) AS stale
       FROM idempotency_record WHERE user_id = $1 AND key = $2`,
    [userId, key, staleAfterSeconds],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    requestHash: row.request_hash,
    statusCode: row.status_code,
    responseBody: row.response_body,
    stale: row.stale,
  };
}

/**
 * Takes over a placeholder older than `staleAfterSeconds` (its request died with its process) by
 * moving created_at forward; true for the one caller that did. Only one of several retries can.
 */
export async function takeOverStaleIdempotencyKey(
  db: Db,
  userId: string,
  key: string,
  staleAfterSeconds: number,
): Promise<boolean> {
  const takenOver = await db.query(
    `UPDATE idempotency_record SET created_at = now()
      WHERE user_id = $1 AND key = $2 AND status_code IS NULL
        AND created_at < now() - make_interval(secs => $3)`,
    [userId, key, staleAfterSeconds],
  );
  return Boolean(takenOver.rowCount);
}

/** Stores the first request's answer on its placeholder (`body` undefined: none). */
export async function storeIdempotentAnswer(
  db: Db,
  userId: string,
  key: string,
  status: number,
  body: unknown,
): Promise<void> {
  await db.query(
    `UPDATE idempotency_record SET status_code = $3, response_body = $4::jsonb, completed_at = now()
      WHERE user_id = $1 AND key = $2 AND status_code IS NULL`,
    [userId, key, status, body === undefined ? null : JSON.stringify(body)],
  );
}

/** Deletes the placeholder (an answer not stored), so the key can be used again. */
export async function releaseIdempotencyKey(db: Db, userId: string, key: string): Promise<void> {
  await db.query('DELETE FROM idempotency_record WHERE user_id = $1 AND key = $2 AND status_code IS NULL', [
    userId,
    key,
  ]);
}
