// The chaos run's own stack: a scratch database, a Temporal dev server keeping its state in a file (so
// a restart keeps every workflow), the worker and the API server as child processes, each in its own
// process group on its own free port. Everything started here is stopped by `stop()`, and killed by
// an exit hook should the harness die first. Logs go to files in the run's work directory.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { dropAndCreateDatabase, migrate } from '../../db/migrate.js';
import { createPool } from '../../db/pool.js';
import { sleep } from './random.js';

const REPO_ROOT = resolve(new URL('../..', import.meta.url).pathname);
const TAIL_LINES = 40;
const MAX_SUPERVISED_RESTARTS = 100;

// ---- child processes ------------------------------------------------------------------------------

/** Every child alive right now, for the exit hook. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Synchronous on purpose: 'exit' handlers cannot wait. SIGKILL leaves nothing behind.
  process.once('exit', () => {
    for (const child of live) killGroup(child, 'SIGKILL');
  });
}

export interface ProcessSpec {
  command: string;
  args: string[];
  env: Record<string, string>;
  logPath: string;
  /** A line on stdout/stderr that means "up" (the worker's "worker polling"). */
  readyLine?: RegExp;
}

/** One child process that can be started again after it died or was killed. */
export class ManagedProcess {
  #child: ChildProcess | undefined;
  #expectingExit = false;
  #ready = false;
  #log: WriteStream;
  #tail: string[] = [];
  starts = 0;
  /** Exits nobody asked for (crashes), and the last one's code or signal. */
  unexpectedExits = 0;
  lastUnexpectedExit: string | null = null;
  onUnexpectedExit: (() => void) | undefined;

  constructor(
    readonly name: string,
    private readonly spec: ProcessSpec,
  ) {
    this.#log = createWriteStream(spec.logPath, { flags: 'a' });
  }

  get running(): boolean {
    const child = this.#child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  get ready(): boolean {
    return this.running && (this.spec.readyLine === undefined || this.#ready);
  }

  start(): void {
    if (this.running) throw new Error(`${this.name} is already running`);
    installExitHook();
    this.#expectingExit = false;
    this.#ready = false;
    this.starts += 1;
    this.#log.write(`---- start #${this.starts} at ${new Date().toISOString()}\n`);
    const child = spawn(this.spec.command, this.spec.args, {
      cwd: REPO_ROOT,
      env: { ...process.env, ...this.spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.#child = child;
    live.add(child);
    const scan = (chunk: Buffer) => {
      const text = chunk.toString();
      this.#log.write(text);
      for (const line of text.split('\n')) {
        if (!line.trim()) continue;
        this.#tail.push(line);
        if (this.#tail.length > TAIL_LINES) this.#tail.shift();
        if (this.spec.readyLine?.test(line) && this.#child === child) this.#ready = true;
      }
    };
    child.stdout?.on('data', scan);
    child.stderr?.on('data', scan);
    child.on('error', (error) => this.#log.write(`---- spawn error: ${error.message}\n`));
    child.on('exit', (code, signal) => {
      live.delete(child);
      this.#log.write(`---- exited (${signal ?? code}) at ${new Date().toISOString()}\n`);
      if (this.#child !== child || this.#expectingExit) return;
      this.unexpectedExits += 1;
      this.lastUnexpectedExit = String(signal ?? code);
      this.onUnexpectedExit?.();
    });
  }

  /** Waits until the process is up (its ready line seen, or `check` true); throws after `timeoutMs`. */
  async waitReady(timeoutMs: number, check?: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`${this.name} exited while starting:\n${this.tail()}`);
      if (this.ready && (!check || (await check().catch(() => false)))) return;
      await sleep(200);
    }
    throw new Error(`${this.name} was not up within ${timeoutMs / 1000} s:\n${this.tail()}`);
  }

  /** kill -9 of the whole process group; resolves once it is gone (at most 5 s). */
  async kill9(): Promise<void> {
    const child = this.#child;
    if (!child || !this.running) return;
    this.#expectingExit = true;
    killGroup(child, 'SIGKILL');
    await this.#exited(child, 5000);
  }

  /** SIGTERM to the group, then SIGKILL after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    const child = this.#child;
    if (child && this.running) {
      this.#expectingExit = true;
      killGroup(child, 'SIGTERM');
      if (!(await this.#exited(child, graceMs))) {
        killGroup(child, 'SIGKILL');
        await this.#exited(child, 5000);
      }
    }
    // A process that is gone may have left children in its group (tsx): take them too.
    if (child) killGroup(child, 'SIGKILL');
  }

  closeLog(): void {
    this.#log.end();
  }

  tail(): string {
    return this.#tail.map((line) => `  [${this.name}] ${line}`).join('\n');
  }

  async #exited(child: ChildProcess, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (child.exitCode === null && child.signalCode === null && Date.now() < deadline) await sleep(50);
    return child.exitCode !== null || child.signalCode !== null;
  }
}

// ---- helpers --------------------------------------------------------------------------------------

/** A TCP port free on 127.0.0.1 right now. */
function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? resolvePort(port) : reject(new Error('no free port'))));
    });
  });
}

async function temporalAnswers(address: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 1000 });
  try {
    await connection.workflowService.getSystemInfo({});
    await connection.workflowService.describeNamespace({ namespace: 'default' });
    return true;
  } finally {
    await connection.close();
  }
}

