import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IncomingOrder, MatchResult } from './matching.js';
import { OrderBook, type BookOrderView } from './order-book.js';
import { ORDER_KINDS, ORDER_SIDES, TIMES_IN_FORCE, type OrderSide } from './order-types.js';

const CLIENTS = ['c0', 'c1', 'c2'];
const MID = 100;

let orderCounter = 0;
function newOrder(
  clientId: string,
  side: OrderSide,
  quantity: bigint,
  price: bigint,
  extra: Partial<IncomingOrder> = {},
): IncomingOrder {
  orderCounter += 1;
  return {
    orderId: `o${orderCounter}`,
    clientId,
    side,
    type: 'LIMIT',
    timeInForce: 'GTC',
    limitPrice: price,
    protectionPrice: null,
    quantity,
    ...extra,
  };
}

function marketOrder(clientId: string, side: OrderSide, quantity: bigint, protection: bigint): IncomingOrder {
  return newOrder(clientId, side, quantity, 0n, {
    type: 'MARKET',
    timeInForce: 'IOC',
    limitPrice: null,
    protectionPrice: protection,
  });
}

describe('OrderBook examples', () => {
  it('rests, then fills in price-time order at the resting prices', () => {
    const book = new OrderBook();
    const first = newOrder('c1', 'SELL', 5n, 101n);
    const second = newOrder('c2', 'SELL', 5n, 101n);
    const cheaper = newOrder('c2', 'SELL', 5n, 100n);
    for (const order of [first, second, cheaper]) expect(book.place(order).outcome).toBe('REST');
    expect(book.bestAsk()).toBe(100n);

    const result = book.place(newOrder('c0', 'BUY', 12n, 101n));
    expect(result.fills.map((fill) => [fill.restingOrderId, fill.price, fill.quantity])).toEqual([
      [cheaper.orderId, 100n, 5n],
      [first.orderId, 101n, 5n],
      [second.orderId, 101n, 2n],
    ]);
    expect(book.order(second.orderId)?.remaining).toBe(3n);
    expect(book.depth(5)).toEqual({ bids: [], asks: [{ price: 101n, quantity: 3n, orders: 1 }] });
  });

  it('self-trade prevention cancels the incoming remainder; earlier fills stand', () => {
    const book = new OrderBook();
    const other = newOrder('c1', 'SELL', 2n, 100n);
    const own = newOrder('c0', 'SELL', 5n, 100n);
    book.place(other);
    book.place(own);
    const result = book.place(newOrder('c0', 'BUY', 6n, 100n));
    expect(result.outcome).toBe('SELF_TRADE_CANCELLED');
    expect(result.fills.map((fill) => fill.restingOrderId)).toEqual([other.orderId]);
    expect(result.incomingRemaining).toBe(4n);
    expect(book.bestBid()).toBeNull();
    expect(book.order(own.orderId)?.remaining).toBe(5n);
  });

  it('a FOK order short of liquidity is killed and leaves the book as it was', () => {
    const book = new OrderBook();
    book.place(newOrder('c1', 'SELL', 5n, 100n));
    const before = book.depth(10);
    const result = book.place(newOrder('c0', 'BUY', 6n, 100n, { timeInForce: 'FOK' }));
    expect(result).toMatchObject({ fills: [], incomingRemaining: 6n, outcome: 'FOK_KILLED' });
    expect(book.depth(10)).toEqual(before);
  });

  it('an IOC remainder is cancelled, never rests', () => {
    const book = new OrderBook();
    book.place(newOrder('c1', 'SELL', 5n, 100n));
    const result = book.place(newOrder('c0', 'BUY', 8n, 100n, { timeInForce: 'IOC' }));
    expect(result.outcome).toBe('CANCEL_REMAINDER');
    expect(result.incomingRemaining).toBe(3n);
    expect(book.size).toBe(0);
  });

  it('a MARKET order stops at its protection price', () => {
    const book = new OrderBook();
    book.place(newOrder('c1', 'BUY', 5n, 100n));
    book.place(newOrder('c1', 'BUY', 5n, 90n));
    const result = book.place(marketOrder('c0', 'SELL', 20n, 95n));
    expect(result.fills.map((fill) => fill.price)).toEqual([100n]);
    expect(result.outcome).toBe('CANCEL_REMAINDER');
    expect(book.bestBid()).toBe(90n);
  });

  it('a lower quantity keeps time priority; a higher one and a new price lose it', () => {
    const book = new OrderBook();
    const a = newOrder('c1', 'SELL', 10n, 100n);
    const b = newOrder('c2', 'SELL', 10n, 100n);
    book.place(a);
    book.place(b);
    const priority = book.order(a.orderId)?.priority;
    expect(book.amend(a.orderId, { quantity: 4n })).toEqual({ priorityKept: true, match: null });
    expect(book.order(a.orderId)?.priority).toBe(priority);
    expect(book.restingOrders('SELL').map((order) => order.orderId)).toEqual([a.orderId, b.orderId]);
    expect(book.depth(1).asks).toEqual([{ price: 100n, quantity: 14n, orders: 2 }]);

    expect(book.amend(a.orderId, { quantity: 6n })?.priorityKept).toBe(false);
    expect(book.restingOrders('SELL').map((order) => order.orderId)).toEqual([b.orderId, a.orderId]);

    expect(book.amend(b.orderId, { price: 101n })?.priorityKept).toBe(false);
    expect(book.restingOrders('SELL').map((order) => [order.orderId, order.price])).toEqual([
      [a.orderId, 100n],
      [b.orderId, 101n],
    ]);
  });

  it('a price change re-enters as incoming and may trade', () => {
    const book = new OrderBook();
    book.place(newOrder('c1', 'BUY', 3n, 99n));
    const ask = newOrder('c2', 'SELL', 5n, 101n);
    book.place(ask);
    const result = book.amend(ask.orderId, { price: 99n });
    expect(result?.match?.fills.map((fill) => [fill.price, fill.quantity])).toEqual([[99n, 3n]]);
    expect(book.order(ask.orderId)).toMatchObject({ price: 99n, remaining: 2n, filled: 3n });
    expect(book.bestBid()).toBeNull();
    expect(() => book.amend(ask.orderId, { quantity: 3n })).toThrow(/not above what was filled/);
  });

  it('cancel answers what it took off, and null for an unknown order', () => {
    const book = new OrderBook();
    const order = newOrder('c1', 'BUY', 3n, 99n);
    book.place(order);
    expect(book.cancel(order.orderId)).toBe(3n);
    expect(book.cancel(order.orderId)).toBeNull();
    expect(book.depth(5)).toEqual({ bids: [], asks: [] });
  });
});

