// The staff dashboard's figures and the inbox counts in the navigation: read-only aggregates over
// the lifecycle read model, the task table and the trade table. Windows are bounded (MAX_DAYS).
import type pg from 'pg';

export const MAX_DAYS = 90;

export interface TaskCounts {
  open: number;
  claimed: number;
  overdue: number;
  mine: number;
}

/** Live tasks the roles may work on: open, claimed, past their due time, and claimed by `userId`. */
export async function taskCounts(
  pool: pg.Pool,
  roles: readonly string[],
  userId: string,
): Promise<TaskCounts> {
  const { rows } = await pool.query<{ open: string; claimed: string; overdue: string; mine: string }>(
    `SELECT count(*) FILTER (WHERE status = 'open') AS open,
            count(*) FILTER (WHERE status = 'claimed') AS claimed,
            count(*) FILTER (WHERE due_at < now()) AS overdue,
            count(*) FILTER (WHERE status = 'claimed' AND assignee = $2) AS mine
       FROM task
      WHERE status IN ('open', 'claimed') AND required_role = ANY($1::text[])`,
    [roles, userId],
  );
  const row = rows[0];
  return {
    open: Number(row?.open ?? 0),
    claimed: Number(row?.claimed ?? 0),
    overdue: Number(row?.overdue ?? 0),
    mine: Number(row?.mine ?? 0),
  };
}

export interface DailyVolume {
  day: string;
  currency: string;
  count: number;
  /** Sum of the announced/requested amounts, a decimal string. */
  amount: string;
}

/** Per day and currency: how many lifecycles of `type` were started and the sum of their amounts. */
export async function dailyVolume(
  pool: pg.Pool,
  type: 'deposit' | 'withdrawal',
  days: number,
): Promise<DailyVolume[]> {
  if (!(days >= 1 && days <= MAX_DAYS)) throw new Error(`days ${days} outside 1..${MAX_DAYS}`);
  const { rows } = await pool.query<{ day: string; currency: string; n: string; amount: string }>(
    `SELECT to_char(date_trunc('day', created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day,
            attributes->>'currency' AS currency, count(*) AS n,
            coalesce(sum((attributes->>'amount')::numeric), 0)::text AS amount
       FROM lifecycle
      WHERE type = $1 AND created_at >= now() - make_interval(days => $2)
        AND attributes->>'amount' ~ '^[0-9]+(\\.[0-9]+)?$'
      GROUP BY 1, 2 ORDER BY 1, 2`,
    [type, days],
  );
  return rows.map((r) => ({ day: r.day, currency: r.currency ?? '—', count: Number(r.n), amount: r.amount }));
}

export interface AgeBucket {
  bucket: string;
  count: number;
  overdue: number;
}

const TASK_AGE_BUCKETS = `CASE
  WHEN now() - created_at < interval '1 hour' THEN '< 1 h'
  WHEN now() - created_at < interval '4 hours' THEN '1–4 h'
  WHEN now() - created_at < interval '24 hours' THEN '4–24 h'
  ELSE '> 1 day' END`;

export const AGE_BUCKET_ORDER = ['< 1 h', '1–4 h', '4–24 h', '> 1 day'] as const;

/** Live tasks the roles work on, by age since they opened, with how many are past their due time. */
export async function openTasksByAge(pool: pg.Pool, roles: readonly string[]): Promise<AgeBucket[]> {
  const { rows } = await pool.query<{ bucket: string; n: string; overdue: string }>(
    `SELECT ${TASK_AGE_BUCKETS} AS bucket, count(*) AS n, count(*) FILTER (WHERE due_at < now()) AS overdue
       FROM task WHERE status IN ('open', 'claimed') AND required_role = ANY($1::text[])
      GROUP BY 1`,
    [roles],
  );
  return bucketsInOrder(rows);
}

/** Deposits held for AML (ON_HOLD, AML_REVIEW) by time since receipt; overdue = past their hold. */
export async function amlHoldAgeing(pool: pg.Pool): Promise<AgeBucket[]> {
  const { rows } = await pool.query<{ bucket: string; n: string; overdue: string }>(
    `SELECT ${TASK_AGE_BUCKETS.replaceAll('created_at', "coalesce((attributes->>'confirmedAt')::timestamptz, updated_at)")} AS bucket,
            count(*) AS n,
            count(*) FILTER (WHERE (attributes->>'holdUntil')::timestamptz < now()) AS overdue
       FROM lifecycle WHERE type = 'deposit' AND status IN ('ON_HOLD', 'AML_REVIEW')
      GROUP BY 1`,
  );
  return bucketsInOrder(rows);
}

function bucketsInOrder(rows: { bucket: string; n: string; overdue: string }[]): AgeBucket[] {
  return AGE_BUCKET_ORDER.map((bucket) => {
    const row = rows.find((r) => r.bucket === bucket);
    return { bucket, count: Number(row?.n ?? 0), overdue: Number(row?.overdue ?? 0) };
  });
}

export interface DailyTrades {
  day: string;
  symbol: string;
  trades: number;
  /** Sum of quantities in the instrument's minor units, as text. */
  quantityMinor: string;
}

/** Trades per day and instrument. */
export async function dailyTrades(pool: pg.Pool, days: number): Promise<DailyTrades[]> {
  if (!(days >= 1 && days <= MAX_DAYS)) throw new Error(`days ${days} outside 1..${MAX_DAYS}`);
  const { rows } = await pool.query<{ day: string; symbol: string; n: string; quantity: string }>(
    `SELECT to_char(date_trunc('day', executed_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day, symbol,
            count(*) AS n, sum(quantity)::text AS quantity
       FROM trade WHERE executed_at >= now() - make_interval(days => $1)
      GROUP BY 1, 2 ORDER BY 1, 2`,
    [days],
  );
  return rows.map((r) => ({ day: r.day, symbol: r.symbol, trades: Number(r.n), quantityMinor: r.quantity }));
}
