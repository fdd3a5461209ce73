import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Instrument } from '../../domain/instruments.js';
import type { OrderSide, TimeInForce } from '../../domain/order-types.js';
import { isLedgerError, type Db } from '../ledger/index.js';
import { testPool } from '../ledger/test-support.js';
import { amendOrder, cancelOrder, submitOrder, type VenueOrderResult } from './index.js';
import {
  balancesOfEach,
  expectHoldsMatchBook,
  expectLedgerBalanced,
  expectTotalsBalanced,
  newClient,
  reserveOrder,
  testInstrument,
} from './test-support.js';

// Random submits, cancels and amends by several funded clients on one instrument's book. After every
// step: the book is not crossed, every fill printed inside both orders' limits, quantities add up
// (order totals, trades, each asset across the clients), the ledger balances and the clients' holds
// are exactly the reservations of their resting orders.

const CLIENTS = 4;
const CASH = 50_000_000n;
const UNITS = 5_000n;
// Two runs keep npm test quick (each step is a few transactions and a dozen checks); the pure
// engine's property test (domain/order-book.test.ts) covers ~15,000 operations. VENUE_PROPERTY_RUNS
// runs longer, e.g. 20 for 5,200 steps.
const RUNS = Number(process.env.VENUE_PROPERTY_RUNS ?? 2);
const STEPS = 260;
/** Accounts against their lines every this many steps (and at the end of each run). */
const FULL_CHECK_EVERY = 40;

let db: Db;

beforeAll(() => {
  db = testPool(4);
});

afterAll(async () => {
  await db.end();
});

type Op =
  | {
      kind: 'submit';
      client: number;
      side: OrderSide;
      market: boolean;
      timeInForce: TimeInForce;
      price: bigint;
      quantity: bigint;
    }
  | { kind: 'cancel'; pick: number }
  | { kind: 'amend'; pick: number; quantity: bigint | null; price: bigint | null };

const price = fc.bigInt({ min: 6_980n, max: 7_020n });
const quantity = fc.bigInt({ min: 1n, max: 25n });
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('submit' as const),
      client: fc.nat({ max: CLIENTS - 1 }),
      side: fc.constantFrom<OrderSide>('BUY', 'SELL'),
      market: fc.nat({ max: 9 }).map((n) => n < 2),
      timeInForce: fc.constantFrom<TimeInForce>('GTC', 'GTC', 'DAY', 'IOC', 'FOK'),
      price,
      quantity,
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('amend' as const),
      pick: fc.nat(),
      quantity: fc.option(quantity, { nil: null }),
      price: fc.option(price, { nil: null }),
    }),
  },
);

interface Tracked {
  orderId: string;
  side: OrderSide;
  /** The worst price it may trade at now (limit, or a MARKET order's protection). */
  bound: bigint;
}

class Run {
  readonly orders: Tracked[] = [];
  readonly byId = new Map<string, Tracked>();
  constructor(
    readonly instrument: Instrument,
    readonly clients: string[],
  ) {}

  async apply(step: Op): Promise<VenueOrderResult | null> {
    if (step.kind === 'submit') return this.submit(step);
    const target = this.orders[step.pick % Math.max(this.orders.length, 1)];
    if (!target) return null;
    if (step.kind === 'cancel') return cancelOrder(db, { orderId: target.orderId, reason: 'property' });
    const amended = await amendOrder(db, {
      orderId: target.orderId,
      ...(step.quantity === null ? {} : { quantity: step.quantity }),
      ...(step.price === null ? {} : { limitPrice: step.price }),
    });
    if ('refused' in amended) return null;
    if (step.price !== null) target.bound = step.price;
    return amended;
  }

  async submit(step: Extract<Op, { kind: 'submit' }>): Promise<VenueOrderResult | null> {
    const protection = step.side === 'BUY' ? 7_700n : 6_300n;
    const spec = {
      clientId: this.clients[step.client]!,
      side: step.side,
      quantity: step.quantity,
      type: step.market ? ('MARKET' as const) : ('LIMIT' as const),
      price: step.market ? null : step.price,
      protectionPrice: step.market ? protection : null,
      timeInForce: step.market ? (step.timeInForce === 'FOK' ? 'FOK' : 'IOC') : step.timeInForce,
    } as const;
    let reserved;
    try {
      reserved = await reserveOrder(db, this.instrument, spec);
    } catch (error) {
      // The client cannot afford it: the reservation refuses, and nothing reaches the venue.
      if (isLedgerError(error, 'insufficient_funds')) return null;
      throw error;
    }
    const tracked = {
      orderId: reserved.orderId,
      side: step.side,
      bound: step.market ? protection : step.price,
    };
    this.orders.push(tracked);
    this.byId.set(tracked.orderId, tracked);
    return submitOrder(db, reserved.input);
  }

