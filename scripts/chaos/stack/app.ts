// The stack's application processes: the worker (scripts/chaos/worker.ts: activities/worker.ts with
// the simulated partners behind the outage switch) and the API server, with the stack's environment,
// and the supervisor that starts either again when it dies by itself, as production would.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ManagedProcess } from './processes.js';

const MAX_SUPERVISED_RESTARTS = 100;

/** What the application processes need to know of the stack's plan. */
export interface AppPlan {
  workDir: string;
  databaseUrl: string;
  temporalAddress: string;
  taskQueue: string;
  apiPort: number;
}

/** The supervisor's view of the stack: whether it is stopping, and the restarts so far. */
export interface SupervisorState {
  stopping: boolean;
  supervisedRestarts: { worker: number; server: number };
}

export const outagesFileOf = (workDir: string) => join(workDir, 'partner-outages.json');

/** The worker and the API server (not started yet), with the stack's environment and `extraEnv`. */
export function appProcesses(
  extraEnv: Record<string, string>,
  plan: AppPlan,
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
export function supervise(
  state: SupervisorState,
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
