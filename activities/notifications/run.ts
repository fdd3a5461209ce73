// The notification pipeline in one process (the worker's, activities/worker.ts): the outbox
// dispatcher and a BullMQ worker per queue. Redis at REDIS_URL, keys under QUEUE_PREFIX.
import { Worker, type ConnectionOptions } from 'bullmq';
import type pg from 'pg';
import type { Transporter } from 'nodemailer';
import { createRedis, queuePrefix } from '../../db/outbox/index.js';
import { webhookPolicy, type WebhookPolicy } from '../../domain/notifications.js';
import { startOutboxDispatcher, type OutboxDispatcher } from '../outbox-dispatcher.js';
import { createMailTransport, sendEventEmail } from './email.js';
import { fanOutEvent } from './fan-out.js';
import {
  QUEUE_NAMES,
  closeQueues,
  createQueues,
  type EmailJob,
  type EventJob,
  type NotificationQueues,
  type WebhookJob,
} from '../../db/outbox/queues.js';
import { deliverWebhook } from './webhook-delivery.js';
import { allowedHostsFromEnv, type Resolver } from './webhook-target.js';

export interface NotificationsSetup {
  pool: pg.Pool;
  databaseUrl: string;
  connection?: ConnectionOptions;
  prefix?: string;
  policy?: WebhookPolicy;
  transport?: Transporter;
  allowedHosts?: ReadonlySet<string>;
  resolve?: Resolver;
  /** Without the dispatcher (a test that runs its own, or a process that only consumes). */
  dispatcher?: boolean;
  pollMs?: number;
  concurrency?: number;
  onError?: (error: unknown) => void;
  /** The dispatcher takes only these owners' events (test files sharing one database). */
  ownerIds?: () => readonly string[];
}

export interface RunningNotifications {
  queues: NotificationQueues;
  dispatcher: OutboxDispatcher | null;
  stop(): Promise<void>;
}

/** WEBHOOK_POLICY_JSON over the defaults (tests and the bench shorten the backoff). */
export function webhookPolicyFromEnv(): WebhookPolicy {
  const text = process.env.WEBHOOK_POLICY_JSON;
  return webhookPolicy(text ? (JSON.parse(text) as Partial<WebhookPolicy>) : {});
}

export function startNotifications(setup: NotificationsSetup): RunningNotifications {
  const connection = setup.connection ?? createRedis();
  const prefix = setup.prefix ?? queuePrefix();
  const queues = createQueues(connection, prefix);
  const policy = setup.policy ?? webhookPolicyFromEnv();
  const transport = setup.transport ?? createMailTransport();
  const allowedHosts = setup.allowedHosts ?? allowedHostsFromEnv();
  const concurrency = setup.concurrency ?? 16;
  const onError = setup.onError ?? (() => undefined);

  const workers = [
    new Worker<EventJob>(QUEUE_NAMES.events, (job) => fanOutEvent({ pool: setup.pool, queues }, job.data), {
      connection,
      prefix,
      concurrency,
    }),
    new Worker<EmailJob>(
      QUEUE_NAMES.email,
      (job) => sendEventEmail({ pool: setup.pool, transport }, job.data),
      {
        connection,
        prefix,
        concurrency: Math.min(concurrency, 4),
      },
    ),
    new Worker<WebhookJob>(
      QUEUE_NAMES.webhooks,
      (job, token) =>
        deliverWebhook(
          { pool: setup.pool, queues, policy, allowedHosts, resolve: setup.resolve },
          job,
          token,
        ),
      { connection, prefix, concurrency },
    ),
  ];
  for (const worker of workers) worker.on('error', onError);

  const dispatcher =
    setup.dispatcher === false
      ? null
      : startOutboxDispatcher({
          pool: setup.pool,
          databaseUrl: setup.databaseUrl,
          queue: queues.events,
          pollMs: setup.pollMs,
          onError,
          ownerIds: setup.ownerIds,
        });

  return {
    queues,
    dispatcher,
    async stop() {
      await dispatcher?.stop();
      await Promise.all(workers.map((worker) => worker.close()));
      await closeQueues(queues);
      if (!setup.transport) transport.close();
      if (!setup.connection && typeof (connection as { quit?: unknown }).quit === 'function') {
        await (connection as { quit(): Promise<unknown> }).quit().catch(() => undefined);
      }
    },
  };
}
