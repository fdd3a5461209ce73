import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Instrument } from '../../domain/instruments.js';
import { feeFor, reserveAmount } from '../../domain/order.js';
import type { Db } from '../ledger/index.js';
import { ledgerErrorOf, testPool } from '../ledger/test-support.js';
import {
  amendOrder,
  bookDepth,
  cancelOrder,
  candles,
  instrumentState,
  recentTrades,
  setInstrumentStatus,
  submitOrder,
  venueOrder,
} from './index.js';
import {
  FEES,
  balancesOf,
  expectHoldsMatchBook,
  expectLedgerBalanced,
  newClient,
  placeOrder,
  reserveOrder,
  testInstrument,
} from './test-support.js';

let db: Db;
let eua: Instrument;
let clients: string[];

beforeAll(() => {
  db = testPool(6);
});

afterAll(async () => {
  await db.end();
});

afterEach(async () => {
  await expectLedgerBalanced(db);
  if (eua) await expectHoldsMatchBook(db, eua, clients);
});

async function setUp(count: number, cash = 10_000_000n, units = 1_000n): Promise<string[]> {
  eua = await testInstrument(db, 'EUA');
  clients = [];
  for (let i = 0; i < count; i += 1) clients.push(await newClient(db, eua, cash, units));
  return clients;
}

/**
 * What the entries of these orders' workflows booked to fee revenue. Not the account's change over
 * the test: other files trade beside this one and post their fees to the same shared account.
 */
async function feesRevenueOf(workflowIds: readonly string[]): Promise<bigint> {
  const { rows } = await db.query<{ net: string }>(
    `SELECT coalesce(sum(l.credit - l.debit), 0)::text AS net
       FROM journal_line l
       JOIN journal_entry e ON e.id = l.entry_id
       JOIN ledger_account a ON a.id = l.account_id
      WHERE a.code = 'fees:revenue:EUR' AND e.workflow_id = ANY($1)`,
    [workflowIds],
  );
  return BigInt(rows[0]!.net);
}

describe('a cross between two clients', () => {
  it('posts both sides into and out of pending_settlement, fees to revenue, and releases the over-reservation', async () => {
    const [seller, buyer] = await setUp(2);
    const ask = await placeOrder(db, eua, { clientId: seller!, side: 'SELL', quantity: 10n, price: 7000n });
    expect(ask.result).toMatchObject({ status: 'RESTING', outcome: 'REST', filled: 0n, remaining: 10n });
    expect(await balancesOf(db, seller!, 'EUA')).toEqual({
      available: 990n,
      pending: 10n,
      pendingSettlement: 0n,
    });

    const bid = await placeOrder(db, eua, { clientId: buyer!, side: 'BUY', quantity: 10n, price: 7100n });
    const cash = 70_000n;
    const buyFee = feeFor(cash, FEES.takerFeeBps);
    const sellFee = feeFor(cash, FEES.makerFeeBps);
    expect(buyFee).toBe(140n);
    expect(sellFee).toBe(70n);
    expect(bid.result).toMatchObject({
      status: 'DONE',
      outcome: 'FILLED',
      filled: 10n,
      remaining: 0n,
      holdEntryId: null,
      reserved: 0n,
    });
    expect(bid.result.fills).toHaveLength(1);
    expect(bid.result.fills[0]).toMatchObject({
      orderId: bid.orderId,
      workflowId: bid.workflowId,
      side: 'BUY',
      price: 7000n,
      quantity: 10n,
      fee: buyFee,
      liquidity: 'TAKER',
      orderFilled: 10n,
      orderRemaining: 0n,
      orderDone: true,
    });
    expect(bid.result.counterFills).toEqual([
      expect.objectContaining({
        orderId: ask.orderId,
        workflowId: ask.workflowId,
        clientId: seller,
        side: 'SELL',
        fee: sellFee,
        liquidity: 'MAKER',
        orderDone: true,
        tradeId: bid.result.fills[0]!.tradeId,
      }),
    ]);
    // Buyer: paid notional + fee out of available (the reservation at 7100 is released), owed 10 EUA.
    expect(await balancesOf(db, buyer!, 'EUR')).toEqual({
      available: 10_000_000n - cash - buyFee,
      pending: 0n,
      pendingSettlement: 0n,
    });
    expect(await balancesOf(db, buyer!, 'EUA')).toEqual({
      available: 1000n,
      pending: 0n,
      pendingSettlement: 10n,
    });
    // Seller: 10 EUA gone, proceeds net of the fee pending settlement.
    expect(await balancesOf(db, seller!, 'EUA')).toEqual({
      available: 990n,
      pending: 0n,
      pendingSettlement: 0n,
    });
    expect(await balancesOf(db, seller!, 'EUR')).toEqual({
      available: 10_000_000n,
      pending: 0n,
      pendingSettlement: cash - sellFee,
    });
    expect(await feesRevenueOf([ask.workflowId, bid.workflowId])).toBe(buyFee + sellFee);

    const state = await instrumentState(db, eua.symbol);
    expect(state).toMatchObject({ status: 'OPEN', lastPrice: 7000n, referencePrice: 7000n });
    const trades = await recentTrades(db, eua.symbol, 10);
    expect(trades).toEqual([
      expect.objectContaining({ price: 7000n, quantity: 10n, aggressorSide: 'BUY', seq: 1n }),
    ]);
    const day = await candles(
      db,
      eua.symbol,
      '1d',
      new Date(Date.now() - 86_400_000),
      new Date(Date.now() + 60_000),
    );
    expect(day).toEqual([
      expect.objectContaining({ open: 7000n, high: 7000n, low: 7000n, close: 7000n, volume: 10n }),
    ]);
    expect((await venueOrder(db, ask.orderId))?.status).toBe('DONE');
  });
});

