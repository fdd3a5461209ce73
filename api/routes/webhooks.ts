// Webhook endpoints and their deliveries over HTTP (api/services/webhooks.ts does the work).
import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../deps.js';
import { asyncHandler } from '../errors.js';
import { currentUser, requireAuth } from '../middleware/auth.js';
import { bearerAuth, errorResponses, jsonBody, jsonResponse, registry } from '../openapi.js';
import {
  CreateWebhookSchema,
  WebhookDeliverySchema,
  WebhookEndpointSchema,
  WebhookWithSecretSchema,
  createWebhookFor,
  deleteWebhookFor,
  listDeliveriesFor,
  listWebhooksFor,
  redeliverFor,
  rotateWebhookSecretFor,
} from '../services/webhooks.js';
import { uuidSchema } from '../validate.js';

const tags = ['webhooks'];
const idParams = z.object({ id: uuidSchema.meta({ description: 'The webhook endpoint id' }) });

registry.registerPath({
  method: 'post',
  path: '/webhooks',
  tags,
  summary: 'Register an endpoint (client: events about them; admin: a system hook for every event)',
  security: bearerAuth,
  request: { body: jsonBody(CreateWebhookSchema) },
  responses: {
    201: jsonResponse('The endpoint with its secret (shown once)', WebhookWithSecretSchema),
    ...errorResponses(400, 401, 403, 422),
  },
});
registry.registerPath({
  method: 'get',
  path: '/webhooks',
  tags,
  summary: 'One’s endpoints',
  security: bearerAuth,
  responses: {
    200: jsonResponse('Endpoints', z.object({ items: z.array(WebhookEndpointSchema) })),
    ...errorResponses(401),
  },
});
registry.registerPath({
  method: 'delete',
  path: '/webhooks/{id}',
  tags,
  summary: 'Remove one of one’s endpoints',
  security: bearerAuth,
  request: { params: idParams },
  responses: { 204: { description: 'Removed' }, ...errorResponses(401, 404) },
});
registry.registerPath({
  method: 'post',
  path: '/webhooks/{id}/rotate-secret',
  tags,
  summary: 'A new secret (shown once); the previous one keeps signing for the overlap window',
  security: bearerAuth,
  request: { params: idParams },
  responses: {
    200: jsonResponse('The endpoint with its new secret', WebhookWithSecretSchema),
    ...errorResponses(401, 404),
  },
});
registry.registerPath({
  method: 'get',
  path: '/webhooks/{id}/deliveries',
  tags,
  summary: 'The endpoint’s deliveries, newest first, with status, attempts and last status code',
  security: bearerAuth,
  request: { params: idParams },
  responses: {
    200: jsonResponse('Deliveries', z.object({ items: z.array(WebhookDeliverySchema) })),
    ...errorResponses(400, 401, 404),
  },
});
registry.registerPath({
  method: 'post',
  path: '/webhooks/{id}/deliveries/{deliveryId}/redeliver',
  tags,
  summary: 'Deliver again: a new round of attempts',
  security: bearerAuth,
  request: { params: idParams.extend({ deliveryId: uuidSchema }) },
  responses: {
    202: jsonResponse('The delivery, PENDING', WebhookDeliverySchema),
    ...errorResponses(401, 404),
  },
});

export function webhooksRouter(deps: AppDeps): Router {
  const router = Router();
  router.post(
    '/webhooks',
    requireAuth,
    asyncHandler(async (req, res) => {
      res.status(201).json(await createWebhookFor(deps, currentUser(req), req.body));
    }),
  );
  router.get(
    '/webhooks',
    requireAuth,
    asyncHandler(async (req, res) => {
      res.json(await listWebhooksFor(deps, currentUser(req)));
    }),
  );
  router.delete(
    '/webhooks/:id',
    requireAuth,
    asyncHandler(async (req, res) => {
      await deleteWebhookFor(deps, currentUser(req), String(req.params.id ?? ''));
      res.status(204).end();
    }),
  );
  router.post(
    '/webhooks/:id/rotate-secret',
    requireAuth,
    asyncHandler(async (req, res) => {
      res.json(await rotateWebhookSecretFor(deps, currentUser(req), String(req.params.id ?? '')));
    }),
  );
  router.get(
    '/webhooks/:id/deliveries',
    requireAuth,
    asyncHandler(async (req, res) => {
      res.json(await listDeliveriesFor(deps, currentUser(req), String(req.params.id ?? ''), req.query));
    }),
  );
  router.post(
    '/webhooks/:id/deliveries/:deliveryId/redeliver',
    requireAuth,
    asyncHandler(async (req, res) => {
      const { id, deliveryId } = req.params;
      res
        .status(202)
        .json(await redeliverFor(deps, currentUser(req), String(id ?? ''), String(deliveryId ?? '')));
    }),
  );
  return router;
}
