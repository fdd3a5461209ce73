// API keys over HTTP (admin): issue, list, revoke. api/services/api-keys.ts does the work.
//
// POST /admin/api-keys takes no Idempotency-Key on purpose: a replayed answer would have to be
// stored, and the stored answer carries the key in clear — which is exactly what the table avoids.
// A retried request issues a second key; the admin sees both in the list and revokes the spare.
import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../deps.js';
import { asyncHandler } from '../errors.js';
import { currentUser, requireRole } from '../middleware/auth.js';
import { bearerAuth, errorResponses, jsonBody, jsonResponse, registry } from '../openapi.js';
import {
  ApiKeySchema,
  CreateApiKeyBodySchema,
  CreatedApiKeySchema,
  ListApiKeysQuerySchema,
  createApiKey,
  listApiKeyViews,
  revokeApiKeyById,
} from '../services/api-keys.js';
import { parseInput } from '../services/common.js';
import { listResponseSchema, uuidSchema } from '../validate.js';

const tags = ['admin'];
const security = bearerAuth;
const idParams = z.object({ id: uuidSchema.meta({ description: 'The API key id' }) });

registry.registerPath({
  method: 'post',
  path: '/admin/api-keys',
  tags,
  summary: 'Issue an API key to a client (market maker): the key is in this answer only',
  description:
    'Scopes orders:read, orders:write, market:read. Stored as a SHA-256 hash; `prefix` stays visible. The key authenticates with `X-API-Key` as its owner, within its scopes, under its own rate limit.',
  security,
  request: { body: jsonBody(CreateApiKeyBodySchema) },
  responses: {
    201: jsonResponse('The key, shown once', CreatedApiKeySchema),
    ...errorResponses(400, 401, 403, 404),
  },
});
registry.registerPath({
  method: 'get',
  path: '/admin/api-keys',
  tags,
  summary: 'API keys, newest first (never the keys themselves)',
  security,
  request: { query: ListApiKeysQuerySchema },
  responses: {
    200: jsonResponse('A page of API keys', listResponseSchema(ApiKeySchema)),
    ...errorResponses(400, 401, 403),
  },
});
registry.registerPath({
  method: 'delete',
  path: '/admin/api-keys/{id}',
  tags,
  summary: 'Revoke an API key: its next request is 401',
  security,
  request: { params: idParams },
  responses: { 200: jsonResponse('The revoked key', ApiKeySchema), ...errorResponses(400, 401, 403, 404) },
});

export function apiKeysRouter(deps: AppDeps): Router {
  const router = Router();
  const admin = requireRole('admin');
  router.post(
    '/admin/api-keys',
    admin,
    asyncHandler(async (req, res) => {
      res.status(201).json(await createApiKey(deps, currentUser(req), req.body));
    }),
  );
  router.get(
    '/admin/api-keys',
    admin,
    asyncHandler(async (req, res) => {
      res.json(await listApiKeyViews(deps, currentUser(req), req.query as Record<string, unknown>));
    }),
  );
  router.delete(
    '/admin/api-keys/:id',
    admin,
    asyncHandler(async (req, res) => {
      const { id } = parseInput(idParams, { id: req.params.id }, 'path');
      res.json(await revokeApiKeyById(deps, currentUser(req), id));
    }),
  );
  return router;
}
