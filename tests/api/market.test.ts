// Instruments and market data through HTTP after a few trades on CEA: the aggregated book (no
// owners), public trades, candles, the SSE market stream, and the edge's 400s and 404s. Real server,
// worker, Temporal and PostgreSQL; the scenario holds CEA's test lock and leaves nothing resting.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ensureSystemAccounts } from '../../db/ledger/index.js';
import { ensureInstruments } from '../../db/venue/index.js';
import { closeMarketNotifications } from '../../api/services/market.js';
import { expectError, openEvents, post, startApiWorld, type ApiWorld, type Person } from './helpers.js';
import { cancelWorking, placed, trader, waitForOrder, withInstrument } from './trading-support.js';

// A test may first wait its turn on a shared instrument (tests/support/instrument-lock.ts) while
// another file trades it.
vi.setConfig({ testTimeout: 240_000 });

let w: ApiWorld;
let reader: Person;

beforeAll(async () => {
  w = await startApiWorld();
  reader = await w.person('client');
  await ensureSystemAccounts(w.app.pool);
  await ensureInstruments(w.app.pool);
});

afterAll(async () => {
  await closeMarketNotifications();
  await w?.stop();
});

const cea = (side: 'BUY' | 'SELL', quantity: string, price: string, timeInForce = 'GTC') => ({
  symbol: 'CEA',
  side,
  type: 'LIMIT',
  quantity,
  price,
  timeInForce,
});

interface Level {
  price: string;
  quantity: string;
  orders: number;
}

describe('instruments', () => {
  it('lists the catalogue with status and reference price; signed in only', async () => {
    const answer = await w.as(reader, '/instruments');
    expect(answer.status, answer.text).toBe(200);
    const bySymbol = Object.fromEntries(answer.body.items.map((i: { symbol: string }) => [i.symbol, i]));
    expect(bySymbol.EUA).toMatchObject({
      asset: 'EUA',
      quoteAsset: 'EUR',
      venue: 'internal',
      tickSize: '0.01',
      lotSize: '1',
      referencePrice: '70.00',
      priceBandPct: 10,
    });
    expect(bySymbol.CEA).toMatchObject({ quoteAsset: 'EUR', venue: 'internal', referencePrice: '11.50' });
    expect(bySymbol.KRBN).toMatchObject({ quoteAsset: 'USD', venue: 'paper' });
    for (const i of answer.body.items) expect(['OPEN', 'HALTED']).toContain(i.status);
    expectError(await w.as(null, '/instruments'), 401, 'unauthenticated');
  });
});

