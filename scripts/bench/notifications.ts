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

const N = Number(process.env.BENCH_N ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);

function scratchUrl(): string {
  const url = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/clearhouse');
  url.pathname = '/clearhouse_bench_notifications';
  return url.toString();
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
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
  await allDelivered;
  const elapsedMs = Date.now() - startedMs;
  const created = await pool.query<{ id: string; ms: string }>(
    `SELECT id, (extract(epoch FROM created_at) * 1000)::bigint::text AS ms FROM outbox_event`,
  );
  const lags = created.rows.map((row) => (deliveredAt.get(row.id) ?? Number.NaN) - Number(row.ms));

  console.log(
    JSON.stringify(
      {
        bench: 'notifications',
        events: N,
        concurrency: CONCURRENCY,
        eventsPerSecond: Math.round((N / elapsedMs) * 1000),
        lagMs: { p50: percentile(lags, 50), p99: percentile(lags, 99), max: percentile(lags, 100) },
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
