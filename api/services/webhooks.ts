// Webhook endpoints over HTTP: a client registers endpoints for events about them, an admin system
// hooks for every event of the types named. The secret is answered once (at creation and at each
// rotation); the previous one keeps signing for the policy's overlap window. Targets are checked
// against SSRF here at registration and again by the consumer at every attempt.
import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { z } from 'zod';
import {
  DELIVERY_PAGE_MAX,
  deleteEndpoint,
  getOwnEndpoint,
  insertEndpoint,
  listDeliveries,
  listEndpoints,
  resetForRedelivery,
  rotateEndpointSecret,
  type WebhookDelivery,
  type WebhookEndpoint,
} from '../../db/notifications/index.js';
// Not db/outbox/index.js, which loads BullMQ for the worker's side.
import { jobId } from '../../db/outbox/job-id.js';
import type { WebhookJob } from '../../db/outbox/queues.js';
import { sharedQueues } from '../../db/outbox/shared-queues.js';
import { EVENT_SUBSCRIPTION_PATTERN, webhookPolicy, type WebhookPolicy } from '../../domain/notifications.js';
import { TargetRefusedError, parseAllowedHosts, resolveTarget } from '../../domain/webhook-targets.js';
import type { AppDeps } from '../deps.js';
import { forbidden, notFound, unprocessable } from '../errors.js';
import { uuidSchema } from '../validate.js';
import { parseInput, type SessionUser } from './common.js';

export const WebhookEndpointSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.string()),
    system: z.boolean().meta({ description: 'An admin’s hook: every event of its types' }),
    createdAt: z.string(),
    previousSecretExpiresAt: z.string().nullable(),
  })
  .meta({ id: 'WebhookEndpoint' });

export const WebhookWithSecretSchema = WebhookEndpointSchema.extend({
  secret: z.string().meta({ description: 'Shown once: store it now' }),
}).meta({ id: 'WebhookEndpointWithSecret' });

export const WebhookDeliverySchema = z
  .object({
    id: z.string(),
    eventId: z.string(),
    event: z.string(),
    status: z.enum(['PENDING', 'DELIVERED', 'FAILED', 'DEAD']),
    attempts: z.number().int(),
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    nextAttemptAt: z.string().nullable(),
    createdAt: z.string(),
    deliveredAt: z.string().nullable(),
  })
  .meta({ id: 'WebhookDelivery' });

export const CreateWebhookSchema = z
  .object({
    url: z.string().min(1).max(2000).meta({ example: 'https://hooks.example.com/clearhouse' }),
    events: z
      .array(z.string().max(100).regex(EVENT_SUBSCRIPTION_PATTERN, 'an event type, "<subject>.*" or "*"'))
      .min(1)
      .max(50)
      .meta({ example: ['deposit.cleared', 'order.filled'] }),
  })
  .strict();

const MAX_ENDPOINTS_PER_OWNER = 20;

function policy(): WebhookPolicy {
  const text = process.env.WEBHOOK_POLICY_JSON;
  return webhookPolicy(text ? (JSON.parse(text) as Partial<WebhookPolicy>) : {});
}

const newSecret = () => `whsec_${randomBytes(32).toString('base64url')}`;

const view = (endpoint: WebhookEndpoint) => ({
  id: endpoint.id,
  url: endpoint.url,
  events: endpoint.events,
  system: endpoint.system,
  createdAt: endpoint.createdAt,
  previousSecretExpiresAt: endpoint.previousSecretExpiresAt,
});

const deliveryView = (delivery: WebhookDelivery) => ({
  id: delivery.id,
  eventId: delivery.eventId,
  event: delivery.event,
  status: delivery.status,
  attempts: delivery.attempts,
  lastStatusCode: delivery.lastStatusCode,
  lastError: delivery.lastError,
  nextAttemptAt: delivery.nextAttemptAt,
  createdAt: delivery.createdAt,
  deliveredAt: delivery.deliveredAt,
});

