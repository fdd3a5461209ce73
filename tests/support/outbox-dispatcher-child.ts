// A dispatcher in a process of its own, for the crash test (db/outbox/outbox.test.ts): it dispatches
// in batches of DISPATCH_BATCH and, with CRASH_AFTER_ENQUEUE=1, kills itself with SIGKILL right
// after its first batch's jobs were added and before the batch is marked — the worst moment.
import { createRedis } from '../../db/outbox/redis.js';
import { createPool } from '../../db/pool.js';
import { startOutboxDispatcher } from '../../activities/outbox-dispatcher.js';
import { createQueues } from '../../db/outbox/queues.js';

const databaseUrl = process.env.DATABASE_URL!;
const pool = createPool(databaseUrl, 2);
const queues = createQueues(createRedis(), process.env.QUEUE_PREFIX!);
const crash = process.env.CRASH_AFTER_ENQUEUE === '1';
startOutboxDispatcher({
  pool,
  databaseUrl,
  queue: queues.events,
  batchSize: Number(process.env.DISPATCH_BATCH ?? 5),
  pollMs: 50,
  ownerIds: () => [process.env.OWNER_ID!],
  onEnqueued: () => {
    if (crash) process.kill(process.pid, 'SIGKILL');
  },
});
console.log('dispatching');
