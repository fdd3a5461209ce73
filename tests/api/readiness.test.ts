// /readyz tells a live worker from a dead one. With worker heartbeats (a dev server of this file's
// own, configured as `npm start` does) a worker killed with SIGKILL is reported within
// WORKER_HEARTBEAT_FRESH_MS; without them (the shared dev server), by its pollers' last poll time.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { POLLER_FRESH_MS, WORKER_HEARTBEAT_FRESH_MS, workerCheck } from '../../api/health.js';
import { startTestApp, type ApiAnswer, type TestApp } from '../../api/testing.js';
import { config } from '../../db/config.js';
import { startTestWorker } from '../support/temporal.js';
import {
  freePort,
  spawnWorker,
  startDevServer,
  type DevServer,
  type WorkerProcess,
} from '../support/dev-server.js';

describe('/readyz with worker heartbeats', () => {
  const taskQueue = `readiness-${randomUUID()}`;
  let server: DevServer;
  let connection: Connection;
  let app: TestApp;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    server = await startDevServer(await freePort(), [
      'frontend.WorkerHeartbeatsEnabled=true',
      'frontend.ListWorkersEnabled=true',
    ]);
    connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection, namespace: config.temporalNamespace });
    app = await startTestApp({ temporal: async () => client, taskQueue });
  });
  afterAll(async () => {
    worker?.child.kill('SIGKILL');
    await app?.close();
    await connection?.close();
    await server?.stop();
  });

  async function readyzUntil(done: (answer: ApiAnswer) => boolean, timeoutMs: number) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const answer = await app.api('/readyz');
      if (done(answer) || Date.now() > deadline) return answer;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  it(
    'is ready while the worker runs and not ready soon after it is killed',
    { timeout: 60_000 },
    async () => {
      const before = await app.api('/readyz');
      expect(before.status).toBe(503);
      expect(before.body.checks.worker.ok).toBe(false);

      // Another test file's pending notification in the shared database: the spawned worker must
      // leave it to that file's own dispatcher (spawnWorker runs it with NOTIFICATIONS=0).
      const { rows: pending } = await app.pool.query<{ id: string }>(
        `INSERT INTO outbox_event (type, owner_id, data) VALUES ('readiness.probe', $1, '{}'::jsonb) RETURNING id`,
        [randomUUID()],
      );
      worker = spawnWorker({ TEMPORAL_ADDRESS: server.address, TEMPORAL_TASK_QUEUE: taskQueue });
      await worker.waitForLine(/"msg":"worker polling"/, 25_000);
      // Ready by its pollers at once, then by its heartbeats (the first comes within 5 s).
      const ready = await readyzUntil((answer) => answer.body.checks.worker.workers === 1, 15_000);
      expect(ready.status, ready.text).toBe(200);
      expect(ready.body.checks.worker).toMatchObject({ ok: true, taskQueue, workers: 1 });
      const { rows: probe } = await app.pool.query<{ dispatched: boolean }>(
        `SELECT dispatched_at IS NOT NULL AS dispatched FROM outbox_event WHERE id = $1`,
        [pending[0]!.id],
      );
      expect(probe).toEqual([{ dispatched: false }]);
      await app.pool.query(`DELETE FROM outbox_event WHERE id = $1`, [pending[0]!.id]);

      worker.child.kill('SIGKILL');
      await worker.exited;
      const killedAt = Date.now();
      const after = await readyzUntil((answer) => answer.status === 503, WORKER_HEARTBEAT_FRESH_MS + 10_000);
      const tookMs = Date.now() - killedAt;
      expect(after.status, after.text).toBe(503);
      expect(after.body.checks.temporal.ok).toBe(true);
      expect(after.body.checks.worker.ok).toBe(false);
      expect(after.body.checks.worker.error).toMatch(/heartbeat/);
      expect(tookMs).toBeLessThanOrEqual(WORKER_HEARTBEAT_FRESH_MS + 5000);
    },
  );
});

describe('worker check by pollers (a server without heartbeats)', () => {
  it('counts workflow and activity pollers only while they polled within POLLER_FRESH_MS', async () => {
    const temporal = await startTestWorker();
    try {
      const now = Date.now();
      // The worker's first polls reach the server within moments of it starting.
      let found: Record<string, unknown> | undefined;
      for (let tries = 0; tries < 20 && !found; tries += 1) {
        found = await workerCheck(temporal.client, temporal.taskQueue, now).catch(() => undefined);
        if (!found) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(found).toMatchObject({ taskQueue: temporal.taskQueue });
      expect(found?.workers).toBeUndefined();
      const pollers = found?.pollers as { workflow: number; activity: number };
      expect(pollers.workflow).toBeGreaterThanOrEqual(1);
      expect(pollers.activity).toBeGreaterThanOrEqual(1);

      // The same answer judged POLLER_FRESH_MS later, with no poll since: no live worker.
      await expect(
        workerCheck(temporal.client, temporal.taskQueue, Date.now() + POLLER_FRESH_MS + 1000),
      ).rejects.toThrow(/no worker polled the workflow task queue/);
    } finally {
      await temporal.stop();
    }
  });
});
