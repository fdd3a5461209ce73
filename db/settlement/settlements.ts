// One client settlement's table work: its legs, its status as the batch counts it, and the delivery
// entry — the ledger posting, the settlement's DELIVERED and its trades' status in one transaction.
import type pg from 'pg';
import { inLedgerTransaction, type Db } from '../ledger/index.js';
import { inTransaction } from '../pool.js';
import type { AssetCode } from '../../domain/money.js';
import { clientSettlementDeliver } from '../../domain/postings.js';
import type { SettlementLeg, SettlementStatus } from '../../domain/settlement.js';

export interface SettlementRecord {
  settlementId: string;
  batchId: string;
  clientId: string;
  workflowId: string;
  seq: number;
  status: SettlementStatus;
  tradeCount: number;
  cutoff: string;
  deliveredAt: string | null;
  legs: SettlementLeg[];
}

interface SettlementRow {
  id: string;
  batch_id: string;
  client_id: string;
  workflow_id: string;
  seq: number;
  status: SettlementStatus;
  trade_count: number;
  cutoff: Date;
  delivered_at: Date | null;
}

/** The settlements with these ids, with their legs (asset order). */
export async function loadSettlements(
  db: Db,
  ids: readonly string[],
): Promise<Map<string, SettlementRecord>> {
  const out = new Map<string, SettlementRecord>();
  if (ids.length === 0) return out;
  const { rows } = await db.query<SettlementRow>(
    `SELECT cs.id, cs.batch_id, cs.client_id, cs.workflow_id, cs.seq, cs.status, cs.trade_count,
            b.cutoff, cs.delivered_at
       FROM client_settlement cs JOIN settlement_batch b ON b.id = cs.batch_id
      WHERE cs.id = ANY($1::uuid[])`,
    [ids],
  );
  const legs = await db.query<{
    settlement_id: string;
    asset: AssetCode;
    net_amount: string;
    release_amount: string;
  }>(
    `SELECT settlement_id, asset, net_amount::text, release_amount::text FROM client_settlement_leg
      WHERE settlement_id = ANY($1::uuid[]) ORDER BY settlement_id, asset`,
    [ids],
  );
  for (const row of rows)
    out.set(row.id, {
      settlementId: row.id,
      batchId: row.batch_id,
      clientId: row.client_id,
      workflowId: row.workflow_id,
      seq: row.seq,
      status: row.status,
      tradeCount: row.trade_count,
      cutoff: row.cutoff.toISOString(),
      deliveredAt: row.delivered_at?.toISOString() ?? null,
      legs: [],
    });
  for (const leg of legs.rows)
    out.get(leg.settlement_id)?.legs.push({
      asset: leg.asset,
      netMinor: BigInt(leg.net_amount),
      releaseMinor: BigInt(leg.release_amount),
    });
  return out;
}

export async function loadSettlement(db: Db, id: string): Promise<SettlementRecord | null> {
  return (await loadSettlements(db, [id])).get(id) ?? null;
}

/**
 * The status the batch counts (PROCESSED, FAILING, CONFIRMED). A cancelled settlement's trades are
 * FAILED: they stay pending settlement until operations settle them otherwise.
 */
export async function setSettlementStatus(
  pool: pg.Pool,
  settlementId: string,
  status: Exclude<SettlementStatus, 'DELIVERED'>,
): Promise<void> {
  await inTransaction(pool, async (client) => {
    const updated = await client.query<{ batch_id: string; client_id: string }>(
      `UPDATE client_settlement SET status = $2, updated_at = now() WHERE id = $1 RETURNING batch_id, client_id`,
      [settlementId, status],
    );
    const row = updated.rows[0];
    if (!row) throw new Error(`no client settlement ${settlementId}`);
    if (status === 'CANCELLED')
      await client.query(
        `UPDATE trade SET settlement_status = 'FAILED'
          WHERE settlement_id = $1 AND (buyer_id = $2 OR seller_id = $2) AND settlement_status <> 'FAILED'`,
        [row.batch_id, row.client_id],
      );
  });
}

export interface DeliverSettlementInput {
  settlementId: string;
  workflowId: string;
  idempotencyKey: string;
}

/**
 * Posts `settlement.deliver` (netted legs, release of pending settlement), marks the settlement
 * DELIVERED and each of its trades SETTLED once the other side's settlement is delivered too, in one
 * transaction. Idempotent by the posting key: a retried attempt finds the entry and changes nothing.
 */