/** 422 webhook_target_refused with the reason when the URL may not be a webhook target. */
async function checkTarget(url: string): Promise<void> {
  try {
    await resolveTarget(url, parseAllowedHosts(process.env.WEBHOOK_ALLOWED_HOSTS), (host) =>
      lookup(host, { all: true, verbatim: true }),
    );
  } catch (error) {
    if (error instanceof TargetRefusedError) {
      throw unprocessable('webhook_target_refused', error.message, { reason: error.problem.code });
    }
    throw error;
  }
}

function requireOwnerRole(user: SessionUser): void {
  if (user.role !== 'client' && user.role !== 'admin')
    throw forbidden('only clients and admins register webhooks');
}

export async function createWebhookFor(deps: AppDeps, user: SessionUser, body: unknown) {
  requireOwnerRole(user);
  const input = parseInput(CreateWebhookSchema, body, 'body');
  await checkTarget(input.url);
  if ((await listEndpoints(deps.pool, user.id)).length >= MAX_ENDPOINTS_PER_OWNER) {
    throw unprocessable('too_many_webhooks', `at most ${MAX_ENDPOINTS_PER_OWNER} webhook endpoints`);
  }
  const secret = newSecret();
  const endpoint = await insertEndpoint(deps.pool, {
    ownerId: user.id,
    system: user.role === 'admin',
    url: input.url,
    events: [...new Set(input.events)],
    secret,
  });
  return { ...view(endpoint), secret };
}

export async function listWebhooksFor(deps: AppDeps, user: SessionUser) {
  return { items: (await listEndpoints(deps.pool, user.id)).map(view) };
}

async function ownEndpoint(deps: AppDeps, user: SessionUser, id: string): Promise<WebhookEndpoint> {
  const endpoint = uuidSchema.safeParse(id).success ? await getOwnEndpoint(deps.pool, user.id, id) : null;
  if (!endpoint) throw notFound('no such webhook');
  return endpoint;
}

export async function deleteWebhookFor(deps: AppDeps, user: SessionUser, id: string): Promise<void> {
  requireOwnerRole(user);
  await ownEndpoint(deps, user, id);
  if (!(await deleteEndpoint(deps.pool, user.id, id))) throw notFound('no such webhook');
}

export async function rotateWebhookSecretFor(deps: AppDeps, user: SessionUser, id: string) {
  requireOwnerRole(user);
  await ownEndpoint(deps, user, id);
  const secret = newSecret();
  const rotated = await rotateEndpointSecret(
    deps.pool,
    user.id,
    id,
    secret,
    new Date(Date.now() + policy().secretOverlapMs),
  );
  if (!rotated) throw notFound('no such webhook');
  return { ...view(rotated), secret };
}

export async function listDeliveriesFor(deps: AppDeps, user: SessionUser, id: string, query: unknown) {
  const endpoint = await ownEndpoint(deps, user, id);
  const { limit } = parseInput(
    z.object({ limit: z.coerce.number().int().min(1).max(DELIVERY_PAGE_MAX).optional() }),
    query,
    'query',
  );
  return { items: (await listDeliveries(deps.pool, endpoint.id, limit ?? 50)).map(deliveryView) };
}

/** A new round for one delivery: PENDING, attempts from zero, a job of its own (202). */
export async function redeliverFor(deps: AppDeps, user: SessionUser, id: string, deliveryId: string) {
  requireOwnerRole(user);
  const endpoint = await ownEndpoint(deps, user, id);
  if (!uuidSchema.safeParse(deliveryId).success) throw notFound('no such delivery');
  const delivery = await resetForRedelivery(deps.pool, endpoint.id, deliveryId);
  if (!delivery) throw notFound('no such delivery');
  await (
    await sharedQueues()
  ).webhooks.add(delivery.event, { deliveryId: delivery.id } satisfies WebhookJob, {
    jobId: jobId(delivery.id, `r${delivery.redeliveries}`),
  });
  return deliveryView(delivery);
}