describe('partial fills', () => {
  it('walks several resting orders in price-time order and re-reserves each remainder', async () => {
    const [a, b, c, buyer] = await setUp(4);
    const asks = [
      await placeOrder(db, eua, { clientId: a!, side: 'SELL', quantity: 5n, price: 7020n }),
      await placeOrder(db, eua, { clientId: b!, side: 'SELL', quantity: 5n, price: 7000n }),
      await placeOrder(db, eua, { clientId: c!, side: 'SELL', quantity: 5n, price: 7010n }),
    ];
    const depth = await bookDepth(db, eua.symbol, 10);
    expect(depth?.asks.map((level) => level.price)).toEqual([7000n, 7010n, 7020n]);

    const bid = await placeOrder(db, eua, { clientId: buyer!, side: 'BUY', quantity: 12n, price: 7020n });
    expect(bid.result.fills.map((f) => [f.price, f.quantity, f.orderRemaining])).toEqual([
      [7000n, 5n, 7n],
      [7010n, 5n, 2n],
      [7020n, 2n, 0n],
    ]);
    expect(bid.result.counterFills.map((f) => f.orderId)).toEqual([
      asks[1]!.orderId,
      asks[2]!.orderId,
      asks[0]!.orderId,
    ]);
    const left = await venueOrder(db, asks[0]!.orderId);
    expect(left).toMatchObject({ status: 'RESTING', filled: 2n, remaining: 3n, reserved: 3n });
    expect(await balancesOf(db, a!, 'EUA')).toMatchObject({ available: 995n, pending: 3n });

    // A bid larger than what is left rests its remainder with a fresh reservation for it.
    const second = await placeOrder(db, eua, { clientId: buyer!, side: 'BUY', quantity: 5n, price: 7020n });
    expect(second.result).toMatchObject({ status: 'RESTING', outcome: 'REST', filled: 3n, remaining: 2n });
    const remainder = reserveAmount({
      side: 'BUY',
      type: 'LIMIT',
      quantity: 2n,
      limitPrice: 7020n,
      protectionPrice: null,
      ...FEES,
    });
    expect(second.result.reserved).toBe(remainder);
    expect((await balancesOf(db, buyer!, 'EUR')).pending).toBe(remainder);
    expect((await venueOrder(db, asks[0]!.orderId))?.status).toBe('DONE');
  });
});

