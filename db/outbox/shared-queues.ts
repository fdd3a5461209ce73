// The server's producer side of the notification queues (a webhook redelivery, bull-board): one
// Redis connection, opened on first use. BullMQ is loaded then as well: every process that builds
// the API imports this module, and most of them never touch a queue.
import type { NotificationQueues } from './queues.js';
import { createRedis, queuePrefix } from './redis.js';

let shared: Promise<{ redis: ReturnType<typeof createRedis>; queues: NotificationQueues }> | undefined;

export function sharedQueues(): Promise<NotificationQueues> {
  if (!shared) {
    const opening = import('./queues.js').then(({ createQueues }) => {
      const redis = createRedis();
      redis.on('error', () => undefined); // a Redis outage shows in /readyz and as failed requests
      return { redis, queues: createQueues(redis, queuePrefix()) };
    });
    // Once, where it is made (not a handler more per call): a failed opening is tried again.
    opening.catch(() => {
      if (shared === opening) shared = undefined;
    });
    shared = opening;
  }
  return shared.then(({ queues }) => queues);
}

export async function closeSharedQueues(): Promise<void> {
  const current = shared;
  shared = undefined;
  if (!current) return;
  const opened = await current.catch(() => undefined);
  if (!opened) return;
  const { closeQueues } = await import('./queues.js');
  await closeQueues(opened.queues).catch(() => undefined);
  await opened.redis.quit().catch(() => undefined);
}
