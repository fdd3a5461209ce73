// TOTP secrets and recovery codes of staff members (api/auth/two-factor.ts). A secret is stored as
// it is (verifying a code needs it), so this table is as sensitive as the database credentials;
// recovery codes only as SHA-256 hashes. last_step is the newest step accepted: a code is never
// accepted twice, and the update that records it is the check (two racing sign-ins: one wins).
import type pg from 'pg';

type Db = pg.Pool | pg.PoolClient;

export interface TotpRow {
  secret: string;
  enabled: boolean;
  lastStep: number | null;
}

export async function getTotp(db: Db, userId: string): Promise<TotpRow | null> {
  const { rows } = await db.query<{ secret: string; enabled_at: Date | null; last_step: string | null }>(
    'SELECT secret, enabled_at, last_step FROM user_totp WHERE user_id = $1',
    [userId],
  );
  const row = rows[0];
  return row
    ? {
        secret: row.secret,
        enabled: row.enabled_at !== null,
        lastStep: row.last_step === null ? null : Number(row.last_step),
      }
    : null;
}

/** Starts (or restarts) an enrolment: a new secret, not enabled until a first code confirms it. */
export async function startTotpEnrolment(db: Db, userId: string, secret: string): Promise<void> {
  await db.query(
    `INSERT INTO user_totp (user_id, secret) VALUES ($1, $2)
     ON CONFLICT (user_id) DO UPDATE SET secret = EXCLUDED.secret, enabled_at = NULL, last_step = NULL
       WHERE user_totp.enabled_at IS NULL`,
    [userId, secret],
  );
}

/**
 * Records `step` as used if it is newer than the last one (and enables the secret when `enable`).
 * False when another request used this step or a later one first.
 */
export async function acceptTotpStep(
  db: Db,
  userId: string,
  step: number,
  enable: boolean,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE user_totp SET last_step = $2, enabled_at = CASE WHEN $3 THEN coalesce(enabled_at, now()) ELSE enabled_at END
      WHERE user_id = $1 AND (last_step IS NULL OR last_step < $2) AND ($3 OR enabled_at IS NOT NULL)`,
    [userId, step, enable],
  );
  return rowCount === 1;
}

/** Replaces the user's recovery codes with these hashes. */
export async function replaceRecoveryCodes(
  client: pg.PoolClient,
  userId: string,
  codeHashes: readonly string[],
): Promise<void> {
  await client.query('DELETE FROM user_recovery_code WHERE user_id = $1', [userId]);
  await client.query(`INSERT INTO user_recovery_code (user_id, code_hash) SELECT $1, unnest($2::text[])`, [
    userId,
    codeHashes,
  ]);
}

/** Spends the unused recovery code with this hash; false when there is none. */
export async function spendRecoveryCode(db: Db, userId: string, codeHash: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE user_recovery_code SET used_at = now() WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL`,
    [userId, codeHash],
  );
  return rowCount === 1;
}

export async function unusedRecoveryCodeCount(db: Db, userId: string): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    'SELECT count(*) AS n FROM user_recovery_code WHERE user_id = $1 AND used_at IS NULL',
    [userId],
  );
  return Number(rows[0]?.n ?? 0);
}

/** Removes the second factor (an admin resetting a lost phone). */
export async function removeTotp(client: pg.PoolClient, userId: string): Promise<void> {
  await client.query('DELETE FROM user_totp WHERE user_id = $1', [userId]);
  await client.query('DELETE FROM user_recovery_code WHERE user_id = $1', [userId]);
}