describe('orders that do not rest', () => {
  it('IOC fills what it can and releases the rest', async () => {
    const [seller, buyer] = await setUp(2);
    await placeOrder(db, eua, { clientId: seller!, side: 'SELL', quantity: 4n, price: 7000n });
    const ioc = await placeOrder(db, eua, {
      clientId: buyer!,
      side: 'BUY',
      quantity: 10n,
      price: 7000n,
      timeInForce: 'IOC',
    });
    expect(ioc.result).toMatchObject({
      status: 'DONE',
      outcome: 'CANCEL_REMAINDER',
      filled: 4n,
      remaining: 6n,
      holdEntryId: null,
    });
    expect(ioc.result.cancelReason).not.toBeNull();
    expect(await balancesOf(db, buyer!, 'EUR')).toMatchObject({
      available: 10_000_000n - 28_000n - feeFor(28_000n, 20),
      pending: 0n,
    });
  });

  it('FOK kills an order the book cannot fill whole: nothing trades, the reservation is released', async () => {
    const [seller, buyer] = await setUp(2);
    const ask = await placeOrder(db, eua, { clientId: seller!, side: 'SELL', quantity: 4n, price: 7000n });
    const fok = await placeOrder(db, eua, {
      clientId: buyer!,
      side: 'BUY',
      quantity: 10n,
      price: 7000n,
      timeInForce: 'FOK',
    });
    expect(fok.result).toMatchObject({
      status: 'DONE',
      outcome: 'FOK_KILLED',
      filled: 0n,
      fills: [],
      counterFills: [],
    });
    expect(await balancesOf(db, buyer!, 'EUR')).toMatchObject({ available: 10_000_000n, pending: 0n });
    expect((await venueOrder(db, ask.orderId))?.remaining).toBe(4n);
  });

  it('MARKET sweeps up to its protection price and releases the rest', async () => {
    const [a, b, buyer] = await setUp(3);
    await placeOrder(db, eua, { clientId: a!, side: 'SELL', quantity: 3n, price: 7000n });
    await placeOrder(db, eua, { clientId: b!, side: 'SELL', quantity: 3n, price: 7800n });
    const market = await placeOrder(db, eua, {
      clientId: buyer!,
      side: 'BUY',
      type: 'MARKET',
      quantity: 5n,
      protectionPrice: 7700n,
    });
    expect(market.result).toMatchObject({ status: 'DONE', outcome: 'CANCEL_REMAINDER', filled: 3n });
    expect((await balancesOf(db, buyer!, 'EUR')).pending).toBe(0n);
  });

  it('self-trade prevention cancels the incoming remainder and leaves the own resting order', async () => {
    const [client, other] = await setUp(2);
    await placeOrder(db, eua, { clientId: other!, side: 'SELL', quantity: 2n, price: 6990n });
    const own = await placeOrder(db, eua, { clientId: client!, side: 'SELL', quantity: 5n, price: 7000n });
    const bid = await placeOrder(db, eua, { clientId: client!, side: 'BUY', quantity: 5n, price: 7000n });
    expect(bid.result).toMatchObject({ status: 'DONE', outcome: 'SELF_TRADE_CANCELLED', filled: 2n });
    expect(await venueOrder(db, own.orderId)).toMatchObject({ status: 'RESTING', remaining: 5n });
    expect((await balancesOf(db, client!, 'EUR')).pending).toBe(0n);
  });

  it('a halted instrument trades nothing and releases the reservation', async () => {
    const [seller, buyer] = await setUp(2);
    await placeOrder(db, eua, { clientId: seller!, side: 'SELL', quantity: 2n, price: 7000n });
    await setInstrumentStatus(db, eua.symbol, 'HALTED', 'test halt');
    const bid = await placeOrder(db, eua, { clientId: buyer!, side: 'BUY', quantity: 2n, price: 7000n });
    expect(bid.result).toMatchObject({ status: 'DONE', filled: 0n, cancelReason: 'instrument_halted' });
    expect((await balancesOf(db, buyer!, 'EUR')).pending).toBe(0n);
    await setInstrumentStatus(db, eua.symbol, 'OPEN', null);
  });
});

describe('repeats', () => {
  it('a second submit answers the same result and trades nothing more', async () => {
    const [seller, buyer] = await setUp(2);
    await placeOrder(db, eua, { clientId: seller!, side: 'SELL', quantity: 10n, price: 7000n });
    const bid = await placeOrder(db, eua, { clientId: buyer!, side: 'BUY', quantity: 4n, price: 7000n });
    const again = await submitOrder(db, bid.input);
    expect(again).toEqual(bid.result);
    expect(await recentTrades(db, eua.symbol, 10)).toHaveLength(1);
  });

  it('a submit without its reservation is refused as a bug, not ignored', async () => {
    const [buyer] = await setUp(1);
    const reserved = await reserveOrder(db, eua, {
      clientId: buyer!,
      side: 'BUY',
      quantity: 4n,
      price: 7000n,
    });
    await expect(
      submitOrder(db, { ...reserved.input, reserved: reserved.input.reserved + 1n }),
    ).rejects.toThrow();
    await cancelOrder(db, { orderId: (await submitOrder(db, reserved.input)).orderId, reason: 'cleanup' });
  });

  it('cancel releases the reservation once; a second cancel answers the same', async () => {
    const [buyer] = await setUp(1);
    const bid = await placeOrder(db, eua, { clientId: buyer!, side: 'BUY', quantity: 4n, price: 7000n });
    expect((await balancesOf(db, buyer!, 'EUR')).pending).toBe(bid.input.reserved);
    const cancelled = await cancelOrder(db, { orderId: bid.orderId, reason: 'client' });
    expect(cancelled).toMatchObject({
      status: 'DONE',
      cancelReason: 'client',
      holdEntryId: null,
      reserved: 0n,
    });
    expect(await cancelOrder(db, { orderId: bid.orderId, reason: 'client' })).toEqual(cancelled);
    expect(await balancesOf(db, buyer!, 'EUR')).toMatchObject({ available: 10_000_000n, pending: 0n });
    expect((await bookDepth(db, eua.symbol, 5))?.bids).toEqual([]);
  });
});

