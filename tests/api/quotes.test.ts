// PUT /quotes/:symbol through HTTP: a two-sided quote with an API key replaces the previous pair;
// two racing PUTs leave exactly one pair working, the last one's. Holds the EUA lock, leaves nothing
// resting.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApiInit } from '../../api/testing.js';
import { closeMarketNotifications } from '../../api/services/market.js';
import { ensureSystemAccounts } from '../../db/ledger/index.js';
import { ensureInstruments } from '../../db/venue/index.js';
import { expectBooksBalanced, expectError, startApiWorld, type ApiWorld, type Person } from './helpers.js';
import { balance, cancelWorking, trader, withInstrument } from './trading-support.js';

let w: ApiWorld;
let admin: Person;
let auditor: Person;

beforeAll(async () => {
  w = await startApiWorld();
  [admin, auditor] = await Promise.all([w.person('admin'), w.person('auditor')]);
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

async function keyFor(owner: Person, scopes = ['orders:read', 'orders:write', 'market:read']) {
  const answer = await w.as(admin, '/admin/api-keys', {
    method: 'POST',
    json: { ownerId: owner.id, name: 'quoter', scopes },
  });
  expect(answer.status, answer.text).toBe(201);
  return answer.body.key as string;
}

function withKey(key: string, path: string, init: ApiInit = {}) {
  const headers = new Headers(init.headers);
  headers.set('x-api-key', key);
  return w.app.api(`/api/v1${path}`, { ...init, headers });
}

const quote = (bid: string, ask: string, quantity = '5') => ({
  bid: { price: bid, quantity },
  ask: { price: ask, quantity },
});

function put(key: string, body: unknown, symbol = 'EUA') {
  return withKey(key, `/quotes/${symbol}`, { method: 'PUT', json: body });
}

async function working(key: string): Promise<{ id: string; side: string; price: string }[]> {
  const list = await withKey(key, '/orders?symbol=EUA&limit=200');
  expect(list.status, list.text).toBe(200);
  return list.body.items.filter(
    (o: { status: string }) => o.status === 'ROUTED' || o.status === 'PARTIALLY_FILLED',
  );
}

/** Server-sent events of `path` read with an API key; `until` returns the first event it accepts. */
async function openWithKey(key: string, path: string) {
  const controller = new AbortController();
  const response = await fetch(`${w.app.url}/api/v1${path}`, {
    headers: { 'x-api-key': key, accept: 'text/event-stream' },
    signal: controller.signal,
  });
  expect(response.status).toBe(200);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return {
    async until(accept: (event: string, data: any) => boolean, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const lines = buffer.slice(0, end).split('\n');
          buffer = buffer.slice(end + 2);
          const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
          const data = lines.find((l) => l.startsWith('data: '))?.slice(6);
          if (event && data && accept(event, JSON.parse(data))) return JSON.parse(data);
          continue;
        }
        const chunk = await reader.read();
        if (chunk.done) break;
        buffer += decoder.decode(chunk.value, { stream: true });
      }
      throw new Error('no such event in time');
    },
    close: () => controller.abort(),
  };
}

