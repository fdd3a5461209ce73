// Prometheus metrics (prom-client) of the server and of each worker process:
//   http_request_duration_seconds{method,route,status}   per Express route pattern, not per URL
//   ledger_postings_total{path,kind,outcome}, ledger_posting_duration_seconds{path,kind}
//                                                        every posting path (db/ledger/observer.ts)
//   ledger_group_commit_duration_seconds, ledger_group_commit_batch_size,
//   ledger_group_commit_failures_total                   the group commit's groups
//   clearhouse_lifecycle_transitions_total{type,status}  transitions recorded (lifecycle_event)
//   clearhouse_lifecycles{type,status}                   lifecycles by current status
//   clearhouse_lifecycle_oldest_idle_seconds{type,status}  open, no task, longest without a transition
//   clearhouse_open_tasks{kind,age}, clearhouse_overdue_tasks{kind}
//   clearhouse_outbox_pending, clearhouse_outbox_oldest_pending_seconds   the notification queue
//   clearhouse_trial_balance_imbalance{asset}            debits − credits per asset (must be 0)
//   clearhouse_sse_subscribers{stream}                   open live-stream subscriptions (api/notification-fanout.ts)
// plus Node's default process metrics. The database-backed gauges are read at scrape time with a
// short statement timeout (their queries: db/metrics.ts), so a slow scrape never holds a connection
// for long; they are the same in every process, so alerts should read them from one job
// (docs/operations.md). The worker also runs
// the Temporal SDK's own Prometheus exporter (activities/worker.ts, TEMPORAL_METRICS_BIND).
import { createServer, type Server } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type pg from 'pg';
import client from 'prom-client';
import { setLedgerObserver, setPoolCallObserver, setUnitPostingObserver } from '../db/ledger/observer.js';
import { archiveDueBacklog } from '../db/history/archive-due.js';
import { fanoutSubscribers } from './notification-fanout.js';
import {
  lifecycleCounts,
  lifecycleOldestIdle,
  lifecycleTransitionCounts,
  openTaskCounts,
  outboxBacklog,
  overdueTaskCounts,
  trialBalanceImbalance,
  withScrapeTimeout,
  type Queryable,
} from '../db/metrics.js';

export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry });

const httpDuration = new client.Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request latency by method, Express route pattern and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

