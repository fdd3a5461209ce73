// The queries behind the database-backed gauges of /metrics (api/metrics.ts): lifecycles, tasks, the
// outbox and the ledger's trial balance. Each runs at scrape time on a connection with a short
// statement timeout, so a slow scrape never holds a connection of the application for long.
import type pg from 'pg';

/** How long one gauge's statement may run before PostgreSQL cancels it. */
export const SCRAPE_TIMEOUT_MS = 2000;

export type Queryable = Pick<pg.PoolClient, 'query'>;

/** Runs `read` on one connection of `pool` under SCRAPE_TIMEOUT_MS, then gives the connection back as it was. */
export async function withScrapeTimeout<T>(pool: pg.Pool, read: (q: Queryable) => Promise<T>): Promise<T> {
  const connection = await pool.connect();
  try {
    await connection.query(`SET statement_timeout = ${SCRAPE_TIMEOUT_MS}`);
    return await read(connection);
  } finally {
    await connection.query('RESET statement_timeout').catch(() => undefined);
    connection.release();
  }
}

/** Transitions recorded (lifecycle_event), by lifecycle type and the status entered. */
export async function lifecycleTransitionCounts(
  q: Queryable,
): Promise<{ type: string; status: string; count: number }[]> {
  const { rows } = await q.query<{ type: string; status: string; n: string }>(
    `SELECT l.type, e.to_status AS status, count(*)::text AS n
       FROM lifecycle_event e JOIN lifecycle l USING (workflow_id) GROUP BY 1, 2`,
  );
  return rows.map((r) => ({ type: r.type, status: r.status, count: Number(r.n) }));
}

/** Lifecycles by type and current status. */
export async function lifecycleCounts(
  q: Queryable,
): Promise<{ type: string; status: string; count: number }[]> {
  const { rows } = await q.query<{ type: string; status: string; n: string }>(
    `SELECT type, status, count(*)::text AS n FROM lifecycle GROUP BY 1, 2`,
  );
  return rows.map((r) => ({ type: r.type, status: r.status, count: Number(r.n) }));
}

/**
 * Per lifecycle type and status: how long the longest-waiting open lifecycle that nobody is asked to
 * act on (no open or claimed task) has gone without a transition, in seconds. A lifecycle that should
 * move by itself (a payout, a screening, a settlement leg) and does not shows here as a growing age.
 */
export async function lifecycleOldestIdle(
  q: Queryable,
): Promise<{ type: string; status: string; seconds: number }[]> {
  const { rows } = await q.query<{ type: string; status: string; s: string }>(
    `SELECT l.type, l.status, extract(epoch FROM now() - min(l.updated_at))::text AS s
       FROM lifecycle l
      WHERE l.closed_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM task t WHERE t.workflow_id = l.workflow_id AND t.status IN ('open', 'claimed'))
      GROUP BY 1, 2`,
  );
  return rows.map((r) => ({ type: r.type, status: r.status, seconds: Number(r.s) }));
}

/** The age buckets of open tasks: under an hour, up to a day, older. */
export type TaskAge = 'lt_1h' | '1h_to_24h' | 'gt_24h';

/** Open or claimed staff tasks by kind and age bucket. */
export async function openTaskCounts(q: Queryable): Promise<{ kind: string; age: TaskAge; count: number }[]> {
  const { rows } = await q.query<{ kind: string; age: TaskAge; n: string }>(
    `SELECT kind,
            CASE WHEN created_at > now() - interval '1 hour' THEN 'lt_1h'
                 WHEN created_at > now() - interval '24 hours' THEN '1h_to_24h'
                 ELSE 'gt_24h' END AS age,
            count(*)::text AS n
       FROM task WHERE status IN ('open', 'claimed') GROUP BY 1, 2`,
  );
  return rows.map((r) => ({ kind: r.kind, age: r.age, count: Number(r.n) }));
}

/** Open or claimed tasks past their due time, by kind. */
export async function overdueTaskCounts(q: Queryable): Promise<{ kind: string; count: number }[]> {
  const { rows } = await q.query<{ kind: string; n: string }>(
    `SELECT kind, count(*)::text AS n FROM task
      WHERE status IN ('open', 'claimed') AND due_at IS NOT NULL AND due_at < now() GROUP BY 1`,
  );
  return rows.map((r) => ({ kind: r.kind, count: Number(r.n) }));
}

/** Outbox events not yet dispatched, and the age of the oldest in seconds (0 when none). */
export async function outboxBacklog(q: Queryable): Promise<{ pending: number; oldestSeconds: number }> {
  const { rows } = await q.query<{ n: string; s: string | null }>(
    `SELECT count(*)::text AS n, extract(epoch FROM now() - min(created_at))::text AS s
       FROM outbox_event WHERE dispatched_at IS NULL`,
  );
  return { pending: Number(rows[0]?.n ?? 0), oldestSeconds: Number(rows[0]?.s ?? 0) };
}

/**
 * Posted debits minus posted credits over every ledger account, per asset, in minor units (0 in a
 * sound ledger). A JavaScript number, as Prometheus keeps floats: exact up to 2^53 minor units.
 */
export async function trialBalanceImbalance(q: Queryable): Promise<{ asset: string; difference: number }[]> {
  const { rows } = await q.query<{ asset: string; d: string }>(
    `SELECT asset, (sum(debits_posted) - sum(credits_posted))::text AS d FROM ledger_account GROUP BY 1`,
  );
  return rows.map((r) => ({ asset: r.asset, difference: Number(r.d) }));
}
