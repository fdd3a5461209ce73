// The worker process: runs every workflow and activity on the task queue. Any number may run at once.
import { NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { observeDatabase, observeLedger, startMetricsServer } from '../api/metrics.js';
import { config } from '../db/config.js';
import { closePool, getPool } from '../db/pool.js';
import { backfillHistoryArchive } from '../auditing/index.js';
import { defaultArchiveTemporalClient } from './history-archive.js';
import { startArchiveSweeper } from './history-archive-sweeper.js';
import { activityLogInterceptor } from './activity-log.js';
import { createActivities, type ActivityDeps } from './index.js';
import { startNotifications } from './notifications/run.js';
import { ensureSettlementSchedule, storedSettlementPolicy } from './settlement-schedule.js';
import {
  ensureInternalReconciliationSchedule,
  storedReconciliationPolicy,
} from './internal-reconciliation-schedule.js';

export interface WorkerSetup {
  connection: NativeConnection;
  taskQueue?: string;
  deps?: Partial<ActivityDeps>;
  /** A prebuilt bundle (tests build it once); otherwise the workflows are bundled at start. */
  workflowBundlePath?: string;
  options?: Partial<WorkerOptions>;
  /** false: no archive sweeper beside this worker (default: one, started and stopped with run()). */
  archiveSweeper?: boolean;
}

export async function createWorker(setup: WorkerSetup): Promise<Worker> {
  const deps: ActivityDeps = { pool: getPool(), ...setup.deps };
  const worker = await Worker.create({
    connection: setup.connection,
    namespace: config.temporalNamespace,
    taskQueue: setup.taskQueue ?? config.taskQueue,
    activities: createActivities(deps),
    ...(setup.workflowBundlePath
      ? { workflowBundle: { codePath: setup.workflowBundlePath } }
      : { workflowsPath: new URL('../workflows/index.ts', import.meta.url).pathname }),
    ...setup.options,
    // Every activity execution logs one line with its workflow id (activities/activity-log.ts).
    interceptors: {
      ...setup.options?.interceptors,
      activity: [activityLogInterceptor, ...(setup.options?.interceptors?.activity ?? [])],
    },
  });
  if (setup.archiveSweeper !== false) sweepArchivesWhileRunning(worker, deps);
  return worker;
}

/**
 * The history archive sweeper (activities/history-archive-sweeper.ts) runs while the worker runs,
 * so whoever runs workflows (the worker process, tests, benchmarks, the history capture) also
 * archives the runs that closed: run() starts it, and it stops once run() has ended.
 */
function sweepArchivesWhileRunning(worker: Worker, deps: ActivityDeps): void {
  const run = worker.run.bind(worker);
  worker.run = async () => {
    const sweeper = startArchiveSweeper({
      pool: deps.pool,
      temporal: deps.temporal ?? defaultArchiveTemporalClient,
      onError: (error) =>
        log('warn', 'history archive sweeper', { error: (error as Error)?.message ?? String(error) }),
    });
    try {
      return await run();
    } finally {
      await sweeper.stop();
    }
  };
}

// The process keeps itself up: while Temporal cannot be reached it retries connecting with a
// bounded backoff, and a worker that fails after it started is built again on a new connection.
// Only SIGINT/SIGTERM end it (the worker drains first). There is deliberately no attempt limit:
// a supervisor (scripts/stack.ts, Kubernetes) sees the log lines, and Temporal coming back is the
// normal way out.

const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 10_000;
/** A worker that ran this long before failing counts as a fresh start, not one more failure. */
const STABLE_RUN_MS = 60_000;
const FAILURE_MESSAGES = {
  connecting: 'Temporal unreachable; retrying',
  starting: 'worker could not start; retrying',
  running: 'worker failed; starting it again',
} as const;
/** How often the worker tells the server it is alive (read by /readyz through ListWorkers). */
const HEARTBEAT_INTERVAL_MS = Number(process.env.WORKER_HEARTBEAT_INTERVAL_MS ?? 5000);

function log(level: 'info' | 'warn' | 'error', msg: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ level, time: new Date().toISOString(), msg, ...fields });
  if (level === 'info') console.log(line);
  else console.error(line);
}

/** The delay before attempt `failures + 1`: doubling from RETRY_FIRST_MS, never above RETRY_MAX_MS. */
export function retryDelayMs(failures: number): number {
  return Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** Math.max(0, Math.min(failures - 1, 10)));
}

/**
 * The worker process's loop. `deps` replaces activity dependencies (scripts/chaos/worker.ts puts
 * switchable partner outages around the simulated partners); the process entry passes none.
 */
