import type pg from 'pg';
import { isUuid } from '../../domain/ids.js';
import { isRole } from '../../domain/roles.js';
import { sessionFacts } from '../../db/users/sessions.js';
import type { AccessClaims, SessionUser } from './tokens.js';

// Access tokens are signed, but a signature only says who the token was issued to. Every request
// also asks the database whether the session and the user behind it are still good:
//
// - the session (the refresh-token family in the `sid` claim) has not been revoked — sign-out,
//   refresh-token reuse and disabling the account (a trigger, migration ..._session_revocation)
//   all revoke the whole family;
// - the user exists, is not disabled and still has the role the token claims (the caller's role is
//   the database's, never only the token's; a page session refreshes into the new role).
//
// The answer is cached in process memory for SESSION_CHECK_TTL_MS, so a busy page costs one query
// every two seconds, and a change made elsewhere (another server, plain SQL) takes at most that long
// to bite. Revocations made by this process drop their entries at once (forgetSession).

export const SESSION_CHECK_TTL_MS = 2_000;
/** Entries kept at most; the oldest goes first when full. */
export const SESSION_CHECK_CACHE_MAX = 10_000;

/** What the database said about a session, kept for SESSION_CHECK_TTL_MS. */
interface Facts {
  userId: string;
  /** Null when the user row is gone. */
  email: string | null;
  role: string | null;
  disabled: boolean;
  revoked: boolean;
  expiresAtMs: number;
}

/** Keyed by session id (the family); insertion order is age order, so the first key is the oldest. */
const cache = new Map<string, Facts>();

async function lookUp(pool: pg.Pool, claims: AccessClaims, nowMs: number): Promise<Facts> {
  const row = await sessionFacts(pool, claims.id, claims.sessionId);
  return {
    userId: claims.id,
    email: row?.email ?? null,
    role: row?.role ?? null,
    disabled: row?.disabled ?? true,
    revoked: row?.revoked ?? true,
    expiresAtMs: nowMs + SESSION_CHECK_TTL_MS,
  };
}

function remember(sessionId: string, facts: Facts): void {
  cache.delete(sessionId);
  while (cache.size >= SESSION_CHECK_CACHE_MAX) {
    const oldest = cache.keys().next();
    if (oldest.done) break;
    cache.delete(oldest.value);
  }
  cache.set(sessionId, facts);
}

/**
 * The user behind verified access-token claims if their session is still live (see above), else
 * null. What it reads from the database is at most SESSION_CHECK_TTL_MS old.
 */
export async function liveSessionUser(
  pool: pg.Pool,
  claims: AccessClaims,
  nowMs: number = Date.now(),
): Promise<SessionUser | null> {
  if (!isUuid(claims.id) || !isUuid(claims.sessionId)) return null;
  let facts = cache.get(claims.sessionId);
  if (!facts || facts.expiresAtMs <= nowMs || facts.userId !== claims.id) {
    facts = await lookUp(pool, claims, nowMs);
    remember(claims.sessionId, facts);
  }
  const { email, role } = facts;
  if (facts.revoked || facts.disabled || email === null || !isRole(role) || role !== claims.role) return null;
  return { id: claims.id, email, role };
}

/** Drops what this process remembers about sessions it has just revoked. */
export function forgetSessions(sessionIds: Iterable<string>): void {
  for (const sessionId of sessionIds) cache.delete(sessionId);
}

/**
 * Drops what this process remembers about every session of `userId` (disabled, demoted, password
 * reset): their next request asks the database again instead of trusting a 2-second-old answer.
 */
export function forgetUserSessions(userId: string): void {
  for (const [sessionId, facts] of cache) if (facts.userId === userId) cache.delete(sessionId);
}
