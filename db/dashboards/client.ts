// The client dashboard's figures over the lifecycle read model: how many of the client's deposits,
// withdrawals and orders are still open, and what changed last. Only the client's own rows
// (owner_id); bounded reads.
import type pg from 'pg';
import { isUuid } from '../../domain/ids.js';

/** The lifecycles the dashboard counts and lists. */
export const CLIENT_DASHBOARD_TYPES = [
  'deposit',
  'withdrawal',
  'order',
  'certificate_transfer',
  'client_settlement',
] as const;
export type ClientDashboardType = (typeof CLIENT_DASHBOARD_TYPES)[number];

export const MAX_RECENT = 50;

/** Open (not yet closed) lifecycles per type; a type with none is 0. */
export async function openLifecycleCounts(
  pool: pg.Pool,
  clientId: string,
): Promise<Record<ClientDashboardType, number>> {
  const counts = Object.fromEntries(CLIENT_DASHBOARD_TYPES.map((t) => [t, 0])) as Record<
    ClientDashboardType,
    number
  >;
  if (!isUuid(clientId)) return counts;
  const { rows } = await pool.query<{ type: ClientDashboardType; n: string }>(
    `SELECT type, count(*) AS n FROM lifecycle
      WHERE owner_id = $1::uuid AND type = ANY($2::text[]) AND closed_at IS NULL
      GROUP BY type`,
    [clientId, [...CLIENT_DASHBOARD_TYPES]],
  );
  for (const row of rows) counts[row.type] = Number(row.n);
  return counts;
}

export interface RecentLifecycle {
  type: ClientDashboardType;
  id: string;
  status: string;
  updatedAt: Date;
  /** A deposit's wire reference; null for the others. */
  reference: string | null;
  /** The amount and asset the lifecycle names, when it names one (decimal string as stored). */
  amount: string | null;
  asset: string | null;
}

/** The client's lifecycles that changed last, newest first. */
export async function recentLifecycles(
  pool: pg.Pool,
  clientId: string,
  limit: number,
): Promise<RecentLifecycle[]> {
  if (!isUuid(clientId)) return [];
  if (!(Number.isInteger(limit) && limit >= 1 && limit <= MAX_RECENT))
    throw new Error(`limit ${limit} outside 1..${MAX_RECENT}`);
  const { rows } = await pool.query<{
    type: ClientDashboardType;
    business_id: string;
    status: string;
    updated_at: Date;
    reference: string | null;
    amount: string | null;
    asset: string | null;
  }>(
    `SELECT type, business_id, status, updated_at, attributes->>'reference' AS reference,
            coalesce(attributes->>'amount', attributes->>'quantity') AS amount,
            coalesce(attributes->>'currency', attributes->>'asset', attributes->>'symbol') AS asset
       FROM lifecycle
      WHERE owner_id = $1::uuid AND type = ANY($2::text[])
      ORDER BY updated_at DESC, workflow_id DESC
      LIMIT $3`,
    [clientId, [...CLIENT_DASHBOARD_TYPES], limit],
  );
  return rows.map((row) => ({
    type: row.type,
    id: row.business_id,
    status: row.status,
    updatedAt: row.updated_at,
    reference: row.type === 'deposit' ? row.reference : null,
    amount: row.amount,
    asset: row.asset,
  }));
}
