// The server's producer side of the notification queues (a webhook redelivery, bull-board): one
// Redis connection, opened on first use. BullMQ is loaded then as well: every process that builds
// the API imports this module, and most of them never touch a queue.
import type { NotificationQueues } from './queues.js';
import { lazyOnce } from '../../domain/lazy-once.js';
import { createRedis, queuePrefix } from './redis.js';

const shared = lazyOnce(() =>
  import('./queues.js').then(({ createQueues }) => {
    const redis = createRedis();
    redis.on('error', () => undefined); // a Redis outage shows in /readyz and as failed requests
    return { redis, queues: createQueues(redis, queuePrefix()) };
  }),
);

export function sharedQueues(): Promise<NotificationQueues> {
  return shared.get().then(({ queues }) => queues);
}

export async function closeSharedQueues(): Promise<void> {
  const current = shared.current();
  shared.forget();
  if (!current) return;
  const opened = await current.catch(() => undefined);
  if (!opened) return;
  const { closeQueues } = await import('./queues.js');
  await closeQueues(opened.queues).catch(() => undefined);
  await opened.redis.quit().catch(() => undefined);
}
