// POST /orders/bulk through HTTP (real server, worker, Temporal, PostgreSQL): all accepted or none.
// "None" is checked where it matters: no order, no workflow and no hold exists after a 422, even
// when the refusal is the batch's last order or only the batch as a whole is too big for the
// client's cash. Trading scenarios hold the EUA lock and leave nothing resting.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureSystemAccounts } from '../../db/ledger/index.js';
import { ensureInstruments } from '../../db/venue/index.js';
import { closeMarketNotifications } from '../../api/services/market.js';
import { expectBooksBalanced, expectError, startApiWorld, type ApiWorld, type Person } from './helpers.js';
import { balance, cancelWorking, trader } from './trading-support.js';
import { lockInstruments } from '../support/instrument-lock.js';
import { randomUUID } from 'node:crypto';
import { retryTransient } from '../support/transient.js';

let w: ApiWorld;
let admin: Person;
let auditor: Person;

let releaseInstruments: () => Promise<void>;

// The prices below sit in the band around EUA's catalogue reference (70.00). EUA's book and last
// price are shared with other test files, so this file holds EUA for its whole run and starts each
// test from a known market: open, no last trade (the reference is the catalogue's again).
beforeAll(async () => {
  releaseInstruments = await lockInstruments(['EUA']);
  w = await startApiWorld();
  [admin, auditor] = await Promise.all([w.person('admin'), w.person('auditor')]);
  await ensureSystemAccounts(w.app.pool);
  await ensureInstruments(w.app.pool);
});

beforeEach(async () => {
  await w.app.pool.query(
    `UPDATE instrument SET status = 'OPEN', status_reason = NULL, last_price = NULL WHERE symbol = 'EUA'`,
  );
});

afterAll(async () => {
  await closeMarketNotifications();
  await w?.stop();
  await releaseInstruments?.();
});

/** The file holds EUA already (beforeAll): a scenario runs as it is. */
const withInstrument = async <T>(_symbol: string, work: () => Promise<T>): Promise<T> => work();

afterEach(async () => {
  await expectBooksBalanced(w, auditor);
});

const bid = (quantity: string, price: string, extra: Record<string, unknown> = {}) => ({
  symbol: 'EUA',
  side: 'BUY',
  type: 'LIMIT',
  quantity,
  price,
  ...extra,
});
const ask = (quantity: string, price: string) => ({ ...bid(quantity, price), side: 'SELL' });

/** POST /orders/bulk, again with the same key while the answer is transient (tests/support/transient.ts). */
function bulk(person: Person, orders: unknown[], key = randomUUID()) {
  return retryTransient(() =>
    w.as(person, '/orders/bulk', { method: 'POST', json: { orders }, idempotencyKey: key }),
  );
}

async function ordersOf(person: Person) {
  const list = await w.as(person, '/orders?limit=200');
  expect(list.status, list.text).toBe(200);
  return list.body.items as { id: string; status: string }[];
}

/** What the client's cash has on hold (pending), as a decimal string. */
async function heldEur(person: Person): Promise<string> {
  return (await balance(w, person, 'EUR')).pending;
}

