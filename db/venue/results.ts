// Reading an order's result back from its row and the trade table: the answer of submit, cancel and
// amend, the same the first time and on every repeat.
import assert from 'node:assert/strict';
import { isUuid } from '../../domain/ids.js';
import type { OrderSide } from '../../domain/order-types.js';
import type { Queryable } from '../ledger/rows.js';
import { loadOrder } from './order-rows.js';
import type { VenueFill, VenueOrderResult } from './types.js';

interface FillRow {
  trade_id: string;
  order_id: string;
  workflow_id: string;
  client_id: string;
  side: OrderSide;
  price: string;
  quantity: string;
  fee: string;
  aggressor_side: OrderSide;
  executed_at: Date;
  filled: string;
  remaining: string;
}

/** Both sides of every trade as fills (alias `t` the trade, `s` the side), filtered by `where`. */
const FILLS_SQL = (where: string) => `
  SELECT t.id AS trade_id, s.order_id, o.workflow_id, s.client_id, s.side, t.price, t.quantity, s.fee,
         t.aggressor_side, t.executed_at, s.filled, s.remaining
    FROM trade t
   CROSS JOIN LATERAL (VALUES
           ('BUY', t.buy_order_id, t.buyer_id, t.buy_fee, t.buy_filled, t.buy_remaining),
           ('SELL', t.sell_order_id, t.seller_id, t.sell_fee, t.sell_filled, t.sell_remaining))
         AS s(side, order_id, client_id, fee, filled, remaining)
    JOIN venue_order o ON o.order_id = s.order_id
   WHERE ${where}
   ORDER BY t.symbol, t.seq, s.side`;

function toFill(row: FillRow): VenueFill {
  const remaining = BigInt(row.remaining);
  return {
    tradeId: row.trade_id,
    orderId: row.order_id,
    workflowId: row.workflow_id,
    clientId: row.client_id,
    side: row.side,
    price: BigInt(row.price),
    quantity: BigInt(row.quantity),
    fee: BigInt(row.fee),
    liquidity: row.side === row.aggressor_side ? 'TAKER' : 'MAKER',
    at: row.executed_at,
    orderFilled: BigInt(row.filled),
    orderRemaining: remaining,
    orderDone: remaining === 0n,
  };
}

/** Every fill of one order, oldest first. */
export async function orderFills(q: Queryable, orderId: string): Promise<VenueFill[]> {
  const found = await q.query<FillRow>(
    FILLS_SQL(`(t.buy_order_id = $1 OR t.sell_order_id = $1) AND s.order_id = $1`),
    [orderId],
  );
  return found.rows.map(toFill);
}

/**
 * The other side of trades `orderId` made: those of `tradeIds`, or, with 'as-aggressor', every trade
 * it made as the incoming order (a repeated submit answers them again, so a retried activity can
 * still Signal the resting orders; the Signals are de-duplicated by trade id).
 */
async function counterFills(
  q: Queryable,
  orderId: string,
  trades: string[] | 'as-aggressor',
): Promise<VenueFill[]> {
  if (trades !== 'as-aggressor' && trades.length === 0) return [];
  const found =
    trades === 'as-aggressor'
      ? await q.query<FillRow>(
          FILLS_SQL(`(t.buy_order_id = $1 OR t.sell_order_id = $1) AND s.order_id <> $1
                     AND s.side <> t.aggressor_side`),
          [orderId],
        )
      : await q.query<FillRow>(FILLS_SQL(`t.id = ANY($1::uuid[]) AND s.order_id <> $2`), [trades, orderId]);
  return found.rows.map(toFill);
}

export async function orderResult(
  q: Queryable,
  orderId: string,
  trades: string[] | 'as-aggressor',
): Promise<VenueOrderResult> {
  const order = await loadOrder(q, orderId, null);
  assert.ok(order, `venue order ${orderId} exists`);
  return {
    orderId,
    status: order.status,
    filled: order.filled,
    remaining: order.remaining,
    outcome: order.outcome,
    cancelReason: order.cancelReason,
    holdEntryId: order.holdEntryId,
    reserved: order.reserved,
    fills: await orderFills(q, orderId),
    counterFills: await counterFills(q, orderId, trades),
  };
}

/** The order as the venue holds it (with its fills), or null when the venue never saw it. */
export async function venueOrder(q: Queryable, orderId: string): Promise<VenueOrderResult | null> {
  if (!isUuid(orderId)) return null;
  const order = await loadOrder(q, orderId, null);
  return order ? orderResult(q, order.orderId, []) : null;
}
