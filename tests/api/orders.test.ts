// Orders through HTTP: the real server, a real worker (order workflow, internal venue), the Temporal
// dev server and PostgreSQL. KYC approval is a row written directly; cash comes from deposit
// postings and certificates from registry transfers in (tests/api/trading-support.ts). Crossing
// scenarios hold the instrument's test lock and leave nothing resting.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ensureSystemAccounts } from '../../db/ledger/index.js';
import { ensureInstruments } from '../../db/venue/index.js';
import { lockInstruments } from '../support/instrument-lock.js';
import { closeMarketNotifications } from '../../api/services/market.js';
import {
  expectBooksBalanced,
  expectError,
  post,
  startApiWorld,
  type ApiWorld,
  type Person,
} from './helpers.js';
import {
  balance,
  cancelWorking,
  place,
  placed,
  trader,
  waitForOrder,
  withInstrument,
} from './trading-support.js';

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

const limit = (
  side: 'BUY' | 'SELL',
  quantity: string | number,
  price: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> => ({
  symbol: 'EUA',
  side,
  type: 'LIMIT',
  quantity,
  price,
  ...extra,
});

describe('placing and crossing', () => {
  it('a resting SELL and a crossing BUY: fills, trades, balances and positions of both clients', async () => {
    const seller = await trader(w, { certificates: { EUA: 100n } });
    const buyer = await trader(w, { eurMinor: 100_000n });
    await withInstrument('EUA', async () => {
      const ask = await placed(w, seller, limit('SELL', '10', '70.00', { clientOrderId: 'ask-1' }));
      expect(ask).toMatchObject({
        symbol: 'EUA',
        side: 'SELL',
        type: 'LIMIT',
        timeInForce: 'GTC',
        quantity: '10',
        price: '70.00',
        status: 'ROUTED',
        filledQuantity: '0',
        clientOrderId: 'ask-1',
        reserved: { asset: 'EUA', amount: '10' },
        fills: [],
        allowedActions: expect.arrayContaining(['cancel', 'amend']),
      });
      expect(ask.timeline.map((e: { to: string }) => e.to)).toEqual(['NEW', 'VALIDATED', 'ROUTED']);
      expect((await balance(w, seller, 'EUA')).available).toBe('90');

      const bid = await placed(w, buyer, limit('BUY', '10', '70.00'));
      expect(bid).toMatchObject({
        status: 'FILLED',
        filledQuantity: '10',
        remainingQuantity: '0',
        averagePrice: '70.00',
      });
      expect(bid.fills).toEqual([
        {
          tradeId: expect.any(String),
          price: '70.00',
          quantity: '10',
          fee: '1.40',
          liquidity: 'TAKER',
          at: expect.any(String),
        },
      ]);
      const tradeId = bid.fills[0].tradeId;

      const filledAsk = await waitForOrder(w, seller, ask.id, (o) => o.status === 'FILLED');
      expect(filledAsk.status).toBe('FILLED');
      expect(filledAsk.fills).toEqual([
        { tradeId, price: '70.00', quantity: '10', fee: '0.70', liquidity: 'MAKER', at: expect.any(String) },
      ]);

      // The buyer paid 700.00 + 1.40 out of the hold; the rest of the reservation is released.
      expect(await balance(w, buyer, 'EUR')).toMatchObject({ available: '298.60', pending: '0.00' });
      expect(await balance(w, buyer, 'EUA')).toMatchObject({ available: '0', pendingSettlement: '10' });
      // The seller's proceeds less the maker fee wait for settlement.
      expect(await balance(w, seller, 'EUR')).toMatchObject({ pendingSettlement: '699.30' });
      expect(await balance(w, seller, 'EUA')).toMatchObject({ available: '90', pending: '0' });

      const buyerTrades = await w.as(buyer, '/trades');
      expect(buyerTrades.status, buyerTrades.text).toBe(200);
      expect(buyerTrades.body.items).toEqual([
        {
          id: tradeId,
          orderId: bid.id,
          symbol: 'EUA',
          side: 'BUY',
          price: '70.00',
          quantity: '10',
          fee: '1.40',
          liquidity: 'TAKER',
          at: expect.any(String),
          settlementId: null,
          settlementStatus: 'UNSETTLED',
        },
      ]);
      const sellerTrades = await w.as(seller, `/trades?orderId=${ask.id}`);
      expect(sellerTrades.body.items).toMatchObject([
        { id: tradeId, side: 'SELL', liquidity: 'MAKER', fee: '0.70' },
      ]);
      const staffTrades = await w.as(ops, `/trades?clientId=${seller.id}`);
      expect(staffTrades.body.items).toMatchObject([{ id: tradeId, clientId: seller.id }]);

      const buyerPositions = await w.as(buyer, '/positions');
      expect(buyerPositions.status, buyerPositions.text).toBe(200);
      expect(buyerPositions.body.items).toEqual([
        {
          asset: 'EUA',
          quoteAsset: 'EUR',
          quantity: '10',
          averageCost: '70.14',
          costBasis: '701.40',
          marketPrice: '70.00',
          marketValue: '700.00',
          unrealizedPnl: '-1.40',
          realizedPnl: '0.00',
        },
      ]);
      expect(buyerPositions.body.cash.map((c: { asset: string }) => c.asset)).toEqual(['EUR']);
      // The seller's 100 came in from the registry: an opening lot at the reference price 70.00.
      const sellerPositions = await w.as(seller, '/positions');
      expect(sellerPositions.body.items).toMatchObject([
        { asset: 'EUA', quantity: '90', costBasis: '6300.00', realizedPnl: '-0.70' },
      ]);
      const lots = await w.as(seller, '/positions/EUA/lots');
      expect(lots.body.items).toEqual([
        { openedAt: expect.any(String), tradeId: null, quantity: '100', remaining: '90', price: '70.00' },
      ]);
    });
  });

  it('the same Idempotency-Key or clientOrderId twice is one order; another body under it is 409', async () => {
    const client = await trader(w, { eurMinor: 100_000n });
    await withInstrument('EUA', async () => {
      const body = limit('BUY', '2', '63.50', { clientOrderId: `c-${randomUUID().slice(0, 8)}` });
      const key = randomUUID();
      const first = await place(w, client, body, key);
      expect(first.status, first.text).toBe(201);
      const again = await place(w, client, body, key);
      expect(again.status).toBe(201);
      expect(again.body.id).toBe(first.body.id);
      const otherKey = await place(w, client, body);
      expect(otherKey.status, otherKey.text).toBe(201);
      expect(otherKey.body.id).toBe(first.body.id);
      expectError(await place(w, client, { ...body, quantity: '3' }), 409, 'idempotency_conflict');
      const listed = await w.as(client, `/orders?search=${body.clientOrderId}`);
      expect(listed.body.items.map((o: { id: string }) => o.id)).toEqual([first.body.id]);
      // One reservation: 2 × 63.50 + the larger fee (20 bps, rounded up).
      expect((await balance(w, client, 'EUR')).pending).toBe('127.26');
      await cancelWorking(w, client);
    });
  });
});

describe('pre-trade refusals', () => {
  async function expectRejected(client: Person, body: Record<string, unknown>, code: string) {
    const answer = await place(w, client, body);
    expectError(answer, 422, code);
    const orderId = answer.body.error.details.orderId;
    expect(orderId).toEqual(expect.any(String));
    const order = await w.as(client, `/orders/${orderId}`);
    expect(order.status, order.text).toBe(200);
    expect(order.body).toMatchObject({ status: 'REJECTED', endCode: code, rejectReason: expect.any(String) });
    expect(order.body.timeline.map((e: { to: string }) => e.to)).toEqual(['NEW', 'REJECTED']);
    return order.body;
  }

  it('kyc_required, insufficient_funds, insufficient_position, price_out_of_band, order_too_large, invalid_tick', async () => {
    // Held so no other file halts EUA or CEA meanwhile (a halt is checked before these rules).
    const release = await lockInstruments(['CEA', 'EUA']);
    try {
      const unverified = await trader(w, { eurMinor: 100_000n, kyc: 'PENDING_REVIEW' });
      await expectRejected(unverified, limit('BUY', '1', '70.00'), 'kyc_required');
      const poor = await trader(w, { eurMinor: 5_000n });
      await expectRejected(poor, limit('BUY', '1', '70.00'), 'insufficient_funds');
      await expectRejected(poor, limit('SELL', '1', '70.00'), 'insufficient_position');
      await expectRejected(poor, limit('BUY', '1', '99.00'), 'price_out_of_band');
      await expectRejected(poor, limit('BUY', '100001', '70.00'), 'order_too_large');
      // Nothing was reserved for any of them.
      expect(await balance(w, poor, 'EUR')).toMatchObject({ available: '50.00', pending: '0.00' });
      // Asked again under the same clientOrderId, a refused order answers the same refusal.
      const body = limit('BUY', '1', '70.00', { clientOrderId: 'refused-again' });
      const first = await place(w, poor, body);
      expectError(first, 422, 'insufficient_funds');
      const second = await place(w, poor, body);
      expectError(second, 422, 'insufficient_funds');
      expect(second.body.error.details.orderId).toBe(first.body.error.details.orderId);
      // invalid_tick: CEA's tick is 0.05 EUR, so 11.53 is a well-formed price off the tick (422); a
      // price with more decimals than the quote asset has is malformed and refused at the edge (400).
      await expectRejected(
        poor,
        { symbol: 'CEA', side: 'BUY', type: 'LIMIT', quantity: '1', price: '11.53' },
        'invalid_tick',
      );
      expectError(await place(w, poor, limit('BUY', '1', '70.001')), 400, 'validation_failed');
    } finally {
      await release();
    }
  });

  it('instrument_halted while operations halt it; clients may not halt (403); resume opens it again', async () => {
    const client = await trader(w, { eurMinor: 100_000n });
    await withInstrument('CEA', async () => {
      const refused = await post(w, client, '/ops/instruments/CEA/halt', { reason: 'test' });
      expectError(refused, 403, 'forbidden');
      const halted = await post(w, ops, '/ops/instruments/CEA/halt', { reason: 'Registry outage' });
      expect(halted.status, halted.text).toBe(200);
      expect(halted.body).toMatchObject({ symbol: 'CEA', status: 'HALTED', statusReason: 'Registry outage' });
      expectError(await post(w, ops, '/ops/instruments/CEA/halt', { reason: 'again' }), 409, 'invalid_state');
      try {
        await expectRejected(
          client,
          { symbol: 'CEA', side: 'BUY', type: 'LIMIT', quantity: '1', price: '11.50' },
          'instrument_halted',
        );
      } finally {
        const resumed = await post(w, ops, '/ops/instruments/CEA/resume', { note: 'Registry back' });
        expect(resumed.status, resumed.text).toBe(200);
        expect(resumed.body.status).toBe('OPEN');
      }
      const log = await w.as(auditor, '/audit/log?action=instrument.*');
      expect(log.status, log.text).toBe(200);
      const actions = log.body.items.map((e: { action: string }) => e.action);
      expect(actions).toEqual(expect.arrayContaining(['instrument.halt', 'instrument.resume']));
    });
  });
});

describe('cancel and amend', () => {
  it('amend the quantity and the price, refuse an unaffordable amend (422), cancel, then 409s', async () => {
    const client = await trader(w, { eurMinor: 50_000n });
    const other = await trader(w);
    await withInstrument('EUA', async () => {
      const order = await placed(w, client, limit('BUY', '5', '64.00'));
      expect(order.status).toBe('ROUTED');
      expect((await balance(w, client, 'EUR')).pending).toBe('320.64');

      const smaller = await post(w, client, `/orders/${order.id}/amend`, { quantity: '3' });
      expect(smaller.status, smaller.text).toBe(200);
      expect(smaller.body).toMatchObject({ quantity: '3', price: '64.00', status: 'ROUTED' });
      const repriced = await post(w, client, `/orders/${order.id}/amend`, { price: '64.50' });
      expect(repriced.status, repriced.text).toBe(200);
      expect(repriced.body).toMatchObject({ quantity: '3', price: '64.50' });
      expectError(
        await post(w, client, `/orders/${order.id}/amend`, { quantity: '1000' }),
        422,
        'insufficient_funds',
      );
      expectError(await post(w, client, `/orders/${order.id}/amend`, {}), 400, 'validation_failed');
      expectError(await post(w, other, `/orders/${order.id}/cancel`), 404, 'not_found');

      const cancelled = await post(w, client, `/orders/${order.id}/cancel`);
      expect(cancelled.status, cancelled.text).toBe(200);
      expect(cancelled.body).toMatchObject({ status: 'CANCELLED', allowedActions: [] });
      expect(await balance(w, client, 'EUR')).toMatchObject({ available: '500.00', pending: '0.00' });
      expectError(await post(w, client, `/orders/${order.id}/cancel`), 409, 'invalid_state');
      expectError(
        await post(w, client, `/orders/${order.id}/amend`, { quantity: '1' }),
        409,
        'invalid_state',
      );
    });
  });
});

describe('reading and listing', () => {
  it('owner and staff read an order; another client gets 404; the blotter filters', async () => {
    const client = await trader(w, { eurMinor: 50_000n });
    const other = await trader(w);
    await withInstrument('EUA', async () => {
      const order = await placed(w, client, limit('BUY', '1', '63.00', { clientOrderId: 'blotter-1' }));
      expectError(await w.as(other, `/orders/${order.id}`), 404, 'not_found');
      expectError(await w.as(other, `/orders/${randomUUID()}`), 404, 'not_found');
      const staff = await w.as(ops, `/orders/${order.id}`);
      expect(staff.status, staff.text).toBe(200);
      expect(staff.body.clientId).toBe(client.id);

      const mine = await w.as(client, '/orders?symbol=EUA&side=BUY&status=ROUTED');
      expect(mine.body.items.map((o: { id: string }) => o.id)).toEqual([order.id]);
      expect((await w.as(other, '/orders')).body.items).toEqual([]);
      expect((await w.as(client, '/orders?side=SELL')).body.items).toEqual([]);
      const blotter = await w.as(ops, `/orders?clientId=${client.id}&symbol=EUA`);
      expect(blotter.body.items.map((o: { id: string }) => o.id)).toEqual([order.id]);
      const searched = await w.as(ops, `/orders?search=${order.id}`);
      expect(searched.body.items.map((o: { id: string }) => o.id)).toEqual([order.id]);
      expect((await w.as(ops, `/orders?search=blotter-1&clientId=${client.id}`)).body.items).toHaveLength(1);
      await cancelWorking(w, client);
    });
  });

  it('bad bodies are 400 and create nothing; staff may not place orders (403)', async () => {
    const client = await trader(w, { eurMinor: 50_000n });
    const bad: Record<string, unknown>[] = [
      { symbol: 'EUA', side: 'BUY', type: 'LIMIT', quantity: '1' },
      { symbol: 'EUA', side: 'BUY', type: 'MARKET', quantity: '1', price: '70.00' },
      limit('BUY', '1.5', '70.00'),
      limit('BUY', 'abc', '70.00'),
      limit('BUY', '0', '70.00'),
      limit('BUY', 1, '70.00'),
      limit('BUY', '1', '-70.00'),
      { ...limit('BUY', '1', '70.00'), symbol: 'NOPE' },
      { ...limit('BUY', '1', '70.00'), timeInForce: 'FOREVER' },
      { ...limit('BUY', '1', '70.00'), clientOrderId: 'x'.repeat(65) },
      { ...limit('BUY', '1', '70.00'), side: 'HOLD' },
    ];
    for (const body of bad) expectError(await place(w, client, body), 400, 'validation_failed');
    expectError(await place(w, ops, limit('BUY', '1', '70.00')), 403, 'forbidden');
    expect((await w.as(client, '/orders')).body.items).toEqual([]);
    expect((await balance(w, client, 'EUR')).pending).toBe('0.00');
  });
});

describe('concurrency', () => {
  it('50 concurrent BUY orders against cash for exactly 7: 7 accepted, 43 insufficient_funds, never below zero', async () => {
    // One order: 1 × 64.00 + 20 bps (0.128 → 0.13) = 64.13 reserved; 7 of them and 50 cents more.
    const K = 7;
    const client = await trader(w, { eurMinor: BigInt(K) * 6_413n + 50n });
    await withInstrument('EUA', async () => {
      // place() retries a transient answer (503 under load) with the same key: the same order.
      const placeOne = () => place(w, client, limit('BUY', '1', '64.00'));
      const answers = await Promise.all(Array.from({ length: 50 }, placeOne));
      const statuses = answers.map((a) => a.status);
      expect(statuses.filter((s) => s === 201)).toHaveLength(K);
      expect(statuses.filter((s) => s === 422)).toHaveLength(50 - K);
      for (const a of answers.filter((x) => x.status === 422))
        expect(a.body.error.code).toBe('insufficient_funds');
      const eur = await balance(w, client, 'EUR');
      expect(eur).toMatchObject({ available: '0.50', pending: '448.91' });
      await cancelWorking(w, client);
      expect(await balance(w, client, 'EUR')).toMatchObject({ available: '449.41', pending: '0.00' });
    });
  });
});
