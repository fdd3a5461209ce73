import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { closePool, getPool } from '../db/pool.js';
import {
  BrokerUnavailableError,
  PaperBroker,
  paperBrokerOptionsFromEnv,
  type BrokerOrder,
} from './broker-adapter.js';

// The simulated broker against the real PostgreSQL table: at most one order per id, executions
// that add up to the order and are the same every time they are asked for, rejects and outages.
const pool = getPool();
afterAll(() => closePool());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const orderOf = (o: Partial<BrokerOrder> = {}): BrokerOrder => ({
  brokerOrderId: `order-${randomUUID()}/broker`,
  symbol: 'KRBN',
  side: 'BUY',
  type: 'LIMIT',
  quantity: 10n,
  limitPrice: 3010n,
  ...o,
});

describe('PaperBroker', () => {
  it('places an order once and reports executions that add up to it, the same every time', async () => {
    const broker = new PaperBroker(pool, { latencyMs: 20, partialFills: true });
    const order = orderOf();
    expect(await broker.placeOrder(order)).toEqual({ accepted: true });
    expect(await broker.placeOrder({ ...order, quantity: 99n })).toEqual({ accepted: true });
    const rows = await pool.query(`SELECT quantity FROM paper_broker_order WHERE broker_order_id = $1`, [
      order.brokerOrderId,
    ]);
    expect(rows.rows).toEqual([{ quantity: '10' }]);
    await sleep(100);
    const all = await broker.executions(order.brokerOrderId, 0);
    expect(all.length).toBeGreaterThanOrEqual(1);
    expect(all.length).toBeLessThanOrEqual(3);
    expect(all.reduce((sum, e) => sum + e.quantity, 0n)).toBe(10n);
    expect(all.every((e) => e.price === 3010n)).toBe(true);
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
    expect(await broker.executions(order.brokerOrderId, 0)).toEqual(all);
    expect(await broker.executions(order.brokerOrderId, all.at(-1)!.seq)).toEqual([]);
  });

  it('a MARKET order fills at the reference price; without partial fills in one execution', async () => {
    const broker = new PaperBroker(pool, { latencyMs: 10, partialFills: false });
    const order = orderOf({ type: 'MARKET', limitPrice: null, quantity: 7n });
    await broker.placeOrder(order);
    await sleep(50);
    expect(await broker.executions(order.brokerOrderId, 0)).toMatchObject([
      { seq: 1, quantity: 7n, price: 3000n },
    ]);
  });

  it('cancel stops what has not executed yet', async () => {
    const broker = new PaperBroker(pool, { latencyMs: 60_000 });
    const order = orderOf();
    await broker.placeOrder(order);
    await broker.cancel(order.brokerOrderId);
    await broker.cancel(order.brokerOrderId);
    expect(await broker.executions(order.brokerOrderId, 0)).toEqual([]);
  });

  it('refuses by symbol or rate (the same answer on a retry) and is down when told so', async () => {
    const bySymbol = new PaperBroker(pool, { rejectSymbols: ['KRBN'] });
    const refused = orderOf();
    expect(await bySymbol.placeOrder(refused)).toMatchObject({ accepted: false });
    // The stored answer wins, whatever the broker is told later.
    expect(await new PaperBroker(pool).placeOrder(refused)).toMatchObject({ accepted: false });
    expect(await new PaperBroker(pool, { rejectRate: 1 }).placeOrder(orderOf())).toMatchObject({
      accepted: false,
    });
    expect(await new PaperBroker(pool, { rejectRate: 0 }).placeOrder(orderOf())).toEqual({ accepted: true });

    const down = new PaperBroker(pool, { outage: true });
    await expect(down.placeOrder(orderOf())).rejects.toBeInstanceOf(BrokerUnavailableError);
    const flaky = new PaperBroker(pool);
    const order = orderOf();
    flaky.injectOutage(order.brokerOrderId, 1);
    await expect(flaky.placeOrder(order)).rejects.toBeInstanceOf(BrokerUnavailableError);
    expect(await flaky.placeOrder(order)).toEqual({ accepted: true });
  });

  it('reads its options from PAPER_BROKER_JSON', () => {
    expect(paperBrokerOptionsFromEnv({})).toEqual({});
    expect(paperBrokerOptionsFromEnv({ PAPER_BROKER_JSON: '{"latencyMs":5,"rejectRate":0.1}' })).toEqual({
      latencyMs: 5,
      rejectRate: 0.1,
    });
    expect(() => paperBrokerOptionsFromEnv({ PAPER_BROKER_JSON: '[1]' })).toThrow();
  });
});
