// Single-use links sent by mail: an invitation's set-password link and a password reset. Only the
// SHA-256 of the token is stored; spending one marks it used in the transaction that sets the
// password, and a new link of the same purpose retires the earlier ones.
import type pg from 'pg';

type Db = pg.Pool | pg.PoolClient;

export type UserTokenPurpose = 'invitation' | 'password_reset';

export async function insertUserToken(
  client: pg.PoolClient,
  token: {
    userId: string;
    purpose: UserTokenPurpose;
    tokenHash: string;
    ttlMs: number;
    createdBy: string | null;
  },
): Promise<Date> {
  // Earlier links of this purpose stop working: only the newest mail counts.
  await client.query(
    `UPDATE user_token SET used_at = now() WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL`,
    [token.userId, token.purpose],
  );
  const { rows } = await client.query<{ expires_at: Date }>(
    `INSERT INTO user_token (user_id, purpose, token_hash, expires_at, created_by)
     VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond', $5) RETURNING expires_at`,
    [token.userId, token.purpose, token.tokenHash, token.ttlMs, token.createdBy],
  );
  const expiresAt = rows[0]?.expires_at;
  if (!expiresAt) throw new Error('user_token insert returned no row');
  return expiresAt;
}

export interface SpendableToken {
  id: string;
  userId: string;
  purpose: UserTokenPurpose;
}

/**
 * The unused, unexpired token with this hash, locked FOR UPDATE in the caller's transaction, and
 * marked used; null when there is none (unknown, used, expired).
 */
export async function spendUserToken(
  client: pg.PoolClient,
  tokenHash: string,
): Promise<SpendableToken | null> {
  const { rows } = await client.query<{ id: string; user_id: string; purpose: UserTokenPurpose }>(
    `UPDATE user_token SET used_at = now()
      WHERE id = (SELECT id FROM user_token
                   WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() FOR UPDATE)
      RETURNING id, user_id, purpose`,
    [tokenHash],
  );
  const row = rows[0];
  return row ? { id: row.id, userId: row.user_id, purpose: row.purpose } : null;
}

/** Whether the user has an invitation that is still open (not used, not expired). */
export async function hasOpenInvitation(db: Db, userId: string): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT 1 FROM user_token WHERE user_id = $1 AND purpose = 'invitation' AND used_at IS NULL AND expires_at > now()`,
    [userId],
  );
  return rows.length > 0;
}
