// Prometheus metrics (prom-client) of the server and of each worker process:
//   http_request_duration_seconds{method,route,status}   per Express route pattern, not per URL
//   ledger_postings_total{kind,outcome}, ledger_group_commit_duration_seconds,
//   ledger_group_commit_batch_size                       from the group commit (db/ledger/observer.ts)
//   clearhouse_lifecycle_transitions_total{type,status}  transitions recorded (lifecycle_event)
//   clearhouse_lifecycles{type,status}                   lifecycles by current status
//   clearhouse_open_tasks{kind,age}, clearhouse_overdue_tasks{kind}
//   clearhouse_outbox_pending, clearhouse_outbox_oldest_pending_seconds   the notification queue
//   clearhouse_trial_balance_imbalance{asset}            debits − credits per asset (must be 0)
// plus Node's default process metrics. The database-backed gauges are read at scrape time with a
// short statement timeout, so a slow scrape never holds a connection for long; they are the same in
// every process, so alerts should read them from one job (docs/operations.md). The worker also runs
// the Temporal SDK's own Prometheus exporter (activities/worker.ts, TEMPORAL_METRICS_BIND).
import { createServer, type Server } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type pg from 'pg';
import client from 'prom-client';
import { setLedgerObserver } from '../db/ledger/observer.js';

export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry });

const httpDuration = new client.Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request latency by method, Express route pattern and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

const ledgerPostings = new client.Counter({
  name: 'ledger_postings_total',
  help: 'Postings and holds through the group commit, by entry kind and outcome (recorded | refused)',
  labelNames: ['kind', 'outcome'] as const,
  registers: [registry],
});
const ledgerGroupDuration = new client.Histogram({
  name: 'ledger_group_commit_duration_seconds',
  help: "Time of one group commit's statement (every posting of the group waits this long)",
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [registry],
});
const ledgerGroupSize = new client.Histogram({
  name: 'ledger_group_commit_batch_size',
  help: 'Postings that shared one group commit',
  buckets: [1, 2, 5, 10, 20, 50, 100, 200],
  registers: [registry],
});

let observing = false;
/** Counts the group commit's postings in this process (idempotent). */
export function observeLedger(): void {
  if (observing) return;
  observing = true;
  setLedgerObserver((group) => {
    ledgerGroupSize.observe(group.size);
    ledgerGroupDuration.observe(group.durationMs / 1000);
    for (const posting of group.postings)
      ledgerPostings.inc({ kind: posting.kind, outcome: posting.ok ? 'recorded' : 'refused' });
  });
}

/** The route label: the matched Express pattern (ids never become labels), else a fixed bucket. */
function routeOf(req: Request): string {
  const pattern = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof pattern === 'string') return `${req.baseUrl}${pattern}`;
  return req.path.startsWith('/api/') ? 'unmatched /api' : 'other';
}

/** Records every request's latency once its answer is sent (or the client went away). */
export function httpMetrics(): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const end = httpDuration.startTimer();
    res.once('close', () => end({ method: req.method, route: routeOf(req), status: String(res.statusCode) }));
    next();
  };
}

// ---- gauges read from the database at scrape time -------------------------------------------------

const SCRAPE_TIMEOUT_MS = 2000;

async function scrapeQuery<R extends pg.QueryResultRow>(pool: pg.Pool, sql: string): Promise<R[]> {
  const connection = await pool.connect();
  try {
    await connection.query(`SET statement_timeout = ${SCRAPE_TIMEOUT_MS}`);
    return (await connection.query<R>(sql)).rows;
  } finally {
    await connection.query('RESET statement_timeout').catch(() => undefined);
    connection.release();
  }
}

let databaseGauges: pg.Pool | null = null;