// ---------------------------------------------------------------------------------------------
// Property: random streams of every command against the book, checked after each step.

type Command =
  | {
      kind: 'place';
      client: number;
      side: OrderSide;
      type: (typeof ORDER_KINDS)[number];
      timeInForce: (typeof TIMES_IN_FORCE)[number];
      priceOffset: number;
      quantity: number;
    }
  | { kind: 'cancel'; pick: number }
  | { kind: 'amend'; pick: number; quantity: number | null; priceOffset: number | null };

const commandArbitrary: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('place' as const),
      client: fc.integer({ min: 0, max: CLIENTS.length - 1 }),
      side: fc.constantFrom(...ORDER_SIDES),
      type: fc.constantFrom('LIMIT' as const, 'LIMIT' as const, 'LIMIT' as const, 'MARKET' as const),
      timeInForce: fc.constantFrom(...TIMES_IN_FORCE),
      priceOffset: fc.integer({ min: -6, max: 6 }),
      quantity: fc.integer({ min: 1, max: 20 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('amend' as const),
      pick: fc.nat(),
      quantity: fc.option(fc.integer({ min: 1, max: 25 })),
      priceOffset: fc.option(fc.integer({ min: -6, max: 6 })),
    }),
  },
);

// The harness checks tens of thousands of facts per run: plain throws keep it fast (vitest's
// expect costs microseconds each); fast-check still shrinks and reports the failing stream.
function holds(condition: boolean, what: string): void {
  if (!condition) throw new Error(`property broken: ${what}`);
}

function same<T>(actual: T, expected: T, what: string): void {
  if (actual !== expected)
    throw new Error(`property broken: ${what}: got ${String(actual)}, expected ${String(expected)}`);
}

/** The incoming order's own bound, written out here so the test does not trust matching's `crosses`. */
function withinBound(incoming: IncomingOrder, price: bigint): boolean {
  const bound = incoming.type === 'LIMIT' ? incoming.limitPrice! : incoming.protectionPrice!;
  return incoming.side === 'BUY' ? price <= bound : price >= bound;
}

/** Liquidity an incoming order could take: crossing orders before the first of its own client's. */
function reachableQuantity(incoming: IncomingOrder, opposite: BookOrderView[]): bigint {
  let total = 0n;
  for (const order of opposite) {
    if (!withinBound(incoming, order.price) || order.clientId === incoming.clientId) break;
    total += order.remaining;
  }
  return total;
}

