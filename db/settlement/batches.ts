// A settlement batch's own table work (migration Migration20261201000400_settlement): open the batch
// for its cutoff, claim every unsettled trade up to it in one statement, net each client's
// obligations per asset in SQL, and hand the batch its client settlements a page at a time. The batch
// workflow never carries trade ids: 10,000 trades stay in the database.
import type pg from 'pg';
import { inTransaction } from '../pool.js';
import type { AssetCode } from '../../domain/money.js';
import { type BatchStatus, type SettlementStatus } from '../../domain/settlement.js';

export interface OpenBatchInput {
  batchId: string;
  workflowId: string;
  cutoff: string;
  origin: 'schedule' | 'manual';
}

export interface BatchTotal {
  asset: AssetCode;
  grossMinor: bigint;
  netMinor: bigint;
}

export type OpenBatchResult =
  | { outcome: 'opened' | 'existing'; trades: number; settlements: number; startedThrough: number }
  /** Another batch holds this cutoff: a batch never runs twice for one cutoff. */
  | { outcome: 'cutoff_taken'; otherWorkflowId: string };

/**
 * One transaction: the batch row, the claim of the trades, the netting, the client settlements with
 * their legs, the totals. Idempotent: a retried attempt finds the row under its workflow id and
 * answers its counts. Two batches racing: the claim's `settlement_id IS NULL` is re-checked after
 * each row lock, so a trade goes to whichever batch locked it first, never to both.
 */
export async function openBatch(pool: pg.Pool, input: OpenBatchInput): Promise<OpenBatchResult> {
  return inTransaction(pool, async (client) => {
    const inserted = await client.query(
      `INSERT INTO settlement_batch (id, workflow_id, cutoff, origin, status)
       VALUES ($1, $2, $3, $4, 'COLLECTED') ON CONFLICT DO NOTHING`,
      [input.batchId, input.workflowId, input.cutoff, input.origin],
    );
    if (inserted.rowCount === 0) {
      const { rows } = await client.query<{
        workflow_id: string;
        trade_count: number;
        settlement_count: number;
        started_count: number;
      }>(
        `SELECT workflow_id, trade_count, settlement_count, started_count FROM settlement_batch
          WHERE workflow_id = $1 OR cutoff = $2 ORDER BY (workflow_id = $1) DESC LIMIT 1`,
        [input.workflowId, input.cutoff],
      );
      const row = rows[0];
      if (!row) throw new Error(`settlement batch ${input.workflowId} neither inserted nor found`);
      if (row.workflow_id !== input.workflowId)
        return { outcome: 'cutoff_taken', otherWorkflowId: row.workflow_id };
      return {
        outcome: 'existing',
        trades: row.trade_count,
        settlements: row.settlement_count,
        startedThrough: row.started_count,
      };
    }
    const claimed = await client.query(
      `UPDATE trade SET settlement_id = $1, settlement_status = 'PENDING'
        WHERE settlement_id IS NULL AND executed_at <= $2`,
      [input.batchId, input.cutoff],
    );
    const trades = claimed.rowCount ?? 0;
    const settlements = trades === 0 ? 0 : await netBatch(client, input.batchId);
    await client.query(`UPDATE settlement_batch SET trade_count = $2, settlement_count = $3 WHERE id = $1`, [
      input.batchId,
      trades,
      settlements,
    ]);
    return { outcome: 'opened', trades, settlements, startedThrough: 0 };
  });
}

/**
 * Each side of each claimed trade as (client, asset, net, release): a buyer receives the asset
 * (released from pending settlement) and owes the notional; a seller delivers the asset and receives
 * the notional, of which the notional less its fee is released (domain/settlement.ts netTradeSides).
 */
const SIDES_SQL = `
  SELECT t.buyer_id AS client_id, i.asset, t.quantity AS net, t.quantity AS release
    FROM trade t JOIN instrument i ON i.symbol = t.symbol
   WHERE t.settlement_id = $1 AND t.buyer_id IS NOT NULL
  UNION ALL
  SELECT t.buyer_id, i.quote_asset, -(t.price * t.quantity), 0
    FROM trade t JOIN instrument i ON i.symbol = t.symbol
   WHERE t.settlement_id = $1 AND t.buyer_id IS NOT NULL
  UNION ALL
  SELECT t.seller_id, i.asset, -t.quantity, 0
    FROM trade t JOIN instrument i ON i.symbol = t.symbol
   WHERE t.settlement_id = $1 AND t.seller_id IS NOT NULL
  UNION ALL
  SELECT t.seller_id, i.quote_asset, t.price * t.quantity, t.price * t.quantity - t.sell_fee
    FROM trade t JOIN instrument i ON i.symbol = t.symbol
   WHERE t.settlement_id = $1 AND t.seller_id IS NOT NULL`;