describe('market data', () => {
  it('unknown symbols are 404; bad depth, interval and ranges are 400', async () => {
    for (const path of [
      '/market/NOPE/book',
      '/market/NOPE/trades',
      '/market/NOPE/candles',
      '/market/NOPE/stream',
    ])
      expectError(await w.as(reader, path), 404, 'not_found');
    expectError(
      await w.as(reader, '/ops/instruments/NOPE/halt', { method: 'POST', json: { reason: 'x' } }),
      403,
      'forbidden',
    );
    expectError(await w.as(reader, '/market/CEA/book?depth=0'), 400, 'validation_failed');
    expectError(await w.as(reader, '/market/CEA/book?depth=abc'), 400, 'validation_failed');
    expectError(await w.as(reader, '/market/CEA/candles?interval=5m'), 400, 'validation_failed');
    expectError(
      await w.as(reader, '/market/CEA/candles?interval=1m&from=2026-12-01T10:00:00Z&to=2026-12-01T09:00:00Z'),
      400,
      'validation_failed',
    );
    expectError(
      await w.as(reader, '/market/CEA/candles?interval=1m&from=2026-01-01T00:00:00Z&to=2026-12-01T00:00:00Z'),
      400,
      'validation_failed',
    );
    expectError(await w.as(reader, '/market/CEA/candles?from=yesterday'), 400, 'validation_failed');
  });

  it('after a few trades: book levels, public trades, candles and a stream update', async () => {
    const seller1 = await trader(w, { certificates: { CEA: 20n } });
    const seller2 = await trader(w, { certificates: { CEA: 20n } });
    const buyer = await trader(w, { eurMinor: 100_000n });
    await withInstrument('CEA', async () => {
      const startedAt = new Date(Date.now() - 1000).toISOString();
      const a1 = await placed(w, seller1, cea('SELL', '5', '11.60'));
      const a2 = await placed(w, seller2, cea('SELL', '2', '11.60'));
      const a3 = await placed(w, seller1, cea('SELL', '3', '11.70'));
      await placed(w, buyer, cea('BUY', '4', '11.40'));

      const book = await w.as(reader, '/market/CEA/book?depth=5');
      expect(book.status, book.text).toBe(200);
      expect(book.body.symbol).toBe('CEA');
      expect(book.body.asks.slice(0, 2)).toEqual<Level[]>([
        { price: '11.60', quantity: '7', orders: 2 },
        { price: '11.70', quantity: '3', orders: 1 },
      ]);
      expect(book.body.bids[0]).toEqual<Level>({ price: '11.40', quantity: '4', orders: 1 });
      expect(book.body.sequence).toMatch(/^\d+$/);
      for (const person of [seller1, seller2, buyer]) expect(book.text).not.toContain(person.id);

      const stream = await openEvents(w, reader, '/market/CEA/stream');
      expect(stream.response.status).toBe(200);
      const first = (await stream.next()) as { event: string; data: { book: { asks: Level[] } } };
      expect(first.event).toBe('market');
      expect(first.data.book.asks[0]).toEqual({ price: '11.60', quantity: '7', orders: 2 });

      // 6 at 11.60, time priority: seller1's 5 first, then 1 of seller2's 2; the IOC rest would go.
      const taken = await placed(w, buyer, cea('BUY', '6', '11.60', 'IOC'));
      expect(taken).toMatchObject({ status: 'FILLED', averagePrice: '11.60' });
      expect(taken.fills.map((f: { quantity: string }) => f.quantity)).toEqual(['5', '1']);

      // The stream sends the state after the trade (perhaps after an event for the book change).
      let update = (await stream.next()) as {
        event: string;
        data: { book: { asks: Level[]; lastPrice: string | null }; trades: { price: string }[] };
      };
      for (let i = 0; i < 5 && update.data.book.asks[0]?.quantity !== '1'; i++)
        update = (await stream.next()) as typeof update;
      stream.close();
      expect(update.event).toBe('market');
      expect(update.data.book.asks[0]).toEqual({ price: '11.60', quantity: '1', orders: 1 });
      expect(update.data.book.lastPrice).toBe('11.60');
      expect(update.data.trades.slice(0, 2).map((t) => t.price)).toEqual(['11.60', '11.60']);

      const sweep = await placed(w, buyer, cea('BUY', '4', '11.70'));
      expect(sweep).toMatchObject({ status: 'FILLED', averagePrice: '11.68' });
      await waitForOrder(w, seller1, a1.id, (o) => o.status === 'FILLED');
      await waitForOrder(w, seller2, a2.id, (o) => o.status === 'FILLED');
      await waitForOrder(w, seller1, a3.id, (o) => o.status === 'FILLED');

      const trades = await w.as(reader, '/market/CEA/trades?limit=4');
      expect(trades.status, trades.text).toBe(200);
      expect(
        trades.body.items.map((t: { price: string; quantity: string; aggressorSide: string }) => [
          t.price,
          t.quantity,
          t.aggressorSide,
        ]),
      ).toEqual([
        ['11.70', '3', 'BUY'],
        ['11.60', '1', 'BUY'],
        ['11.60', '1', 'BUY'],
        ['11.60', '5', 'BUY'],
      ]);
      expect(trades.text).not.toContain(buyer.id);

      const to = new Date(Date.now() + 60_000).toISOString();
      const candles = await w.as(reader, `/market/CEA/candles?interval=1h&from=${startedAt}&to=${to}`);
      expect(candles.status, candles.text).toBe(200);
      const items = candles.body.items as {
        open: string;
        high: string;
        low: string;
        close: string;
        volume: string;
      }[];
      expect(items.length).toBeGreaterThanOrEqual(1);
      expect(items[0]!.open).toBe('11.60');
      expect(items[items.length - 1]!.close).toBe('11.70');
      expect(
        items
          .map((c) => c.high)
          .sort()
          .at(-1),
      ).toBe('11.70');
      expect(items.map((c) => c.low).sort()[0]).toBe('11.60');
      expect(items.reduce((sum, c) => sum + Number(c.volume), 0)).toBe(10);

      await cancelWorking(w, buyer);
      const after = await w.as(reader, '/market/CEA/book');
      expect(after.body.bids.some((l: Level) => l.price === '11.40')).toBe(false);
      expect(after.body.lastPrice).toBe('11.70');
    });
  });

  it('the halt and resume bodies are checked (400) and need operations (403)', async () => {
    const ops = await w.person('operations');
    const auditor = await w.person('auditor');
    expectError(await post(w, ops, '/ops/instruments/CEA/halt', {}), 400, 'validation_failed');
    expectError(await post(w, ops, '/ops/instruments/CEA/resume', { reason: 'x' }), 400, 'validation_failed');
    expectError(await post(w, auditor, '/ops/instruments/CEA/halt', { reason: 'x' }), 403, 'forbidden');
    expectError(await post(w, ops, '/ops/instruments/NOPE/halt', { reason: 'x' }), 404, 'not_found');
    // Under EUA's lock: another file may halt EUA for a moment (tests/support/instrument-lock.ts).
    await withInstrument('EUA', async () =>
      expectError(
        await post(w, ops, '/ops/instruments/EUA/resume', { note: 'not halted' }),
        409,
        'invalid_state',
      ),
    );
  });
});
