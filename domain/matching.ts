// The internal venue's one matching rule: price-time priority for one incoming order against the
// opposite side of one instrument's book. Pure: no I/O, no clock, no ids — db/venue stamps those
// and applies the answer in its transaction; domain/order-book.ts applies it in memory.
// Prices are integer ticks (minor units of the quote asset per whole unit), quantities integer lots.
import type { OrderKind, OrderSide, TimeInForce } from './order-types.js';

export interface RestingOrder {
  orderId: string;
  clientId: string;
  side: OrderSide;
  price: bigint;
  remaining: bigint;
  /** Time priority: lower numbers came first. Unique per instrument. */
  priority: bigint;
}

export interface IncomingOrder {
  orderId: string;
  clientId: string;
  side: OrderSide;
  type: OrderKind;
  timeInForce: TimeInForce;
  /** LIMIT only: the worst price the order accepts; null for MARKET. */
  limitPrice: bigint | null;
  /** MARKET only: the worst price it may trade at (the price band's edge); null for LIMIT. */
  protectionPrice: bigint | null;
  quantity: bigint;
}

export interface MatchFill {
  restingOrderId: string;
  restingClientId: string;
  /** The resting order's price: a trade prints at the price that was on the book. */
  price: bigint;
  quantity: bigint;
  /** The resting order's remaining quantity after this fill (0 = fully filled). */
  restingRemaining: bigint;
}

export type IncomingOutcome = 'FILLED' | 'REST' | 'CANCEL_REMAINDER' | 'FOK_KILLED' | 'SELF_TRADE_CANCELLED';

export interface MatchResult {
  fills: MatchFill[];
  incomingRemaining: bigint;
  outcome: IncomingOutcome;
}

/**
 * Every resting order the caller hands over must be a valid book entry; a bug upstream (a stale
 * book, a wrong sort) must stop the match rather than print a wrong trade. Plain Error, not
 * node:assert, so the module stays importable anywhere (workflow bundles included).
 */
function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`matching: ${message}`);
}

/** The worst price the incoming order may trade at: its limit, or a MARKET order's protection. */
function priceBound(incoming: Pick<IncomingOrder, 'type' | 'limitPrice' | 'protectionPrice'>): bigint {
  const bound = incoming.type === 'LIMIT' ? incoming.limitPrice : incoming.protectionPrice;
  check(
    bound !== null,
    `a ${incoming.type} order needs a ${incoming.type === 'LIMIT' ? 'limit' : 'protection'} price`,
  );
  return bound;
}

/** Whether an incoming order may trade against a resting order at `restingPrice`. */
export function crosses(
  incoming: Pick<IncomingOrder, 'side' | 'type' | 'limitPrice' | 'protectionPrice'>,
  restingPrice: bigint,
): boolean {
  const bound = priceBound(incoming);
  return incoming.side === 'BUY' ? restingPrice <= bound : restingPrice >= bound;
}

function assertIncoming(incoming: IncomingOrder): void {
  check(
    typeof incoming.quantity === 'bigint' && incoming.quantity > 0n,
    'incoming quantity must be a positive bigint',
  );
  if (incoming.type === 'LIMIT') {
    check(
      incoming.limitPrice !== null && incoming.limitPrice > 0n,
      'a LIMIT order needs a positive limit price',
    );
    check(incoming.protectionPrice === null, 'a LIMIT order has no protection price');
  } else {
    check(incoming.type === 'MARKET', `unknown order type ${String(incoming.type)}`);
    check(
      incoming.protectionPrice !== null && incoming.protectionPrice > 0n,
      'a MARKET order needs a positive protection price',
    );
    check(incoming.limitPrice === null, 'a MARKET order has no limit price');
  }
}