  /** Both sides of each fill this call made printed inside that order's bound. */
  checkFills(result: VenueOrderResult): void {
    const made = new Set(result.counterFills.map((fill) => fill.tradeId));
    const fills = [...result.fills.filter((fill) => made.has(fill.tradeId)), ...result.counterFills];
    for (const fill of fills) {
      const order = this.byId.get(fill.orderId);
      expect(order, `fill of a known order ${fill.orderId}`).toBeDefined();
      if (!order) continue;
      const inside = fill.side === 'BUY' ? fill.price <= order.bound : fill.price >= order.bound;
      expect(inside, `${fill.side} fill at ${fill.price} outside ${order.bound}`).toBe(true);
    }
  }

  /**
   * `full`: also every account against the sum of its lines (trialBalance), which reads every line
   * in the database; the running totals per asset are checked after every step.
   */
  async checkInvariants(full: boolean): Promise<void> {
    const { symbol } = this.instrument;
    const spread = await db.query<{ bid: string | null; ask: string | null }>(
      `SELECT (SELECT max(limit_price) FROM venue_order WHERE symbol = $1 AND side = 'BUY' AND status = 'RESTING') AS bid,
              (SELECT min(limit_price) FROM venue_order WHERE symbol = $1 AND side = 'SELL' AND status = 'RESTING') AS ask`,
      [symbol],
    );
    const { bid, ask } = spread.rows[0]!;
    if (bid !== null && ask !== null)
      expect(BigInt(bid) < BigInt(ask), `book crossed ${bid} / ${ask}`).toBe(true);

    const unbalanced = await db.query(
      `SELECT o.order_id FROM venue_order o
        WHERE o.symbol = $1
          AND (o.filled + o.remaining <> o.quantity
               OR o.filled <> (SELECT coalesce(sum(t.quantity), 0) FROM trade t
                                WHERE t.buy_order_id = o.order_id OR t.sell_order_id = o.order_id))`,
      [symbol],
    );
    expect(unbalanced.rows).toEqual([]);

    const fees = await db.query<{ fees: string }>(
      `SELECT coalesce(sum(buy_fee + sell_fee), 0) AS fees FROM trade WHERE symbol = $1`,
      [symbol],
    );
    let units = 0n;
    let cash = 0n;
    const { asset: traded, quoteAsset } = this.instrument;
    const balances = await balancesOfEach(db, this.clients, [traded, quoteAsset]);
    for (const clientId of this.clients) {
      const asset = balances.get(`${clientId}/${traded}`)!;
      const quote = balances.get(`${clientId}/${quoteAsset}`)!;
      units += asset.available + asset.pending + asset.pendingSettlement;
      cash += quote.available + quote.pending + quote.pendingSettlement;
    }
    expect(units).toBe(UNITS * BigInt(this.clients.length));
    expect(cash + BigInt(fees.rows[0]!.fees)).toBe(CASH * BigInt(this.clients.length));

    if (full) await expectLedgerBalanced(db);
    else await expectTotalsBalanced(db);
    await expectHoldsMatchBook(db, this.instrument, this.clients);
  }
}

describe('venue property', () => {
  it(`keeps the book, the trades and the ledger consistent over ${RUNS * STEPS} random steps`, async () => {
    let steps = 0;
    let trades = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: STEPS, maxLength: STEPS }), async (ops) => {
        const instrument = await testInstrument(db, 'CEA');
        const clients: string[] = [];
        for (let i = 0; i < CLIENTS; i += 1) clients.push(await newClient(db, instrument, CASH, UNITS));
        // CEA's catalogue terms quote around 1150; this run trades around 7000 like EUA, inside the band it ignores.
        const run = new Run(instrument, clients);
        for (const step of ops) {
          const result = await run.apply(step);
          steps += 1;
          if (result) {
            run.checkFills(result);
            trades += result.counterFills.length;
          }
          await run.checkInvariants(steps % FULL_CHECK_EVERY === 0);
        }
        await run.checkInvariants(true);
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
    expect(steps).toBe(RUNS * STEPS);
    // The arbitraries are meant to trade: a run that never crossed would prove little.
    expect(trades).toBeGreaterThan(50);
  }, 600_000);
});
