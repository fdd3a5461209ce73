// The chaos run's own stack: a scratch database, a Temporal dev server keeping its state in a file (so
// a restart keeps every workflow), the worker and the API server as child processes, each in its own
// process group on its own free port. Everything started here is stopped by `stop()`, and killed by
// an exit hook should the harness die first. Logs go to files in the run's work directory.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { Client, Connection } from '@temporalio/client';
import { appProcesses, outagesFileOf, supervise } from './stack/app.js';
import { createDatabase, dropDatabase, withDatabase } from './stack/database.js';
import { freePort, httpOk } from './stack/ports.js';
import type { ManagedProcess } from './stack/processes.js';
import {
  bundleWorkflows,
  temporalAnswers,
  temporalProcess,
  type TemporalDevOptions,
} from './stack/temporal.js';
import { watchTemporal, type TemporalWatchdog } from './stack/temporal-watchdog.js';

export { ManagedProcess } from './stack/processes.js';

export interface StackOptions {
  /** Any URL of the PostgreSQL server to use; its database name is replaced by a fresh one. */
  postgresUrl: string;
  temporalCli: string;
  /** Extra environment of the server and the worker (policies with short durations). */
  env: Record<string, string>;
  log: (line: string) => void;
  /** Keep the database and the work directory (logs, Temporal's file) after stop(). */
  keep?: boolean;
  startTimeoutMs?: number;
  /** The Temporal dev server's options for a benchmark (stack/temporal.ts TemporalDevOptions). */
  temporalDev?: TemporalDevOptions;
}

export interface Stack {
  apiUrl: string;
  databaseUrl: string;
  databaseName: string;
  temporalAddress: string;
  taskQueue: string;
  workDir: string;
  /** The partner outage switch the worker reads (partners.ts). */
  partnerOutagesFile: string;
  /** The harness's own pool on the chaos database (seeding, diagnostics). */
  pool: pg.Pool;
  temporal: ManagedProcess;
  worker: ManagedProcess;
  server: ManagedProcess;
  /** Starts the Temporal dev server again on the same port and file; resolves when it answers. */
  startTemporal(): Promise<void>;
  /** The harness's Temporal client (checks); connected on first use. */
  temporalClient(): Promise<Client>;
  /**
   * Restarts by the stack's supervisors: of a crashed worker or server, and of a Temporal dev server
   * that stopped answering while running (stack/temporal-watchdog.ts).
   */
  supervisedRestarts: { worker: number; server: number; temporal: number };
  stop(): Promise<void>;
}

/** The names, ports and addresses of one stack, chosen before anything starts. */
interface StackPlan {
  workDir: string;
  databaseName: string;
  databaseUrl: string;
  adminUrl: string;
  temporalPort: number;
  uiPort: number;
  apiPort: number;
  temporalAddress: string;
  taskQueue: string;
  apiUrl: string;
}

/** What start and stop share: everything started so far, to be stopped. */
interface StackState {
  processes: ManagedProcess[];
  pool: pg.Pool | undefined;
  harnessClient: Promise<Client> | undefined;
  stopping: boolean;
  supervisedRestarts: { worker: number; server: number; temporal: number };
  /** Someone is starting Temporal (the start, a fault's restart, the watchdog). */
  temporalStarting: boolean;
  watchdog: TemporalWatchdog | undefined;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const { log } = options;
  const startTimeoutMs = options.startTimeoutMs ?? 90_000;
  const plan = await planStack(options.postgresUrl);
  const state: StackState = {
    processes: [],
    pool: undefined,
    harnessClient: undefined,
    stopping: false,
    supervisedRestarts: { worker: 0, server: 0, temporal: 0 },
    temporalStarting: false,
    watchdog: undefined,
  };
  const stop = () => stopStack(options, plan, state);

