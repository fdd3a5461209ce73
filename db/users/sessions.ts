// What the per-request session check of api/auth/live-session.ts asks the database: is the session
// (a refresh-token family) revoked, and is the user behind it still there, enabled, in which role.
import type pg from 'pg';

type Db = pg.Pool | pg.PoolClient;

export interface SessionFacts {
  email: string;
  role: string;
  disabled: boolean;
  /** Some token of the family has been revoked (sign-out, reuse, disabling all revoke it whole). */
  revoked: boolean;
}

/** The facts about session `familyId` of user `userId`, or null when the user row is gone. */
export async function sessionFacts(db: Db, userId: string, familyId: string): Promise<SessionFacts | null> {
  const { rows } = await db.query<SessionFacts>(
    `SELECT u.email, u.role, u.disabled,
            EXISTS (SELECT 1 FROM refresh_token rt
                     WHERE rt.family_id = $2 AND rt.revoked_at IS NOT NULL) AS revoked
       FROM app_user u
      WHERE u.id = $1`,
    [userId, familyId],
  );
  return rows[0] ?? null;
}
