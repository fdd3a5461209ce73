// The BullMQ queues of the notification pipeline (docs/notifications.md):
//   events       one job per outbox event, job id = event id (the dispatcher adds them)
//   email        one job per (event, recipient) mail
//   webhooks     one job per delivery round of (endpoint, event)
//   dead-letter  deliveries that used up their attempts, kept for people to look at
// Every queue's keys start with the prefix (QUEUE_PREFIX), so test files and benchmarks never share one.
import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';

export const QUEUE_NAMES = {
  events: 'events',
  email: 'email',
  webhooks: 'webhooks',
  deadLetter: 'dead-letter',
} as const;
export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

/** What the dispatcher puts on `events`: the outbox row, as committed. */
export interface EventJob {
  id: string;
  type: string;
  ownerId: string | null;
  workflowId: string | null;
  data: Record<string, unknown>;
  createdAt: string;
}

export interface EmailJob {
  eventId: string;
  userId: string;
}

export interface WebhookJob {
  deliveryId: string;
}

export interface DeadLetterJob {
  deliveryId: string;
  endpointId: string;
  eventId: string;
  lastError: string | null;
}

/**
 * Completed jobs are kept a day (bounded by count): while a job id is known, adding it again is a
 * no-op, which is what makes a re-dispatched event (crash between enqueue and marking) not run twice.
 * Its consumers are idempotent on their own rows besides.
 */
export const KEEP_JOBS: Pick<JobsOptions, 'removeOnComplete' | 'removeOnFail'> = {
  removeOnComplete: { age: 24 * 60 * 60, count: 100_000 },
  removeOnFail: { age: 7 * 24 * 60 * 60, count: 100_000 },
};

/** Retries of the events and email jobs (a database or SMTP hiccup): a few, doubling from 1 s. */
export const INTERNAL_RETRIES: Pick<JobsOptions, 'attempts' | 'backoff'> = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
};

export type NotificationQueues = { [K in keyof typeof QUEUE_NAMES]: Queue };

export function createQueues(connection: ConnectionOptions, prefix: string): NotificationQueues {
  const make = (name: QueueName) => new Queue(name, { connection, prefix, defaultJobOptions: KEEP_JOBS });
  return {
    events: make(QUEUE_NAMES.events),
    email: make(QUEUE_NAMES.email),
    webhooks: make(QUEUE_NAMES.webhooks),
    deadLetter: make(QUEUE_NAMES.deadLetter),
  };
}

export async function closeQueues(queues: NotificationQueues): Promise<void> {
  await Promise.all(Object.values(queues).map((queue) => queue.close()));
}

export { jobId } from './job-id.js';
