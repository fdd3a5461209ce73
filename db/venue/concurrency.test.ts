import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reserveAmount } from '../../domain/order.js';
import type { Instrument } from '../../domain/instruments.js';
import { registryTransferIn } from '../../domain/postings.js';
import { ensureClientAccounts, isLedgerError, postEntry, type Db } from '../ledger/index.js';
import { testPool, uniqueKey } from '../ledger/test-support.js';
import { bookDepth, submitOrder } from './index.js';
import {
  FEES,
  balancesOf,
  expectHoldsMatchBook,
  expectLedgerBalanced,
  newClient,
  reserveOrder,
  testInstrument,
} from './test-support.js';

// 50 BUY orders of one client race for a cash balance that affords exactly K of them, each reserved
// and submitted the way the order activities do it (holdEntry, then submitOrder), on a pool of many
// connections. Exactly K get a hold and reach the book; available never goes below zero.

const ORDERS = 50;
const AFFORDABLE = 17;

let db: Db;

beforeAll(() => {
  db = testPool(20);
});

afterAll(async () => {
  await db.end();
});

describe('venue concurrency', () => {
  it(`50 concurrent BUY orders against cash for ${AFFORDABLE}: exactly ${AFFORDABLE} are reserved and rest`, async () => {
    const instrument = await testInstrument(db, 'EUA');
    const spec = { side: 'BUY' as const, quantity: 3n, price: 6900n };
    const each = reserveAmount({
      ...spec,
      type: 'LIMIT',
      limitPrice: spec.price,
      protectionPrice: null,
      ...FEES,
    });
    // A little less than one more order's worth beyond K.
    const clientId = await newClient(db, instrument, each * BigInt(AFFORDABLE) + each - 1n, 0n);

    const outcomes = await Promise.all(
      Array.from({ length: ORDERS }, async () => {
        try {
          const reserved = await reserveOrder(db, instrument, { clientId, ...spec });
          const result = await submitOrder(db, reserved.input);
          return result.status;
        } catch (error) {
          if (isLedgerError(error, 'insufficient_funds')) return 'refused';
          throw error;
        }
      }),
    );
    expect(outcomes.filter((o) => o === 'RESTING')).toHaveLength(AFFORDABLE);
    expect(outcomes.filter((o) => o === 'refused')).toHaveLength(ORDERS - AFFORDABLE);

    const balance = await balancesOf(db, clientId, 'EUR');
    expect(balance.available).toBe(each - 1n);
    expect(balance.available >= 0n).toBe(true);
    expect(balance.pending).toBe(each * BigInt(AFFORDABLE));
    const depth = await bookDepth(db, instrument.symbol, 5);
    expect(depth?.bids).toEqual([{ price: 6900n, quantity: 3n * BigInt(AFFORDABLE), orders: AFFORDABLE }]);
    await expectHoldsMatchBook(db, instrument, [clientId]);
    await expectLedgerBalanced(db);
  });

  it('concurrent crossing orders on one instrument serialise: every fill once, the book uncrossed', async () => {
    const instrument = await testInstrument(db, 'EUA');
    const sellers = await Promise.all(Array.from({ length: 5 }, () => newClient(db, instrument, 0n, 100n)));
    const buyers = await Promise.all(
      Array.from({ length: 5 }, () => newClient(db, instrument, 10_000_000n, 0n)),
    );
    const place = async (clientId: string, side: 'BUY' | 'SELL', price: bigint) => {
      const reserved = await reserveOrder(db, instrument, { clientId, side, quantity: 10n, price });
      return submitOrder(db, reserved.input);
    };
    const results = await Promise.all([
      ...sellers.flatMap((s, i) => [place(s, 'SELL', 7000n + BigInt(i)), place(s, 'SELL', 7010n)]),
      ...buyers.flatMap((b, i) => [place(b, 'BUY', 7010n - BigInt(i)), place(b, 'BUY', 7000n)]),
    ]);
    const traded = await db.query<{ quantity: string; trades: string }>(
      `SELECT coalesce(sum(quantity), 0) AS quantity, count(*) AS trades FROM trade WHERE symbol = $1`,
      [instrument.symbol],
    );
    const filled = results.reduce((sum, r) => sum + r.filled, 0n);
    // Every trade has two sides, each counted once in its order's `filled` (as taker or as maker).
    const fromRows = await db.query<{ filled: string }>(
      `SELECT coalesce(sum(filled), 0) AS filled FROM venue_order WHERE symbol = $1`,
      [instrument.symbol],
    );
    expect(BigInt(fromRows.rows[0]!.filled)).toBe(2n * BigInt(traded.rows[0]!.quantity));
    expect(filled <= BigInt(fromRows.rows[0]!.filled)).toBe(true);
    expect(Number(traded.rows[0]!.trades)).toBeGreaterThan(0);
    const depth = await bookDepth(db, instrument.symbol, 50);
    const bestBid = depth?.bids[0]?.price ?? 0n;
    const bestAsk = depth?.asks[0]?.price ?? 10n ** 9n;
    expect(bestBid < bestAsk).toBe(true);
    await expectHoldsMatchBook(db, instrument, [...sellers, ...buyers]);
    await expectLedgerBalanced(db);
  });

  it('two instruments trading for the same clients at once never deadlock', async () => {
    const eua = await testInstrument(db, 'EUA');
    const cea = await testInstrument(db, 'CEA');
    const clients = await Promise.all(Array.from({ length: 4 }, () => newClient(db, eua, 10_000_000n, 200n)));
    for (const clientId of clients) {
      await ensureClientAccounts(db, clientId, cea.asset);
      await postEntry(db, {
        idempotencyKey: uniqueKey('transfer-in'),
        ...registryTransferIn(clientId, cea.asset, 200n, uniqueKey('registry')),
      });
    }
    const place = async (instrument: Instrument, i: number) => {
      const side = i % 2 === 0 ? 'SELL' : 'BUY';
      const clientId = clients[i % clients.length]!;
      const reserved = await reserveOrder(db, instrument, { clientId, side, quantity: 5n, price: 7000n });
      return submitOrder(db, reserved.input);
    };
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => place(i % 4 < 2 ? eua : cea, i)));
    expect(results.some((r) => r.filled > 0n)).toBe(true);
    await expectHoldsMatchBook(db, eua, clients);
    await expectHoldsMatchBook(db, cea, clients);
    await expectLedgerBalanced(db);
  });
});
