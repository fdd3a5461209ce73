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
//
// Requests of one session that find its entry missing or expired at the same time share one query
// (each asked on its own before: a client's concurrent reads put several session checks in the
// pool's queue every 2 s, ahead of their own queries; issue 15's read tail). A look-up that was in
// flight when its session was forgotten answers the requests already waiting for it, as it would
// have before, but is not remembered: the next request asks again.

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

/** Look-ups in flight, keyed by session id like `cache`. */
const pending = new Map<string, { userId: string; facts: Promise<Facts> }>();

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

/** What the database says now about the session of `claims`, asked once however many want it. */
function freshFacts(pool: pg.Pool, claims: AccessClaims, nowMs: number): Promise<Facts> {
  const inFlight = pending.get(claims.sessionId);
  if (inFlight && inFlight.userId === claims.id) return inFlight.facts;
  const lookup = { userId: claims.id, facts: lookUp(pool, claims, nowMs) };
  pending.set(claims.sessionId, lookup);
  const settle = () => {
    if (pending.get(claims.sessionId) === lookup) pending.delete(claims.sessionId);
  };
  lookup.facts.then((facts) => {
    // Forgotten (revoked) while in flight: answer the waiting requests, remember nothing.
    if (pending.get(claims.sessionId) === lookup) remember(claims.sessionId, facts);
    settle();
  }, settle);
  return lookup.facts;
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
    facts = await freshFacts(pool, claims, nowMs);
  }
  const { email, role } = facts;
  if (facts.revoked || facts.disabled || email === null || !isRole(role) || role !== claims.role) return null;
  return { id: claims.id, email, role };
}

/** Drops what this process remembers about sessions it has just revoked. */
export function forgetSessions(sessionIds: Iterable<string>): void {
  for (const sessionId of sessionIds) {
    cache.delete(sessionId);
    pending.delete(sessionId);
  }
}

/**
 * Drops what this process remembers about every session of `userId` (disabled, demoted, password
 * reset): their next request asks the database again instead of trusting a 2-second-old answer.
 */
export function forgetUserSessions(userId: string): void {
  for (const [sessionId, facts] of cache) if (facts.userId === userId) cache.delete(sessionId);
  for (const [sessionId, lookup] of pending) if (lookup.userId === userId) pending.delete(sessionId);
}
