// The staff task inbox over HTTP (api/services/tasks.ts does the work).
import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../deps.js';
import { asyncHandler } from '../errors.js';
import { currentUser, requireAuth } from '../middleware/auth.js';
import { bearerAuth, errorResponses, jsonResponse, registry } from '../openapi.js';
import {
  ListTasksQuerySchema,
  TaskSchema,
  claimTaskFor,
  listTasksFor,
  releaseTaskFor,
} from '../services/tasks.js';
import { listResponseSchema, uuidSchema } from '../validate.js';

const idParams = z.object({ id: uuidSchema.meta({ description: 'The task id' }) });
const tags = ['tasks'];

registry.registerPath({
  method: 'get',
  path: '/tasks',
  tags,
  summary: 'Open and claimed tasks the caller’s role may act on, most urgent first (staff)',
  security: bearerAuth,
  request: { query: ListTasksQuerySchema },
  responses: {
    200: jsonResponse('A page of tasks', listResponseSchema(TaskSchema)),
    ...errorResponses(400, 401, 403),
  },
});
registry.registerPath({
  method: 'post',
  path: '/tasks/{id}/claim',
  tags,
  summary: 'Claim a task',
  security: bearerAuth,
  request: { params: idParams },
  responses: {
    200: jsonResponse('The task, claimed by the caller', TaskSchema),
    ...errorResponses(401, 403, 404, 409),
  },
});
registry.registerPath({
  method: 'post',
  path: '/tasks/{id}/release',
  tags,
  summary: 'Release a task one has claimed',
  security: bearerAuth,
  request: { params: idParams },
  responses: { 200: jsonResponse('The task, open again', TaskSchema), ...errorResponses(401, 403, 404, 409) },
});

export function tasksRouter(deps: AppDeps): Router {
  const router = Router();
  router.get(
    '/tasks',
    requireAuth,
    asyncHandler(async (req, res) => {
      res.json(await listTasksFor(deps, currentUser(req), req.query as Record<string, string>));
    }),
  );
  router.post(
    '/tasks/:id/claim',
    requireAuth,
    asyncHandler(async (req, res) => {
      res.json(await claimTaskFor(deps, currentUser(req), String(req.params.id ?? '')));
    }),
  );
  router.post(
    '/tasks/:id/release',
    requireAuth,
    asyncHandler(async (req, res) => {
      res.json(await releaseTaskFor(deps, currentUser(req), String(req.params.id ?? '')));
    }),
  );
  return router;
}
