import type { RequestHandler } from 'express';
import helmet from 'helmet';
import { rateLimit } from 'express-rate-limit';
import { rateLimited } from '../errors.js';

/** Security headers for every answer. CSP is left to the page layer (Remix sets its own); see apiCsp. */
export function securityHeaders(): RequestHandler {
  return helmet({ contentSecurityPolicy: false });
}

/** JSON answers need nothing: forbid every kind of content and framing. */
export function apiCsp(): RequestHandler {
  return helmet.contentSecurityPolicy({
    useDefaults: false,
    directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
  });
}

/** Origins allowed to call the API from a browser: CORS_ORIGINS, comma-separated. Empty = closed. */
export function corsOriginsFromEnv(value = process.env.CORS_ORIGINS): string[] {
  return (value ?? '')
    .split(',')
    .map((origin) => origin.trim().replace(/\/$/, ''))
    .filter(Boolean);
}

/**
 * CORS, closed by default: only listed origins get Access-Control-* headers (with credentials).
 * A preflight from a listed origin gets 204; from anyone else it falls through (404 under /api/v1).
 */
export function cors(origins: string[]): RequestHandler {
  const allowed = new Set(origins);
  return (req, res, next) => {
    const origin = req.get('origin');
    if (!origin || !allowed.has(origin)) {
      next();
      return;
    }
    res.vary('Origin');
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    res.setHeader(
      'Access-Control-Expose-Headers',
      'X-Request-Id, Idempotent-Replayed, RateLimit, RateLimit-Policy',
    );
    if (req.method === 'OPTIONS' && req.get('access-control-request-method')) {
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, DELETE');
      res.setHeader(
        'Access-Control-Allow-Headers',
        'Authorization, Content-Type, Idempotency-Key, X-Request-Id',
      );
      res.setHeader('Access-Control-Max-Age', '600');
      res.status(204).end();
      return;
    }
    next();
  };
}

/**
 * A generous per-IP limit over the whole API (requests per minute; API_RATE_LIMIT_PER_MINUTE, 0
 * disables). Sign-in has its own, much stricter, failure-based throttle (api/auth/service.ts).
 * The count lives in process memory: with N servers the effective limit is N times this.
 */
export function apiRateLimit(perMinute: number): RequestHandler {
  if (perMinute <= 0) return (_req, _res, next) => next();
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, _res, next) => next(rateLimited()),
  });
}

export function rateLimitFromEnv(value = process.env.API_RATE_LIMIT_PER_MINUTE): number {
  const parsed = Number(value ?? 1200);
  return Number.isFinite(parsed) && parsed >= 0 ? parsed : 1200;
}