// Three ways post: the group commit (single postings and holds from the pool), the calls made inside a
// caller's transaction (inLedgerTransaction: the venue's fills and reservations, settlement, bulk
// orders), and the pool-level calls with a transaction of their own (a hold posted, voided or expired,
// a reversal, a postEntries batch). `path` tells them apart — group_commit, transaction, or the call:
// post_hold, void_hold, expire_hold, reverse_entry, post_entries; `kind` is the entry's kind, the
// recipe (trade.fill, order.reserve …).
const ledgerPostings = new client.Counter({
  name: 'ledger_postings_total',
  help: 'Ledger postings and holds by path (group_commit | transaction | post_hold | void_hold | expire_hold | reverse_entry | post_entries), entry kind and outcome (recorded | refused)',
  labelNames: ['path', 'kind', 'outcome'] as const,
  registers: [registry],
});
const ledgerPostingDuration = new client.Histogram({
  name: 'ledger_posting_duration_seconds',
  help: 'Time one posting took, by path and entry kind (group_commit: its group statement; transaction: its call inside the unit; a pool-level call: the whole call)',
  labelNames: ['path', 'kind'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [registry],
});
const ledgerGroupDuration = new client.Histogram({
  name: 'ledger_group_commit_duration_seconds',
  help: "Time of one group commit's statement (every posting of the group waits this long)",
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [registry],
});
const ledgerGroupFailures = new client.Counter({
  name: 'ledger_group_commit_failures_total',
  help: 'Group-commit statements that failed as a whole (a database fault, not a refusal); the group was then sent one by one',
  registers: [registry],
});
const ledgerGroupSize = new client.Histogram({
  name: 'ledger_group_commit_batch_size',
  help: 'Postings that shared one group commit',
  buckets: [1, 2, 5, 10, 20, 50, 100, 200],
  registers: [registry],
});

let observing = false;
const outcomeOf = (ok: boolean) => (ok ? 'recorded' : 'refused');

/** Counts this process's ledger postings, every path (idempotent). */
export function observeLedger(): void {
  if (observing) return;
  observing = true;
  setLedgerObserver((group) => {
    ledgerGroupSize.observe(group.size);
    ledgerGroupDuration.observe(group.durationMs / 1000);
    if (group.failed) ledgerGroupFailures.inc();
    for (const posting of group.postings) {
      ledgerPostings.inc({ path: 'group_commit', kind: posting.kind, outcome: outcomeOf(posting.ok) });
      ledgerPostingDuration.observe({ path: 'group_commit', kind: posting.kind }, group.durationMs / 1000);
    }
  });
  setUnitPostingObserver((postings) => {
    for (const posting of postings) {
      ledgerPostings.inc({ path: 'transaction', kind: posting.kind, outcome: outcomeOf(posting.ok) });
      ledgerPostingDuration.observe({ path: 'transaction', kind: posting.kind }, posting.durationMs / 1000);
    }
  });
  // A postEntries batch counts each of its entries; each is timed as the whole call (all or none).
  setPoolCallObserver((call) => {
    for (const kind of call.kinds) {
      ledgerPostings.inc({ path: call.call, kind, outcome: outcomeOf(call.ok) });
      ledgerPostingDuration.observe({ path: call.call, kind }, call.durationMs / 1000);
    }
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

// Open live streams (SSE) per notification fan-out (market, lifecycle, notifications): after the
// clients left it must come back down (npm run bench:load reads it to prove no subscription leaks).
new client.Gauge({
  name: 'clearhouse_sse_subscribers',
  help: 'Open live-stream subscriptions by fan-out (market, lifecycle, notifications)',
  labelNames: ['stream'],
  registers: [registry],
  collect() {
    this.reset();
    for (const { name, subscribers } of fanoutSubscribers()) this.set({ stream: name }, subscribers);
  },
});

// ---- gauges read from the database at scrape time (the queries: db/metrics.ts) ----------------------

let databaseGauges: pg.Pool | null = null;

/** Registers the database-backed gauges on `pool` (once per process). */
export function observeDatabase(pool: pg.Pool): void {
  if (databaseGauges) return;
  databaseGauges = pool;
  const gauge = (
    name: string,
    help: string,
    labelNames: string[],
    read: (q: Queryable, set: (labels: Record<string, string>, value: number) => void) => Promise<void>,
  ) =>
    new client.Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        this.reset();
        // A failed read leaves the gauge empty for this scrape (absent() alerts see it), never a 500.
        await withScrapeTimeout(pool, (q) => read(q, (labels, value) => this.set(labels, value))).catch(
          () => undefined,
        );
      },
    });

  gauge(
    'clearhouse_lifecycle_transitions_total',
    'Lifecycle transitions recorded, by lifecycle type and the status entered (monotonic; from lifecycle_event)',
    ['type', 'status'],
    async (q, set) => {
      for (const r of await lifecycleTransitionCounts(q)) set({ type: r.type, status: r.status }, r.count);
    },
  );
  gauge(
    'clearhouse_lifecycles',
    'Lifecycles by type and current status',
    ['type', 'status'],
    async (q, set) => {
      for (const r of await lifecycleCounts(q)) set({ type: r.type, status: r.status }, r.count);
    },
  );
  gauge(
    'clearhouse_lifecycle_oldest_idle_seconds',
    'Per type and status, the longest time an open lifecycle with no open task has gone without a transition',
    ['type', 'status'],
    async (q, set) => {
      for (const r of await lifecycleOldestIdle(q)) set({ type: r.type, status: r.status }, r.seconds);
    },
  );
  gauge(
    'clearhouse_open_tasks',
    'Open or claimed staff tasks by kind and age (lt_1h, 1h_to_24h, gt_24h)',
    ['kind', 'age'],
    async (q, set) => {
      for (const r of await openTaskCounts(q)) set({ kind: r.kind, age: r.age }, r.count);
    },
  );
  gauge(
    'clearhouse_overdue_tasks',
    'Open or claimed tasks past their due time, by kind',
    ['kind'],
    async (q, set) => {
      for (const r of await overdueTaskCounts(q)) set({ kind: r.kind }, r.count);
    },
  );
  gauge(
    'clearhouse_outbox_pending',
    'Outbox events not yet dispatched (the notification queue)',
    [],
    async (q, set) => set({}, (await outboxBacklog(q)).pending),
  );
  gauge(
    'clearhouse_outbox_oldest_pending_seconds',
    'Age of the oldest undispatched outbox event (0 when none)',
    [],
    async (q, set) => set({}, (await outboxBacklog(q)).oldestSeconds),
  );
  gauge(
    'clearhouse_history_archive_due',
    'Closed lifecycles whose history the archive sweeper has not archived yet',
    [],
    async (q, set) => set({}, (await archiveDueBacklog(q)).pending),
  );
  gauge(
    'clearhouse_history_archive_oldest_due_seconds',
    'Seconds since the oldest closed lifecycle still waiting for its history archive closed (0 when none)',
    [],
    async (q, set) => set({}, (await archiveDueBacklog(q)).oldestSeconds),
  );
  gauge(
    'clearhouse_trial_balance_imbalance',
    'Posted debits minus posted credits over all ledger accounts, per asset (anything but 0 is an incident)',
    ['asset'],
    async (q, set) => {
      for (const r of await trialBalanceImbalance(q)) set({ asset: r.asset }, r.difference);
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
