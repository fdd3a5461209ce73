// Public market data of the internal venue, read from the book (venue_order RESTING) and the trade
// table: depth by price level, the latest trades, OHLCV candles.
import assert from 'node:assert/strict';
import type { OrderSide } from '../../domain/order-types.js';
import type { Queryable } from '../ledger/rows.js';
import { instrumentState } from './instruments.js';

export interface BookLevel {
  price: bigint;
  quantity: bigint;
  orders: number;
}

export interface BookDepth {
  /** Best (highest) first. */
  bids: BookLevel[];
  /** Best (lowest) first. */
  asks: BookLevel[];
  lastPrice: bigint | null;
  sequence: bigint;
}

/** The best `depth` price levels of each side, and the instrument's sequence they were read at. */
export async function bookDepth(db: Queryable, symbol: string, depth: number): Promise<BookDepth | null> {
  assert.ok(Number.isSafeInteger(depth) && depth > 0, 'depth is a positive integer');
  const state = await instrumentState(db, symbol);
  if (!state) return null;
  const levels = await db.query<{ side: OrderSide; price: string; quantity: string; orders: string }>(
    `(SELECT side, limit_price AS price, sum(remaining) AS quantity, count(*) AS orders
        FROM venue_order WHERE symbol = $1 AND side = 'BUY' AND status = 'RESTING'
       GROUP BY side, limit_price ORDER BY limit_price DESC LIMIT $2)
     UNION ALL
     (SELECT side, limit_price AS price, sum(remaining) AS quantity, count(*) AS orders
        FROM venue_order WHERE symbol = $1 AND side = 'SELL' AND status = 'RESTING'
       GROUP BY side, limit_price ORDER BY limit_price ASC LIMIT $2)`,
    [symbol, depth],
  );
  const level = (row: { price: string; quantity: string; orders: string }): BookLevel => ({
    price: BigInt(row.price),
    quantity: BigInt(row.quantity),
    orders: Number(row.orders),
  });
  const bids = levels.rows.filter((row) => row.side === 'BUY').map(level);
  const asks = levels.rows.filter((row) => row.side === 'SELL').map(level);
  return { bids, asks, lastPrice: state.lastPrice, sequence: state.sequence };
}

export interface PublicTrade {
  tradeId: string;
  seq: bigint;
  price: bigint;
  quantity: bigint;
  /** The incoming order's side. */
  aggressorSide: OrderSide;
  executedAt: Date;
}

/** The latest `limit` trades of the instrument, newest first (no parties). */
export async function recentTrades(db: Queryable, symbol: string, limit: number): Promise<PublicTrade[]> {
  assert.ok(Number.isSafeInteger(limit) && limit > 0 && limit <= 1000, 'limit is 1 to 1000');
  const found = await db.query<{
    id: string;
    seq: string;
    price: string;
    quantity: string;
    aggressor_side: OrderSide;
    executed_at: Date;
  }>(
    `SELECT id, seq, price, quantity, aggressor_side, executed_at FROM trade
      WHERE symbol = $1 ORDER BY executed_at DESC, seq DESC LIMIT $2`,
    [symbol, limit],
  );
  return found.rows.map((row) => ({
    tradeId: row.id,
    seq: BigInt(row.seq),
    price: BigInt(row.price),
    quantity: BigInt(row.quantity),
    aggressorSide: row.aggressor_side,
    executedAt: row.executed_at,
  }));
}

export type CandleInterval = '1m' | '1h' | '1d';

const BIN: Record<CandleInterval, string> = { '1m': '1 minute', '1h': '1 hour', '1d': '1 day' };

export interface Candle {
  start: Date;
  open: bigint;
  high: bigint;
  low: bigint;
  close: bigint;
  volume: bigint;
}

/** OHLCV of the trades in [from, to), one candle per interval that traded (UTC bins), oldest first. */
export async function candles(
  db: Queryable,
  symbol: string,
  interval: CandleInterval,
  from: Date,
  to: Date,
): Promise<Candle[]> {
  const bin = BIN[interval];
  assert.ok(bin, `interval ${String(interval)} is 1m, 1h or 1d`);
  const found = await db.query<{
    start: Date;
    open: string;
    high: string;
    low: string;
    close: string;
    volume: string;
  }>(
    `SELECT date_bin($2::interval, executed_at, timestamptz '2000-01-01 00:00:00+00') AS start,
            (array_agg(price ORDER BY seq))[1] AS open,
            max(price) AS high,
            min(price) AS low,
            (array_agg(price ORDER BY seq DESC))[1] AS close,
            sum(quantity) AS volume
       FROM trade
      WHERE symbol = $1 AND executed_at >= $3 AND executed_at < $4
      GROUP BY 1
      ORDER BY 1`,
    [symbol, bin, from, to],
  );
  return found.rows.map((row) => ({
    start: row.start,
    open: BigInt(row.open),
    high: BigInt(row.high),
    low: BigInt(row.low),
    close: BigInt(row.close),
    volume: BigInt(row.volume),
  }));
}