describe('POST /orders/bulk', () => {
  it('places every order in the order given (201) and each holds its reservation', async () => {
    const maker = await trader(w, { eurMinor: 1_000_000n, certificates: { EUA: 100n } });
    await withInstrument('EUA', async () => {
      const answer = await bulk(maker, [
        bid('5', '65.00', { clientOrderId: 'b-1' }),
        bid('5', '64.50'),
        ask('7', '75.00'),
      ]);
      expect(answer.status, answer.text).toBe(201);
      expect(answer.body.items.map((o: { side: string; status: string }) => [o.side, o.status])).toEqual([
        ['BUY', 'ROUTED'],
        ['BUY', 'ROUTED'],
        ['SELL', 'ROUTED'],
      ]);
      expect(answer.body.items[0]).toMatchObject({ clientOrderId: 'b-1', price: '65.00', quantity: '5' });
      expect((await balance(w, maker, 'EUA')).available).toBe('93');
      // The same key again is the same answer, not three more orders.
      const ids = answer.body.items.map((o: { id: string }) => o.id);
      expect((await ordersOf(maker)).length).toBe(3);
      await cancelWorking(w, maker);
      expect(ids).toHaveLength(3);
    });
  });

  it('refuses all when one order breaks a rule: 422 with its index, no order, no hold', async () => {
    const maker = await trader(w, { eurMinor: 1_000_000n, certificates: { EUA: 100n } });
    const answer = await bulk(maker, [bid('5', '65.00'), bid('5', '64.50'), bid('5', '10.00')]);
    expectError(answer, 422, 'price_out_of_band');
    expect(answer.body.error.details.index).toBe(2);
    expect(await ordersOf(maker)).toEqual([]);
    expect(await heldEur(maker)).toBe('0.00');
    expect((await balance(w, maker, 'EUR')).available).toBe('10000.00');
  });

  it('refuses all when only the batch together needs more than the client has', async () => {
    // 10 000.00 EUR: each order alone fits (about 6 500 with fees), two do not.
    const maker = await trader(w, { eurMinor: 1_000_000n });
    const answer = await bulk(maker, [bid('100', '65.00'), bid('100', '65.00')]);
    expectError(answer, 422, 'insufficient_funds');
    expect(answer.body.error.details.index).toBe(1);
    expect(await ordersOf(maker)).toEqual([]);
    expect(await heldEur(maker)).toBe('0.00');
  });

  it('two racing batches for the same cash: one is placed whole, the other refused whole', async () => {
    const maker = await trader(w, { eurMinor: 1_000_000n });
    await withInstrument('EUA', async () => {
      const [a, b] = await Promise.all([
        bulk(maker, [bid('50', '64.00'), bid('50', '64.00')]),
        bulk(maker, [bid('50', '63.00'), bid('50', '63.00')]),
      ]);
      const statuses = [a.status, b.status].sort();
      expect(statuses, `${a.text}\n${b.text}`).toEqual([201, 422]);
      const orders = await ordersOf(maker);
      expect(orders).toHaveLength(2);
      await cancelWorking(w, maker);
    });
  });

  it('checks the body first: LIMIT only, at most 100, repeated clientOrderIds, per-order paths', async () => {
    const maker = await trader(w, { eurMinor: 100_000n });
    expectError(await bulk(maker, []), 400, 'validation_failed');
    expectError(
      await bulk(
        maker,
        Array.from({ length: 101 }, () => bid('1', '65.00')),
      ),
      400,
      'validation_failed',
    );
    const market = await bulk(maker, [
      bid('1', '65.00'),
      { symbol: 'EUA', side: 'BUY', type: 'MARKET', quantity: '1' },
    ]);
    expectError(market, 400, 'validation_failed');
    expect(market.body.error.details.issues[0].path).toBe('orders.1.type');
    const twice = await bulk(maker, [
      bid('1', '65.00', { clientOrderId: 'x' }),
      bid('1', '64.00', { clientOrderId: 'x' }),
    ]);
    expectError(twice, 400, 'validation_failed');
    expectError(await bulk(admin, [bid('1', '65.00')]), 403, 'forbidden');
    expect(await ordersOf(maker)).toEqual([]);
  });

  it('an API key with orders:write places a batch as its owner; without it 403', async () => {
    const maker = await trader(w, { eurMinor: 1_000_000n });
    const issue = async (scopes: string[]) => {
      const answer = await w.as(admin, '/admin/api-keys', {
        method: 'POST',
        json: { ownerId: maker.id, name: 'bulk bot', scopes },
      });
      expect(answer.status, answer.text).toBe(201);
      return answer.body.key as string;
    };
    const writer = await issue(['orders:write']);
    const reader = await issue(['orders:read']);
    const send = (key: string) =>
      w.app.api('/api/v1/orders/bulk', {
        method: 'POST',
        headers: { 'x-api-key': key },
        idempotencyKey: randomUUID(),
        json: { orders: [bid('2', '65.00'), bid('2', '64.00')] },
      });
    expectError(await send(reader), 403, 'forbidden');
    await withInstrument('EUA', async () => {
      const answer = await send(writer);
      expect(answer.status, answer.text).toBe(201);
      expect(answer.body.items).toHaveLength(2);
      await cancelWorking(w, maker);
    });
  });
});
