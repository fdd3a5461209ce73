import type { Response as ExpressResponse } from 'express';
import type pg from 'pg';
import type { AppDeps } from '../deps.js';
import { resolveDeps } from '../deps.js';
import { authConfig } from './config.js';
import { liveSessionUser } from './live-session.js';
import { refreshSession, type IssuedSession } from './service.js';
import { verifyAccessToken, type AccessClaims, type SessionUser } from './tokens.js';

// Sessions for API clients and pages.
//
// API clients send `Authorization: Bearer <accessToken>` and refresh explicitly (POST /auth/refresh).
// Pages use two httpOnly, SameSite=Lax cookies set at sign-in: `ch_session` (the same 15-minute
// access token) and `ch_refresh` (the refresh token, 7 days). When `ch_session` is missing or
// expired and `ch_refresh` is valid, the session is refreshed transparently — the refresh token is
// rotated and both cookies are re-set on the answer. A bearer header, when present, is the only
// credential looked at (no cookie fallback, no transparent refresh).

export type { SessionUser } from './tokens.js';

const { session: SESSION_COOKIE, refresh: REFRESH_COOKIE, secure } = authConfig.cookies;

export { SESSION_COOKIE, REFRESH_COOKIE };

export function bearerToken(authorization: string | null | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match ? match[1]! : null;
}

// ---- cookies -------------------------------------------------------------------------------

function serializeCookie(name: string, value: string, maxAgeSeconds: number): string {
  const parts = [`${name}=${encodeURIComponent(value)}`, 'Path=/', 'HttpOnly', 'SameSite=Lax'];
  if (maxAgeSeconds <= 0) parts.push('Max-Age=0', 'Expires=Thu, 01 Jan 1970 00:00:00 GMT');
  else
    parts.push(
      `Max-Age=${maxAgeSeconds}`,
      `Expires=${new Date(Date.now() + maxAgeSeconds * 1000).toUTCString()}`,
    );
  if (secure) parts.push('Secure');
  return parts.join('; ');
}

function secondsUntil(date: Date): number {
  return Math.max(1, Math.floor((date.getTime() - Date.now()) / 1000));
}

/** Set-Cookie header values that store `session` (a null refresh token leaves `ch_refresh` alone). */
export function sessionCookieHeaders(session: IssuedSession): string[] {
  const headers = [
    serializeCookie(SESSION_COOKIE, session.accessToken, secondsUntil(session.accessTokenExpiresAt)),
  ];
  if (session.refreshToken && session.refreshTokenExpiresAt) {
    headers.push(
      serializeCookie(REFRESH_COOKIE, session.refreshToken, secondsUntil(session.refreshTokenExpiresAt)),
    );
  }
  return headers;
}

export function clearSessionCookieHeaders(): string[] {
  return [serializeCookie(SESSION_COOKIE, '', 0), serializeCookie(REFRESH_COOKIE, '', 0)];
}

export function setSessionCookies(res: ExpressResponse, session: IssuedSession): void {
  for (const header of sessionCookieHeaders(session)) res.append('Set-Cookie', header);
}

export function clearSessionCookies(res: ExpressResponse): void {
  for (const header of clearSessionCookieHeaders()) res.append('Set-Cookie', header);
}

/** Parses a Cookie header (for Fetch requests; Express requests have cookie-parser's req.cookies). */
export function parseCookieHeader(header: string | null | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (!name || name in cookies) continue;
    try {
      cookies[name] = decodeURIComponent(value);
    } catch {
      cookies[name] = value;
    }
  }
  return cookies;
}

// ---- resolving a request to a user -------------------------------------------------------------

export interface ResolvedSession {
  user: SessionUser | null;
  /** The access token's claims (sessionId = refresh-token family) when a user was found. */
  claims: AccessClaims | null;
  /** Set when the session was refreshed from `ch_refresh`: store it with setSessionCookies. */
  refreshed: IssuedSession | null;
  /** True when the cookies are dead (refresh failed): clear them. */
  clearCookies: boolean;
}

const NOBODY: ResolvedSession = { user: null, claims: null, refreshed: null, clearCookies: false };

/**
 * The claims and current user of an access token, or null when it is missing, tampered, expired,
 * not ours, or its session or user is no longer good (api/auth/live-session.ts).
 */
async function liveAccess(
  pool: pg.Pool,
  token: string | null | undefined,
): Promise<{ user: SessionUser; claims: AccessClaims } | null> {
  const claims = token ? await verifyAccessToken(token) : null;
  const user = claims ? await liveSessionUser(pool, claims) : null;
  return claims && user ? { user, claims } : null;
}

/**
 * The core of every session check (API middleware, page load context, Remix helpers);
 * transport-neutral. Every access token is checked against the database (cached ~2 s).
 */
export async function resolveSession(
  deps: Pick<AppDeps, 'pool'>,
  input: { authorization?: string | null; cookies: Record<string, string | undefined> },
): Promise<ResolvedSession> {
  if (input.authorization) {
    const access = await liveAccess(deps.pool, bearerToken(input.authorization));
    return access ? { ...NOBODY, ...access } : NOBODY;
  }
  const accessCookie = input.cookies[SESSION_COOKIE];
  const access = await liveAccess(deps.pool, accessCookie);
  if (access) return { ...NOBODY, ...access };
  const refresh = input.cookies[REFRESH_COOKIE];
  if (!refresh) return { ...NOBODY, clearCookies: Boolean(accessCookie) };
  try {
    const session = await refreshSession(deps, refresh, {
      graceSeconds: authConfig.cookieRefreshGraceSeconds,
    });
    return {
      user: session.user,
      claims: { ...session.user, sessionId: session.sessionId },
      refreshed: session,
      clearCookies: false,
    };
  } catch {
    return { ...NOBODY, clearCookies: true };
  }
}

/**
 * For Remix loaders and actions (a Fetch `Request`): the signed-in user or null, plus headers to
 * put on the answer — Set-Cookie when the session was refreshed or must be cleared. Always pass
 * `headers` through, e.g. `return json(data, { headers })` / `redirect('/login', { headers })`.
 */
export async function sessionFromFetchRequest(
  request: Request,
  deps: Pick<AppDeps, 'pool'> = resolveDeps(),
): Promise<{ user: SessionUser | null; sessionId: string | null; headers: Headers }> {
  const resolved = await resolveSession(deps, {
    authorization: request.headers.get('authorization'),
    cookies: parseCookieHeader(request.headers.get('cookie')),
  });
  const headers = new Headers();
  const cookies = resolved.refreshed
    ? sessionCookieHeaders(resolved.refreshed)
    : resolved.clearCookies
      ? clearSessionCookieHeaders()
      : [];
  for (const cookie of cookies) headers.append('Set-Cookie', cookie);
  return { user: resolved.user, sessionId: resolved.claims?.sessionId ?? null, headers };
}