/** The outcome the rules of API.md give, worked out from the book before the match. */
function expectedOutcome(incoming: IncomingOrder, opposite: BookOrderView[], result: MatchResult): string {
  if (incoming.timeInForce === 'FOK') {
    return reachableQuantity(incoming, opposite) >= incoming.quantity ? 'FILLED' : 'FOK_KILLED';
  }
  if (result.incomingRemaining === 0n) return 'FILLED';
  const next = opposite[result.fills.length];
  if (next !== undefined && withinBound(incoming, next.price) && next.clientId === incoming.clientId) {
    return 'SELF_TRADE_CANCELLED';
  }
  // Matching stopped short of a trade it could have made.
  holds(next === undefined || !withinBound(incoming, next.price), 'matching stopped before a possible trade');
  if (incoming.type === 'MARKET' || incoming.timeInForce === 'IOC') return 'CANCEL_REMAINDER';
  return 'REST';
}

/** What the test knows of each order from the answers alone, independent of the book's own fields. */
interface Tracked {
  side: OrderSide;
  clientId: string;
  /** The order's total: its quantity, or the last amended one. */
  total: bigint;
  filled: bigint;
  cancelled: bigint;
  /** Its limit price while resting (a resting order trades at exactly this price). */
  price: bigint | null;
}

class Harness {
  readonly book = new OrderBook();
  readonly tracked = new Map<string, Tracked>();
  readonly ids: string[] = [];
  private counter = 0;

  run(command: Command): void {
    if (command.kind === 'place') this.place(command);
    else if (command.kind === 'cancel') this.cancel(command.pick);
    else this.amend(command);
    this.checkBook();
  }

  private pickId(pick: number): string | null {
    return this.ids.length === 0 ? null : this.ids[pick % this.ids.length]!;
  }

  private place(command: Extract<Command, { kind: 'place' }>): void {
    this.counter += 1;
    const price = BigInt(MID + command.priceOffset);
    const incoming: IncomingOrder = {
      orderId: `p${this.counter}`,
      clientId: CLIENTS[command.client]!,
      side: command.side,
      type: command.type,
      timeInForce: command.timeInForce,
      limitPrice: command.type === 'LIMIT' ? price : null,
      protectionPrice: command.type === 'MARKET' ? price : null,
      quantity: BigInt(command.quantity),
    };
    this.tracked.set(incoming.orderId, {
      side: incoming.side,
      clientId: incoming.clientId,
      total: incoming.quantity,
      filled: 0n,
      cancelled: 0n,
      price: null,
    });
    this.ids.push(incoming.orderId);
    const opposite = this.book.restingOrders(incoming.side === 'BUY' ? 'SELL' : 'BUY');
    const result = this.book.place(incoming);
    this.checkMatch(incoming, opposite, result);
  }

  private cancel(pick: number): void {
    const orderId = this.pickId(pick);
    if (orderId === null) return;
    const resting = this.book.order(orderId);
    const cancelled = this.book.cancel(orderId);
    same(cancelled, resting?.remaining ?? null, 'cancelled quantity');
    if (cancelled !== null) this.tracked.get(orderId)!.cancelled += cancelled;
  }

  private amend(command: Extract<Command, { kind: 'amend' }>): void {
    const orderId = this.pickId(command.pick);
    if (orderId === null) return;
    const before = this.book.order(orderId);
    const tracked = this.tracked.get(orderId)!;
    const quantity = command.quantity === null ? undefined : BigInt(command.quantity);
    const price = command.priceOffset === null ? undefined : BigInt(MID + command.priceOffset);
    if (before === null) {
      expect(this.book.amend(orderId, { quantity, price })).toBeNull();
      return;
    }
    if (quantity !== undefined && quantity <= tracked.filled) {
      expect(() => this.book.amend(orderId, { quantity, price })).toThrow();
      return;
    }
    const opposite = this.book.restingOrders(before.side === 'BUY' ? 'SELL' : 'BUY');
    const result = this.book.amend(orderId, { quantity, price });
    expect(result).not.toBeNull();
    if (quantity !== undefined) tracked.total = quantity;
    const after = this.book.order(orderId);
    const samePrice = price === undefined || price === before.price;
    const notLarger = quantity === undefined || quantity - tracked.filled <= before.remaining;
    same(result!.priorityKept, samePrice && notLarger, 'amend priorityKept');
    if (result!.priorityKept) same(after?.priority, before.priority, 'kept priority');
    else if (after !== null) holds(after.priority > before.priority, 'lost priority');
    if (result!.match === null) {
      holds(samePrice, 'no re-entry without a new price');
      return;
    }
    const incoming: IncomingOrder = {
      orderId,
      clientId: before.clientId,
      side: before.side,
      type: 'LIMIT',
      timeInForce: before.timeInForce,
      limitPrice: price!,
      protectionPrice: null,
      quantity: (quantity ?? before.filled + before.remaining) - tracked.filled,
    };
    tracked.price = null;
    this.checkMatch(incoming, opposite, result!.match);
  }

