// The end-state invariants read from the run's own database, Temporal and audit log, beside what the
// API shows (check.ts): one workflow per business key and none the scripts did not start, no journal
// entry twice for one idempotency key, every trade posted exactly once and reported by its orders,
// every resting order's hold unresolved and equal to its reservation (and no hold left behind by an
// order that is done), no open task without a live lifecycle, and the audit chain intact. Each
// violation is one line naming the ids to investigate.
import type { Client } from '@temporalio/client';
import type pg from 'pg';
import type { ApiClient, Session } from './client.js';
import type { Lifecycle } from './scenarios/index.js';

export interface InvariantReport {
  /** One line per broken invariant instance, prefixed by the invariant's name. */
  violations: string[];
  /** How many facts each invariant looked at (so a check that saw nothing is visible). */
  examined: Record<string, number>;
}

export interface InvariantContext {
  pool: pg.Pool;
  temporal: Client;
  api: ApiClient;
  auditor: Session;
  lifecycles: readonly Lifecycle[];
  /** Trade ids the run's orders report (check-model.ts). */
  tradeIds: ReadonlySet<string>;
}

async function oneWorkflowPerBusinessKey(ctx: InvariantContext, out: InvariantReport): Promise<void> {
  const duplicates = await ctx.pool.query<{ type: string; business_id: string; n: number }>(
    `SELECT type, business_id, count(*)::int AS n FROM lifecycle GROUP BY 1, 2 HAVING count(*) > 1`,
  );
  for (const d of duplicates.rows)
    out.violations.push(`one workflow per business key: ${d.type} ${d.business_id} has ${d.n} lifecycles`);
  // Every lifecycle is one the scripts started and learned the id of: a retried create that
  // started a second workflow (or a lost answer) leaves one the log does not know.
  const known = new Set(ctx.lifecycles.flatMap((l) => l.resources.map((r) => r.workflowId)));
  const rows = await ctx.pool.query<{
    workflow_id: string;
    type: string;
    status: string;
    owner_id: string | null;
  }>(`SELECT workflow_id, type, status, owner_id FROM lifecycle`);
  out.examined.lifecycles = rows.rowCount ?? 0;
  for (const row of rows.rows) {
    if (!known.has(row.workflow_id))
      out.violations.push(
        `one workflow per business key: ${row.type} ${row.workflow_id} (${row.status}, owner ${row.owner_id}) was not started by any script`,
      );
  }
  // In Temporal: at most one open run per workflow id, and no open workflow the log does not know
  // (children, e.g. a history's archiving, belong to a known parent).
  const running = new Map<string, { n: number; parent: string | null }>();
  for await (const execution of ctx.temporal.workflow.list({ query: `ExecutionStatus = 'Running'` })) {
    const seen = running.get(execution.workflowId);
    running.set(execution.workflowId, {
      n: (seen?.n ?? 0) + 1,
      parent: execution.parentExecution?.workflowId ?? null,
    });
  }
  out.examined.runningWorkflows = running.size;
  for (const [workflowId, { n, parent }] of running) {
    if (n > 1) out.violations.push(`one workflow per business key: ${workflowId} has ${n} open runs`);
    const accounted = known.has(workflowId) || (parent !== null && known.has(parent));
    if (!accounted && !workflowId.startsWith('temporal-sys-'))
      out.violations.push(
        `one workflow per business key: open workflow ${workflowId} (parent ${parent ?? 'none'}) was not started by any script`,
      );
  }
}

