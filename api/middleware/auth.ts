import type { Request, RequestHandler, Response } from 'express';
import { hasAnyRole, type Role } from '../../domain/roles.js';
import { resolveSession, setSessionCookies, clearSessionCookies, type SessionUser } from '../auth/session.js';
import { depsOf } from '../deps.js';
import { authenticateApiKey, carriesApiKey } from './api-key.js';
import { bindRequestLog } from './request-context.js';
import { forbidden, unauthenticated } from '../errors.js';

/** Finds the caller (Bearer header, else the page cookies with transparent refresh); sets req.user. */
async function authenticate(req: Request, res: Response): Promise<SessionUser | null> {
  if (req.user) return req.user;
  // X-API-Key: the key's owner within its scopes (api/middleware/api-key.ts); nothing else is looked at.
  if (carriesApiKey(req)) {
    const owner = await authenticateApiKey(req, res);
    if (owner) {
      req.user = owner;
      bindRequestLog(req, { userId: owner.id, apiKeyId: req.apiKey?.id });
    }
    return owner;
  }
  const resolved = await resolveSession(depsOf(req), {
    authorization: req.get('authorization'),
    cookies: (req.cookies ?? {}) as Record<string, string | undefined>,
  });
  if (resolved.refreshed) setSessionCookies(res, resolved.refreshed);
  else if (resolved.clearCookies) clearSessionCookies(res);
  if (!resolved.user || !resolved.claims) return null;
  req.user = resolved.user;
  req.sessionId = resolved.claims.sessionId;
  bindRequestLog(req, { userId: resolved.user.id });
  return resolved.user;
}

/** 401 unauthenticated unless the request carries a valid session; sets `req.user`. */
export const requireAuth: RequestHandler = (req, res, next) => {
  authenticate(req, res).then((user) => next(user ? undefined : unauthenticated()), next);
};

/**
 * requireAuth plus a role check: 403 forbidden unless the caller holds one of `roles`. Uses
 * domain/roles.ts canActAs, so an admin also passes where `operations` is required.
 */
export function requireRole(...roles: Role[]): RequestHandler {
  if (roles.length === 0) throw new Error('requireRole needs at least one role');
  return (req, res, next) => {
    authenticate(req, res).then((user) => {
      if (!user) next(unauthenticated());
      else if (!hasAnyRole(user.role, roles)) next(forbidden());
      else next();
    }, next);
  };
}

/** The authenticated caller inside a handler behind requireAuth/requireRole (throws 401 otherwise). */
export function currentUser(req: Request): SessionUser {
  if (!req.user) throw unauthenticated();
  return req.user;
}
