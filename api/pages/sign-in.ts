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
import { openSignInStep, sealSignInStep } from '../auth/sign-in-step.js';
import { verifyAccessToken, type SessionUser } from '../auth/tokens.js';

// Sign-in and sign-out for the Remix login/logout actions (in-process, same rules as the API).
// Wire them into the load context's services:
//   login: (email, password, meta) => webLogin(deps, email, password, meta),
//   loginWithCode: (step, code, meta) => webLoginWithCode(deps, step, code, meta),
//   logout: (cookieHeader) => webLogout(deps, cookieHeader),

export type WebLoginResult =
  | { ok: true; user: SessionUser; setCookies: string[] }
  | {
      ok: false;
      status: number;
      code: string;
      message: string;
      /**
       * The password was right and a second factor is asked for (totp_required, totp_invalid): the
       * first step sealed for the code form (api/auth/sign-in-step.ts).
       */
      step?: string;
    };

/** The answers after which the page asks for (another) code instead of the password. */
const SECOND_FACTOR_CODES = new Set(['totp_required', 'totp_invalid']);

/** `meta.ip` should be Express's req.ip (honours TRUST_PROXY), not a raw X-Forwarded-For header. */
export async function webLogin(
  deps: Pick<AppDeps, 'pool'>,
  email: string,
  password: string,
  meta: { ip: string },
  totpCode: string | null = null,
): Promise<WebLoginResult> {
  try {
    const pair = await login(deps, { email, password, ip: meta.ip, totpCode });
    return { ok: true, user: pair.user, setCookies: sessionCookieHeaders(pair) };
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    const failure = { ok: false as const, status: error.status, code: error.code, message: error.message };
    return SECOND_FACTOR_CODES.has(error.code)
      ? { ...failure, step: await sealSignInStep({ email, password }) }
      : failure;
  }
}

/**
 * The code form: the first step from its sealed token, then login() with the code — the same
 * throttle, failure count and audit as a sign-in through POST /auth/login with `totpCode`.
 */
export async function webLoginWithCode(
  deps: Pick<AppDeps, 'pool'>,
  step: string,
  code: string,
  meta: { ip: string },
): Promise<WebLoginResult> {
  const opened = await openSignInStep(step);
  if (!opened)
    return {
      ok: false,
      status: 401,
      code: 'sign_in_step_expired',
      message: 'the sign-in took too long; enter your email and password again',
    };
  return webLogin(deps, opened.email, opened.password, meta, code);
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