export async function runWorkerProcess(deps: Partial<ActivityDeps> = {}): Promise<void> {
  // Metrics: the SDK's own (task slots, poll latency, activity retries …) on TEMPORAL_METRICS_BIND
  // (e.g. 0.0.0.0:9464), the application's (ledger postings, lifecycles, tasks) on WORKER_METRICS_PORT.
  const sdkMetricsBind = process.env.TEMPORAL_METRICS_BIND;
  Runtime.install({
    workerHeartbeatInterval: HEARTBEAT_INTERVAL_MS,
    ...(sdkMetricsBind
      ? { telemetryOptions: { metrics: { prometheus: { bindAddress: sdkMetricsBind } } } }
      : {}),
  });
  if (process.env.WORKER_METRICS_PORT) {
    observeLedger();
    observeDatabase(getPool());
    startMetricsServer(
      Number(process.env.WORKER_METRICS_PORT),
      process.env.WORKER_METRICS_HOST ?? '127.0.0.1',
    );
  }
  const stop = new AbortController();
  let current: Worker | undefined;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log('info', 'worker stopping', { signal });
      stop.abort();
      if (current?.getState() === 'RUNNING') current.shutdown();
    });
  }
  // The outbox dispatcher and the notification queues' consumers run beside the Temporal worker, on
  // their own (Redis, PostgreSQL): Temporal being down delays no mail. NOTIFICATIONS=0 leaves them out.
  const notifications =
    process.env.NOTIFICATIONS === '0'
      ? null
      : startNotifications({
          pool: getPool(),
          databaseUrl: config.databaseUrl,
          onError: (error) =>
            log('warn', 'notifications', { error: (error as Error)?.message ?? String(error) }),
        });
  const address = config.temporalAddress;
  let failures = 0;
  while (!stop.signal.aborted) {
    let connection: NativeConnection | undefined;
    let phase: 'connecting' | 'starting' | 'running' = 'connecting';
    let runningSinceMs = 0;
    try {
      connection = await NativeConnection.connect({ address });
      phase = 'starting';
      // WORKFLOW_BUNDLE_PATH: a bundle built once (bundleWorkflowCode) makes a restart take a second
      // instead of re-bundling the workflows each time (~10 s on two busy cores).
      current = await createWorker({
        connection,
        deps,
        workflowBundlePath: process.env.WORKFLOW_BUNDLE_PATH || undefined,
      });
      const running = current.run(); // RUNNING from here on, so shutdown() may be called
      phase = 'running';
      runningSinceMs = Date.now();
      // A signal that came while the worker was being built: let it drain and stop at once.
      if (stop.signal.aborted) current.shutdown();
      else {
        log('info', 'worker polling', { taskQueue: config.taskQueue, address });
        if (failures === 0) backfillArchiveInBackground();
        if (failures === 0 && process.env.SETTLEMENT_SCHEDULE !== '0') ensureSettlementScheduleInBackground();
        if (failures === 0 && process.env.RECONCILIATION_SCHEDULE !== '0')
          ensureInternalScheduleInBackground();
      }
      await running;
      break; // a clean end is a shutdown someone asked for (our signals, or the SDK runtime's)
    } catch (error) {
      if (stop.signal.aborted) break;
      // A worker that ran for a while starts again from the shortest delay.
      if (phase === 'running' && Date.now() - runningSinceMs > STABLE_RUN_MS) failures = 0;
      failures += 1;
      const delayMs = retryDelayMs(failures);
      log('warn', FAILURE_MESSAGES[phase], {
        address,
        attempt: failures,
        retryInMs: delayMs,
        error: (error as Error)?.message ?? String(error),
      });
      await sleep(delayMs, stop.signal);
    } finally {
      current = undefined;
      await connection?.close().catch(() => undefined);
    }
  }
  await notifications?.stop();
  await closePool();
  log('info', 'worker stopped');
}

/**
 * Closed runs the archive misses (closed before archive-on-close existed, or while its activity
 * failed) are archived once at start-up, beside the work: the worker never waits for it, and
 * several workers doing it at once store each history once.
 */
function backfillArchiveInBackground(): void {
  void backfillHistoryArchive(
    { pool: getPool(), temporal: defaultArchiveTemporalClient },
    { limit: 1000, taskQueue: config.taskQueue },
  ).then(
    (report) =>
      log('info', 'history archive backfill', {
        scanned: report.scanned,
        archived: report.archived.length,
        failed: report.failed.length,
        complete: report.complete,
      }),
    (error) =>
      log('warn', 'history archive backfill failed', { error: (error as Error)?.message ?? String(error) }),
  );
}

/** The settlement batches' Schedule, created or updated to the policy in force (activities/settlement-schedule.ts). */
function ensureSettlementScheduleInBackground(): void {
  void defaultArchiveTemporalClient()
    .then(async (client) =>
      ensureSettlementSchedule(client, {
        taskQueue: config.taskQueue,
        policy: await storedSettlementPolicy(getPool()),
      }),
    )
    .then(
      (outcome) => log('info', 'settlement schedule', { outcome }),
      (error) =>
        log('warn', 'settlement schedule failed', { error: (error as Error)?.message ?? String(error) }),
    );
}

/** The internal reconciliation's Schedule, its breaks due per the policy in force (activities/internal-reconciliation-schedule.ts). */
function ensureInternalScheduleInBackground(): void {
  void defaultArchiveTemporalClient()
    .then(async (client) =>
      ensureInternalReconciliationSchedule(client, {
        taskQueue: config.taskQueue,
        policy: await storedReconciliationPolicy(getPool()),
      }),
    )
    .then(
      (outcome) => log('info', 'internal reconciliation schedule', { outcome }),
      (error) =>
        log('warn', 'internal reconciliation schedule failed', {
          error: (error as Error)?.message ?? String(error),
        }),
    );
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runWorkerProcess().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
