// The whole development stack in one process tree: Temporal dev server, database migrations and demo
// seed, the worker and the server. A worker or server that exits is started again (see supervise);
// Ctrl-C stops every child.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { config } from '../db/config.js';
import { DatabaseUnreachableError, ensureDatabase, migrate } from '../db/migrate.js';
import { createPool } from '../db/pool.js';
import { ensureTemporalCli } from './temporal-cli.js';
import { buildWebIfStale } from './web-build.js';

const dataDir = resolve(process.env.CLEARHOUSE_DATA_DIR ?? '.data');
const temporalPort = Number(process.env.TEMPORAL_PORT ?? 7233);
const temporalUiPort = Number(process.env.TEMPORAL_UI_PORT ?? 8233);
const seedDemo = process.env.SEED_DEMO_DATA !== '0';

const children = new Set<ChildProcess>();
const restartTimers = new Set<NodeJS.Timeout>();
let stopping = false;

/** A worker or server that crashes this often within CRASH_WINDOW_MS stops the stack. */
const MAX_CRASHES = 5;
const CRASH_WINDOW_MS = 60_000;
const RESTART_FIRST_MS = 500;
const RESTART_MAX_MS = 10_000;

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function spawnChild(
  name: string,
  command: string,
  args: string[],
  env: Record<string, string>,
): ChildProcess {
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const prefix = `[${name}] `;
  const relay = (stream: NodeJS.WritableStream) => (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) stream.write(prefix + line + '\n');
  };
  child.stdout?.on('data', relay(process.stdout));
  child.stderr?.on('data', relay(process.stderr));
  child.on('error', (error) => say(`${name} could not be started: ${error.message}`));
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

/** A child the stack cannot do without: when it exits, the stack stops. */
function run(name: string, command: string, args: string[], env: Record<string, string> = {}): void {
  spawnChild(name, command, args, env).on('exit', (code, signal) => {
    if (stopping) return;
    say(`${name} exited (${signal ?? code}); stopping the stack.`);
    void stop(1);
  });
}

/**
 * A child that is started again when it exits, after a backoff doubling from RESTART_FIRST_MS to
 * RESTART_MAX_MS; MAX_CRASHES exits within CRASH_WINDOW_MS stop the stack instead.
 */
function supervise(name: string, command: string, args: string[], env: Record<string, string> = {}): void {
  const exits: number[] = [];
  const start = () => {
    if (stopping) return;
    spawnChild(name, command, args, env).on('exit', (code, signal) => {
      if (stopping) return;
      const now = Date.now();
      exits.push(now);
      while (exits.length > 0 && exits[0]! < now - CRASH_WINDOW_MS) exits.shift();
      if (exits.length >= MAX_CRASHES) {
        say(
          `${name} exited ${exits.length} times within ${CRASH_WINDOW_MS / 1000} s (last: ${signal ?? code}); ` +
            'stopping the stack. See its output above.',
        );
        void stop(1);
        return;
      }
      const delayMs = Math.min(RESTART_MAX_MS, RESTART_FIRST_MS * 2 ** (exits.length - 1));
      say(`${name} exited (${signal ?? code}); restarting it in ${delayMs / 1000} s.`);
      const timer = setTimeout(() => {
        restartTimers.delete(timer);
        start();
      }, delayMs);
      restartTimers.add(timer);
    });
  };
  start();
}

async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const timer of restartTimers) clearTimeout(timer);
  restartTimers.clear();
  // Server and worker first (they drain), Temporal last.
  const live = () => [...children].filter((c) => c.exitCode === null && c.signalCode === null);
  for (const child of live().reverse()) {
    if (child.pid) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }
  }
  const deadline = Date.now() + 10_000;
  while (live().length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const child of live()) {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  process.exit(code);
}

async function waitForTemporal(address: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      await connection.workflowService.getSystemInfo({});
      await connection.close();
      return;
    } catch (error) {
      lastError = error;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  throw new Error(
    `Temporal at ${address} did not answer within ${timeoutMs / 1000} s: ${(lastError as Error)?.message}`,
  );
}

