import { Router } from 'express';
import type { Client } from '@temporalio/client';
import { pingDatabase } from '../db/pool.js';
import { pingRedis } from '../db/outbox/redis.js';
import type { AppDeps } from './deps.js';

// /healthz: the process is up. /readyz: PostgreSQL answers, Temporal answers, and at least one live
// worker serves the task queue (its workflow and activity sides; see workerCheck). Both outside /api/v1, no auth, never cached.

export interface CheckResult {
  ok: boolean;
  ms: number;
  error?: string;
  [extra: string]: unknown;
}

const CHECK_TIMEOUT_MS = 3000;

async function timed(work: () => Promise<Record<string, unknown> | void>): Promise<CheckResult> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)),
        CHECK_TIMEOUT_MS,
      );
    });
    const extra = await Promise.race([work(), timeout]);
    return { ok: true, ms: Date.now() - started, ...(extra ?? {}) };
  } catch (error) {
    return { ok: false, ms: Date.now() - started, error: (error as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

export async function readiness(
  deps: AppDeps,
): Promise<{ ok: boolean; checks: Record<string, CheckResult> }> {
  const temporalClient = deps.temporal();
  temporalClient.catch(() => undefined);
  const [postgres, temporal, worker, redis] = await Promise.all([
    timed(() => pingDatabase(deps.pool)),
    timed(async () => {
      const client = await temporalClient;
      const info = await client.workflowService.getSystemInfo({});
      return { serverVersion: info.serverVersion || undefined };
    }),
    timed(async () => workerCheck(await temporalClient, deps.taskQueue, Date.now())),
    timed(() => pingRedis()), // the notification queues (docs/notifications.md)
  ]);
  const checks = { postgres, temporal, worker, redis };
  return { ok: Object.values(checks).every((check) => check.ok), checks };
}

// Is a worker alive on the task queue? describeTaskQueue keeps a poller listed for minutes after its
// worker died, with the time of its last poll (lastAccessTime). That time is renewed only when a
// long poll starts or ends, and an idle worker's poll lasts the server's long-poll interval (60 s):
// measured on the dev server, a live idle worker's lastAccessTime ages to ~58 s before it renews.
// So pollers alone can tell a dead worker only after POLLER_FRESH_MS. A server with worker
// heartbeats (1.29+, frontend.WorkerHeartbeatsEnabled and frontend.ListWorkersEnabled; `npm start`
// turns both on) answers ListWorkers, and a worker's heartbeat (activities/worker.ts: every 5 s)
// tells within WORKER_HEARTBEAT_FRESH_MS; once any worker on the queue has sent one, heartbeats decide.

/** A poller counts only if it polled this recently: one long poll (60 s) plus a margin. */
export const POLLER_FRESH_MS = 70_000;
/** A heartbeating worker counts only if it heartbeat this recently (it sends one every 5 s). */
export const WORKER_HEARTBEAT_FRESH_MS = 20_000;

const TASK_QUEUE_TYPE_WORKFLOW = 1;
const TASK_QUEUE_TYPE_ACTIVITY = 2;
const WORKER_STATUS_RUNNING = 1;

interface Timestamp {
  seconds?: { toString(): string } | number | null;
  nanos?: number | null;
}

function timestampMs(time: Timestamp | null | undefined): number | undefined {
  if (!time?.seconds) return undefined;
  return Number(time.seconds.toString()) * 1000 + Math.floor((time.nanos ?? 0) / 1e6);
}

/** How many of `times` (ms since the epoch) lie within `freshMs` before `nowMs`. */
function countFresh(times: (number | undefined)[], nowMs: number, freshMs: number): number {
  return times.filter((time) => time !== undefined && nowMs - time <= freshMs).length;
}

export async function workerCheck(
  client: Client,
  taskQueue: string,
  nowMs: number,
): Promise<Record<string, unknown>> {
  const namespace = client.options.namespace;
  const describe = (taskQueueType: number) =>
    client.workflowService.describeTaskQueue({ namespace, taskQueue: { name: taskQueue }, taskQueueType });
  const [workflowQueue, activityQueue, heartbeats] = await Promise.all([
    describe(TASK_QUEUE_TYPE_WORKFLOW),
    describe(TASK_QUEUE_TYPE_ACTIVITY),
    workerHeartbeats(client, taskQueue),
  ]);
  const pollerTimes = (answer: typeof workflowQueue) =>
    (answer.pollers ?? []).map((poller) => timestampMs(poller.lastAccessTime));
  const pollers = {
    workflow: countFresh(pollerTimes(workflowQueue), nowMs, POLLER_FRESH_MS),
    activity: countFresh(pollerTimes(activityQueue), nowMs, POLLER_FRESH_MS),
  };
  if (heartbeats !== undefined && heartbeats.length > 0) {
    const running = heartbeats.filter((beat) => beat.status === WORKER_STATUS_RUNNING);
    const workers = countFresh(
      running.map((beat) => timestampMs(beat.heartbeatTime)),
      nowMs,
      WORKER_HEARTBEAT_FRESH_MS,
    );
    if (workers === 0) {
      throw new Error(
        `no worker on task queue "${taskQueue}" heartbeat in the last ${WORKER_HEARTBEAT_FRESH_MS / 1000} s`,
      );
    }
    return { taskQueue, workers, pollers };
  }
  for (const [type, count] of Object.entries(pollers)) {
    if (count === 0) {
      throw new Error(
        `no worker polled the ${type} task queue "${taskQueue}" in the last ${POLLER_FRESH_MS / 1000} s`,
      );
    }
  }
  return { taskQueue, pollers };
}

/** Servers that answered ListWorkers with UNIMPLEMENTED, until when we do not ask again (each one logs an error). */
const listWorkersUnsupportedUntil = new WeakMap<Client, number>();
const UNSUPPORTED_RECHECK_MS = 5 * 60_000;
const GRPC_UNIMPLEMENTED = 12;

/** The heartbeats of the workers on `taskQueue`, or undefined when the server keeps none. */
async function workerHeartbeats(client: Client, taskQueue: string) {
  if ((listWorkersUnsupportedUntil.get(client) ?? 0) > Date.now()) return undefined;
  try {
    const answer = await client.workflowService.listWorkers({
      namespace: client.options.namespace,
      query: `TaskQueue = ${JSON.stringify(taskQueue)}`,
      pageSize: 100,
    });
    return (answer.workersInfo ?? []).flatMap((info) => (info.workerHeartbeat ? [info.workerHeartbeat] : []));
  } catch (error) {
    // No ListWorkers on this server (or it is turned off), or it failed: judge by pollers.
    if ((error as { code?: unknown }).code === GRPC_UNIMPLEMENTED) {
      listWorkersUnsupportedUntil.set(client, Date.now() + UNSUPPORTED_RECHECK_MS);
    }
    return undefined;
  }
}

export function healthRouter(deps: AppDeps): Router {
  const router = Router();
  router.use(['/healthz', '/readyz'], (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', uptimeSeconds: Math.round(process.uptime()) });
  });
  router.get('/readyz', (req, res, next) => {
    readiness(deps).then(({ ok, checks }) => {
      if (!ok) req.log.warn({ checks }, 'not ready');
      res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unavailable', checks });
    }, next);
  });
  return router;
}
