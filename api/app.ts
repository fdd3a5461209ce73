import express, { type Express } from 'express';
import cookieParser from 'cookie-parser';
import { resolveDeps, type AppDeps } from './deps.js';
import { errorHandler, notFoundHandler } from './errors.js';
import { healthRouter } from './health.js';
import { httpMetrics, metricsHandler, observeDatabase, observeLedger } from './metrics.js';
import { bodyDepthLimit } from './middleware/body-limits.js';
import { decodablePath } from './middleware/path-encoding.js';
import { requestContext } from './middleware/request-context.js';
import {
  apiCsp,
  apiRateLimit,
  cors,
  corsOriginsFromEnv,
  rateLimitFromEnv,
  requireJsonBody,
  requireSameOrigin,
  securityHeaders,
} from './middleware/security.js';
import { apiRouter, type RouterFactory } from './routes/index.js';
import { mountQueueBoard } from './pages/queue-board.js';
import { apiDocsRouter } from './api-docs.js';

export interface CreateAppOptions extends Partial<AppDeps> {
  /**
   * Mounts the web pages (the Remix request handler) after the API. Called with the app and the
   * resolved deps; everything under /api/v1 is already answered by then.
   */
  mountWeb?: (app: Express, deps: AppDeps) => void;
  /** More routers under /api/v1 (tests mount probe routes here). */
  extraRouters?: RouterFactory[];
  /** Requests per minute per IP over /api/v1; default API_RATE_LIMIT_PER_MINUTE or 1200; 0 disables. */
  apiRateLimitPerMinute?: number;
  /** Browser origins allowed by CORS; default CORS_ORIGINS (comma-separated); empty = closed. */
  corsOrigins?: string[];
  /** JSON body limit for the API (default 100kb). */
  jsonLimit?: string;
}

function trustProxySetting(value = process.env.TRUST_PROXY): boolean | number | string {
  if (!value || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

/**
 * The server's Express app: /healthz and /readyz, the JSON API under /api/v1, then (via
 * `mountWeb`) the pages. Starts nothing and connects to nothing until a request needs it.
 */
export function createApp(options: CreateAppOptions = {}): Express {
  const deps = resolveDeps(options);
  const app = express();
  app.locals.deps = deps;
  app.disable('x-powered-by');
  app.set('trust proxy', trustProxySetting());

  app.use(requestContext());
  app.use(httpMetrics());
  app.use(securityHeaders());
  app.use(cookieParser());
  app.use(healthRouter(deps));
  // Prometheus (api/metrics.ts); METRICS_TOKEN, when set, guards it.
  observeLedger();
  observeDatabase(deps.pool);
  app.get('/metrics', metricsHandler());

  const api = express.Router();
  const corsOrigins = options.corsOrigins ?? corsOriginsFromEnv();
  api.use(cors(corsOrigins));
  api.use(apiCsp());
  api.use(apiRateLimit(options.apiRateLimitPerMinute ?? rateLimitFromEnv()));
  api.use(express.json({ limit: options.jsonLimit ?? '100kb' }));
  api.use(bodyDepthLimit());
  api.use(decodablePath());
  api.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  // CSRF: cookie-authenticated changes come from our own pages; bodies are JSON (or documented multipart).
  api.use(requireSameOrigin({ trustedOrigins: corsOrigins, bearerExempt: true }));
  api.use(requireJsonBody());
  api.use(apiRouter(deps, options.extraRouters));
  api.use(notFoundHandler);
  api.use(errorHandler);
  app.use('/api/v1', api);

  app.use(apiDocsRouter()); // /api/docs: the API reference, rendered from the OpenAPI document
  mountQueueBoard(app, deps); // bull-board at /ops/queues, admins only (before the pages' catch-all)

  // ---- web pages: the lead mounts the Remix request handler here --------------------------------
  options.mountWeb?.(app, deps);

  app.use(errorHandler);
  return app;
}
