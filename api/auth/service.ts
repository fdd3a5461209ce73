import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { inTransaction } from '../../db/pool.js';
import { recordAuditSafely } from '../audit/log.js';
import { findUserByEmail, getUser } from '../../db/users/index.js';
import {
  clearLoginFailures,
  countRecentLoginFailures,
  recordLoginFailure,
} from '../../db/users/login-failures.js';
import {
  insertRefreshToken,
  isRefreshTokenUnspent,
  lockRefreshTokenForRotation,
  markRefreshTokenUsed,
  revokeRefreshFamily,
  revokeSessionFamilies,
} from '../../db/users/refresh-tokens.js';
import { isRole } from '../../domain/roles.js';
import type { AppDeps } from '../deps.js';
import { ApiError, rateLimited, unauthenticated, validationFailed } from '../errors.js';
import { secondFactorNeeded } from '../../domain/admin.js';
import { checkSecondFactor, currentAuthPolicy, totpEnabled } from './two-factor.js';
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
  const refreshTokenExpiresAt = await insertRefreshToken(db, {
    userId: user.id,
    familyId,
    tokenHash: hashRefreshToken(refreshToken),
    ttlSeconds: authConfig.refreshTokenTtlSeconds,
  });
  const access = await signAccessToken(user, familyId);
  return {
    user,
    sessionId: familyId,
    accessToken: access.token,
    accessTokenExpiresAt: access.expiresAt,
    refreshToken,
    refreshTokenExpiresAt,
  };
}

/**
 * Checks the credentials and opens a session. Unknown email, wrong password and disabled account
 * all answer the same 401 after the same amount of work. A staff member with TOTP gives `totpCode`
 * too (a code or a recovery code): without it 401 `totp_required`, wrong 401 `totp_invalid`. After
 * `maxFailures` failed attempts for one email from one IP, or `maxFailuresPerIp` for any emails
 * from one IP, within the window, answers 429 without checking. A success clears its own email's
 * failures (from that IP) only.
 */
export async function login(
  deps: Pick<AppDeps, 'pool'>,
  input: { email: string; password: string; ip: string; totpCode?: string | null },
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
  const { maxFailures, maxFailuresPerIp, windowSeconds } = authConfig.loginThrottle;
  const failures = await countRecentLoginFailures(deps.pool, { email, ip, windowSeconds });
  if (failures.forEmail >= maxFailures || failures.forIp >= maxFailuresPerIp) {
    await auditFailure(failures.forEmail >= maxFailures ? 'throttled' : 'throttled_ip');
    throw rateLimited('too many failed sign-in attempts; try again later');
  }
  const user = await findUserByEmail(deps.pool, email);
  const ok = user
    ? await verifyPassword(input.password, user.passwordHash)
    : await verifyAgainstDummy(input.password);
  if (!user || !ok || user.disabled || !isRole(user.role)) {
    await recordLoginFailure(deps.pool, { email, ip, windowSeconds });
    await auditFailure(
      !user ? 'unknown_email' : !ok ? 'wrong_password' : user.disabled ? 'disabled' : 'invalid_role',
    );
    throw unauthenticated(BAD_CREDENTIALS);
  }
  // The second factor (staff who enrolled, api/auth/two-factor.ts): asked for only after a correct
  // password, so a missing code tells nothing to someone without it; a wrong one counts as a failure.
  const needed = secondFactorNeeded(
    user.role,
    await totpEnabled(deps.pool, user.id),
    currentAuthPolicy().staffTwoFactor,
  );
  if (needed === 'enrolment') {
    await auditFailure('totp_enrolment_required');
    throw new ApiError(
      403,
      'totp_enrolment_required',
      'staff must sign in with two-factor authentication; ask an administrator to help you set it up',
    );
  }
  if (needed === 'code') {
    const code = input.totpCode?.trim() ?? '';
    if (code === '')
      throw new ApiError(401, 'totp_required', 'enter the six-digit code from your authenticator app');
    if (!(await checkSecondFactor(deps.pool, user.id, code))) {
      await recordLoginFailure(deps.pool, { email, ip, windowSeconds });
      await auditFailure('wrong_totp');
      throw new ApiError(401, 'totp_invalid', 'the code is not right; enter the code your app shows now');
    }
  }
  await clearLoginFailures(deps.pool, { email, ip });
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

type RefreshOutcome =
  { ok: true; session: IssuedSession } | { ok: false; reason: string; user?: SessionUser; familyId?: string };

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
  // Whether the token was still unspent when this request first looked (before queueing for its lock).
  const unspentWhenPresented = await isRefreshTokenUnspent(deps.pool, tokenHash);
  const outcome = await inTransaction<RefreshOutcome>(deps.pool, async (client) => {
    const row = await lockRefreshTokenForRotation(client, tokenHash, {
      cookieGraceSeconds: grace,
      raceGraceSeconds: authConfig.refreshRaceGraceSeconds,
    });
    if (!row) return { ok: false, reason: 'unknown' };
    if (row.revokedAt) return { ok: false, reason: 'revoked' };
    if (row.expired) return { ok: false, reason: 'expired' };
    const revokeFamily = () => revokeRefreshFamily(client, row.familyId);
    if (row.disabled || !isRole(row.role)) {
      await revokeFamily();
      return { ok: false, reason: 'user disabled' };
    }
    const user: SessionUser = { id: row.userId, email: row.email, role: row.role };
    if (row.usedAt) {
      if (grace > 0 && row.inCookieGrace) {
        const access = await signAccessToken(user, row.familyId);
        return {
          ok: true,
          session: {
            user,
            sessionId: row.familyId,
            accessToken: access.token,
            accessTokenExpiresAt: access.expiresAt,
            refreshToken: null,
            refreshTokenExpiresAt: null,
          },
        };
      }
      if (unspentWhenPresented && row.inRaceGrace)
        return { ok: true, session: await issue(client, user, row.familyId) };
      await revokeFamily();
      return { ok: false, reason: 'reused', user, familyId: row.familyId };
    }
    await markRefreshTokenUsed(client, row.id);
    return { ok: true, session: await issue(client, user, row.familyId) };
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
  const revoked = await revokeSessionFamilies(deps.pool, {
    userId: input.userId ?? null,
    familyId: input.sessionId ?? null,
    tokenHash: input.refreshToken ? hashRefreshToken(input.refreshToken) : null,
  });
  forgetSessions([...(input.sessionId ? [input.sessionId] : []), ...revoked.map((row) => row.familyId)]);
  await auditLogout(
    deps,
    input.userId ?? revoked[0]?.userId ?? null,
    input.sessionId ?? revoked[0]?.familyId ?? null,
  );
}

/** Audit of a sign-out: the actor is the user whose session ended (looked up for role and email). */
async function auditLogout(deps: Pick<AppDeps, 'pool'>, userId: string | null, sessionId: string | null) {
  if (!userId) return;
  try {
    const user = await getUser(deps.pool, userId);
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