describe('amend', () => {
  it('a lower quantity keeps time priority and shrinks the reservation', async () => {
    const [a, b, buyer] = await setUp(3);
    const first = await placeOrder(db, eua, { clientId: a!, side: 'SELL', quantity: 10n, price: 7000n });
    await placeOrder(db, eua, { clientId: b!, side: 'SELL', quantity: 10n, price: 7000n });
    const amended = await amendOrder(db, { orderId: first.orderId, quantity: 6n });
    expect(amended).toMatchObject({ status: 'RESTING', remaining: 6n, reserved: 6n });
    expect(await balancesOf(db, a!, 'EUA')).toMatchObject({ available: 994n, pending: 6n });
    expect(await amendOrder(db, { orderId: first.orderId, quantity: 6n })).toEqual(amended);
    const bid = await placeOrder(db, eua, { clientId: buyer!, side: 'BUY', quantity: 3n, price: 7000n });
    expect(bid.result.counterFills.map((f) => f.orderId)).toEqual([first.orderId]);
  });

  it('a new price loses time priority', async () => {
    const [a, b, buyer] = await setUp(3);
    const first = await placeOrder(db, eua, { clientId: a!, side: 'SELL', quantity: 10n, price: 7000n });
    const second = await placeOrder(db, eua, { clientId: b!, side: 'SELL', quantity: 10n, price: 7000n });
    await amendOrder(db, { orderId: first.orderId, limitPrice: 7001n });
    await amendOrder(db, { orderId: first.orderId, limitPrice: 7000n });
    const bid = await placeOrder(db, eua, { clientId: buyer!, side: 'BUY', quantity: 3n, price: 7000n });
    expect(bid.result.counterFills.map((f) => f.orderId)).toEqual([second.orderId]);
  });

  it('a new price that crosses trades as an incoming order', async () => {
    const [seller, buyer] = await setUp(2);
    const ask = await placeOrder(db, eua, { clientId: seller!, side: 'SELL', quantity: 5n, price: 7050n });
    const bid = await placeOrder(db, eua, { clientId: buyer!, side: 'BUY', quantity: 8n, price: 7000n });
    const amended = await amendOrder(db, { orderId: bid.orderId, limitPrice: 7060n });
    expect(amended).toMatchObject({ status: 'RESTING', filled: 5n, remaining: 3n });
    if ('refused' in amended) throw new Error('refused');
    expect(amended.fills).toEqual([expect.objectContaining({ price: 7050n, liquidity: 'TAKER' })]);
    expect(amended.counterFills).toEqual([
      expect.objectContaining({ orderId: ask.orderId, orderDone: true }),
    ]);
    const rest = reserveAmount({
      side: 'BUY',
      type: 'LIMIT',
      quantity: 3n,
      limitPrice: 7060n,
      protectionPrice: null,
      ...FEES,
    });
    expect(amended.reserved).toBe(rest);
  });

  it('a higher BUY price the cash does not cover is refused and changes nothing', async () => {
    const [buyer] = await setUp(1, 100_000n, 0n);
    const bid = await placeOrder(db, eua, { clientId: buyer!, side: 'BUY', quantity: 10n, price: 7000n });
    const before = await balancesOf(db, buyer!, 'EUR');
    const refused = await amendOrder(db, { orderId: bid.orderId, limitPrice: 9990n });
    expect(refused).toMatchObject({ refused: { code: 'insufficient_funds' } });
    expect(await balancesOf(db, buyer!, 'EUR')).toEqual(before);
    expect(await venueOrder(db, bid.orderId)).toMatchObject({
      status: 'RESTING',
      reserved: bid.input.reserved,
    });
  });
});

describe('certificates', () => {
  it('a client can never sell certificates they do not hold: the reservation refuses', async () => {
    const [seller] = await setUp(1, 0n, 5n);
    await ledgerErrorOf(
      reserveOrder(db, eua, { clientId: seller!, side: 'SELL', quantity: 6n, price: 7000n }),
      'insufficient_funds',
    );
    expect(await balancesOf(db, seller!, 'EUA')).toMatchObject({ available: 5n, pending: 0n });
  });
});
