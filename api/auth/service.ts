import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { inTransaction } from '../../db/pool.js';
import { recordAuditSafely } from '../audit/log.js';
import { findUserByEmail } from '../../db/users/index.js';
import { isRole } from '../../domain/roles.js';
import type { AppDeps } from '../deps.js';
import { rateLimited, unauthenticated, validationFailed } from '../errors.js';
import { logger } from '../logger.js';
import { authConfig } from './config.js';
import { forgetSessions } from './live-session.js';
import { verifyAgainstDummy, verifyPassword } from '../../db/users/passwords.js';
import { hashRefreshToken, newRefreshToken, signAccessToken, type SessionUser } from './tokens.js';

// Sign-in, refresh-token rotation and sign-out. Used by the /auth routes and, in-process, by the
// Remix login/logout actions, so both get the same throttling and the same answers.

export interface IssuedSession {
  user: SessionUser;
  /** The refresh-token family; also the `sid` claim of the access token. */
  sessionId: string;
  accessToken: string;
  accessTokenExpiresAt: Date;
  /** null only when a page session was refreshed inside the grace window (keep the current cookie). */
  refreshToken: string | null;
  refreshTokenExpiresAt: Date | null;
}

/** An IssuedSession that certainly carries a new refresh token (login, POST /auth/refresh). */
export type TokenPair = IssuedSession & { refreshToken: string; refreshTokenExpiresAt: Date };

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

// U+0000 and lone UTF-16 surrogates cannot be stored in or compared with PostgreSQL text: such an
// email is refused before any query (400), for the API and the login page alike.
// TODO: use the shared text check of api/validate.ts once it lands.
const UNSTORABLE_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function assertStorableEmail(email: string): void {
  if (!UNSTORABLE_TEXT.test(email)) return;
  const message = 'the email contains a NUL character or an unpaired surrogate';
  throw validationFailed([{ path: 'email', code: 'invalid_string', message }], message);
}

const BAD_CREDENTIALS = 'email or password is wrong';
const REFRESH_REJECTED = 'the refresh token is not valid; sign in again';

async function issue(db: pg.Pool | pg.PoolClient, user: SessionUser, familyId: string): Promise<TokenPair> {
  const refreshToken = newRefreshToken();
  const { rows } = await db.query<{ expires_at: Date }>(
    `INSERT INTO refresh_token (user_id, family_id, token_hash, expires_at)
     VALUES ($1, $2, $3, now() + make_interval(secs => $4))
     RETURNING expires_at`,
    [user.id, familyId, hashRefreshToken(refreshToken), authConfig.refreshTokenTtlSeconds],
  );
  const access = await signAccessToken(user, familyId);
  return {
    user,
    sessionId: familyId,
    accessToken: access.token,
    accessTokenExpiresAt: access.expiresAt,
    refreshToken,
    refreshTokenExpiresAt: rows[0]!.expires_at,
  };
}

/** Failures within the window from `ip`: for `email`, and for every email. */
async function recentFailures(pool: pg.Pool, email: string, ip: string) {
  const { rows } = await pool.query<{ for_email: number; for_ip: number }>(
    `SELECT count(*) FILTER (WHERE email = $1)::int AS for_email, count(*)::int AS for_ip
       FROM login_failure
      WHERE ip = $2 AND created_at > now() - make_interval(secs => $3)`,
    [email, ip, authConfig.loginThrottle.windowSeconds],
  );
  return { forEmail: rows[0]?.for_email ?? 0, forIp: rows[0]?.for_ip ?? 0 };
}

async function recordFailure(pool: pg.Pool, email: string, ip: string): Promise<void> {
  await pool.query(
    `WITH cleanup AS (
       DELETE FROM login_failure
        WHERE (email = $1 OR ip = $2) AND created_at <= now() - make_interval(secs => $3)
     )
     INSERT INTO login_failure (email, ip) VALUES ($1, $2)`,
    [email, ip, authConfig.loginThrottle.windowSeconds],
  );
}

/**
 * Checks the credentials and opens a session. Unknown email, wrong password and disabled account
 * all answer the same 401 after the same amount of work. After `maxFailures` failed attempts for
 * one email from one IP, or `maxFailuresPerIp` for any emails from one IP, within the window,
 * answers 429 without checking. A success clears its own email's failures (from that IP) only.
 */