describe('PUT /quotes/:symbol', () => {
  it('places a pair, then a second PUT cancels it and places the new one', async () => {
    const maker = await trader(w, { eurMinor: 1_000_000n, certificates: { EUA: 100n } });
    const key = await keyFor(maker);
    await withInstrument('EUA', async () => {
      const first = await put(key, quote('65.00', '75.00'));
      expect(first.status, first.text).toBe(200);
      expect(first.body).toMatchObject({
        symbol: 'EUA',
        bid: { side: 'BUY', price: '65.00', quantity: '5', status: 'ROUTED' },
        ask: { side: 'SELL', price: '75.00', quantity: '5', status: 'ROUTED' },
        replaced: [],
      });

      const second = await put(key, quote('66.00', '74.00', '3'));
      expect(second.status, second.text).toBe(200);
      expect(second.body.replaced.sort()).toEqual([first.body.bid.id, first.body.ask.id].sort());
      const old = await withKey(key, `/orders/${first.body.bid.id}`);
      expect(old.body.status).toBe('CANCELLED');
      const live = await working(key);
      expect(live.map((o) => o.id).sort()).toEqual([second.body.bid.id, second.body.ask.id].sort());
      // Only the new pair's certificates are held.
      expect((await balance(w, maker, 'EUA')).available).toBe('97');
      await cancelWorking(w, maker);
    });
  });

  it('two racing PUTs: both answer, exactly one pair stays working — the one placed last', async () => {
    const maker = await trader(w, { eurMinor: 1_000_000n, certificates: { EUA: 100n } });
    const key = await keyFor(maker);
    await withInstrument('EUA', async () => {
      const [a, b] = await Promise.all([
        put(key, quote('65.00', '75.00')),
        put(key, quote('64.00', '76.00')),
      ]);
      expect(a.status, a.text).toBe(200);
      expect(b.status, b.text).toBe(200);
      // The one that ran second replaced the other's pair.
      const [earlier, later] = a.body.replaced.length === 0 ? [a.body, b.body] : [b.body, a.body];
      expect(earlier.replaced).toEqual([]);
      expect(later.replaced.sort()).toEqual([earlier.bid.id, earlier.ask.id].sort());
      const live = await working(key);
      expect(live.map((o) => o.id).sort()).toEqual([later.bid.id, later.ask.id].sort());
      expect((await balance(w, maker, 'EUA')).available).toBe('95');
      await cancelWorking(w, maker);
    });
  });

  it('a pair the client cannot afford is refused whole: 422, the old pair gone, nothing new', async () => {
    const maker = await trader(w, { eurMinor: 100_000n, certificates: { EUA: 100n } });
    const key = await keyFor(maker);
    await withInstrument('EUA', async () => {
      const first = await put(key, quote('65.00', '75.00', '1'));
      expect(first.status, first.text).toBe(200);
      // 1 000.00 EUR cannot buy 50 at 65.00; the ask alone would fit, but a quote is both or neither.
      const refused = await put(key, quote('65.00', '75.00', '50'));
      expectError(refused, 422, 'insufficient_funds');
      expect(await working(key)).toEqual([]);
      expect((await balance(w, maker, 'EUA')).available).toBe('100');
      // The next PUT starts from nothing.
      const next = await put(key, quote('65.00', '75.00', '1'));
      expect(next.status, next.text).toBe(200);
      expect(next.body.replaced).toEqual([]);
      await cancelWorking(w, maker);
    });
  });

  it('refuses a crossed quote, a key without orders:write, a signed-in person and an unknown symbol', async () => {
    const maker = await trader(w, { eurMinor: 100_000n, certificates: { EUA: 10n } });
    const key = await keyFor(maker);
    expectError(await put(key, quote('70.00', '70.00')), 400, 'validation_failed');
    const reader = await keyFor(maker, ['orders:read']);
    expectError(await put(reader, quote('65.00', '75.00')), 403, 'forbidden');
    const signedIn = await w.as(maker, '/quotes/EUA', { method: 'PUT', json: quote('65.00', '75.00') });
    expectError(signedIn, 403, 'forbidden');
    expectError(await put(key, quote('65.00', '75.00'), 'NOPE'), 404, 'not_found');
    expect(await working(key)).toEqual([]);
  });

  it('the maker stream sends the book and the key owner’s own fills as they happen', async () => {
    const maker = await trader(w, { eurMinor: 1_000_000n, certificates: { EUA: 100n } });
    const taker = await trader(w, { eurMinor: 1_000_000n });
    const key = await keyFor(maker);
    await withInstrument('EUA', async () => {
      const stream = await openWithKey(key, '/market/EUA/maker-stream');
      try {
        const first = await stream.until((event) => event === 'fills');
        expect(first).toEqual([]);
        const placed = await put(key, quote('65.00', '75.00', '4'));
        expect(placed.status, placed.text).toBe(200);
        const book = await stream.until(
          (event, data) => event === 'book' && data.asks.some((l: { price: string }) => l.price === '75.00'),
        );
        expect(book.symbol).toBe('EUA');
        const hit = await w.as(taker, '/orders', {
          method: 'POST',
          idempotencyKey: randomUUID(),
          json: { symbol: 'EUA', side: 'BUY', type: 'LIMIT', quantity: '1', price: '75.00' },
        });
        expect(hit.status, hit.text).toBe(201);
        const fill = await stream.until((event) => event === 'fill');
        expect(fill).toMatchObject({
          orderId: placed.body.ask.id,
          side: 'SELL',
          price: '75.00',
          quantity: '1',
          liquidity: 'MAKER',
        });
      } finally {
        stream.close();
      }
      await cancelWorking(w, maker);
    });
  });
});