/** Registers the database-backed gauges on `pool` (once per process). */
export function observeDatabase(pool: pg.Pool): void {
  if (databaseGauges) return;
  databaseGauges = pool;
  const gauge = (
    name: string,
    help: string,
    labelNames: string[],
    read: (set: (labels: Record<string, string>, value: number) => void) => Promise<void>,
  ) =>
    new client.Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        this.reset();
        await read((labels, value) => this.set(labels, value)).catch(() => undefined);
      },
    });

  gauge(
    'clearhouse_lifecycle_transitions_total',
    'Lifecycle transitions recorded, by lifecycle type and the status entered (monotonic; from lifecycle_event)',
    ['type', 'status'],
    async (set) => {
      const rows = await scrapeQuery<{ type: string; to_status: string; n: string }>(
        pool,
        `SELECT l.type, e.to_status, count(*)::text AS n
           FROM lifecycle_event e JOIN lifecycle l USING (workflow_id) GROUP BY 1, 2`,
      );
      for (const r of rows) set({ type: r.type, status: r.to_status }, Number(r.n));
    },
  );
  gauge('clearhouse_lifecycles', 'Lifecycles by type and current status', ['type', 'status'], async (set) => {
    const rows = await scrapeQuery<{ type: string; status: string; n: string }>(
      pool,
      `SELECT type, status, count(*)::text AS n FROM lifecycle GROUP BY 1, 2`,
    );
    for (const r of rows) set({ type: r.type, status: r.status }, Number(r.n));
  });
  gauge(
    'clearhouse_open_tasks',
    'Open or claimed staff tasks by kind and age (lt_1h, 1h_to_24h, gt_24h)',
    ['kind', 'age'],
    async (set) => {
      const rows = await scrapeQuery<{ kind: string; age: string; n: string }>(
        pool,
        `SELECT kind,
                CASE WHEN created_at > now() - interval '1 hour' THEN 'lt_1h'
                     WHEN created_at > now() - interval '24 hours' THEN '1h_to_24h'
                     ELSE 'gt_24h' END AS age,
                count(*)::text AS n
           FROM task WHERE status IN ('open', 'claimed') GROUP BY 1, 2`,
      );
      for (const r of rows) set({ kind: r.kind, age: r.age }, Number(r.n));
    },
  );
  gauge(
    'clearhouse_overdue_tasks',
    'Open or claimed tasks past their due time, by kind',
    ['kind'],
    async (set) => {
      const rows = await scrapeQuery<{ kind: string; n: string }>(
        pool,
        `SELECT kind, count(*)::text AS n FROM task
        WHERE status IN ('open', 'claimed') AND due_at IS NOT NULL AND due_at < now() GROUP BY 1`,
      );
      for (const r of rows) set({ kind: r.kind }, Number(r.n));
    },
  );
  gauge(
    'clearhouse_outbox_pending',
    'Outbox events not yet dispatched (the notification queue)',
    [],
    async (set) => {
      const rows = await scrapeQuery<{ n: string }>(
        pool,
        `SELECT count(*)::text AS n FROM outbox_event WHERE dispatched_at IS NULL`,
      );
      set({}, Number(rows[0]?.n ?? 0));
    },
  );
  gauge(
    'clearhouse_outbox_oldest_pending_seconds',
    'Age of the oldest undispatched outbox event (0 when none)',
    [],
    async (set) => {
      const rows = await scrapeQuery<{ s: string | null }>(
        pool,
        `SELECT extract(epoch FROM now() - min(created_at))::text AS s FROM outbox_event WHERE dispatched_at IS NULL`,
      );
      set({}, Number(rows[0]?.s ?? 0));
    },
  );
  gauge(
    'clearhouse_trial_balance_imbalance',
    'Posted debits minus posted credits over all ledger accounts, per asset (anything but 0 is an incident)',
    ['asset'],
    async (set) => {
      const rows = await scrapeQuery<{ asset: string; d: string }>(
        pool,
        `SELECT asset, (sum(debits_posted) - sum(credits_posted))::text AS d FROM ledger_account GROUP BY 1`,
      );
      for (const r of rows) set({ asset: r.asset }, Number(r.d));
    },
  );
}

/**
 * GET /metrics. With METRICS_TOKEN set, only `Authorization: Bearer <token>` may read it (the
 * figures name routes and volumes); without it, open — keep the port off the public network.
 */
export function metricsHandler(token = process.env.METRICS_TOKEN): RequestHandler {
  return async (req, res) => {
    if (token && req.get('authorization') !== `Bearer ${token}`) {
      res.status(401).type('text/plain').send('metrics need the METRICS_TOKEN bearer\n');
      return;
    }
    res.setHeader('Cache-Control', 'no-store');
    res.type(registry.contentType).send(await registry.metrics());
  };
}

/** A bare HTTP server answering /metrics (the worker's application metrics). */
export function startMetricsServer(port: number, host = '127.0.0.1'): Server {
  const token = process.env.METRICS_TOKEN;
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    if (token && req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(401).end();
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  server.listen(port, host);
  return server;
}
