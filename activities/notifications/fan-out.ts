// The `events` consumer: one event becomes in-app notifications (per the recipients' preferences),
// email jobs, and webhook deliveries. Every write is keyed by the event id, so running the same job
// twice adds nothing: notification (event, user), email job id (event, user), delivery (endpoint, event).
//
// Round trips are few on purpose (docs/notifications.md, Benchmark): two reads (the audience with
// their preferences, the endpoints), one transaction for every row of the event (one commit, one
// fsync), then one addBulk per queue. A crash between the commit and the adds is a retried job that
// finds its rows and adds the same job ids again.
import type pg from 'pg';
import { DIRECT_EMAIL_EVENTS, TASK_OVERDUE_EVENT, subscriptionMatches } from '../../domain/notifications.js';
import { isRole, type Role } from '../../domain/roles.js';
import {
  audienceFor,
  endpointsForEvent,
  ensureDeliveries,
  insertNotifications,
  type AudienceMember,
  type NewNotification,
} from '../../db/notifications/index.js';
import { inTransaction } from '../../db/pool.js';
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
async function audienceOf(pool: pg.Pool, event: EventJob): Promise<AudienceMember[]> {
  if (event.type === TASK_OVERDUE_EVENT) {
    const role = event.data.requiredRole;
    const roles: Role[] = isRole(role) ? [role, 'admin'] : ['admin'];
    return audienceFor(pool, { roles }, event.type);
  }
  if (!event.ownerId) return [];
  return audienceFor(pool, { ids: [event.ownerId] }, event.type);
}

export async function fanOutEvent(deps: FanOutDeps, event: EventJob): Promise<FanOutResult> {
  const direct = isDirectEmail(event.type);
  const [audience, endpoints] = await Promise.all([
    audienceOf(deps.pool, event),
    direct ? Promise.resolve([]) : endpointsForEvent(deps.pool, event.ownerId, Date.now()),
  ]);
  // Direct mails (password reset, invitation) are mail only: a reset link never sits in a list.
  const notifications: NewNotification[] = direct
    ? []
    : audience
        .filter((member) => member.preference.inApp)
        .map((member) => {
          const rendered = renderEvent(event, { displayName: member.displayName, locale: member.locale });
          return {
            eventId: event.id,
            userId: member.id,
            type: event.type,
            title: rendered.title,
            body: rendered.text,
            link: rendered.link,
          };
        });
  const mailed = audience.filter((member) => direct || member.preference.email);
  const endpointIds = endpoints
    .filter((endpoint) => subscriptionMatches(endpoint.events, event.type))
    .map((endpoint) => endpoint.id);

  const { notified, deliveries } = await inTransaction(deps.pool, async (client) => ({
    notified: await insertNotifications(client, notifications),
    deliveries: await ensureDeliveries(client, { eventId: event.id, eventType: event.type }, endpointIds),
  }));
  // A delivery that is not fresh is under way already (attempted, or a redeliver started its round).
  const fresh = deliveries.filter((delivery) => delivery.status === 'PENDING' && delivery.redeliveries === 0);

  await Promise.all([
    mailed.length > 0
      ? deps.queues.email.addBulk(
          mailed.map((member) => ({
            name: event.type,
            data: { eventId: event.id, userId: member.id } satisfies EmailJob,
            opts: { jobId: jobId(event.id, member.id), ...INTERNAL_RETRIES },
          })),
        )
      : undefined,
    fresh.length > 0
      ? deps.queues.webhooks.addBulk(
          fresh.map((delivery) => ({
            name: event.type,
            data: { deliveryId: delivery.id } satisfies WebhookJob,
            opts: { jobId: jobId(delivery.id, 'r0') },
          })),
        )
      : undefined,
  ]);
  return { notified, emails: mailed.length, deliveries: fresh.length };
}