/** `next` may follow `previous` on one side of the book: a better-or-equal price comes first, then time. */
function assertBookOrder(previous: RestingOrder | null, next: RestingOrder, side: OrderSide): void {
  check(next.side === side, `resting order ${next.orderId} is on the incoming order's side`);
  check(next.price > 0n, `resting order ${next.orderId} has a non-positive price`);
  check(next.remaining > 0n, `resting order ${next.orderId} has nothing remaining`);
  if (previous === null) return;
  // Asks: lower is better; bids: higher is better.
  const better = side === 'SELL' ? next.price < previous.price : next.price > previous.price;
  check(!better, `resting order ${next.orderId} has a better price than ${previous.orderId} before it`);
  if (next.price === previous.price) {
    check(
      next.priority > previous.priority,
      `resting order ${next.orderId} is out of time priority at its price`,
    );
  }
}

function outcomeOfRemainder(
  incoming: IncomingOrder,
  remaining: bigint,
  selfTradeStopped: boolean,
): IncomingOutcome {
  if (remaining === 0n) return 'FILLED';
  if (incoming.timeInForce === 'FOK') return 'FOK_KILLED';
  if (selfTradeStopped) return 'SELF_TRADE_CANCELLED';
  if (incoming.type === 'MARKET' || incoming.timeInForce === 'IOC') return 'CANCEL_REMAINDER';
  return 'REST';
}

/**
 * Matches `incoming` against `resting`: the opposite side of the book, best price first, then lowest
 * priority, as the caller keeps it (asserted). Reads lazily and stops at the first resting order that
 * no longer crosses, so a caller can hand over a generator over a large book.
 *
 * Self-trade prevention: when the next order that would trade is the same client's, matching stops
 * there and the incoming remainder is cancelled; earlier fills stand. FOK: only when the crossing
 * liquidity before any self order covers the whole quantity; otherwise nothing trades.
 */
export function matchIncoming(incoming: IncomingOrder, resting: Iterable<RestingOrder>): MatchResult {
  assertIncoming(incoming);
  const oppositeSide: OrderSide = incoming.side === 'BUY' ? 'SELL' : 'BUY';
  const fills: MatchFill[] = [];
  let remaining = incoming.quantity;
  let selfTradeStopped = false;
  let previous: RestingOrder | null = null;

  for (const order of resting) {
    assertBookOrder(previous, order, oppositeSide);
    previous = order;
    if (!crosses(incoming, order.price)) break;
    if (order.clientId === incoming.clientId) {
      selfTradeStopped = true;
      break;
    }
    const quantity = order.remaining < remaining ? order.remaining : remaining;
    remaining -= quantity;
    fills.push({
      restingOrderId: order.orderId,
      restingClientId: order.clientId,
      price: order.price,
      quantity,
      restingRemaining: order.remaining - quantity,
    });
    // Stop before pulling the next order: a lazy caller need not read further than the fills.
    if (remaining === 0n) break;
  }

  const outcome = outcomeOfRemainder(incoming, remaining, selfTradeStopped);
  // FOK is all or nothing: the fills just computed were only the liquidity check.
  const result: MatchResult =
    outcome === 'FOK_KILLED'
      ? { fills: [], incomingRemaining: incoming.quantity, outcome }
      : { fills, incomingRemaining: remaining, outcome };
  assertResult(incoming, result);
  return result;
}

function assertResult(incoming: IncomingOrder, result: MatchResult): void {
  let filled = 0n;
  for (const fill of result.fills) {
    check(fill.quantity > 0n, 'a fill has a positive quantity');
    check(fill.restingRemaining >= 0n, 'a fill leaves a non-negative resting remainder');
    check(crosses(incoming, fill.price), 'a fill prints inside the incoming order price bound');
    filled += fill.quantity;
  }
  check(
    filled + result.incomingRemaining === incoming.quantity,
    'fills and remainder add up to the quantity',
  );
  check(
    (result.outcome === 'FILLED') === (result.incomingRemaining === 0n),
    'FILLED exactly when nothing remains',
  );
  check(result.outcome !== 'REST' || incoming.type === 'LIMIT', 'only a LIMIT order rests');
}
