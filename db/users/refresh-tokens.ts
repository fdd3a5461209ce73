// Refresh tokens (table refresh_token, migrations ..._auth and ..._session_revocation). A sign-in
// opens a family; every rotation spends one token and issues the next in the same family; revoking
// the family ends the session. Only the hash of a token is stored. The rules (grace windows, reuse
// detection) are api/auth/service.ts's; these are its statements.
import type pg from 'pg';

type Db = pg.Pool | pg.PoolClient;

/** Stores a new token of `familyId` for `userId`, valid for `ttlSeconds`; returns when it expires. */
export async function insertRefreshToken(
  db: Db,
  input: { userId: string; familyId: string; tokenHash: string; ttlSeconds: number },
): Promise<Date> {
  const { rows } = await db.query<{ expires_at: Date }>(
    `INSERT INTO refresh_token (user_id, family_id, token_hash, expires_at)
     VALUES ($1, $2, $3, now() + make_interval(secs => $4))
     RETURNING expires_at`,
    [input.userId, input.familyId, input.tokenHash, input.ttlSeconds],
  );
  return rows[0]!.expires_at;
}

/** Whether the token with this hash exists and has not been spent yet (no lock taken). */
export async function isRefreshTokenUnspent(db: Db, tokenHash: string): Promise<boolean> {
  const { rows } = await db.query<{ unspent: boolean }>(
    'SELECT used_at IS NULL AS unspent FROM refresh_token WHERE token_hash = $1',
    [tokenHash],
  );
  return rows[0]?.unspent ?? false;
}

/** A presented refresh token and its user, as read (and locked) for a rotation. */
export interface RefreshTokenForRotation {
  id: string;
  userId: string;
  familyId: string;
  usedAt: Date | null;
  revokedAt: Date | null;
  expired: boolean;
  /** Spent less than `cookieGraceSeconds` ago. */
  inCookieGrace: boolean;
  /** Spent less than `raceGraceSeconds` ago. */
  inRaceGrace: boolean;
  email: string;
  role: string;
  disabled: boolean;
}

interface RotationRow {
  id: string;
  user_id: string;
  family_id: string;
  used_at: Date | null;
  revoked_at: Date | null;
  expired: boolean;
  in_cookie_grace: boolean;
  in_race_grace: boolean;
  email: string;
  role: string;
  disabled: boolean;
}

/**
 * The token with this hash and its user, the token's row locked FOR UPDATE until the end of the
 * caller's transaction (give the transaction's client), or null when there is none.
 */
export async function lockRefreshTokenForRotation(
  client: pg.PoolClient,
  tokenHash: string,
  grace: { cookieGraceSeconds: number; raceGraceSeconds: number },
): Promise<RefreshTokenForRotation | null> {
  const { rows } = await client.query<RotationRow>(
    `SELECT rt.id, rt.user_id, rt.family_id, rt.used_at, rt.revoked_at,
            rt.expires_at <= now() AS expired,
            (rt.used_at IS NOT NULL AND rt.used_at > now() - make_interval(secs => $2)) AS in_cookie_grace,
            (rt.used_at IS NOT NULL AND rt.used_at > now() - make_interval(secs => $3)) AS in_race_grace,
            u.email, u.role, u.disabled
       FROM refresh_token rt JOIN app_user u ON u.id = rt.user_id
      WHERE rt.token_hash = $1
      FOR UPDATE OF rt`,
    [tokenHash, grace.cookieGraceSeconds, grace.raceGraceSeconds],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    id: row.id,
    userId: row.user_id,
    familyId: row.family_id,
    usedAt: row.used_at,
    revokedAt: row.revoked_at,
    expired: row.expired,
    inCookieGrace: row.in_cookie_grace,
    inRaceGrace: row.in_race_grace,
    email: row.email,
    role: row.role,
    disabled: row.disabled,
  };
}

/** Marks the token with this id as spent (now). */
export async function markRefreshTokenUsed(db: Db, id: string): Promise<void> {
  await db.query('UPDATE refresh_token SET used_at = now() WHERE id = $1', [id]);
}

/** Revokes every token of the family that is not revoked yet. */
export async function revokeRefreshFamily(db: Db, familyId: string): Promise<void> {
  await db.query('UPDATE refresh_token SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL', [
    familyId,
  ]);
}

/**
 * Revokes the family `familyId` of `userId` (both given), and the family of the token with hash
 * `tokenHash` (restricted to `userId` when that is given). Returns the tokens it revoked, as
 * (user, family) pairs; tokens already revoked are left alone and not returned.
 */
export async function revokeSessionFamilies(
  db: Db,
  input: { userId: string | null; familyId: string | null; tokenHash: string | null },
): Promise<{ userId: string; familyId: string }[]> {
  const { rows } = await db.query<{ user_id: string; family_id: string }>(
    `UPDATE refresh_token SET revoked_at = now()
      WHERE revoked_at IS NULL
        AND (($1::uuid IS NOT NULL AND user_id = $1::uuid AND family_id = $2::uuid)
             OR family_id IN (SELECT family_id FROM refresh_token
                               WHERE token_hash = $3 AND ($1::uuid IS NULL OR user_id = $1::uuid)))
      RETURNING user_id, family_id`,
    [input.userId, input.familyId, input.tokenHash],
  );
  return rows.map((row) => ({ userId: row.user_id, familyId: row.family_id }));
}