async function httpOk(url: string): Promise<boolean> {
  const answer = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await answer.arrayBuffer();
  return answer.ok;
}

/** A URL to the same PostgreSQL server with the database name replaced. */
function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

// ---- the stack ------------------------------------------------------------------------------------

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
  /** Restarts of a crashed worker or server by the stack's supervisor. */
  supervisedRestarts: { worker: number; server: number };
  stop(): Promise<void>;
}

const outagesFileOf = (workDir: string) => join(workDir, 'partner-outages.json');

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
  supervisedRestarts: { worker: number; server: number };
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
    supervisedRestarts: { worker: 0, server: 0 },
  };
  const stop = () => stopStack(options, plan, state);

  try {
    log(`database ${plan.databaseName}, work directory ${plan.workDir}`);
    const pool = await createDatabase(plan.databaseUrl);
    state.pool = pool;

    const temporal = temporalProcess(options.temporalCli, plan);
    state.processes.push(temporal);
    const startTemporal = async () => {
      temporal.start();
      await temporal.waitReady(startTimeoutMs, () => temporalAnswers(plan.temporalAddress));
    };
    await startTemporal();
    log(`Temporal dev server at ${plan.temporalAddress}`);

    const { worker, server } = await startApp(options, plan, state, startTimeoutMs);

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

/** The run's database, migrated, and the harness's pool on it. */
async function createDatabase(databaseUrl: string): Promise<pg.Pool> {
  await dropAndCreateDatabase(databaseUrl);
  await migrate(databaseUrl);
  return createPool(databaseUrl, 4);
}

/** The Temporal dev server, keeping its state in the work directory so a restart keeps every workflow. */
function temporalProcess(temporalCli: string, plan: StackPlan): ManagedProcess {
  return new ManagedProcess('temporal', {
    command: temporalCli,
    args: [
      'server',
      'start-dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(plan.temporalPort),
      '--ui-port',
      String(plan.uiPort),
      '--headless',
      '--namespace',
      'default',
      '--db-filename',
      join(plan.workDir, 'temporal.db'),
      '--log-level',
      'warn',
      '--dynamic-config-value',
      'frontend.enableUpdateWorkflowExecution=true',
      '--dynamic-config-value',
      'frontend.enableExecuteMultiOperation=true',
    ],
    env: {},
    logPath: join(plan.workDir, 'temporal.log'),
  });
}

/** One workflow bundle for every worker start, as a deployment would ship it (activities/worker.ts). */
async function bundleWorkflows(workDir: string): Promise<string> {
  const bundlePath = join(workDir, 'workflow-bundle.js');
  const bundle = await bundleWorkflowCode({
    workflowsPath: new URL('../../workflows/index.ts', import.meta.url).pathname,
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error },
  });
  writeFileSync(bundlePath, bundle.code);
  return bundlePath;
}

/** The worker and the API server (not started yet), with the stack's environment and `extraEnv`. */
function appProcesses(
  extraEnv: Record<string, string>,
  plan: StackPlan,
  bundlePath: string,
): { worker: ManagedProcess; server: ManagedProcess } {
  const env = {
    WORKFLOW_BUNDLE_PATH: bundlePath,
    DATABASE_URL: plan.databaseUrl,
    TEMPORAL_ADDRESS: plan.temporalAddress,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: plan.taskQueue,
    JWT_SECRET: randomBytes(48).toString('base64url'),
    LOG_LEVEL: 'warn',
    PARTNER_OUTAGES_FILE: outagesFileOf(plan.workDir),
    ...extraEnv,
  };
  const node = (file: string) => ({ command: process.execPath, args: ['--import', 'tsx', file] });
  const worker = new ManagedProcess('worker', {
    // activities/worker.ts with the simulated partners behind the run's outage switch.
    ...node('scripts/chaos/worker.ts'),
    env,
    logPath: join(plan.workDir, 'worker.log'),
    readyLine: /worker polling/,
  });
  const server = new ManagedProcess('server', {
    ...node('api/server.ts'),
    // One log line per request (info), so an answer can be traced by its X-Request-Id.
    env: {
      ...env,
      PORT: String(plan.apiPort),
      NODE_ENV: 'production',
      COOKIE_SECURE: '0',
      LOG_LEVEL: 'info',
    },
    logPath: join(plan.workDir, 'server.log'),
  });
  return { worker, server };
}

/** A supervisor, as in production: a worker or server that dies by itself is started again. */
function supervise(
  state: StackState,
  log: (line: string) => void,
  children: { worker: ManagedProcess; server: ManagedProcess },
): void {
  for (const key of ['worker', 'server'] as const) {
    const child = children[key];
    child.onUnexpectedExit = () => {
      log(`${child.name} exited by itself (${child.lastUnexpectedExit}); restarting it`);
      if (state.stopping || state.supervisedRestarts[key] >= MAX_SUPERVISED_RESTARTS) return;
      state.supervisedRestarts[key] += 1;
      setTimeout(() => {
        if (!state.stopping && !child.running) child.start();
      }, 1000);
    };
  }
}

/** Server and worker first, Temporal last; then the harness's connections, the database and the files. */
async function stopStack(options: StackOptions, plan: StackPlan, state: StackState): Promise<void> {
  state.stopping = true;
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

async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
