// The `webhooks` consumer: one attempt of one delivery. The delivery row counts the attempts (one
// source of truth); a failed attempt that may be retried moves the job to `delayed` until the
// backoff (domain/notifications.ts retryDelayMs: exponential with jitter) is over; the attempt that
// uses up the policy's attempts makes the delivery DEAD, files it in the dead-letter queue and fails
// the job (bull-board can retry it: one more attempt). A refused target (SSRF guard) is DEAD at once.
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type pg from 'pg';
import { deliveryWithTarget, recordAttempt } from '../../db/notifications/index.js';
import { retryDelayMs, type WebhookPolicy } from '../../domain/notifications.js';
import {
  jobId,
  type DeadLetterJob,
  type NotificationQueues,
  type WebhookJob,
} from '../../db/outbox/queues.js';
import { SIGNATURE_HEADER, signDelivery } from './signature.js';
import { TargetRefusedError, postToTarget, resolveTarget, type Resolver } from './webhook-target.js';

export interface WebhookDeps {
  pool: pg.Pool;
  queues: NotificationQueues;
  policy: WebhookPolicy;
  allowedHosts: ReadonlySet<string>;
  resolve?: Resolver;
  random?: () => number;
}

/** The body of a delivery: exactly what API.md names. */
export function deliveryBody(event: { id: string; type: string; createdAt: string; data: unknown }): string {
  return JSON.stringify({ id: event.id, type: event.type, createdAt: event.createdAt, data: event.data });
}

export async function deliverWebhook(
  deps: WebhookDeps,
  job: Job<WebhookJob>,
  token?: string,
): Promise<string> {
  // One read for the delivery, its endpoint's live secrets and its event (a round trip per attempt).
  const loaded = await deliveryWithTarget(deps.pool, job.data.deliveryId, Date.now());
  if (!loaded) return 'no_delivery';
  const { delivery, endpoint, event } = loaded;
  if (delivery.status === 'DELIVERED') return 'already_delivered';
  if (!endpoint || !event) {
    await recordAttempt(deps.pool, delivery.id, {
      ok: false,
      statusCode: null,
      error: endpoint ? 'the event is gone' : 'the endpoint was deleted',
      final: true,
      nextAttemptAt: null,
    });
    return 'dropped';
  }

  const body = deliveryBody(event);
  const timestampSeconds = Math.floor(Date.now() / 1000);
  let failure: { statusCode: number | null; error: string; permanent: boolean };
  try {
    const target = await resolveTarget(endpoint.url, deps.allowedHosts, deps.resolve);
    const answer = await postToTarget(
      target,
      body,
      {
        'content-type': 'application/json',
        'user-agent': 'clearhouse-webhooks/1',
        [SIGNATURE_HEADER]: signDelivery(endpoint.secrets, timestampSeconds, body),
        'Clearhouse-Event-Id': event.id,
        'Clearhouse-Delivery-Id': delivery.id,
      },
      { timeoutMs: deps.policy.timeoutMs, responseBodyMaxBytes: deps.policy.responseBodyMaxBytes },
    );
    if (answer.statusCode >= 200 && answer.statusCode < 300) {
      await recordAttempt(deps.pool, delivery.id, { ok: true, statusCode: answer.statusCode });
      return 'delivered';
    }
    // A redirect is not followed (it could point inside our network): a failed attempt like a 500.
    failure = {
      statusCode: answer.statusCode,
      error: `answered ${answer.statusCode}${answer.body ? `: ${answer.body.slice(0, 200)}` : ''}`,
      permanent: false,
    };
  } catch (error) {
    failure = {
      statusCode: null,
      error: (error as Error).message,
      permanent: error instanceof TargetRefusedError,
    };
  }

  const attempt = delivery.attempts + 1;
  const final = failure.permanent || attempt >= deps.policy.attempts;
  const delayMs = final ? 0 : retryDelayMs(deps.policy, attempt, (deps.random ?? Math.random)());
  const recorded = await recordAttempt(deps.pool, delivery.id, {
    ok: false,
    statusCode: failure.statusCode,
    error: failure.error,
    final,
    nextAttemptAt: final ? null : new Date(Date.now() + delayMs),
  });
  if (final) {
    await deps.queues.deadLetter.add(
      event.type,
      {
        deliveryId: delivery.id,
        endpointId: endpoint.id,
        eventId: event.id,
        lastError: recorded.lastError,
      } satisfies DeadLetterJob,
      { jobId: jobId(delivery.id, `r${delivery.redeliveries}`, `a${recorded.attempts}`) },
    );
    throw new UnrecoverableError(
      `delivery ${delivery.id} is DEAD after ${recorded.attempts} attempts: ${failure.error}`,
    );
  }
  if (!token) throw new Error(`attempt ${attempt} failed: ${failure.error}`);
  await job.moveToDelayed(Date.now() + delayMs, token);
  throw new DelayedError();
}
