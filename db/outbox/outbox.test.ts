// The outbox end to end on real PostgreSQL and Redis: events committed with their projection reach
// the queue exactly once per event id and their consumer once, even when a dispatcher is killed
// between adding the jobs and marking them (or anywhere else).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { config } from '../config.js';
import { createPool, inTransaction } from '../pool.js';
import { insertUser } from '../users/index.js';
import { createRedis, insertOutboxEvent, pendingEventCount } from './index.js';
import { createQueues, closeQueues, type NotificationQueues } from './queues.js';
import { startNotifications } from '../../activities/notifications/run.js';
import { createOutboxDispatcher } from '../../activities/outbox-dispatcher.js';

const pool = createPool(config.databaseUrl, 4);
const prefix = `test-outbox-${randomUUID()}`;
const redis = createRedis();
let queues: NotificationQueues;

beforeAll(() => {
  queues = createQueues(redis, prefix);
});
afterAll(async () => {
  await queues.events.obliterate({ force: true }).catch(() => undefined);
  await closeQueues(queues);
  await redis.quit();
  await pool.end();
});

async function newClient(): Promise<string> {
  const id = await insertUser(pool, {
    email: `client-${randomUUID()}@test.example`,
    passwordHash: 'x',
    role: 'client',
    displayName: 'Outbox Client',
  });
  if (!id) throw new Error('no user');
  return id;
}

async function commitEvents(ownerId: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    ids.push(
      await inTransaction(pool, (client) =>
        insertOutboxEvent(client, {
          type: 'deposit.cleared',
          ownerId,
          data: { id: `D-${i}`, amount: '10.00', currency: 'EUR', status: 'CLEARED' },
        }),
      ),
    );
  }
  return ids;
}

function runChild(
  owner: string,
  env: Record<string, string> = {},
): { exited: Promise<number | string | null>; kill(): void } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tests/support/outbox-dispatcher-child.ts'], {
    env: { ...process.env, QUEUE_PREFIX: prefix, DATABASE_URL: config.databaseUrl, OWNER_ID: owner, ...env },
    stdio: 'ignore',
  });
  return {
    exited: new Promise((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code))),
    kill: () => child.kill('SIGKILL'),
  };
}

async function until(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The event jobs in the queue; with `ownerId`, only that person's (other test files add events too). */
async function jobIdsInQueue(ownerId?: string): Promise<string[]> {
  const jobs = await queues.events.getJobs([
    'waiting',
    'active',
    'completed',
    'failed',
    'delayed',
    'prioritized',
  ]);
  return jobs
    .filter((job) => !ownerId || job.data.ownerId === ownerId)
    .map((job) => job.id!)
    .sort();
}

describe('outbox dispatcher', () => {
  it('a rolled-back transaction leaves no event; a committed one is dispatched once', async () => {
    const ownerId = await newClient();
    await expect(
      inTransaction(pool, async (client) => {
        await insertOutboxEvent(client, { type: 'deposit.cleared', ownerId, data: {} });
        throw new Error('projection failed');
      }),
    ).rejects.toThrow('projection failed');
    const before = await pool.query(`SELECT count(*)::int AS n FROM outbox_event WHERE owner_id = $1`, [
      ownerId,
    ]);
    expect(before.rows[0].n).toBe(0);
  });

  it('publishes every event exactly once under killed dispatchers, and consumers run once per event', async () => {
    const ownerId = await newClient();
    // Events of earlier tests in this database are not ours: drain them first.
    const drain = createOutboxDispatcher({
      pool,
      databaseUrl: config.databaseUrl,
      queue: queues.events,
      ownerIds: () => [ownerId],
    });
    while ((await drain.dispatchOnce()) > 0);
    await queues.events.obliterate({ force: true });

    const ids = await commitEvents(ownerId, 60);

    // 1. Killed between adding its first batch and marking it: the jobs exist, the rows are pending.
    const crashing = runChild(ownerId, { CRASH_AFTER_ENQUEUE: '1' });
    expect(await crashing.exited).toBe('SIGKILL');
    const afterCrash = await jobIdsInQueue();
    expect(afterCrash).toHaveLength(5);
    expect(await pendingEventCount(pool, ownerId)).toBe(60);

    // 2. Another one, killed at an arbitrary moment while it works through the backlog.
    const killed = runChild(ownerId, { DISPATCH_BATCH: '3' });
    await until(async () => (await pendingEventCount(pool, ownerId)) < 60);
    killed.kill();
    await killed.exited;

    // 3. A third finishes the job; it re-adds the crashed batch's job ids, which BullMQ ignores.
    const finishing = runChild(ownerId, { DISPATCH_BATCH: '7' });
    await until(async () => (await pendingEventCount(pool, ownerId)) === 0);
    finishing.kill();
    await finishing.exited;

    const jobIds = await jobIdsInQueue(ownerId);
    expect(jobIds).toEqual([...ids].sort());

    // Consumers: one in-app notification per event, however the jobs came.
    const running = startNotifications({
      pool,
      databaseUrl: config.databaseUrl,
      connection: redis,
      prefix,
      dispatcher: false,
    });
    try {
      await until(async () => {
        const done = await queues.events.getJobs(['completed']);
        return done.filter((job) => job.data.ownerId === ownerId).length === 60;
      });
      const notes = await pool.query(
        `SELECT event_id FROM notification WHERE user_id = $1 ORDER BY event_id`,
        [ownerId],
      );
      expect(notes.rows.map((row) => row.event_id)).toEqual([...ids].sort());
    } finally {
      await running.stop();
    }
  });
});
