// The `events` consumer: one event becomes in-app notifications (per the recipients' preferences),
// email jobs, and webhook deliveries. Every write is keyed by the event id, so running the same job
// twice adds nothing: notification (event, user), email job id (event, user), delivery (endpoint, event).
import type pg from 'pg';
import { DIRECT_EMAIL_EVENTS, TASK_OVERDUE_EVENT, subscriptionMatches } from '../../domain/notifications.js';
import { isRole, type Role } from '../../domain/roles.js';
import {
  endpointsForEvent,
  ensureDelivery,
  getPreferences,
  insertNotification,
  preferenceFor,
  recipientById,
  recipientsWithRoles,
  type Recipient,
} from '../../db/notifications/index.js';
import {
  INTERNAL_RETRIES,
  jobId,
  type EmailJob,
  type EventJob,
  type NotificationQueues,
  type WebhookJob,
} from '../../db/outbox/queues.js';
import { renderEvent } from './templates.js';

export interface FanOutDeps {
  pool: pg.Pool;
  queues: NotificationQueues;
}

export interface FanOutResult {
  notified: number;
  emails: number;
  deliveries: number;
}

const isDirectEmail = (type: string) => (DIRECT_EMAIL_EVENTS as readonly string[]).includes(type);

/** The people an event is for: a task's role (admins too), the person a direct mail names, else the owner. */
async function recipientsOf(pool: pg.Pool, event: EventJob): Promise<Recipient[]> {
  if (event.type === TASK_OVERDUE_EVENT) {
    const role = event.data.requiredRole;
    const roles: Role[] = isRole(role) ? [role, 'admin'] : ['admin'];
    return recipientsWithRoles(pool, roles);
  }
  if (!event.ownerId) return [];
  const owner = await recipientById(pool, event.ownerId);
  return owner ? [owner] : [];
}

export async function fanOutEvent(deps: FanOutDeps, event: EventJob): Promise<FanOutResult> {
  const result: FanOutResult = { notified: 0, emails: 0, deliveries: 0 };
  for (const recipient of await recipientsOf(deps.pool, event)) {
    const preferences = await getPreferences(deps.pool, recipient.id);
    const preference = preferenceFor(preferences, event.type);
    // Direct mails (password reset, invitation) are mail only: a reset link never sits in a list.
    if (preference.inApp && !isDirectEmail(event.type)) {
      const rendered = renderEvent(event, { displayName: recipient.displayName, locale: preferences.locale });
      const added = await insertNotification(deps.pool, {
        eventId: event.id,
        userId: recipient.id,
        type: event.type,
        title: rendered.title,
        body: rendered.text,
        link: rendered.link,
      });
      if (added) result.notified += 1;
    }
    if (preference.email || isDirectEmail(event.type)) {
      await deps.queues.email.add(
        event.type,
        { eventId: event.id, userId: recipient.id } satisfies EmailJob,
        { jobId: jobId(event.id, recipient.id), ...INTERNAL_RETRIES },
      );
      result.emails += 1;
    }
  }
  if (!isDirectEmail(event.type)) result.deliveries = await queueDeliveries(deps, event);
  return result;
}

/** One delivery per endpoint that takes the event; its job id is the delivery's (first round). */
async function queueDeliveries(deps: FanOutDeps, event: EventJob): Promise<number> {
  const endpoints = (await endpointsForEvent(deps.pool, event.ownerId, Date.now())).filter((endpoint) =>
    subscriptionMatches(endpoint.events, event.type),
  );
  let queued = 0;
  for (const endpoint of endpoints) {
    const delivery = await ensureDelivery(deps.pool, {
      endpointId: endpoint.id,
      eventId: event.id,
      eventType: event.type,
    });
    if (delivery.status !== 'PENDING' || delivery.redeliveries > 0) continue; // already under way
    await deps.queues.webhooks.add(event.type, { deliveryId: delivery.id } satisfies WebhookJob, {
      jobId: jobId(delivery.id, 'r0'),
    });
    queued += 1;
  }
  return queued;
}
