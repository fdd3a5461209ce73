// venue_order rows: the book is this table (status RESTING), so reading it under FOR UPDATE inside the
// instrument's lock is reading the book.
import assert from 'node:assert/strict';
import type { IncomingOutcome } from '../../domain/matching.js';
import type { AssetCode } from '../../domain/money.js';
import type { OrderKind, OrderSide, TimeInForce } from '../../domain/order-types.js';
import type { Queryable } from '../ledger/rows.js';
import type { VenueOrderStatus } from './types.js';

/** Resting orders read per round when loading the crossing side of the book. */
const BOOK_PAGE = 200;

export interface VenueOrder {
  orderId: string;
  workflowId: string;
  clientId: string;
  symbol: string;
  side: OrderSide;
  type: OrderKind;
  timeInForce: TimeInForce;
  limitPrice: bigint | null;
  protectionPrice: bigint | null;
  quantity: bigint;
  filled: bigint;
  remaining: bigint;
  status: VenueOrderStatus;
  priority: bigint;
  reserveAsset: AssetCode;
  holdEntryId: string | null;
  reserved: bigint;
  makerFeeBps: number;
  takerFeeBps: number;
  outcome: IncomingOutcome | null;
  cancelReason: string | null;
}

interface OrderRow {
  order_id: string;
  workflow_id: string;
  client_id: string;
  symbol: string;
  side: OrderSide;
  type: OrderKind;
  time_in_force: TimeInForce;
  limit_price: string | null;
  protection_price: string | null;
  quantity: string;
  filled: string;
  remaining: string;
  status: VenueOrderStatus;
  priority: string;
  reserve_asset: AssetCode;
  hold_entry_id: string | null;
  reserved: string;
  maker_fee_bps: number;
  taker_fee_bps: number;
  outcome: IncomingOutcome | null;
  cancel_reason: string | null;
}

const COLUMNS = `order_id, workflow_id, client_id, symbol, side, type, time_in_force, limit_price,
  protection_price, quantity, filled, remaining, status, priority, reserve_asset, hold_entry_id, reserved,
  maker_fee_bps, taker_fee_bps, outcome, cancel_reason`;

const optionalBigint = (value: string | null): bigint | null => (value === null ? null : BigInt(value));

function toOrder(row: OrderRow): VenueOrder {
  return {
    orderId: row.order_id,
    workflowId: row.workflow_id,
    clientId: row.client_id,
    symbol: row.symbol,
    side: row.side,
    type: row.type,
    timeInForce: row.time_in_force,
    limitPrice: optionalBigint(row.limit_price),
    protectionPrice: optionalBigint(row.protection_price),
    quantity: BigInt(row.quantity),
    filled: BigInt(row.filled),
    remaining: BigInt(row.remaining),
    status: row.status,
    priority: BigInt(row.priority),
    reserveAsset: row.reserve_asset,
    holdEntryId: row.hold_entry_id,
    reserved: BigInt(row.reserved),
    makerFeeBps: row.maker_fee_bps,
    takerFeeBps: row.taker_fee_bps,
    outcome: row.outcome,
    cancelReason: row.cancel_reason,
  };
}

export async function loadOrder(
  q: Queryable,
  orderId: string,
  lock: 'FOR UPDATE' | null,
): Promise<VenueOrder | null> {
  const found = await q.query<OrderRow>(
    `SELECT ${COLUMNS} FROM venue_order WHERE order_id = $1 ${lock ?? ''}`,
    [orderId],
  );
  const row = found.rows[0];
  return row ? toOrder(row) : null;
}

export async function nextPriority(q: Queryable): Promise<bigint> {
  const found = await q.query<{ priority: string }>(`SELECT nextval('venue_priority') AS priority`);
  const row = found.rows[0];
  assert.ok(row);
  return BigInt(row.priority);
}

export async function insertOrder(q: Queryable, o: VenueOrder): Promise<void> {
  await q.query(
    `INSERT INTO venue_order (${COLUMNS})
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`,
    [
      o.orderId,
      o.workflowId,
      o.clientId,
      o.symbol,
      o.side,
      o.type,
      o.timeInForce,
      o.limitPrice,
      o.protectionPrice,
      o.quantity,
      o.filled,
      o.remaining,
      o.status,
      o.priority,
      o.reserveAsset,
      o.holdEntryId,
      o.reserved,
      o.makerFeeBps,
      o.takerFeeBps,
      o.outcome,
      o.cancelReason,
    ],
  );
}

/** Writes what matching, cancel and amend change. */
export async function saveOrder(q: Queryable, o: VenueOrder): Promise<void> {
  assert.equal(o.filled + o.remaining, o.quantity, 'filled + remaining = quantity');
  const saved = await q.query(
    `UPDATE venue_order
        SET limit_price = $2, quantity = $3, filled = $4, remaining = $5, status = $6, priority = $7,
            hold_entry_id = $8, reserved = $9, outcome = $10, cancel_reason = $11, updated_at = now()
      WHERE order_id = $1`,
    [
      o.orderId,
      o.limitPrice,
      o.quantity,
      o.filled,
      o.remaining,
      o.status,
      o.priority,
      o.holdEntryId,
      o.reserved,
      o.outcome,
      o.cancelReason,
    ],
  );
  assert.equal(saved.rowCount, 1, `venue order ${o.orderId} exists`);
}

/**
 * The resting orders of the side opposite to `incomingSide` that cross `bound` (null: any price), in
 * priority order, locked. Reads pages until the loaded quantity covers `quantity`, the side runs out,
 * or an order of `clientId` is reached (self-trade prevention stops matching there).
 */
export async function loadCrossing(
  q: Queryable,
  symbol: string,
  incoming: { side: OrderSide; clientId: string; quantity: bigint },
  bound: bigint | null,
): Promise<VenueOrder[]> {
  const side: OrderSide = incoming.side === 'BUY' ? 'SELL' : 'BUY';
  // Asks: lowest price first; bids: highest first. Then time priority.
  const [better, order] = side === 'SELL' ? ['<=', 'ASC'] : ['>=', 'DESC'];
  const worse = side === 'SELL' ? '>' : '<';
  const loaded: VenueOrder[] = [];
  let covered = 0n;
  for (;;) {
    const last = loaded.at(-1);
    const found = await q.query<OrderRow>(
      `SELECT ${COLUMNS} FROM venue_order
        WHERE symbol = $1 AND side = $2 AND status = 'RESTING'
          AND ($3::bigint IS NULL OR limit_price ${better} $3)
          AND ($4::bigint IS NULL OR limit_price ${worse} $4 OR (limit_price = $4 AND priority > $5))
        ORDER BY limit_price ${order}, priority ASC
        LIMIT ${BOOK_PAGE}
        FOR UPDATE`,
      [symbol, side, bound, last?.limitPrice ?? null, last?.priority ?? null],
    );
    for (const row of found.rows) {
      const resting = toOrder(row);
      loaded.push(resting);
      if (resting.clientId === incoming.clientId) return loaded;
      covered += resting.remaining;
    }
    if (found.rows.length < BOOK_PAGE || covered >= incoming.quantity) return loaded;
  }
}