export async function login(
  deps: Pick<AppDeps, 'pool'>,
  input: { email: string; password: string; ip: string },
): Promise<TokenPair> {
  assertStorableEmail(input.email);
  const email = normalizeEmail(input.email);
  const ip = input.ip || 'unknown';
  // Audit: failed attempts have no actor; the attempted email is the subject (the reason is for
  // auditors only — the caller always gets the same answer).
  const auditFailure = (reason: string) =>
    recordAuditSafely(deps.pool, {
      actor: null,
      action: 'auth.login_failed',
      subject: { type: 'email', id: email.slice(0, 200) },
      after: { email, reason },
    });
  const failures = await recentFailures(deps.pool, email, ip);
  const { maxFailures, maxFailuresPerIp } = authConfig.loginThrottle;
  if (failures.forEmail >= maxFailures || failures.forIp >= maxFailuresPerIp) {
    await auditFailure(failures.forEmail >= maxFailures ? 'throttled' : 'throttled_ip');
    throw rateLimited('too many failed sign-in attempts; try again later');
  }
  const user = await findUserByEmail(deps.pool, email);
  const ok = user
    ? await verifyPassword(input.password, user.passwordHash)
    : await verifyAgainstDummy(input.password);
  if (!user || !ok || user.disabled || !isRole(user.role)) {
    await recordFailure(deps.pool, email, ip);
    await auditFailure(
      !user ? 'unknown_email' : !ok ? 'wrong_password' : user.disabled ? 'disabled' : 'invalid_role',
    );
    throw unauthenticated(BAD_CREDENTIALS);
  }
  await deps.pool.query('DELETE FROM login_failure WHERE email = $1 AND ip = $2', [email, ip]);
  const sessionUser: SessionUser = { id: user.id, email: user.email, role: user.role };
  const pair = await issue(deps.pool, sessionUser, randomUUID());
  await recordAuditSafely(deps.pool, {
    actor: sessionUser,
    action: 'auth.login',
    subject: { type: 'user', id: user.id },
    after: { sessionId: pair.sessionId },
  });
  return pair;
}

