import { Router } from 'express';
import type { AppDeps } from './deps.js';

// /healthz: the process is up. /readyz: PostgreSQL answers, Temporal answers, and at least one
// worker polls the task queue. Both outside /api/v1, no auth, never cached.

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
  const [postgres, temporal, worker] = await Promise.all([
    timed(async () => {
      await deps.pool.query('SELECT 1');
    }),
    timed(async () => {
      const client = await temporalClient;
      const info = await client.workflowService.getSystemInfo({});
      return { serverVersion: info.serverVersion || undefined };
    }),
    timed(async () => {
      const client = await temporalClient;
      const answer = await client.workflowService.describeTaskQueue({
        namespace: client.options.namespace,
        taskQueue: { name: deps.taskQueue },
        taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
      });
      const pollers = answer.pollers?.length ?? 0;
      if (pollers === 0) throw new Error(`no worker is polling task queue "${deps.taskQueue}"`);
      return { taskQueue: deps.taskQueue, pollers };
    }),
  ]);
  const checks = { postgres, temporal, worker };
  return { ok: Object.values(checks).every((check) => check.ok), checks };
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
