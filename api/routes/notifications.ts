// The notification centre over HTTP (api/services/notifications.ts does the work).
import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../deps.js';
import { asyncHandler } from '../errors.js';
import { currentUser, requireAuth } from '../middleware/auth.js';
import { bearerAuth, errorResponses, jsonBody, jsonResponse, registry } from '../openapi.js';
import {
  ListNotificationsQuerySchema,
  NotificationListSchema,
  NotificationSchema,
  PreferencesSchema,
  PutPreferencesSchema,
  listNotificationsFor,
  markAllReadFor,
  markReadFor,
  preferencesFor,
  putPreferencesFor,
  streamNotifications,
} from '../services/notifications.js';
import { uuidSchema } from '../validate.js';

const tags = ['notifications'];
const idParams = z.object({ id: uuidSchema.meta({ description: 'The notification id' }) });

registry.registerPath({
  method: 'get',
  path: '/notifications',
  tags,
  summary: 'Own notifications, newest first, and the unread count',
  security: bearerAuth,
  request: { query: ListNotificationsQuerySchema },
  responses: { 200: jsonResponse('Notifications', NotificationListSchema), ...errorResponses(400, 401) },
});
registry.registerPath({
  method: 'get',
  path: '/notifications/stream',
  tags,
  summary: 'Server-Sent Events: `unread` ({ unread, latest }) at once and after every change',
  security: bearerAuth,
  responses: { 200: { description: 'text/event-stream' }, ...errorResponses(401) },
});
registry.registerPath({
  method: 'post',
  path: '/notifications/{id}/read',
  tags,
  summary: 'Mark one of one’s notifications read',
  security: bearerAuth,
  request: { params: idParams },
  responses: { 200: jsonResponse('The notification', NotificationSchema), ...errorResponses(401, 404) },
});
registry.registerPath({
  method: 'post',
  path: '/notifications/read-all',
  tags,
  summary: 'Mark all of one’s notifications read',
  security: bearerAuth,
  responses: {
    200: jsonResponse('How many were marked', z.object({ marked: z.number().int() })),
    ...errorResponses(401),
  },
});
registry.registerPath({
  method: 'get',
  path: '/notification-preferences',
  tags,
  summary: 'Per event type: in-app and email; the locale amounts are written in',
  security: bearerAuth,
  responses: { 200: jsonResponse('Preferences', PreferencesSchema), ...errorResponses(401) },
});
registry.registerPath({
  method: 'put',
  path: '/notification-preferences',
  tags,
  summary: 'Set preferences for the event types given (others unchanged) and the locale',
  security: bearerAuth,
  request: { body: jsonBody(PutPreferencesSchema) },
  responses: { 200: jsonResponse('Preferences', PreferencesSchema), ...errorResponses(400, 401) },
});

export function notificationsRouter(deps: AppDeps): Router {
  const router = Router();
  router.get(
    '/notifications',
    requireAuth,
    asyncHandler(async (req, res) => {
      res.json(await listNotificationsFor(deps, currentUser(req), req.query));
    }),
  );
  router.get(
    '/notifications/stream',
    requireAuth,
    asyncHandler(async (req, res) => {
      await streamNotifications(deps, currentUser(req), req, res);
    }),
  );
  router.post(
    '/notifications/read-all',
    requireAuth,
    asyncHandler(async (req, res) => {
      res.json(await markAllReadFor(deps, currentUser(req)));
    }),
  );
  router.post(
    '/notifications/:id/read',
    requireAuth,
    asyncHandler(async (req, res) => {
      res.json(await markReadFor(deps, currentUser(req), String(req.params.id ?? '')));
    }),
  );
  router.get(
    '/notification-preferences',
    requireAuth,
    asyncHandler(async (req, res) => {
      res.json(await preferencesFor(deps, currentUser(req)));
    }),
  );
  router.put(
    '/notification-preferences',
    requireAuth,
    asyncHandler(async (req, res) => {
      res.json(await putPreferencesFor(deps, currentUser(req), req.body));
    }),
  );
  return router;
}
