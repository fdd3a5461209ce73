// The worker entrypoint survives Temporal being unreachable: it retries connecting with a bounded
// backoff (a log line per attempt), starts polling once Temporal is there, and stops on SIGTERM.
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  freePort,
  spawnWorker,
  startDevServer,
  type DevServer,
  type WorkerProcess,
} from '../tests/support/dev-server.js';
import { retryDelayMs } from './worker.js';

let worker: WorkerProcess | undefined;
let server: DevServer | undefined;

afterEach(async () => {
  if (worker && worker.child.exitCode === null && worker.child.signalCode === null)
    worker.child.kill('SIGKILL');
  await server?.stop();
  worker = server = undefined;
});

describe('activities/worker.ts', () => {
  it('backs off doubling from 0.5 s up to 10 s', () => {
    expect([1, 2, 3, 4, 5, 6, 50].map(retryDelayMs)).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
  });

  it('waits for an unreachable Temporal, then polls once it is up', { timeout: 45_000 }, async () => {
    const port = await freePort();
    const taskQueue = `worker-retry-${randomUUID()}`;
    worker = spawnWorker({ TEMPORAL_ADDRESS: `127.0.0.1:${port}`, TEMPORAL_TASK_QUEUE: taskQueue });

    await worker.waitForLine(/"attempt":2\b/, 15_000);
    const retries = worker.lines.filter((line) => line.includes('Temporal unreachable; retrying'));
    expect(retries.length).toBeGreaterThanOrEqual(2);
    expect(JSON.parse(retries[0]!)).toMatchObject({
      level: 'warn',
      address: `127.0.0.1:${port}`,
      attempt: 1,
    });
    expect(worker.child.exitCode).toBeNull();

    server = await startDevServer(port);
    // The next attempt comes at most 10 s later; then the workflow bundle is built (a few seconds).
    const polling = await worker.waitForLine(/"msg":"worker polling"/, 25_000);
    expect(JSON.parse(polling)).toMatchObject({ taskQueue });

    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(worker.lines.some((line) => line.includes('"msg":"worker stopped"'))).toBe(true);
  });

  it('stops at once on SIGTERM while it is waiting to retry', { timeout: 20_000 }, async () => {
    const port = await freePort();
    worker = spawnWorker({ TEMPORAL_ADDRESS: `127.0.0.1:${port}`, TEMPORAL_TASK_QUEUE: `t-${randomUUID()}` });
    await worker.waitForLine(/"attempt":4\b/, 15_000); // now waiting 4 s
    const started = Date.now();
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
