// The notification centre over HTTP: a person's own notifications (newest first, unread count),
// marking them read, preferences per event type, and a live stream of the unread count (SSE) fed by
// PostgreSQL NOTIFY (db/notifications/listen.ts) — one LISTEN connection per server process.
import type { Request, Response } from 'express';
import { z } from 'zod';
import { config } from '../../db/config.js';
// Not db/outbox/index.js, which loads BullMQ for the worker's side.
import { closeReadinessRedis } from '../../db/outbox/redis.js';
import { closeSharedQueues } from '../../db/outbox/shared-queues.js';
import { inTransaction } from '../../db/pool.js';
import {
  NOTIFICATION_PAGE_MAX,
  getPreferences,
  listNotifications,
  listenForUserNotifications,
  markAllNotificationsRead,
  markNotificationRead,
  putPreferences,
  unreadCount,
  type Notification,
} from '../../db/notifications/index.js';
import { EVENT_TYPE_PATTERN, LOCALES, defaultPreference } from '../../domain/notifications.js';
import type { AppDeps } from '../deps.js';
import { notFound } from '../errors.js';
import { holdStreamOpen, NotificationFanout } from '../notification-fanout.js';
import { uuidSchema } from '../validate.js';
import { listPage, parseInput, type SessionUser } from './common.js';

/** Event types a person is offered in the preferences page (others may be set through the API). */
export const KNOWN_EVENT_TYPES = [
  'deposit.on_hold',
  'deposit.cleared',
  'deposit.rejected',
  'withdrawal.processing',
  'withdrawal.completed',
  'withdrawal.failed',
  'withdrawal.rejected',
  'kyc.approved',
  'kyc.rejected',
  'bank_account.verified',
  'order.filled',
  'order.partially_filled',
  'order.rejected',
  'task.overdue',
] as const;

export const NotificationSchema = z
  .object({
    id: z.string(),
    eventId: z.string(),
    type: z.string(),
    title: z.string(),
    body: z.string(),
    link: z.string().nullable(),
    createdAt: z.string(),
    readAt: z.string().nullable(),
  })
  .meta({ id: 'Notification' });

export const NotificationListSchema = z
  .object({
    items: z.array(NotificationSchema),
    unread: z.number().int(),
    nextCursor: z.string().nullable().meta({ description: 'Pass as ?cursor= for the next (older) page' }),
  })
  .meta({ id: 'NotificationList' });

export const ListNotificationsQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(NOTIFICATION_PAGE_MAX).optional(),
  cursor: z.string().min(1).max(500).optional(),
});

const PreferenceSchema = z.object({ inApp: z.boolean(), email: z.boolean() });
const eventTypeSchema = z
  .string()
  .max(100)
  .regex(EVENT_TYPE_PATTERN, 'an event type such as deposit.cleared');

export const PreferencesSchema = z
  .object({
    locale: z.enum(LOCALES).meta({ description: 'How amounts are written in notifications and mail' }),
    types: z.record(z.string(), PreferenceSchema),
  })
  .meta({ id: 'NotificationPreferences' });

export const PutPreferencesSchema = z
  .object({
    locale: z.enum(LOCALES).optional(),
    types: z
      .record(eventTypeSchema, PreferenceSchema)
      .refine((types) => Object.keys(types).length <= 100, 'at most 100 event types at once')
      .default({}),
  })
  .strict();

export async function listNotificationsFor(
  deps: AppDeps,
  user: SessionUser,
  query: unknown,
): Promise<{ items: Notification[]; unread: number; nextCursor: string | null }> {
  const { limit, cursor } = parseInput(ListNotificationsQuerySchema, query, 'query');
  return listPage(() => listNotifications(deps.pool, user.id, limit ?? 50, cursor ?? null));
}

/** The bell's number: the person's unread notifications. */
export function unreadCountFor(deps: AppDeps, user: SessionUser): Promise<number> {
  return unreadCount(deps.pool, user.id);
}

export async function markReadFor(deps: AppDeps, user: SessionUser, id: string): Promise<Notification> {
  // Another person's notification is "not found" too: no existence leak.
  if (!uuidSchema.safeParse(id).success) throw notFound('no such notification');
  const marked = await markNotificationRead(deps.pool, user.id, id);
  if (!marked) throw notFound('no such notification');
  return marked;
}

export async function markAllReadFor(deps: AppDeps, user: SessionUser): Promise<{ marked: number }> {
  return { marked: await markAllNotificationsRead(deps.pool, user.id) };
}

/** Every known type with its effective choice, plus any other type the person set. */
export async function preferencesFor(
  deps: AppDeps,
  user: SessionUser,
): Promise<z.infer<typeof PreferencesSchema>> {
  const stored = await getPreferences(deps.pool, user.id);
  const types: Record<string, { inApp: boolean; email: boolean }> = {};
  for (const type of KNOWN_EVENT_TYPES) types[type] = stored.types[type] ?? defaultPreference(type);
  return { locale: stored.locale, types: { ...types, ...stored.types } };
}

export async function putPreferencesFor(deps: AppDeps, user: SessionUser, body: unknown) {
  const update = parseInput(PutPreferencesSchema, body, 'body');
  await inTransaction(deps.pool, (client) => putPreferences(client, user.id, update));
  return preferencesFor(deps, user);
}

// ---- live unread count ----------------------------------------------------------------------

// One LISTEN connection per process (db/notifications/listen.ts) fanned out to every open bell of the
// person named by the notification (api/notification-fanout.ts).
let shared: NotificationFanout | undefined;

export async function closeUserNotifications(): Promise<void> {
  await shared?.close();
  shared = undefined;
}

/** SSE `unread` events `{ unread, latest }`: one at once, then after every change of the person's notifications. */
export async function streamNotifications(
  deps: AppDeps,
  user: SessionUser,
  req: Request,
  res: Response,
): Promise<void> {
  shared ??= new NotificationFanout('notifications', ({ onNotification, onError }) =>
    listenForUserNotifications(config.databaseUrl, { onUser: onNotification, onError }),
  );
  const fanout = shared;
  res.status(200).set({
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
  let closed = false;
  let sending = Promise.resolve();
  const send = () => {
    sending = sending.then(async () => {
      if (closed) return;
      try {
        const [unread, page] = await Promise.all([
          unreadCount(deps.pool, user.id),
          listNotifications(deps.pool, user.id, 1),
        ]);
        res.write(`event: unread\ndata: ${JSON.stringify({ unread, latest: page.items[0] ?? null })}\n\n`);
      } catch {
        res.write(`event: error\ndata: {"message":"could not load the notifications"}\n\n`);
      }
    });
  };
  const open = await holdStreamOpen(
    req,
    res,
    () => fanout.subscribe(user.id, send),
    () => {
      closed = true;
    },
  );
  if (open) send();
}

/** The server's connections for notifications: the LISTEN client, the queues, the readiness ping. */
export async function closeNotificationConnections(): Promise<void> {
  await Promise.allSettled([closeUserNotifications(), closeSharedQueues(), closeReadinessRedis()]);
}
