// A Temporal dev server of a test's own, on a port of its own, for tests that stop, start or
// configure Temporal (the shared one from the global setup must stay up for everyone else). And the
// worker entrypoint as a child process, so a test can watch its log and kill it like an operator.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { inject } from 'vitest';
import { Connection } from '@temporalio/client';
import { ensureTemporalCli } from '../../scripts/temporal-cli.js';

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface DevServer {
  address: string;
  stop(): Promise<void>;
}

/** Starts `temporal server start-dev` on `port` (in memory) and waits until it answers. */
export async function startDevServer(
  port: number,
  dynamicConfig: string[] = [],
  timeoutMs = 30_000,
): Promise<DevServer> {
  const cli = await ensureTemporalCli();
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--headless'];
  args.push('--log-level', 'error');
  for (const value of dynamicConfig) args.push('--dynamic-config-value', value);
  const child = spawn(cli, args, { stdio: 'ignore' });
  const address = `127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      await connection.close();
      return { address, stop };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  await stop();
  throw new Error(`the dev server on ${address} did not answer within ${timeoutMs} ms`);
}

export interface WorkerProcess {
  child: ChildProcess;
  /** Every log line so far (stdout and stderr). */
  lines: string[];
  /** Resolves with the first line (from now or earlier) matching `pattern`. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<string>;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<number | string>;
}

/**
 * Runs activities/worker.ts (the production entrypoint) with `env` added, on the workflow bundle the
 * global setup built (as a deployment passes WORKFLOW_BUNDLE_PATH): bundling the workflows in the
 * child instead takes ~10 s of CPU on two busy cores, enough to miss a test's deadline.
 * Without its notifications (NOTIFICATIONS=0; `env` may turn them on): the production dispatcher
 * takes every pending outbox event of the shared test database, so it sent another file's mail
 * through its own queues (tests/e2e/admin.test.ts waited 90 s for an invitation while
 * tests/api/readiness.test.ts ran its worker). Tests that send notifications run their own,
 * limited to their owners.
 */
export function spawnWorker(env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'activities/worker.ts'], {
    env: {
      ...process.env,
      LOG_LEVEL: 'info',
      WORKFLOW_BUNDLE_PATH: inject('workflowBundlePath'),
      NOTIFICATIONS: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  const take = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(line);
    for (const wake of waiters) wake();
  };
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const waitForLine = (pattern: RegExp, timeoutMs: number) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const found = lines.find((line) => pattern.test(line));
        if (found === undefined) return;
        finish();
        resolve(found);
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; got:\n${lines.join('\n')}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  return { child, lines, waitForLine, exited };
}