async function main(): Promise<void> {
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  // PostgreSQL first: the cheapest check, and the most common thing not running.
  await ensureDatabase(config.databaseUrl);

  let temporalAddress = process.env.TEMPORAL_ADDRESS;
  if (!temporalAddress) {
    const cli = await ensureTemporalCli(say);
    mkdirSync(dataDir, { recursive: true });
    temporalAddress = `127.0.0.1:${temporalPort}`;
    say(`Starting Temporal dev server (${cli}) with state in ${dataDir}/temporal.sqlite ...`);
    run('temporal', cli, [
      'server',
      'start-dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(temporalPort),
      '--ui-port',
      String(temporalUiPort),
      '--namespace',
      config.temporalNamespace,
      '--db-filename',
      `${dataDir}/temporal.sqlite`,
      '--log-level',
      'warn',
      '--dynamic-config-value',
      'frontend.enableUpdateWorkflowExecution=true',
      '--dynamic-config-value',
      'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true',
      '--dynamic-config-value',
      'frontend.workerVersioningWorkflowAPIs=true',
      // Worker heartbeats, so /readyz notices a dead worker within seconds (api/health.ts).
      '--dynamic-config-value',
      'frontend.WorkerHeartbeatsEnabled=true',
      '--dynamic-config-value',
      'frontend.ListWorkersEnabled=true',
    ]);
  }
  await startRedisIfMissing();
  if (!process.env.SMTP_URL) {
    // A local mail catcher: every mail the stack sends is kept and shown at its page.
    run('mail', process.execPath, ['--import', 'tsx', 'scripts/mail-catcher.ts']);
  }
  await waitForTemporal(temporalAddress, 60_000);
  say(`Temporal answers at ${temporalAddress}.`);

  const applied = await migrate(config.databaseUrl);
  say(applied.length ? `Migrations applied: ${applied.join(', ')}` : 'Database schema up to date.');
  let logins: { email: string; role: string }[] = [];
  if (seedDemo) {
    const { seedDemoData, DEMO_USERS, DEMO_PASSWORD } = await import('../db/seed.js');
    const pool = createPool(config.databaseUrl, 2);
    await seedDemoData(pool);
    await pool.end();
    logins = DEMO_USERS.map((u) => ({ email: u.email, role: `${u.role} (password ${DEMO_PASSWORD})` }));
  }

  await buildWebIfStale(say);

  const env = {
    TEMPORAL_ADDRESS: temporalAddress,
    DATABASE_URL: config.databaseUrl,
    JWT_SECRET: jwtSecret(),
  };
  supervise('worker', process.execPath, ['--import', 'tsx', 'activities/worker.ts'], env);
  // Cookies are Secure in production; the local stack serves plain http on localhost.
  supervise('server', process.execPath, ['--import', 'tsx', 'api/server.ts'], {
    ...env,
    NODE_ENV: process.env.NODE_ENV ?? 'production',
    COOKIE_SECURE: process.env.COOKIE_SECURE ?? '0',
  });
  await waitForHttp(`http://127.0.0.1:${config.port}/healthz`, 60_000);
  if (seedDemo) {
    // Demo KYC goes through the API and the KYC workflow, so it waits for the server and the worker.
    const { approveDemoKyc } = await import('./demo-kyc.js');
    await approveDemoKyc(`http://127.0.0.1:${config.port}`).then(
      (done) =>
        say(
          `Demo KYC: ${Object.entries(done)
            .map(([email, what]) => `${email} ${what}`)
            .join('; ')}`,
        ),
      (error: Error) => say(`Demo KYC not approved (${error.message}); approve it on /ops/kyc.`),
    );
  }

  say('');
  say('clearhouse is running:');
  say(
    `  app           http://localhost:${config.port}/  (client portal /app, backoffice /ops, audit /audit)`,
  );
  say(`  API           http://localhost:${config.port}/api/v1  (OpenAPI at /api/v1/openapi.json)`);
  say(`  readiness     http://localhost:${config.port}/readyz`);
  say(`  queues        http://localhost:${config.port}/ops/queues  (bull-board, admins)`);
  if (!process.env.SMTP_URL) say('  mail catcher  http://localhost:1080/  (SMTP on 1025)');
  if (!process.env.TEMPORAL_ADDRESS) say(`  Temporal UI   http://localhost:${temporalUiPort}/`);
  say(`  Temporal gRPC ${temporalAddress}`);
  if (logins.length) {
    say('Demo logins:');
    for (const l of logins) say(`  ${l.email.padEnd(22)} ${l.role}`);
  }
  say('Ctrl-C stops everything.');
}

/**
 * Redis for the notification queues (REDIS_URL): when nothing answers at the default address, a
 * local redis-server is started for the stack (no persistence: the queues refill from the outbox).
 */
async function startRedisIfMissing(): Promise<void> {
  const { Redis } = await import('ioredis');
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const ping = async () => {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return (await client.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      client.disconnect();
    }
  };
  if (await ping()) return;
  if (process.env.REDIS_URL) throw new Error(`Redis at ${url} does not answer`);
  say('Starting redis-server on 127.0.0.1:6379 ...');
  run('redis', 'redis-server', ['--bind', '127.0.0.1', '--port', '6379', '--save', '', '--appendonly', 'no']);
  const deadline = Date.now() + 10_000;
  while (!(await ping())) {
    if (Date.now() > deadline) throw new Error('redis-server did not answer within 10 s (is it installed?)');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** JWT_SECRET, or a random one kept in the data dir so sessions survive restarts of the stack. */
function jwtSecret(): string {
  if (process.env.JWT_SECRET) return process.env.JWT_SECRET;
  mkdirSync(dataDir, { recursive: true });
  const file = `${dataDir}/jwt-secret`;
  if (!existsSync(file)) writeFileSync(file, randomBytes(48).toString('base64url'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
}

main().catch(async (error: unknown) => {
  if (error instanceof DatabaseUnreachableError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`clearhouse failed to start: ${(error as Error)?.message ?? error}\n`);
  }
  await stop(1);
});
