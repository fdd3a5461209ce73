// An in-memory price-time order book for one instrument, for the matching benchmark and as the model
// of the property tests. The venue of record is db/venue (PostgreSQL); both match with the one rule
// in domain/matching.ts, so this book only keeps orders and applies what matchIncoming answers.
//
// Layout, chosen for the benchmark's mix (most commands touch the best few levels): per side, an
// array of price levels sorted so that the best level is LAST (a filled-out best level is a pop),
// a Map price → level, and within a level a doubly linked FIFO list, so a cancel anywhere is O(1)
// apart from removing an emptied level (a binary search and a splice over the side's levels).
import { matchIncoming, type IncomingOrder, type MatchResult, type RestingOrder } from './matching.js';
import type { OrderSide, TimeInForce } from './order-types.js';

/** One resting order. It is itself the RestingOrder handed to matchIncoming (no copy per match). */
class BookOrder implements RestingOrder {
  prev: BookOrder | null = null;
  next: BookOrder | null = null;

  constructor(
    readonly orderId: string,
    readonly clientId: string,
    readonly side: OrderSide,
    readonly price: bigint,
    readonly timeInForce: TimeInForce,
    public remaining: bigint,
    /** What earlier fills took; an amend names the order's total, filled + remaining. */
    public filled: bigint,
    public priority: bigint,
    public level: PriceLevel,
  ) {}
}

class PriceLevel {
  head: BookOrder | null = null;
  tail: BookOrder | null = null;
  quantity = 0n;
  count = 0;

  constructor(readonly price: bigint) {}

  append(order: BookOrder): void {
    order.prev = this.tail;
    order.next = null;
    if (this.tail === null) this.head = order;
    else this.tail.next = order;
    this.tail = order;
    this.quantity += order.remaining;
    this.count += 1;
  }

  unlink(order: BookOrder): void {
    if (order.prev === null) this.head = order.next;
    else order.prev.next = order.next;
    if (order.next === null) this.tail = order.prev;
    else order.next.prev = order.prev;
    order.prev = null;
    order.next = null;
    this.quantity -= order.remaining;
    this.count -= 1;
    check(this.quantity >= 0n && this.count >= 0, `level ${this.price} went negative`);
  }
}

/** One side of the book: levels sorted worst → best (best last). */
class BookSide {
  readonly levels: PriceLevel[] = [];
  readonly byPrice = new Map<bigint, PriceLevel>();

  constructor(readonly side: OrderSide) {}

  /** Whether price `a` is better than `b` for this side (bids: higher, asks: lower). */
  private better(a: bigint, b: bigint): boolean {
    return this.side === 'BUY' ? a > b : a < b;
  }

  /** Index where a level at `price` sits or would sit, keeping worst → best order. */
  private indexOf(price: bigint): number {
    let low = 0;
    let high = this.levels.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.better(price, this.levels[middle]!.price)) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  levelFor(price: bigint): PriceLevel {
    const existing = this.byPrice.get(price);
    if (existing !== undefined) return existing;
    const level = new PriceLevel(price);
    const best = this.levels[this.levels.length - 1];
    // New best prices are the common case near the touch: append without a search.
    if (best === undefined || this.better(price, best.price)) this.levels.push(level);
    else this.levels.splice(this.indexOf(price), 0, level);
    this.byPrice.set(price, level);
    return level;
  }

  dropIfEmpty(level: PriceLevel): void {
    if (level.count > 0) return;
    this.byPrice.delete(level.price);
    const last = this.levels.length - 1;
    if (this.levels[last] === level) {
      this.levels.pop();
      return;
    }
    const index = this.indexOf(level.price);
    check(this.levels[index] === level, `level ${level.price} is not where its price says`);
    this.levels.splice(index, 1);
  }

  best(): PriceLevel | null {
    return this.levels[this.levels.length - 1] ?? null;
  }

  /** Every resting order, best price first, then time priority. */
  *ordersBestFirst(): Generator<BookOrder> {
    for (let index = this.levels.length - 1; index >= 0; index -= 1) {
      for (let order = this.levels[index]!.head; order !== null; order = order.next) yield order;
    }
  }
}

export interface PlaceResult extends MatchResult {
  /** The priority the remainder rests with (outcome REST), else null. */
  restingPriority: bigint | null;
}

export interface AmendChanges {
  /** The order's new total quantity (filled + remaining), as the API's amend names it. */
  quantity?: bigint;
  price?: bigint;
}

export interface AmendResult {
  /** Whether the order kept its place in the queue (a lower quantity at the same price). */
  priorityKept: boolean;
  /** A price change re-enters the order as incoming: what that match did; null otherwise. */
  match: PlaceResult | null;
}

export interface DepthLevel {
  price: bigint;
  quantity: bigint;
  orders: number;
}

export interface BookOrderView extends RestingOrder {
  timeInForce: TimeInForce;
  filled: bigint;
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`order book: ${message}`);
}

export class OrderBook {
  private readonly bids = new BookSide('BUY');
  private readonly asks = new BookSide('SELL');
  private readonly orders = new Map<string, BookOrder>();
  private nextPriority = 1n;

  private sideOf(side: OrderSide): BookSide {
    return side === 'BUY' ? this.bids : this.asks;
  }

  /** Matches `incoming` against the book and applies the answer: fills reduce/remove, a remainder rests. */
  place(incoming: IncomingOrder): PlaceResult {
    check(!this.orders.has(incoming.orderId), `order ${incoming.orderId} is already on the book`);
    return this.enter(incoming, 0n);
  }

