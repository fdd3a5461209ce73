// Positions from fills: FIFO lots, average cost, realized P&L and unrealized P&L marked to the last
// trade. Pure: db/trading reads a client's fills (and transfer-in opening lots) in time order, the
// API passes them here with the last price of each asset.
//
// Cost basis is what the client paid: a buy's notional plus its fee (seed 004 §4.1, per lot). A sell
// consumes lots oldest first; its realized P&L is the proceeds less its own fee less the cost of
// the units it consumed. Cost moves between lots and realized P&L in whole minor units and without
// loss (a lot's last unit takes whatever cost is left), so for every asset
//   realized + unrealized = Σ sell proceeds − Σ buy costs − Σ fees + market value.

import { instrumentOfAsset } from './instruments.js';
import { TRADABLE_ASSETS, isTradableAsset, type AssetCode } from './money.js';
import type { OrderSide } from './order-types.js';

export interface PositionFill {
  /** null for a transfer-in opening lot (fee 0). */
  tradeId: string | null;
  /** ISO 8601. */
  at: string;
  side: OrderSide;
  asset: AssetCode;
  /** Asset minor units, positive. */
  quantity: bigint;
  /** Quote minor units per whole unit of the asset. */
  price: bigint;
  /** Quote minor units, never negative. */
  fee: bigint;
}

export interface Lot {
  openedAt: string;
  tradeId: string | null;
  quantity: bigint;
  remaining: bigint;
  /** The price paid per unit (fees aside; they are in costBasis). */
  price: bigint;
  /** What the remaining units cost, their share of the buy fee included (quote minor units). */
  costBasis: bigint;
}

export interface Position {
  asset: AssetCode;
  quoteAsset: AssetCode;
  quantity: bigint;
  /** costBasis / quantity rounded half-up; null when flat. */
  averageCost: bigint | null;
  costBasis: bigint;
  marketPrice: bigint | null;
  marketValue: bigint | null;
  unrealizedPnl: bigint | null;
  realizedPnl: bigint;
  /** Open lots, oldest first. */
  lots: Lot[];
}

interface Book {
  lots: Lot[];
  realizedPnl: bigint;
}

function assertFill(fill: PositionFill, previousAtMs: number): number {
  if (!isTradableAsset(fill.asset))
    throw new TypeError(`positions are of tradable assets, not ${fill.asset}`);
  if (fill.side !== 'BUY' && fill.side !== 'SELL') throw new TypeError(`unknown side ${String(fill.side)}`);
  if (!(fill.quantity > 0n)) throw new RangeError('a fill quantity is positive');
  if (!(fill.price >= 0n)) throw new RangeError('a fill price is never negative');
  if (!(fill.fee >= 0n)) throw new RangeError('a fee is never negative');
  if (fill.tradeId === null && !(fill.side === 'BUY' && fill.fee === 0n))
    throw new RangeError('only a transfer-in opening lot has no trade, and it is a BUY without fee');
  const atMs = Date.parse(fill.at);
  if (Number.isNaN(atMs)) throw new RangeError(`fill time "${fill.at}" is not ISO 8601`);
  if (atMs < previousAtMs) throw new RangeError('fills come in time order');
  return atMs;
}

function openLot(book: Book, fill: PositionFill): void {
  book.lots.push({
    openedAt: fill.at,
    tradeId: fill.tradeId,
    quantity: fill.quantity,
    remaining: fill.quantity,
    price: fill.price,
    costBasis: fill.price * fill.quantity + fill.fee,
  });
}

/** Consumes `fill.quantity` from the oldest lots; realizes proceeds − fee − consumed cost. */
function closeLots(book: Book, fill: PositionFill): void {
  let toClose = fill.quantity;
  let consumedCost = 0n;
  // Bounded: every pass either empties a lot (removing it) or ends the sell.
  while (toClose > 0n) {
    const lot = book.lots[0];
    if (lot === undefined)
      throw new RangeError(`sell of ${fill.quantity} ${fill.asset} exceeds the open lots`);
    const taken = toClose < lot.remaining ? toClose : lot.remaining;
    // The last units of a lot take whatever cost is left, so no minor unit is ever lost to rounding.
    const cost = taken === lot.remaining ? lot.costBasis : (lot.costBasis * taken) / lot.remaining;
    lot.remaining -= taken;
    lot.costBasis -= cost;
    consumedCost += cost;
    toClose -= taken;
    if (lot.remaining === 0n) book.lots.shift();
  }
  book.realizedPnl += fill.price * fill.quantity - fill.fee - consumedCost;
}

function roundHalfUp(numerator: bigint, denominator: bigint): bigint {
  if (!(denominator > 0n)) throw new RangeError('denominator must be positive');
  return numerator >= 0n
    ? (2n * numerator + denominator) / (2n * denominator)
    : -((2n * -numerator + denominator) / (2n * denominator));
}

function positionOf(asset: AssetCode, book: Book, marks: ReadonlyMap<AssetCode, bigint>): Position {
  const instrument = instrumentOfAsset(asset);
  if (instrument === null) throw new Error(`no instrument trades ${asset}`);
  let quantity = 0n;
  let costBasis = 0n;
  for (const lot of book.lots) {
    quantity += lot.remaining;
    costBasis += lot.costBasis;
  }
  const marketPrice = marks.get(asset) ?? null;
  const marketValue = marketPrice === null ? null : marketPrice * quantity;
  return {
    asset,
    quoteAsset: instrument.quoteAsset,
    quantity,
    averageCost: quantity === 0n ? null : roundHalfUp(costBasis, quantity),
    costBasis,
    marketPrice,
    marketValue,
    unrealizedPnl: marketValue === null ? null : marketValue - costBasis,
    realizedPnl: book.realizedPnl,
    lots: book.lots.map((lot) => ({ ...lot })),
  };
}

/**
 * One position per asset that has fills (a closed one too: its realized P&L stays), in the order of
 * the asset list. `fills` in time order; a sell beyond the open lots is an error (short selling is
 * refused before trading, domain/risk.ts `position`).
 */
export function positionsFrom(
  fills: readonly PositionFill[],
  marks: ReadonlyMap<AssetCode, bigint>,
): Position[] {
  const books = new Map<AssetCode, Book>();
  let previousAtMs = -Infinity;
  for (const fill of fills) {
    previousAtMs = assertFill(fill, previousAtMs);
    let book = books.get(fill.asset);
    if (book === undefined) {
      book = { lots: [], realizedPnl: 0n };
      books.set(fill.asset, book);
    }
    if (fill.side === 'BUY') openLot(book, fill);
    else closeLots(book, fill);
  }
  return TRADABLE_ASSETS.flatMap((asset) => {
    const book = books.get(asset);
    return book === undefined ? [] : [positionOf(asset, book, marks)];
  });
}
