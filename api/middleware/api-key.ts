// `X-API-Key: <key>` authentication (issue 14). api/middleware/auth.ts hands a request that carries
// the header here instead of looking at Bearer tokens or cookies; everything behind requireAuth and
// requireRole then sees the key's owner as `req.user`, as if they had signed in — within the key's
// scopes (domain/api-keys.ts scopeForRoute).
//
// Order of the checks: the header's shape (401), the key by its SHA-256 (401 unknown), the key's
// standing — revoked, expired, owner disabled or no longer a client (401) —, the route's scope
// (403), the key's own rate limit (429), then the use is recorded. The lookup is not cached, so a
// revocation or a disabled owner bites on the very next request.
import type { Request, RequestHandler, Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { apiKeyAuthFacts, touchApiKey } from '../../db/api-keys/index.js';
import {
  apiKeyStanding,
  isApiKeyScope,
  isApiKeyShape,
  scopeForRoute,
  type ApiKeyScope,
} from '../../domain/api-keys.js';
import { hashOpaqueToken, type SessionUser } from '../auth/tokens.js';
import { depsOf } from '../deps.js';
import { forbidden, rateLimited } from '../errors.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set when the caller authenticated with X-API-Key (then `user` is the key's owner). */
      apiKey?: { id: string; scopes: ApiKeyScope[]; rateLimitPerMinute: number };
    }
  }
}

export const API_KEY_HEADER = 'X-API-Key';
/** lastUsedAt is written at most this often per key. */
export const API_KEY_TOUCH_EVERY_MS = 5_000;
const API_PREFIX = '/api/v1';

export function carriesApiKey(req: Request): boolean {
  return req.get(API_KEY_HEADER) !== undefined;
}

/** The request's path under /api/v1, without the query: what domain/api-keys.ts scopes. */
function apiPath(req: Request): string {
  const path = req.originalUrl.split('?')[0] ?? '';
  return path.startsWith(API_PREFIX) ? path.slice(API_PREFIX.length) || '/' : path;
}

/**
 * One limiter for every key, counting per key id (not per IP: several market makers may share an
 * egress address, and one key must not eat another's budget). The limit is the key's own
 * (api_key.rate_limit_per_minute). In process memory, like the API's per-IP limit: with N servers a
 * key gets N times its limit.
 */
const perKeyLimiter: RequestHandler = rateLimit({
  windowMs: 60_000,
  limit: (req: Request) => req.apiKey?.rateLimitPerMinute ?? 1,
  keyGenerator: (req: Request) => `api-key:${req.apiKey?.id ?? 'none'}`,
  standardHeaders: 'draft-8',
  legacyHeaders: false,
  handler: (_req, _res, next) => next(rateLimited('this API key has made too many requests; slow down')),
});

function runLimiter(req: Request, res: Response): Promise<void> {
  return new Promise((resolve, reject) => {
    void perKeyLimiter(req, res, (error?: unknown) => (error ? reject(error) : resolve()));
  });
}

/**
 * The key's owner, or null (401) when the key is malformed, unknown, revoked, expired, or its
 * owner disabled. Throws 403 when the route is outside the key's scopes, 429 past its rate limit.
 */
export async function authenticateApiKey(req: Request, res: Response): Promise<SessionUser | null> {
  const key = req.get(API_KEY_HEADER);
  if (!isApiKeyShape(key)) return null;
  const { pool } = depsOf(req);
  const facts = await apiKeyAuthFacts(pool, hashOpaqueToken(key));
  if (!facts) return null;
  const standing = apiKeyStanding(
    {
      expiresAtMs: facts.expiresAt?.getTime() ?? null,
      revokedAtMs: facts.revokedAt?.getTime() ?? null,
      ownerDisabled: facts.ownerDisabled,
      ownerRole: facts.ownerRole,
    },
    Date.now(),
  );
  if (standing !== 'good') {
    req.log.info({ apiKeyId: facts.id, standing }, 'API key refused');
    return null;
  }
  const scopes = facts.scopes.filter(isApiKeyScope);
  const path = apiPath(req);
  const needed = scopeForRoute(req.method, path);
  if (needed === null) throw forbidden(`API keys may not call ${req.method} ${path}`);
  if (!scopes.includes(needed)) throw forbidden(`this API key lacks the scope ${needed}`);
  req.apiKey = { id: facts.id, scopes, rateLimitPerMinute: facts.rateLimitPerMinute };
  await runLimiter(req, res);
  await touchApiKey(pool, facts.id, API_KEY_TOUCH_EVERY_MS);
  // Only clients hold keys (apiKeyStanding), so the owner's role is 'client'.
  return { id: facts.ownerId, email: facts.ownerEmail, role: 'client' };
}
