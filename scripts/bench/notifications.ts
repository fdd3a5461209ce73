// Notification pipeline throughput and lag: `npm run bench:notifications` (BENCH_N events, default 2000).
//
// A scratch database (clearhouse_bench_notifications on DATABASE_URL's server), Redis at REDIS_URL
// under a queue prefix of its own, and a webhook receiver on 127.0.0.1 in this process. BENCH_N
// events are committed to the outbox (BENCH_CONCURRENCY transactions at once, as recordTransition
// would), each for one client with one webhook endpoint; the dispatcher and consumers run here.
// Printed: events per second from the first commit to the last webhook delivered, and p50/p99 lag
// from an event's commit (created_at) to its delivery reaching the receiver.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';

const N = Number(process.env.BENCH_N ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);

function scratchUrl(): string {
  const url = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/clearhouse');
  url.pathname = '/clearhouse_bench_notifications';
  return url.toString();
}

const epochMs = (column: string) => `(extract(epoch FROM ${column}) * 1000)::bigint::text`;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Per job of a queue (completed jobs are kept): waiting (added → taken) and running (taken → done), p50 ms. */
async function jobTimes(queue: Queue) {
  const jobs = await queue.getJobs(['completed'], 0, N + 10);
  const waiting = jobs.map((job) => (job.processedOn ?? Number.NaN) - job.timestamp);
  const running = jobs.map((job) => (job.finishedOn ?? Number.NaN) - (job.processedOn ?? Number.NaN));
  return {
    completed: jobs.length,
    waitingP50: percentile(waiting, 50),
    runningP50: percentile(running, 50),
    runningP99: percentile(running, 99),
  };
}

async function main(): Promise<void> {
  const databaseUrl = scratchUrl();
  process.env.DATABASE_URL = databaseUrl; // before db/config is imported
  const { dropAndCreateDatabase, migrate } = await import('../../db/migrate.js');
  await dropAndCreateDatabase(databaseUrl);
  await migrate(databaseUrl);
  const { createPool, inTransaction } = await import('../../db/pool.js');
  const { insertUser } = await import('../../db/users/index.js');
  const { insertEndpoint } = await import('../../db/notifications/index.js');
  const { createRedis, insertOutboxEvent } = await import('../../db/outbox/index.js');
  const { startNotifications } = await import('../../activities/notifications/run.js');
  const { webhookPolicy } = await import('../../domain/notifications.js');

  const pool = createPool(databaseUrl, CONCURRENCY + 10);
  const deliveredAt = new Map<string, number>();
  let done: () => void = () => undefined;
  const allDelivered = new Promise<void>((resolve) => (done = resolve));
  const receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const { id } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string };
      if (!deliveredAt.has(id)) deliveredAt.set(id, Date.now());
      res.end('ok');
      if (deliveredAt.size === N) done();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

  const ownerId = await insertUser(pool, {
    email: `bench-${randomUUID()}@bench.example`,
    passwordHash: 'x',
    role: 'client',
    displayName: 'Bench Client',
  });
  if (!ownerId) throw new Error('no bench user');
  await insertEndpoint(pool, { ownerId, system: false, url, events: ['*'], secret: 'whsec_bench' });

  const redis = createRedis();
  const prefix = `bench-${randomUUID()}`;
  const running = startNotifications({
    pool,
    databaseUrl,
    connection: redis,
    prefix,
    policy: webhookPolicy({ attempts: 3, backoffFirstMs: 100 }),
    allowedHosts: new Set(['127.0.0.1']),
    concurrency: 32,
  });

  const startedMs = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < N) {
        next += 1;
        await inTransaction(pool, (client) =>
          insertOutboxEvent(client, {
            type: 'deposit.cleared',
            ownerId,
            data: { id: `D-${next}`, amount: '100.00', currency: 'EUR' },
          }),
        );
      }
    }),
  );
  const committedMs = Date.now() - startedMs;
  await allDelivered;
  const elapsedMs = Date.now() - startedMs;
  // Where the time goes, per event: commit → dispatched (outbox_event.dispatched_at) → fanned out
  // (webhook_delivery.created_at) → received here.
  const stamps = await pool.query<{ id: string; created: string; dispatched: string; fanned: string }>(
    `SELECT o.id, ${epochMs('o.created_at')} AS created, ${epochMs('o.dispatched_at')} AS dispatched,
            ${epochMs('d.created_at')} AS fanned
       FROM outbox_event o JOIN webhook_delivery d ON d.event_id = o.id`,
  );
  const stage = (pick: (row: (typeof stamps.rows)[number]) => number) => {
    const values = stamps.rows.map(pick);
    return { p50: percentile(values, 50), p99: percentile(values, 99) };
  };
  const jobs = {
    events: await jobTimes(running.queues.events),
    webhooks: await jobTimes(running.queues.webhooks),
  };
  const lags = stamps.rows.map((row) => (deliveredAt.get(row.id) ?? Number.NaN) - Number(row.created));

  console.log(
    JSON.stringify(
      {
        bench: 'notifications',
        events: N,
        concurrency: CONCURRENCY,
        eventsPerSecond: Math.round((N / elapsedMs) * 1000),
        lagMs: { p50: percentile(lags, 50), p99: percentile(lags, 99), max: percentile(lags, 100) },
        commitsPerSecond: Math.round((N / committedMs) * 1000),
        stagesMs: {
          commitToDispatched: stage((row) => Number(row.dispatched) - Number(row.created)),
          dispatchedToFannedOut: stage((row) => Number(row.fanned) - Number(row.dispatched)),
          fannedOutToReceived: stage((row) => (deliveredAt.get(row.id) ?? Number.NaN) - Number(row.fanned)),
        },
        jobs,
        note: 'commit → webhook delivered, dispatcher + consumers + receiver in one process, Redis at REDIS_URL',
      },
      null,
      2,
    ),
  );
  await running.stop();
  for (const queue of Object.values(running.queues))
    await queue.obliterate({ force: true }).catch(() => undefined);
  await redis.quit();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
  await pool.end();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
