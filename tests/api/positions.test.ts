// Positions through HTTP: FIFO lots from a client's fills and registry transfers in, marked to the
// last trade, with the cash balances; who may read whose. Real server, worker, Temporal, PostgreSQL.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ensureSystemAccounts } from '../../db/ledger/index.js';
import { ensureInstruments } from '../../db/venue/index.js';
import { closeMarketNotifications } from '../../api/services/market.js';
import { expectBooksBalanced, expectError, startApiWorld, type ApiWorld, type Person } from './helpers.js';
import { placed, trader, waitForOrder, withInstrument } from './trading-support.js';

// A test may first wait its turn on a shared instrument (tests/support/instrument-lock.ts) while
// another file trades it.
vi.setConfig({ testTimeout: 240_000 });

let w: ApiWorld;
let ops: Person;
let auditor: Person;

beforeAll(async () => {
  w = await startApiWorld();
  [ops, auditor] = await Promise.all([w.person('operations'), w.person('auditor')]);
  await ensureSystemAccounts(w.app.pool);
  await ensureInstruments(w.app.pool);
});

afterAll(async () => {
  await closeMarketNotifications();
  await w?.stop();
});

afterEach(async () => {
  await expectBooksBalanced(w, auditor);
});

const eua = (side: 'BUY' | 'SELL', quantity: string, price: string) => ({
  symbol: 'EUA',
  side,
  type: 'LIMIT',
  quantity,
  price,
});

describe('positions', () => {
  it('a transfer in, a buy and a sell: FIFO lots, cost basis with fees, realized and unrealized P&L', async () => {
    const client = await trader(w, { eurMinor: 100_000n, certificates: { EUA: 50n } });
    const seller = await trader(w, { certificates: { EUA: 10n } });
    const buyer = await trader(w, { eurMinor: 200_000n });
    await withInstrument('EUA', async () => {
      const ask = await placed(w, seller, eua('SELL', '10', '70.00'));
      const bought = await placed(w, client, eua('BUY', '10', '70.00'));
      expect(bought).toMatchObject({ status: 'FILLED' });
      await waitForOrder(w, seller, ask.id, (o) => o.status === 'FILLED');

      const bid = await placed(w, buyer, eua('BUY', '20', '70.50'));
      const sold = await placed(w, client, eua('SELL', '20', '70.50'));
      expect(sold).toMatchObject({ status: 'FILLED' });
      await waitForOrder(w, buyer, bid.id, (o) => o.status === 'FILLED');

      const positions = await w.as(client, '/positions');
      expect(positions.status, positions.text).toBe(200);
      // Lots: 50 transferred in at the reference 70.00 (20 sold from it first), 10 bought at 70.00
      // + 1.40 fee. Realized: 20 × 70.50 − 2.82 fee − 20 × 70.00 = 7.18. Marked at the last 70.50.
      expect(positions.body.items).toEqual([
        {
          asset: 'EUA',
          quoteAsset: 'EUR',
          quantity: '40',
          averageCost: '70.04',
          costBasis: '2801.40',
          marketPrice: '70.50',
          marketValue: '2820.00',
          unrealizedPnl: '18.60',
          realizedPnl: '7.18',
        },
      ]);
      expect(positions.body.cash).toEqual([
        expect.objectContaining({ asset: 'EUR', available: '298.60', pendingSettlement: expect.any(String) }),
      ]);

      const lots = await w.as(client, '/positions/EUA/lots');
      expect(lots.status, lots.text).toBe(200);
      expect(lots.body.items).toEqual([
        { openedAt: expect.any(String), tradeId: null, quantity: '50', remaining: '30', price: '70.00' },
        {
          openedAt: expect.any(String),
          tradeId: bought.fills[0].tradeId,
          quantity: '10',
          remaining: '10',
          price: '70.00',
        },
      ]);

      // Staff and auditors name the client and see the same.
      const staff = await w.as(ops, `/positions?clientId=${client.id}`);
      expect(staff.body.items).toEqual(positions.body.items);
      const audited = await w.as(auditor, `/positions/EUA/lots?clientId=${client.id}`);
      expect(audited.body.items).toEqual(lots.body.items);
    });
  });

  it('who may read: own only for clients (404), staff must name the client (400), unknown assets 404', async () => {
    const client = await trader(w, { certificates: { CEA: 5n } });
    const other = await trader(w);
    expectError(await w.as(other, `/positions?clientId=${client.id}`), 404, 'not_found');
    expectError(await w.as(ops, '/positions'), 400, 'validation_failed');
    expectError(await w.as(ops, '/positions?clientId=not-a-uuid'), 400, 'validation_failed');
    expectError(await w.as(null, '/positions'), 401, 'unauthenticated');
    expectError(await w.as(client, '/positions/EUR/lots'), 404, 'not_found');
    expectError(await w.as(client, '/positions/NOPE/lots'), 404, 'not_found');
    const own = await w.as(client, '/positions');
    expect(own.body.items).toMatchObject([{ asset: 'CEA', quantity: '5', realizedPnl: '0.00' }]);
    expect((await w.as(other, '/positions')).body).toEqual({
      items: [],
      cash: [expect.objectContaining({ asset: 'EUR' })],
    });
    expect((await w.as(other, '/positions/EUA/lots')).body).toEqual({ items: [] });
  });
});