async function journalOncePerKey(ctx: InvariantContext, out: InvariantReport): Promise<void> {
  const twice = await ctx.pool.query<{ idempotency_key: string; n: number }>(
    `SELECT idempotency_key, count(*)::int AS n FROM journal_entry GROUP BY 1 HAVING count(*) > 1 LIMIT 50`,
  );
  for (const row of twice.rows)
    out.violations.push(`journal entry once per key: ${row.idempotency_key} posted ${row.n} times`);
  const entries = await ctx.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM journal_entry`);
  out.examined.journalEntries = entries.rows[0]?.n ?? 0;
}

async function tradesPostedOnce(ctx: InvariantContext, out: InvariantReport): Promise<void> {
  const trades = await ctx.pool.query<{ id: string; entries: number }>(
    `SELECT t.id::text AS id,
            (SELECT count(*)::int FROM journal_entry e WHERE e.idempotency_key = 'trade/' || t.id::text) AS entries
       FROM trade t`,
  );
  out.examined.trades = trades.rowCount ?? 0;
  const inDatabase = new Set<string>();
  for (const t of trades.rows) {
    inDatabase.add(t.id);
    if (t.entries !== 1) out.violations.push(`no trade twice: trade ${t.id} has ${t.entries} trade entries`);
    if (!ctx.tradeIds.has(t.id))
      out.violations.push(`no trade twice: trade ${t.id} is on no order the run reads`);
  }
  for (const id of ctx.tradeIds)
    if (!inDatabase.has(id))
      out.violations.push(`no trade twice: orders report trade ${id}, the venue has none`);
}

async function holdsEqualReservations(ctx: InvariantContext, out: InvariantReport): Promise<void> {
  const resting = await ctx.pool.query<{
    order_id: string;
    reserved: string;
    hold_status: string | null;
    resolutions: number;
    held: string | null;
  }>(
    `SELECT o.order_id::text AS order_id, o.reserved::text AS reserved, e.status AS hold_status,
            (SELECT count(*)::int FROM journal_entry r WHERE r.pending_entry_id = e.id) AS resolutions,
            (SELECT sum(l.debit)::text FROM journal_line l WHERE l.entry_id = e.id) AS held
       FROM venue_order o LEFT JOIN journal_entry e ON e.id = o.hold_entry_id
      WHERE o.status = 'RESTING'`,
  );
  out.examined.restingOrders = resting.rowCount ?? 0;
  for (const o of resting.rows) {
    if (o.hold_status !== 'pending' || o.resolutions !== 0 || o.held !== o.reserved)
      out.violations.push(
        `holds equal resting reservations: order ${o.order_id} reserves ${o.reserved}, its hold is ${o.hold_status ?? 'missing'} (${o.resolutions} resolutions) of ${o.held}`,
      );
  }
  const leaked = await ctx.pool.query<{ id: string; workflow_id: string }>(
    `SELECT e.id::text AS id, e.workflow_id FROM journal_entry e
      WHERE e.status = 'pending' AND e.workflow_id LIKE 'order-%'
        AND NOT EXISTS (SELECT 1 FROM journal_entry r WHERE r.pending_entry_id = e.id)
        AND NOT EXISTS (SELECT 1 FROM venue_order o WHERE o.hold_entry_id = e.id AND o.status = 'RESTING')`,
  );
  for (const hold of leaked.rows)
    out.violations.push(
      `holds equal resting reservations: hold ${hold.id} of ${hold.workflow_id} is open but no order rests on it`,
    );
}

async function tasksHaveLiveLifecycles(ctx: InvariantContext, out: InvariantReport): Promise<void> {
  const open = await ctx.pool.query<{ id: string; kind: string; workflow_id: string; closed: boolean }>(
    `SELECT t.id::text AS id, t.kind, t.workflow_id, (l.closed_at IS NOT NULL) AS closed
       FROM task t JOIN lifecycle l ON l.workflow_id = t.workflow_id
      WHERE t.status IN ('open', 'claimed')`,
  );
  out.examined.openTasks = open.rowCount ?? 0;
  for (const task of open.rows) {
    let status = 'unknown';
    try {
      status = (await ctx.temporal.workflow.getHandle(task.workflow_id).describe()).status.name;
    } catch (error) {
      status = `not found (${(error as Error).message.split('\n')[0]})`;
    }
    if (task.closed || status !== 'RUNNING')
      out.violations.push(
        `no open task without a live lifecycle: task ${task.id} (${task.kind}) on ${task.workflow_id}, lifecycle ${task.closed ? 'closed' : 'open'}, workflow ${status}`,
      );
  }
}

async function auditChainValid(ctx: InvariantContext, out: InvariantReport): Promise<void> {
  const answer = await ctx.api.send(ctx.auditor, { method: 'GET', path: '/audit/log/verify' });
  if (answer.status !== 200) {
    out.violations.push(
      `audit chain: GET /audit/log/verify answered ${answer.status} ${answer.code ?? ''}`.trim(),
    );
    return;
  }
  out.examined.auditEntries = Number(answer.body.entries ?? 0);
  if (answer.body.valid !== true)
    out.violations.push(
      `audit chain: broken at ${answer.body.firstBrokenId} (${answer.body.entries} entries)`,
    );
}

/** Every invariant; one that cannot be read is itself a violation (the check must not pass blind). */
export async function checkInvariants(ctx: InvariantContext): Promise<InvariantReport> {
  const out: InvariantReport = { violations: [], examined: {} };
  for (const [name, check] of [
    ['one workflow per business key', oneWorkflowPerBusinessKey],
    ['journal entry once per key', journalOncePerKey],
    ['no trade twice', tradesPostedOnce],
    ['holds equal resting reservations', holdsEqualReservations],
    ['no open task without a live lifecycle', tasksHaveLiveLifecycles],
    ['audit chain', auditChainValid],
  ] as const) {
    try {
      await check(ctx, out);
    } catch (error) {
      out.violations.push(`${name}: could not be checked (${(error as Error).message.split('\n')[0]})`);
    }
  }
  return out;
}