/** Client settlements (numbered by client id), their legs and the batch totals; answers the count. */
async function netBatch(client: pg.PoolClient, batchId: string): Promise<number> {
  const settlements = await client.query(
    `WITH clients AS (
       SELECT client_id, count(*)::int AS trade_count FROM (
         SELECT buyer_id AS client_id FROM trade WHERE settlement_id = $1 AND buyer_id IS NOT NULL
         UNION ALL
         SELECT seller_id FROM trade WHERE settlement_id = $1 AND seller_id IS NOT NULL
       ) s GROUP BY client_id
     ), numbered AS (
       SELECT gen_random_uuid() AS id, client_id, trade_count,
              row_number() OVER (ORDER BY client_id)::int AS seq
         FROM clients
     )
     INSERT INTO client_settlement (id, batch_id, client_id, seq, workflow_id, trade_count)
     SELECT id, $1, client_id, seq, 'client-settlement-' || id, trade_count FROM numbered`,
    [batchId],
  );
  await client.query(
    `INSERT INTO client_settlement_leg (settlement_id, asset, net_amount, release_amount)
     SELECT cs.id, s.asset, sum(s.net), sum(s.release)
       FROM (${SIDES_SQL}) s
       JOIN client_settlement cs ON cs.batch_id = $1 AND cs.client_id = s.client_id
      GROUP BY cs.id, s.asset`,
    [batchId],
  );
  await client.query(
    `INSERT INTO settlement_batch_total (batch_id, asset, gross, net)
     SELECT $1, g.asset, g.gross, COALESCE(n.net, 0) FROM (
         SELECT i.asset, sum(t.quantity) AS gross
           FROM trade t JOIN instrument i ON i.symbol = t.symbol WHERE t.settlement_id = $1 GROUP BY i.asset
         UNION ALL
         SELECT i.quote_asset, sum(t.price * t.quantity)
           FROM trade t JOIN instrument i ON i.symbol = t.symbol WHERE t.settlement_id = $1 GROUP BY i.quote_asset
       ) g
       LEFT JOIN (
         SELECT l.asset, sum(-l.net_amount) AS net
           FROM client_settlement_leg l JOIN client_settlement cs ON cs.id = l.settlement_id
          WHERE cs.batch_id = $1 AND l.net_amount < 0 GROUP BY l.asset
       ) n ON n.asset = g.asset`,
    [batchId],
  );
  return settlements.rowCount ?? 0;
}

export interface SettlementRef {
  settlementId: string;
  clientId: string;
  seq: number;
}

/** The batch's client settlements after `afterSeq`, at most `limit`, in seq order. */
export async function settlementPage(
  pool: pg.Pool,
  batchId: string,
  afterSeq: number,
  limit: number,
): Promise<SettlementRef[]> {
  const { rows } = await pool.query<{ id: string; client_id: string; seq: number }>(
    `SELECT id, client_id, seq FROM client_settlement WHERE batch_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
    [batchId, afterSeq, limit],
  );
  return rows.map((r) => ({ settlementId: r.id, clientId: r.client_id, seq: r.seq }));
}

/** How far the batch got starting its settlements (for people; the workflow carries its own cursor). */
export async function recordStarted(pool: pg.Pool, batchId: string, throughSeq: number): Promise<void> {
  await pool.query(
    `UPDATE settlement_batch SET started_count = GREATEST(started_count, $2), status = 'SETTLING'
      WHERE id = $1 AND status <> 'COMPLETED'`,
    [batchId, throughSeq],
  );
}

export type BatchProgress = Record<SettlementStatus, number>;

export async function batchProgress(pool: pg.Pool, batchId: string): Promise<BatchProgress> {
  const { rows } = await pool.query<{ status: SettlementStatus; n: number }>(
    `SELECT status, count(*)::int AS n FROM client_settlement WHERE batch_id = $1 GROUP BY status`,
    [batchId],
  );
  const progress: BatchProgress = {
    INITIATED: 0,
    PROCESSED: 0,
    DELIVERED: 0,
    CONFIRMED: 0,
    FAILING: 0,
    CANCELLED: 0,
  };
  for (const row of rows) progress[row.status] = row.n;
  return progress;
}

export async function setBatchStatus(pool: pg.Pool, batchId: string, status: BatchStatus): Promise<void> {
  await pool.query(
    `UPDATE settlement_batch SET status = $2,
            completed_at = CASE WHEN $2 = 'COMPLETED' THEN COALESCE(completed_at, now()) ELSE completed_at END
      WHERE id = $1`,
    [batchId, status],
  );
}

export async function batchTotals(
  pool: pg.Pool,
  batchIds: readonly string[],
): Promise<Map<string, BatchTotal[]>> {
  const { rows } = await pool.query<{ batch_id: string; asset: AssetCode; gross: string; net: string }>(
    `SELECT batch_id, asset, gross::text, net::text FROM settlement_batch_total
      WHERE batch_id = ANY($1::uuid[]) ORDER BY batch_id, asset`,
    [batchIds],
  );
  const out = new Map<string, BatchTotal[]>();
  for (const row of rows) {
    const list = out.get(row.batch_id) ?? [];
    list.push({ asset: row.asset, grossMinor: BigInt(row.gross), netMinor: BigInt(row.net) });
    out.set(row.batch_id, list);
  }
  return out;
}