interface RefreshRow {
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

type RefreshOutcome =
  { ok: true; session: IssuedSession } | { ok: false; reason: string; user?: SessionUser; familyId?: string };

/** Whether the token was still unspent when this request first looked (before queueing for its lock). */
async function unspentOnArrival(pool: pg.Pool, tokenHash: string): Promise<boolean> {
  const { rows } = await pool.query<{ unspent: boolean }>(
    'SELECT used_at IS NULL AS unspent FROM refresh_token WHERE token_hash = $1',
    [tokenHash],
  );
  return rows[0]?.unspent ?? false;
}

/**
 * Rotates a refresh token: the presented one is marked used and a new one in the same family is
 * returned with a new access token. Presenting a token that was already used revokes the whole
 * family (somebody else has a copy) and answers 401, as do unknown, expired and revoked tokens.
 * Two exceptions, both for a token spent moments ago:
 * - a refresh that found the token unspent and then waited while a simultaneous one spent it (a
 *   race, not a replay) gets a new pair of the same family (authConfig.refreshRaceGraceSeconds);
 * - `graceSeconds` (page sessions only) lets a just-rotated token yield an access token alone.
 */
export async function refreshSession(
  deps: Pick<AppDeps, 'pool'>,
  presented: string,
  options: { graceSeconds?: number } = {},
): Promise<IssuedSession> {
  const grace = options.graceSeconds ?? 0;
  if (!presented || presented.length > 512) throw unauthenticated(REFRESH_REJECTED);
  const tokenHash = hashRefreshToken(presented);
  const unspentWhenPresented = await unspentOnArrival(deps.pool, tokenHash);
  const outcome = await inTransaction<RefreshOutcome>(deps.pool, async (client) => {
    const { rows } = await client.query<RefreshRow>(
      `SELECT rt.id, rt.user_id, rt.family_id, rt.used_at, rt.revoked_at,
              rt.expires_at <= now() AS expired,
              (rt.used_at IS NOT NULL AND rt.used_at > now() - make_interval(secs => $2)) AS in_cookie_grace,
              (rt.used_at IS NOT NULL AND rt.used_at > now() - make_interval(secs => $3)) AS in_race_grace,
              u.email, u.role, u.disabled
         FROM refresh_token rt JOIN app_user u ON u.id = rt.user_id
        WHERE rt.token_hash = $1
        FOR UPDATE OF rt`,
      [tokenHash, grace, authConfig.refreshRaceGraceSeconds],
    );
    const row = rows[0];
    if (!row) return { ok: false, reason: 'unknown' };
    if (row.revoked_at) return { ok: false, reason: 'revoked' };
    if (row.expired) return { ok: false, reason: 'expired' };
    const revokeFamily = () =>
      client.query(
        'UPDATE refresh_token SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL',
        [row.family_id],
      );
    if (row.disabled || !isRole(row.role)) {
      await revokeFamily();
      return { ok: false, reason: 'user disabled' };
    }
    const user: SessionUser = { id: row.user_id, email: row.email, role: row.role };
    if (row.used_at) {
      if (grace > 0 && row.in_cookie_grace) {
        const access = await signAccessToken(user, row.family_id);
        return {
          ok: true,
          session: {
            user,
            sessionId: row.family_id,
            accessToken: access.token,
            accessTokenExpiresAt: access.expiresAt,
            refreshToken: null,
            refreshTokenExpiresAt: null,
          },
        };
      }
      if (unspentWhenPresented && row.in_race_grace)
        return { ok: true, session: await issue(client, user, row.family_id) };
      await revokeFamily();
      return { ok: false, reason: 'reused', user, familyId: row.family_id };
    }
    await client.query('UPDATE refresh_token SET used_at = now() WHERE id = $1', [row.id]);
    return { ok: true, session: await issue(client, user, row.family_id) };
  });
  if (!outcome.ok) {
    if (outcome.familyId) forgetSessions([outcome.familyId]);
    if (outcome.reason === 'reused' && outcome.user) {
      // Whoever presented the token is unknown (the owner or a thief): no actor, the owner is the subject.
      await recordAuditSafely(deps.pool, {
        actor: null,
        action: 'auth.refresh_reuse',
        subject: { type: 'user', id: outcome.user.id },
        after: { sessionId: outcome.familyId, email: outcome.user.email, familyRevoked: true },
      });
    }
    throw unauthenticated(
      outcome.reason === 'reused'
        ? 'this refresh token was already used; the session has been ended'
        : REFRESH_REJECTED,
    );
  }
  return outcome.session;
}

/**
 * Ends a session: revokes the refresh-token family `sessionId` of `userId`, and the family of
 * `refreshToken` when given (restricted to `userId` when that is given; holding a refresh token is
 * otherwise proof enough to end its session). Access tokens of those families stop working on the
 * next request (api/auth/live-session.ts).
 */
export async function logout(
  deps: Pick<AppDeps, 'pool'>,
  input: { userId?: string | null; sessionId?: string | null; refreshToken?: string | null },
): Promise<void> {
  const { rows } = await deps.pool.query<{ user_id: string; family_id: string }>(
    `UPDATE refresh_token SET revoked_at = now()
      WHERE revoked_at IS NULL
        AND (($1::uuid IS NOT NULL AND user_id = $1::uuid AND family_id = $2::uuid)
             OR family_id IN (SELECT family_id FROM refresh_token
                               WHERE token_hash = $3 AND ($1::uuid IS NULL OR user_id = $1::uuid)))
      RETURNING user_id, family_id`,
    [
      input.userId ?? null,
      input.sessionId ?? null,
      input.refreshToken ? hashRefreshToken(input.refreshToken) : null,
    ],
  );
  forgetSessions([...(input.sessionId ? [input.sessionId] : []), ...rows.map((row) => row.family_id)]);
  await auditLogout(
    deps,
    input.userId ?? rows[0]?.user_id ?? null,
    input.sessionId ?? rows[0]?.family_id ?? null,
  );
}

/** Audit of a sign-out: the actor is the user whose session ended (looked up for role and email). */
async function auditLogout(deps: Pick<AppDeps, 'pool'>, userId: string | null, sessionId: string | null) {
  if (!userId) return;
  try {
    const { rows } = await deps.pool.query<{ email: string; role: string }>(
      'SELECT email, role FROM app_user WHERE id = $1',
      [userId],
    );
    const user = rows[0];
    if (!user) return;
    await recordAuditSafely(deps.pool, {
      actor: { id: userId, role: user.role, email: user.email },
      action: 'auth.logout',
      subject: { type: 'user', id: userId },
      after: { sessionId },
    });
  } catch (error) {
    // The sign-out itself succeeded; recordAuditSafely logs its own failures, this is the look-up.
    logger.error({ err: error, userId }, 'AUDIT WRITE FAILED: could not look up the user signing out');
  }
}