  try {
    log(`database ${plan.databaseName}, work directory ${plan.workDir}`);
    const pool = await createDatabase(plan.databaseUrl);
    state.pool = pool;

    const temporal = temporalProcess(options.temporalCli, plan, options.temporalDev);
    state.processes.push(temporal);
    const startTemporal = async () => {
      state.temporalStarting = true;
      try {
        temporal.start();
        await temporal.waitReady(startTimeoutMs, () => temporalAnswers(plan.temporalAddress));
      } finally {
        state.temporalStarting = false;
      }
    };
    await startTemporal();
    log(`Temporal dev server at ${plan.temporalAddress}`);

    const { worker, server } = await startApp(options, plan, state, startTimeoutMs);
    state.watchdog = watchTemporal({
      temporal,
      starting: () => state.temporalStarting,
      answers: () => temporalAnswers(plan.temporalAddress),
      restart: async () => {
        state.supervisedRestarts.temporal += 1;
        // Starting from the kill on: the watchdog does not judge a server it is restarting.
        state.temporalStarting = true;
        await temporal.kill9();
        await startTemporal();
      },
      stopping: () => state.stopping,
      log,
    });

    return {
      apiUrl: plan.apiUrl,
      databaseUrl: plan.databaseUrl,
      databaseName: plan.databaseName,
      temporalAddress: plan.temporalAddress,
      taskQueue: plan.taskQueue,
      workDir: plan.workDir,
      partnerOutagesFile: outagesFileOf(plan.workDir),
      pool,
      temporal,
      worker,
      server,
      startTemporal,
      temporalClient() {
        state.harnessClient ??= Connection.connect({
          address: plan.temporalAddress,
          connectTimeout: 5000,
        }).then((connection) => new Client({ connection, namespace: 'default' }));
        return state.harnessClient;
      },
      supervisedRestarts: state.supervisedRestarts,
      stop,
    };
  } catch (error) {
    for (const child of state.processes) log(child.tail());
    await stop();
    throw error;
  }
}

/** The worker and the API server on one workflow bundle, supervised; resolves once both are up. */
async function startApp(
  options: StackOptions,
  plan: StackPlan,
  state: StackState,
  startTimeoutMs: number,
): Promise<{ worker: ManagedProcess; server: ManagedProcess }> {
  const bundlePath = await bundleWorkflows(plan.workDir);
  const { worker, server } = appProcesses(options.env, plan, bundlePath);
  state.processes.push(worker, server);
  supervise(state, options.log, { worker, server });
  worker.start();
  server.start();
  await Promise.all([
    worker.waitReady(startTimeoutMs),
    server.waitReady(startTimeoutMs, () => httpOk(`${plan.apiUrl}/healthz`)),
  ]);
  options.log(`worker polling ${plan.taskQueue}; API at ${plan.apiUrl}`);
  return { worker, server };
}

/** A fresh work directory, database name, free ports and task queue. */
async function planStack(postgresUrl: string): Promise<StackPlan> {
  const workDir = mkdtempSync(join(tmpdir(), 'clearhouse-chaos-'));
  const databaseName = `clearhouse_chaos_${randomBytes(4).toString('hex')}`;
  const [temporalPort, uiPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  return {
    workDir,
    databaseName,
    databaseUrl: withDatabase(postgresUrl, databaseName),
    adminUrl: withDatabase(postgresUrl, 'postgres'),
    temporalPort,
    uiPort,
    apiPort,
    temporalAddress: `127.0.0.1:${temporalPort}`,
    taskQueue: `chaos-${randomBytes(4).toString('hex')}`,
    apiUrl: `http://127.0.0.1:${apiPort}`,
  };
}

/** Server and worker first, Temporal last; then the harness's connections, the database and the files. */
async function stopStack(options: StackOptions, plan: StackPlan, state: StackState): Promise<void> {
  state.stopping = true;
  await state.watchdog?.stop();
  for (const child of [...state.processes].reverse()) await child.stop().catch(() => undefined);
  for (const child of state.processes) child.closeLog();
  const client = await state.harnessClient?.catch(() => undefined);
  await client?.connection.close().catch(() => undefined);
  await state.pool?.end().catch(() => undefined);
  if (!options.keep) {
    await dropDatabase(plan.adminUrl, plan.databaseName).catch((error: Error) =>
      options.log(`could not drop ${plan.databaseName}: ${error.message}`),
    );
    rmSync(plan.workDir, { recursive: true, force: true });
  } else {
    options.log(`kept database ${plan.databaseName} and work directory ${plan.workDir}`);
  }
}