export async function deliverSettlement(
  db: Db,
  input: DeliverSettlementInput,
): Promise<{ entryId: string | null; deliveredAt: string }> {
  const record = await loadSettlement(db, input.settlementId);
  if (!record) throw new Error(`no client settlement ${input.settlementId}`);
  const moving = record.legs.filter((l) => l.netMinor !== 0n || l.releaseMinor > 0n);
  return inLedgerTransaction(db, async (tx) => {
    let entryId: string | null = null;
    if (moving.length > 0) {
      const entry = await tx.postEntry({
        idempotencyKey: input.idempotencyKey,
        workflowId: input.workflowId,
        activity: 'deliverClientSettlement',
        ...clientSettlementDeliver(record.clientId, moving),
      });
      entryId = entry.id;
    }
    const { rows } = await tx.query<{ delivered_at: Date }>(
      `UPDATE client_settlement SET status = CASE WHEN status = 'CONFIRMED' THEN status ELSE 'DELIVERED' END,
              delivered_at = COALESCE(delivered_at, now()), updated_at = now()
        WHERE id = $1 RETURNING delivered_at`,
      [input.settlementId],
    );
    await tx.query(
      `UPDATE trade t SET settlement_status = 'SETTLED'
        WHERE t.settlement_id = $1 AND (t.buyer_id = $2 OR t.seller_id = $2) AND t.settlement_status = 'PENDING'
          AND NOT EXISTS (
            SELECT 1 FROM client_settlement o
             WHERE o.batch_id = $1 AND o.client_id IN (t.buyer_id, t.seller_id) AND o.delivered_at IS NULL)`,
      [record.batchId, record.clientId],
    );
    const deliveredAt = rows[0]?.delivered_at;
    if (!deliveredAt) throw new Error(`client settlement ${input.settlementId} vanished`);
    return { entryId, deliveredAt: deliveredAt.toISOString() };
  });
}

/** The ids of a settlement's trades (both sides of the client's trades in its batch), oldest first. */
export async function settlementTradeIds(db: Db, settlementId: string, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT t.id FROM client_settlement cs
       JOIN trade t ON t.settlement_id = cs.batch_id AND (t.buyer_id = cs.client_id OR t.seller_id = cs.client_id)
      WHERE cs.id = $1 ORDER BY t.executed_at, t.id LIMIT $2`,
    [settlementId, limit],
  );
  return rows.map((r) => r.id);
}

/** One of a settlement's trades from its client's side (the settlement page's "included trades"). */
export interface SettlementTrade {
  tradeId: string;
  symbol: string;
  asset: AssetCode;
  quoteAsset: AssetCode;
  side: 'BUY' | 'SELL';
  priceMinor: bigint;
  quantityMinor: bigint;
  feeMinor: bigint;
  executedAt: string;
  settlementStatus: string;
}

/** The settlement's trades as its client made them, oldest first, at most `limit`. */
export async function settlementTrades(
  db: Db,
  settlementId: string,
  limit: number,
): Promise<SettlementTrade[]> {
  const { rows } = await db.query<{
    id: string;
    symbol: string;
    asset: AssetCode;
    quote_asset: AssetCode;
    side: 'BUY' | 'SELL';
    price: string;
    quantity: string;
    fee: string;
    executed_at: Date;
    settlement_status: string;
  }>(
    `SELECT t.id, t.symbol, i.asset, i.quote_asset,
            CASE WHEN t.buyer_id = cs.client_id THEN 'BUY' ELSE 'SELL' END AS side,
            t.price::text, t.quantity::text,
            (CASE WHEN t.buyer_id = cs.client_id THEN t.buy_fee ELSE t.sell_fee END)::text AS fee,
            t.executed_at, t.settlement_status
       FROM client_settlement cs
       JOIN trade t ON t.settlement_id = cs.batch_id AND (t.buyer_id = cs.client_id OR t.seller_id = cs.client_id)
       JOIN instrument i ON i.symbol = t.symbol
      WHERE cs.id = $1 ORDER BY t.executed_at, t.id LIMIT $2`,
    [settlementId, limit],
  );
  return rows.map((r) => ({
    tradeId: r.id,
    symbol: r.symbol,
    asset: r.asset,
    quoteAsset: r.quote_asset,
    side: r.side,
    priceMinor: BigInt(r.price),
    quantityMinor: BigInt(r.quantity),
    feeMinor: BigInt(r.fee),
    executedAt: r.executed_at.toISOString(),
    settlementStatus: r.settlement_status,
  }));
}
