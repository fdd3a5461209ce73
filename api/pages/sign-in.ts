import type { AppDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { login, logout } from '../auth/service.js';
import {
  clearSessionCookieHeaders,
  parseCookieHeader,
  REFRESH_COOKIE,
  SESSION_COOKIE,
  sessionCookieHeaders,
} from '../auth/session.js';
import { verifyAccessToken, type SessionUser } from '../auth/tokens.js';

// Sign-in and sign-out for the Remix login/logout actions (in-process, same rules as the API).
// Wire them into the load context's services:
//   login: (email, password, meta) => webLogin(deps, email, password, meta),
//   logout: (cookieHeader) => webLogout(deps, cookieHeader),

export type WebLoginResult =
  | { ok: true; user: SessionUser; setCookies: string[] }
  | { ok: false; status: number; code: string; message: string };

/** `meta.ip` should be Express's req.ip (honours TRUST_PROXY), not a raw X-Forwarded-For header. */
export async function webLogin(
  deps: Pick<AppDeps, 'pool'>,
  email: string,
  password: string,
  meta: { ip: string },
): Promise<WebLoginResult> {
  try {
    const pair = await login(deps, { email, password, ip: meta.ip });
    return { ok: true, user: pair.user, setCookies: sessionCookieHeaders(pair) };
  } catch (error) {
    if (error instanceof ApiError)
      return { ok: false, status: error.status, code: error.code, message: error.message };
    throw error;
  }
}

/** Revokes the session behind the cookies (if any) and returns Set-Cookie values that clear them. */
export async function webLogout(deps: Pick<AppDeps, 'pool'>, cookieHeader: string): Promise<string[]> {
  const cookies = parseCookieHeader(cookieHeader);
  const claims = await verifyAccessToken(cookies[SESSION_COOKIE] ?? '');
  const refreshToken = cookies[REFRESH_COOKIE] ?? null;
  if (claims || refreshToken) {
    await logout(deps, { userId: claims?.id, sessionId: claims?.sessionId, refreshToken });
  }
  return clearSessionCookieHeaders();
}
