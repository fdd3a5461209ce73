// Failed sign-ins (table login_failure, migration ..._auth), kept for the sign-in throttle of
// api/auth/service.ts: counted per email and IP and per IP within a window, cleared on success.
import type pg from 'pg';

type Db = pg.Pool | pg.PoolClient;

/** Failures from `ip` in the last `windowSeconds`: for `email`, and for every email. */
export async function countRecentLoginFailures(
  db: Db,
  input: { email: string; ip: string; windowSeconds: number },
): Promise<{ forEmail: number; forIp: number }> {
  const { rows } = await db.query<{ for_email: number; for_ip: number }>(
    `SELECT count(*) FILTER (WHERE email = $1)::int AS for_email, count(*)::int AS for_ip
       FROM login_failure
      WHERE ip = $2 AND created_at > now() - make_interval(secs => $3)`,
    [input.email, input.ip, input.windowSeconds],
  );
  return { forEmail: rows[0]?.for_email ?? 0, forIp: rows[0]?.for_ip ?? 0 };
}

/**
 * Records a failure of `email` from `ip`, deleting in the same statement the failures of that email
 * or that IP older than `windowSeconds` (they no longer count).
 */
export async function recordLoginFailure(
  db: Db,
  input: { email: string; ip: string; windowSeconds: number },
): Promise<void> {
  await db.query(
    `WITH cleanup AS (
       DELETE FROM login_failure
        WHERE (email = $1 OR ip = $2) AND created_at <= now() - make_interval(secs => $3)
     )
     INSERT INTO login_failure (email, ip) VALUES ($1, $2)`,
    [input.email, input.ip, input.windowSeconds],
  );
}

/** Forgets the failures of `email` from `ip` (after a successful sign-in). */
export async function clearLoginFailures(db: Db, input: { email: string; ip: string }): Promise<void> {
  await db.query('DELETE FROM login_failure WHERE email = $1 AND ip = $2', [input.email, input.ip]);
}