  /** Checks one match against the opposite side as it was before, and books the fills. */
  private checkMatch(incoming: IncomingOrder, opposite: BookOrderView[], result: MatchResult): void {
    const incomingTracked = this.tracked.get(incoming.orderId)!;
    let filled = 0n;
    result.fills.forEach((fill, index) => {
      // Time priority: the fills consume the opposite side strictly in its best-first order.
      const resting = opposite[index]!;
      same(fill.restingOrderId, resting.orderId, `fill ${index} in priority order`);
      const restingTracked = this.tracked.get(resting.orderId)!;
      // Inside both limits: the resting order's own price, and within the incoming bound.
      same(fill.price, restingTracked.price, 'fill at the resting price');
      holds(withinBound(incoming, fill.price), 'fill inside the incoming bound');
      holds(fill.restingClientId !== incoming.clientId, 'no self trade');
      same(fill.restingRemaining, resting.remaining - fill.quantity, 'resting remainder');
      if (index < result.fills.length - 1) same(fill.restingRemaining, 0n, 'earlier orders fill fully');
      restingTracked.filled += fill.quantity;
      filled += fill.quantity;
    });
    same(filled + result.incomingRemaining, incoming.quantity, 'incoming conservation');
    incomingTracked.filled += filled;

    same(result.outcome, expectedOutcome(incoming, opposite, result), 'outcome');
    // FOK never part-fills: all of it, or nothing at all.
    same(result.outcome === 'FILLED', result.incomingRemaining === 0n, 'FILLED exactly when nothing remains');
    if (result.outcome === 'FOK_KILLED') same(result.fills.length, 0, 'a killed FOK has no fills');
    if (result.outcome === 'REST') {
      incomingTracked.price = incoming.limitPrice;
    } else if (result.outcome !== 'FILLED') {
      incomingTracked.cancelled += result.incomingRemaining;
    }
  }

  private checkBook(): void {
    const bid = this.book.bestBid();
    const ask = this.book.bestAsk();
    if (bid !== null && ask !== null) holds(bid < ask, `book crossed: bid ${bid} ask ${ask}`);

    let restingCount = 0;
    for (const side of ORDER_SIDES) {
      const orders = this.book.restingOrders(side);
      restingCount += orders.length;
      const depth = this.book.depth(1000)[side === 'BUY' ? 'bids' : 'asks'];
      const levels = new Map<bigint, { quantity: bigint; orders: number }>();
      orders.forEach((order, index) => {
        const previous = orders[index - 1];
        if (previous !== undefined && previous.price === order.price) {
          holds(order.priority > previous.priority, 'time priority within a level');
        }
        const level = levels.get(order.price) ?? { quantity: 0n, orders: 0 };
        levels.set(order.price, { quantity: level.quantity + order.remaining, orders: level.orders + 1 });
        holds(order.remaining > 0n, 'resting orders have a remainder');
        same(this.tracked.get(order.orderId)!.price, order.price, 'resting price');
      });
      same(
        depth.map((level) => `${level.price}:${level.quantity}:${level.orders}`).join(),
        [...levels].map(([price, level]) => `${price}:${level.quantity}:${level.orders}`).join(),
        `${side} depth`,
      );
    }
    same(this.book.size, restingCount, 'book size');

    // Conservation per order: filled + remaining + cancelled = its (amended) total.
    for (const [orderId, tracked] of this.tracked) {
      const resting = this.book.order(orderId);
      if (resting !== null) same(resting.filled, tracked.filled, `${orderId} filled`);
      same(
        tracked.filled + (resting?.remaining ?? 0n) + tracked.cancelled,
        tracked.total,
        `${orderId} conservation`,
      );
    }
  }
}

describe('OrderBook property', () => {
  it('stays uncrossed, fills in priority inside both limits, conserves quantities, never part-fills a FOK', () => {
    fc.assert(
      fc.property(fc.array(commandArbitrary, { minLength: 1, maxLength: 200, size: 'max' }), (commands) => {
        const harness = new Harness();
        for (const command of commands) harness.run(command);
      }),
      { numRuns: 150 },
    );
  });

  it('the random streams reach every outcome (so the property above is not vacuous)', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(fc.array(commandArbitrary, { minLength: 50, maxLength: 120 }), (commands) => {
        const harness = new Harness();
        const book = harness.book;
        const place = book.place.bind(book);
        book.place = (incoming) => {
          const result = place(incoming);
          seen.add(result.outcome);
          return result;
        };
        for (const command of commands) harness.run(command);
      }),
      { numRuns: 50 },
    );
    expect([...seen].sort()).toEqual([
      'CANCEL_REMAINDER',
      'FILLED',
      'FOK_KILLED',
      'REST',
      'SELF_TRADE_CANCELLED',
    ]);
  });
});