  private enter(incoming: IncomingOrder, filledBefore: bigint): PlaceResult {
    const opposite = this.sideOf(incoming.side === 'BUY' ? 'SELL' : 'BUY');
    const result = matchIncoming(incoming, opposite.ordersBestFirst());
    for (const fill of result.fills)
      this.applyFill(opposite, fill.restingOrderId, fill.quantity, fill.restingRemaining);
    // Built field by field, not spread: this is the hot path of the benchmark.
    const { fills, incomingRemaining, outcome } = result;
    if (outcome !== 'REST') return { fills, incomingRemaining, outcome, restingPriority: null };

    check(incoming.limitPrice !== null, 'only a LIMIT order rests');
    const filled = filledBefore + (incoming.quantity - incomingRemaining);
    const order = this.rest(incoming, incoming.limitPrice, incomingRemaining, filled);
    return { fills, incomingRemaining, outcome, restingPriority: order.priority };
  }

  private rest(incoming: IncomingOrder, price: bigint, remaining: bigint, filled: bigint): BookOrder {
    const side = this.sideOf(incoming.side);
    const level = side.levelFor(price);
    const priority = this.nextPriority;
    this.nextPriority += 1n;
    const order = new BookOrder(
      incoming.orderId,
      incoming.clientId,
      incoming.side,
      price,
      incoming.timeInForce,
      remaining,
      filled,
      priority,
      level,
    );
    level.append(order);
    this.orders.set(order.orderId, order);
    return order;
  }

  private applyFill(side: BookSide, orderId: string, quantity: bigint, remainingAfter: bigint): void {
    const order = this.orders.get(orderId);
    check(order !== undefined, `filled order ${orderId} is not on the book`);
    check(order.remaining - quantity === remainingAfter, `fill of ${orderId} does not add up`);
    order.level.quantity -= quantity;
    order.remaining = remainingAfter;
    order.filled += quantity;
    if (remainingAfter > 0n) return;
    this.remove(side, order);
  }

  private remove(side: BookSide, order: BookOrder): void {
    order.level.unlink(order);
    side.dropIfEmpty(order.level);
    this.orders.delete(order.orderId);
  }

  /** Takes a resting order off the book; answers the quantity cancelled, or null when it is not resting. */
  cancel(orderId: string): bigint | null {
    const order = this.orders.get(orderId);
    if (order === undefined) return null;
    const cancelled = order.remaining;
    this.remove(this.sideOf(order.side), order);
    return cancelled;
  }

  /**
   * Changes a resting order. A lower quantity at the same price keeps its time priority; a higher
   * quantity goes to the back of its level (it would otherwise jump the queue with new size); a new
   * price loses priority and re-enters as an incoming order, so it may trade. Null when not resting.
   */
  amend(orderId: string, changes: AmendChanges): AmendResult | null {
    const order = this.orders.get(orderId);
    if (order === undefined) return null;
    const quantity = changes.quantity ?? order.filled + order.remaining;
    const price = changes.price ?? order.price;
    check(quantity > order.filled, `amend of ${orderId} to ${quantity} is not above what was filled`);
    check(price > 0n, `amend of ${orderId} to a non-positive price`);
    const remaining = quantity - order.filled;
    const side = this.sideOf(order.side);

    if (price === order.price && remaining <= order.remaining) {
      order.level.quantity -= order.remaining - remaining;
      order.remaining = remaining;
      return { priorityKept: true, match: null };
    }

    this.remove(side, order);
    const incoming: IncomingOrder = {
      orderId,
      clientId: order.clientId,
      side: order.side,
      type: 'LIMIT',
      timeInForce: order.timeInForce,
      limitPrice: price,
      protectionPrice: null,
      quantity: remaining,
    };
    if (price === order.price) {
      // Same price, more quantity: nothing on the other side crosses it (the book is not crossed).
      this.rest(incoming, price, remaining, order.filled);
      return { priorityKept: false, match: null };
    }
    return { priorityKept: false, match: this.enter(incoming, order.filled) };
  }

  bestBid(): bigint | null {
    return this.bids.best()?.price ?? null;
  }

  bestAsk(): bigint | null {
    return this.asks.best()?.price ?? null;
  }

  /** Up to `levels` price levels per side, aggregated, best first. */
  depth(levels: number): { bids: DepthLevel[]; asks: DepthLevel[] } {
    check(Number.isInteger(levels) && levels >= 0, 'depth levels must be a non-negative integer');
    const levelsOf = (side: BookSide): DepthLevel[] =>
      side.levels
        .slice(Math.max(0, side.levels.length - levels))
        .reverse()
        .map((level) => ({ price: level.price, quantity: level.quantity, orders: level.count }));
    return { bids: levelsOf(this.bids), asks: levelsOf(this.asks) };
  }

  /** A copy of one resting order, or null. */
  order(orderId: string): BookOrderView | null {
    const order = this.orders.get(orderId);
    return order === undefined ? null : view(order);
  }

  /** Copies of one side's resting orders, best price first, then time priority. */
  restingOrders(side: OrderSide): BookOrderView[] {
    return Array.from(this.sideOf(side).ordersBestFirst(), view);
  }

  get size(): number {
    return this.orders.size;
  }
}

function view(order: BookOrder): BookOrderView {
  return {
    orderId: order.orderId,
    clientId: order.clientId,
    side: order.side,
    price: order.price,
    remaining: order.remaining,
    priority: order.priority,
    timeInForce: order.timeInForce,
    filled: order.filled,
  };
}
