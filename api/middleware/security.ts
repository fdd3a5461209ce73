import type { Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';
import { rateLimit } from 'express-rate-limit';
import { ApiError, forbidden, rateLimited } from '../errors.js';
import { registry } from '../openapi.js';

/**
 * Security headers for every answer. CSP is left to the layers (api/pages/mount.ts for pages; apiCsp).
 * Referrer-Policy is same-origin, not helmet's no-referrer: under no-referrer a browser sends
 * `Origin: null` with every form posted without JavaScript, which no origin check can tell apart
 * from a sandboxed foreign page.
 */
export function securityHeaders(): RequestHandler {
  return fixedHeaders(helmet({ contentSecurityPolicy: false, referrerPolicy: { policy: 'same-origin' } }));
}

/** One header a middleware set (a value) or removed (null), in the order it did. */
type HeaderStep = readonly [name: string, value: string | number | readonly string[] | null];

/**
 * What `middleware` does to an answer's headers, found by running it once on a stand-in answer.
 * Only for middleware whose headers never depend on the request, as helmet's with fixed options.
 */
function headerSteps(middleware: RequestHandler): HeaderStep[] {
  const steps: HeaderStep[] = [];
  let passed = false;
  const answer = {
    setHeader(name: string, value: string | number | readonly string[]) {
      steps.push([name, value]);
      return answer;
    },
    removeHeader(name: string) {
      steps.push([name, null]);
    },
  };
  middleware({ headers: {} } as Request, answer as unknown as Response, (error?: unknown) => {
    if (error) throw error;
    passed = true;
  });
  if (!passed) throw new Error('a fixed-header middleware must call next() at once');
  return steps;
}

/**
 * The headers `middleware` sets, applied from a list made once: helmet otherwise walks its dozen
 * middleware functions on every request to set the same values (issue 15, server CPU per request).
 */
export function fixedHeaders(middleware: RequestHandler): RequestHandler {
  const steps = headerSteps(middleware);
  return (_req, res, next) => {
    for (const [name, value] of steps) {
      if (value === null) res.removeHeader(name);
      else res.setHeader(name, value);
    }
    next();
  };
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The host (host[:port]) the caller addressed: X-Forwarded-Host behind a trusted proxy, else Host. */
function addressedHost(req: Request): string | undefined {
  const trust = req.app.get('trust proxy fn') as ((address: string, hop: number) => boolean) | undefined;
  const forwarded = req.get('x-forwarded-host')?.split(',')[0]?.trim();
  if (forwarded && trust?.(req.socket.remoteAddress ?? '', 0)) return forwarded;
  return req.get('host');
}

/** Why a state-changing browser request is refused as cross-site, or null when it may go on. */
export function crossSiteRefusal(req: Request, trustedOrigins: ReadonlySet<string>): string | null {
  const origin = req.get('origin');
  const site = req.get('sec-fetch-site');
  if (origin === undefined) {
    // No Origin: a non-browser client (nothing ambient to abuse) or an old browser; Sec-Fetch-Site
    // still tells a modern browser's cross-site request.
    return site === undefined || site === 'same-origin' || site === 'none'
      ? null
      : `this request came from another site (Sec-Fetch-Site: ${site.slice(0, 40)})`;
  }
  // A form posted under a strict referrer policy, or from a sandboxed frame: only the browser's
  // Sec-Fetch-Site can vouch for it.
  if (origin === 'null') return site === 'same-origin' ? null : 'this request came from an opaque origin';
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return 'the Origin header is not a valid origin';
  }
  if (host && host === addressedHost(req)) return null;
  if (trustedOrigins.has(origin.replace(/\/$/, ''))) return null;
  return `requests from ${origin.slice(0, 200)} may not change anything here`;
}

/**
 * CSRF protection for requests a browser authenticates on its own (cookies): a POST, PUT, PATCH or
 * DELETE must come from our own origin — `Origin`, or `Sec-Fetch-Site` when there is no Origin — or
 * from one of `trustedOrigins` (CORS_ORIGINS). A request sending `Authorization: Bearer` is exempt
 * where bearer tokens are the credential (`bearerExempt`, the API): a foreign page cannot set that
 * header without a CORS preflight. Refusals are 403 forbidden via `refuse` (default: next(error)).
 *
 * A request that passes goes on without its Origin header: Remix's own action check would answer an
 * `Origin: null` (or a proxy's differing X-Forwarded-Host) with an empty 500 page.
 */
export function requireSameOrigin(options: {
  trustedOrigins?: string[];
  bearerExempt: boolean;
  refuse?: (error: ApiError, req: Request, res: Response) => void;
}): RequestHandler {
  const trusted = new Set(options.trustedOrigins ?? []);
  return (req, res, next) => {
    if (!UNSAFE_METHODS.has(req.method)) return next();
    if (options.bearerExempt && /^Bearer\s/i.test(req.get('authorization') ?? '')) return next();
    const refusal = crossSiteRefusal(req, trusted);
    if (refusal) {
      const error = forbidden(`${refusal}; sign in on this site and use its own pages`);
      if (options.refuse) options.refuse(error, req, res);
      else next(error);
      return;
    }
    delete req.headers.origin;
    next();
  };
}

/** A documented API path (`/kyc/documents/{id}`) as a pattern for request paths under /api/v1. */
function pathPattern(openApiPath: string): RegExp {
  const escaped = openApiPath
    .split(/\{[^}]+\}/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/]+');
  return new RegExp(`^${escaped}/?$`);
}

type RegisteredRoute = {
  type: string;
  route?: { method: string; path: string; request?: { body?: { content?: Record<string, unknown> } } };
};

/** The routes documented (api/openapi.ts registry) as taking multipart/form-data. */
function multipartRoutes(): { method: string; pattern: RegExp }[] {
  return (registry.definitions as RegisteredRoute[]).flatMap(({ type, route }) =>
    type === 'route' && route?.request?.body?.content?.['multipart/form-data']
      ? [{ method: route.method.toUpperCase(), pattern: pathPattern(route.path) }]
      : [],
  );
}

function carriesBody(req: Request): boolean {
  const length = Number(req.get('content-length') ?? 0);
  return req.get('transfer-encoding') !== undefined || (Number.isFinite(length) && length > 0);
}

/**
 * Under /api/v1 a request body must be JSON (`application/json`), else 415 unsupported_media_type —
 * a `text/plain` or form body is what a foreign page can send without a preflight. The routes the
 * OpenAPI document lists as multipart/form-data (the KYC upload) take that instead. Requests
 * without a body (most POSTs of commands) are not affected.
 */
export function requireJsonBody(): RequestHandler {
  let multipart: { method: string; pattern: RegExp }[] | undefined;
  return (req, _res, next) => {
    if (!UNSAFE_METHODS.has(req.method) || !carriesBody(req)) return next();
    const type = (req.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (type === 'application/json') return next();
    multipart ??= multipartRoutes();
    const path = req.path;
    if (
      type === 'multipart/form-data' &&
      multipart.some((route) => route.method === req.method && route.pattern.test(path))
    )
      return next();
    const sent = type ? type.slice(0, 100) : 'a body without Content-Type';
    next(
      new ApiError(
        415,
        'unsupported_media_type',
        `this route takes a JSON body (Content-Type: application/json), not ${sent}`,
      ),
    );
  };
}

/** JSON answers need nothing: forbid every kind of content and framing. */
export function apiCsp(): RequestHandler {
  return fixedHeaders(
    helmet.contentSecurityPolicy({
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    }),
  );
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
