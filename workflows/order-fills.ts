// The order workflow's fill bookkeeping: which fills it has applied (by tradeId, so a Signal that
// arrives twice, or a fill the venue reports again in a later answer, changes nothing), the totals
// they add up to, and the sentences its timeline shows. Deterministic workflow code, no I/O.
import type { OrderFill } from '../activities/order.js';
import { formatAmount, parseAmount } from '../domain/money.js';
import { formatQuantity, parsePrice, parseQuantity, type Instrument } from '../domain/instruments.js';
import {
  averagePrice,
  reserveAmount,
  reserveAsset,
  type Fill,
  type OrderInput,
  type OrderState,
} from '../domain/order.js';

export class OrderFills {
  readonly fills: Fill[] = [];
  private readonly seen = new Set<string>();
  private filled = 0n;

  constructor(
    private readonly instrument: Instrument,
    carried: readonly Fill[] = [],
  ) {
    for (const fill of carried) this.add(fill);
  }

  has(tradeId: string): boolean {
    return this.seen.has(tradeId);
  }

  /** Keeps the fill; false when it was applied already. */
  add(fill: Fill): boolean {
    if (this.seen.has(fill.tradeId)) return false;
    this.seen.add(fill.tradeId);
    this.fills.push({
      tradeId: fill.tradeId,
      price: fill.price,
      quantity: fill.quantity,
      fee: fill.fee,
      liquidity: fill.liquidity,
      at: fill.at,
    });
    this.filled += parseQuantity(this.instrument, fill.quantity);
    return true;
  }

  /** Σ quantity of the applied fills, in asset minor units. Fills may arrive out of trade order, so
   * the totals are the sum of what was applied, never the last fill's own totals. */
  get filledMinor(): bigint {
    return this.filled;
  }

  filledQuantity(): string {
    return formatAmount(this.instrument.asset, this.filled);
  }

  remainingQuantity(quantity: string): string {
    const remaining = parseQuantity(this.instrument, quantity) - this.filled;
    if (remaining < 0n) throw new Error(`fills exceed the order: ${this.filledQuantity()} of ${quantity}`);
    return formatAmount(this.instrument.asset, remaining);
  }

  isComplete(quantity: string): boolean {
    return this.filled === parseQuantity(this.instrument, quantity);
  }

  averagePrice(): string | null {
    return averagePrice(this.fills, this.instrument);
  }
}

/** "Filled 10 EUA at 70.10 EUR (taker)". */
export function fillReason(instrument: Instrument, fill: OrderFill): string {
  return `Filled ${fill.quantity} ${instrument.asset} at ${fill.price} ${instrument.quoteAsset} (${fill.liquidity.toLowerCase()})`;
}

/** Why the venue ended what was left of the order (the order's endCode), and the sentence shown. */
export function remainderEnding(
  instrument: Instrument,
  input: Pick<OrderInput, 'type' | 'timeInForce'>,
  outcome: 'CANCEL_REMAINDER' | 'FOK_KILLED' | 'SELF_TRADE_CANCELLED' | null,
  remaining: string,
  cancelReason: string | null,
): { endCode: string; reason: string } {
  const rest = `${remaining} ${instrument.asset}`;
  // Never matched: the venue ended it on arrival (trading was halted after the risk check).
  if (outcome === null)
    return {
      endCode: cancelReason ?? 'instrument_halted',
      reason: `${instrument.symbol} was halted before the order reached the book; ${rest} cancelled`,
    };
  if (outcome === 'FOK_KILLED')
    return {
      endCode: 'fok_not_filled',
      reason: `Fill-or-kill: ${rest} could not be filled at once in full; cancelled`,
    };
  if (outcome === 'SELF_TRADE_CANCELLED')
    return {
      endCode: 'self_trade_prevented',
      reason: `Cancelled ${rest}: it would have traded against your own resting order`,
    };
  if (input.type === 'MARKET')
    return {
      endCode: 'market_remainder',
      reason: `Market order: ${rest} found no more liquidity; cancelled`,
    };
  return { endCode: 'ioc_remainder', reason: `Immediate-or-cancel: the unfilled ${rest} was cancelled` };
}

/** A decimal string of the instrument's asset (or of `asset`), zero allowed: remainders, reservations. */
export function quantityOrZero(instrument: Instrument, text: string, asset = instrument.asset): bigint {
  return parseAmount(asset, text, { allowZero: true });
}

export function showQuantity(instrument: Instrument, minor: bigint): string {
  return formatQuantity(instrument, minor);
}

/** The keys of the lifecycle row the API lists orders from (api/order-view.ts reads exactly these). */
export const ORDER_ATTRIBUTE_KEYS = [
  'symbol',
  'side',
  'type',
  'timeInForce',
  'quantity',
  'price',
  'filledQuantity',
  'remainingQuantity',
  'averagePrice',
  'reserved',
  'rejectReason',
  'endCode',
  'clientOrderId',
  'expiresAt',
] as const satisfies readonly (keyof OrderState)[];

export function pickAttributes(
  state: Partial<OrderState>,
  venue: Instrument['venue'],
): Record<string, unknown> {
  const row: Record<string, unknown> = { venue };
  for (const key of ORDER_ATTRIBUTE_KEYS) row[key] = state[key];
  return row;
}

/**
 * What the venue re-reserved for a resting order's rest after a fill it was told of by Signal
 * (db/venue does the same): SELL the remaining quantity; BUY the rest's own reservation at its limit,
 * at most what the fill left of the hold (`before` minus the fill's notional and fee).
 */
export function reservationAfterFill(
  instrument: Instrument,
  order: Pick<OrderInput, 'side' | 'type' | 'price' | 'policy'> & { protectionPrice: string | null },
  remainingQuantity: string,
  before: bigint,
  fill: OrderFill,
): bigint {
  const remaining = quantityOrZero(instrument, remainingQuantity);
  if (order.side === 'SELL') return remaining;
  const used =
    parsePrice(instrument, fill.price) * parseQuantity(instrument, fill.quantity) +
    parseAmount(instrument.quoteAsset, fill.fee, { allowZero: true });
  const wanted = reserveAmount({
    side: order.side,
    type: order.type,
    quantity: remaining,
    limitPrice: order.price === null ? null : parsePrice(instrument, order.price),
    protectionPrice: order.protectionPrice === null ? null : parsePrice(instrument, order.protectionPrice),
    makerFeeBps: order.policy.makerFeeBps,
    takerFeeBps: order.policy.takerFeeBps,
  });
  return wanted < before - used ? wanted : before - used;
}

/** reservationAfterFill as the workflow keeps it: decimal text of the reserve asset, before and after. */
export function reservedAfterFill(
  instrument: Instrument,
  order: Parameters<typeof reservationAfterFill>[1],
  remainingQuantity: string,
  before: string,
  fill: OrderFill,
): string {
  const asset = reserveAsset(instrument, order.side);
  const held = quantityOrZero(instrument, before, asset);
  return formatAmount(asset, reservationAfterFill(instrument, order, remainingQuantity, held, fill));
}
