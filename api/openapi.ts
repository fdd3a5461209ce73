import {
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  extendZodWithOpenApi,
  type ResponseConfig,
  type RouteConfig,
} from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { scopeForRoute } from '../domain/api-keys.js';
import { API_KEY_HEADER } from './middleware/api-key.js';

// The OpenAPI document served at /api/v1/openapi.json is generated from the same zod schemas the
// routes validate with. Each router file registers its paths at import time:
//
//   registry.registerPath({
//     method: 'post', path: '/deposits', tags: ['deposits'], security: bearerAuth,
//     request: { headers: idempotencyKeyHeader, body: jsonBody(CreateDepositBody) },
//     responses: { 201: jsonResponse('The deposit', Deposit), ...errorResponses(400, 401, 403, 409, 422) },
//   });
//
// Paths are relative to /api/v1 (the document's server). Give shared schemas a component name with
// `.meta({ id: 'Deposit' })` (or `.openapi('Deposit')`, enabled below).

extendZodWithOpenApi(z);

export const registry = new OpenAPIRegistry();

registry.registerComponent('securitySchemes', 'bearerAuth', {
  type: 'http',
  scheme: 'bearer',
  bearerFormat: 'JWT',
  description: 'Access token from POST /auth/login or /auth/refresh (15 minutes).',
});

registry.registerComponent('securitySchemes', 'apiKeyAuth', {
  type: 'apiKey',
  in: 'header',
  name: API_KEY_HEADER,
  description:
    "A client's API key (POST /api-keys, shown once), for trading programs: only the operations that list it, within the key's scopes.",
});

/** `security` for routes that need a signed-in caller. */
export const bearerAuth: RouteConfig['security'] = [{ bearerAuth: [] }];

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().meta({ example: 'validation_failed' }),
      message: z.string(),
      details: z.unknown(),
    }),
  })
  .meta({ id: 'Error' });

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'validation_failed: the request is malformed (details.issues lists each problem)',
  401: 'unauthenticated: missing, expired or invalid credentials',
  403: 'forbidden: the caller’s role may not do this',
  404: 'not_found (also for another client’s resource)',
  409: 'invalid_state, idempotency_conflict or request_in_progress',
  413: 'payload_too_large',
  422: 'a business rule rejected the request',
  429: 'rate_limited',
  503: 'a dependency is unavailable',
};

/** `responses` entries for the error statuses a route can answer. */
export function errorResponses(...statuses: number[]): Record<number, ResponseConfig> {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: ERROR_DESCRIPTIONS[status] ?? 'error',
        content: { 'application/json': { schema: ErrorSchema } },
      },
    ]),
  );
}

export function jsonBody(
  schema: z.ZodType,
  description?: string,
): NonNullable<RouteConfig['request']>['body'] {
  return { description, required: true, content: { 'application/json': { schema } } };
}

export function jsonResponse(description: string, schema: z.ZodType): ResponseConfig {
  return { description, content: { 'application/json': { schema } } };
}

/** `request.headers` for creating POSTs. */
export const idempotencyKeyHeader = z.object({
  'Idempotency-Key': z
    .string()
    .min(1)
    .max(200)
    .meta({ description: 'Client-chosen key; a retry with the same key returns the first answer.' }),
});

let cached: ReturnType<OpenApiGeneratorV31['generateDocument']> | undefined;
let cachedCount = -1;

export function buildOpenApiDocument() {
  const count = registry.definitions.length;
  if (!cached || count !== cachedCount) {
    cached = new OpenApiGeneratorV31(registry.definitions).generateDocument({
      openapi: '3.1.0',
      info: {
        title: 'clearhouse API',
        version: '1.0.0',
        description:
          'Back office for cash, carbon certificates and securities. Errors: { error: { code, message, details } }.',
      },
      servers: [{ url: '/api/v1' }],
    });
    offerApiKeyWhereAccepted(cached);
    cachedCount = count;
  }
  return cached;
}

/**
 * Operations an API key may call (domain/api-keys.ts API_KEY_ROUTES, the list the middleware
 * enforces) accept the key as an alternative to the access token; the document says so per
 * operation, from that one list, so it cannot drift from what the server does.
 */
function offerApiKeyWhereAccepted(document: ReturnType<OpenApiGeneratorV31['generateDocument']>): void {
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    const concretePath = path.replace(/\{[^}]+\}/g, 'x');
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = item?.[method];
      if (!operation || scopeForRoute(method, concretePath) === null) continue;
      const security = operation.security ?? [];
      if (!security.some((requirement) => 'apiKeyAuth' in requirement))
        operation.security = [...security, { apiKeyAuth: [] }];
    }
  }
}
