// A client's executions as the API lists them: one row per side of a trade (a trade between two
// clients is a BUY execution of one and a SELL execution of the other; a broker execution has one
// side only). Read-only over the `trade` table the venue writes (docs/trading.md "Tables").
import type pg from 'pg';
import {
  decodeCursor,
  encodeCursor,
  clampLimit,
  InvalidCursorError,
  type Page,
} from '../lifecycle/cursor.js';
import { isUuid } from '../../domain/ids.js';
import type { Liquidity, OrderSide } from '../../domain/order-types.js';

/** One side of one trade, in minor units (price: quote minor units per whole unit of the asset). */
export interface Execution {
  tradeId: string;
  orderId: string;
  clientId: string | null;
  symbol: string;
  side: OrderSide;
  priceMinor: bigint;
  quantityMinor: bigint;
  /** Always in the quote asset. */
  feeMinor: bigint;
  liquidity: Liquidity;
  executedAt: string;
  settlementId: string | null;
  settlementStatus: string;
}

interface ExecutionRow {
  id: string;
  order_id: string;
  client_id: string | null;
  symbol: string;
  side: OrderSide;
  price: string;
  quantity: string;
  fee: string;
  aggressor_side: OrderSide;
  executed_at: Date;
  executed_at_text: string;
  settlement_id: string | null;
  settlement_status: string;
}

// Each trade once per side that has an order; the aggressor is the taker, the resting side the maker.
const EXECUTIONS = `
  SELECT t.id, s.order_id, s.client_id, t.symbol, s.side, t.price, t.quantity, s.fee,
         t.aggressor_side, t.executed_at, t.executed_at::text AS executed_at_text,
         t.settlement_id, t.settlement_status, t.seq
    FROM trade t
   CROSS JOIN LATERAL (VALUES ('BUY', t.buy_order_id, t.buyer_id, t.buy_fee),
                              ('SELL', t.sell_order_id, t.seller_id, t.sell_fee))
         AS s(side, order_id, client_id, fee)
   WHERE s.order_id IS NOT NULL`;

function toExecution(row: ExecutionRow): Execution {
  return {
    tradeId: row.id,
    orderId: row.order_id,
    clientId: row.client_id,
    symbol: row.symbol,
    side: row.side,
    priceMinor: BigInt(row.price),
    quantityMinor: BigInt(row.quantity),
    feeMinor: BigInt(row.fee),
    liquidity: row.aggressor_side === row.side ? 'TAKER' : 'MAKER',
    executedAt: row.executed_at.toISOString(),
    settlementId: row.settlement_id,
    settlementStatus: row.settlement_status,
  };
}

export interface ListExecutionsInput {
  /** One client's executions (always set it for a client caller). */
  clientId?: string;
  symbol?: string;
  orderId?: string;
  /** ISO instants: executed at or after `from`, before `to`. */
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string | null;
}

const CURSOR_KIND = 'execution';

/** Newest first (executed_at, trade id, side), keyset-paginated. Throws InvalidCursorError. */
export async function listExecutions(pool: pg.Pool, input: ListExecutionsInput): Promise<Page<Execution>> {
  const limit = clampLimit(input.limit);
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const conditions: string[] = [];
  if (input.clientId !== undefined) {
    if (!isUuid(input.clientId)) return { items: [], nextCursor: null };
    conditions.push(`client_id = ${param(input.clientId.toLowerCase())}`);
  }
  if (input.orderId !== undefined) {
    if (!isUuid(input.orderId)) return { items: [], nextCursor: null };
    conditions.push(`order_id = ${param(input.orderId.toLowerCase())}`);
  }
  if (input.symbol !== undefined) conditions.push(`symbol = ${param(input.symbol)}`);
  if (input.from !== undefined) conditions.push(`executed_at >= ${param(input.from)}::timestamptz`);
  if (input.to !== undefined) conditions.push(`executed_at < ${param(input.to)}::timestamptz`);
  if (input.cursor) {
    // The instant travels as PostgreSQL's own text (microseconds), so no row is skipped or repeated.
    const [at, id, side] = decodeCursor(CURSOR_KIND, input.cursor, ['s', 's', 's']) as string[];
    if (!isUuid(id) || Number.isNaN(Date.parse(at!))) throw new InvalidCursorError(input.cursor);
    conditions.push(
      `(executed_at, id, side) < (${param(at)}::timestamptz, ${param(id)}::uuid, ${param(side)})`,
    );
  }
  const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
  const { rows } = await pool.query<ExecutionRow>(
    `SELECT * FROM (${EXECUTIONS}) x ${where}
      ORDER BY executed_at DESC, id DESC, side DESC LIMIT ${param(limit + 1)}`,
    params,
  );
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map(toExecution),
    nextCursor:
      rows.length > limit && last
        ? encodeCursor(CURSOR_KIND, [last.executed_at_text, last.id, last.side])
        : null,
  };
}

/** The executions of each of `orderIds`, oldest first (an order's `fills`). */
export async function executionsOfOrders(
  pool: pg.Pool,
  orderIds: readonly string[],
): Promise<Map<string, Execution[]>> {
  const ids = [...new Set(orderIds.filter(isUuid).map((id) => id.toLowerCase()))];
  const byOrder = new Map<string, Execution[]>();
  if (ids.length === 0) return byOrder;
  const { rows } = await pool.query<ExecutionRow>(
    `SELECT * FROM (${EXECUTIONS}) x WHERE order_id = ANY($1::uuid[]) ORDER BY executed_at, seq`,
    [ids],
  );
  for (const row of rows) {
    const list = byOrder.get(row.order_id) ?? [];
    list.push(toExecution(row));
    byOrder.set(row.order_id, list);
  }
  return byOrder;
}

/** Every execution of one client, oldest first (what positions are made of). */
export async function executionsOfClient(pool: pg.Pool, clientId: string): Promise<Execution[]> {
  if (!isUuid(clientId)) return [];
  const { rows } = await pool.query<ExecutionRow>(
    `SELECT * FROM (${EXECUTIONS}) x WHERE client_id = $1 ORDER BY executed_at, seq, side`,
    [clientId.toLowerCase()],
  );
  return rows.map(toExecution);
}
