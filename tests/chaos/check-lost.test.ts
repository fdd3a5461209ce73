// An order whose create answer was lost (the client gave up on 503s) still exists on the platform,
// resting with a hold. The chaos checker must find it by its clientOrderId and count it: in the
// lifecycle's resources (so "one workflow per business key" knows it) and in the balance model (its
// reservation is the client's pending). A fake API stands in for the platform: it loses every
// POST /orders answer and lists the order the POST made.
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { adoptLostCreates } from '../../scripts/chaos/check-lost.js';
import { modelBalances } from '../../scripts/chaos/check-model.js';
import { ApiClient, RequestStats } from '../../scripts/chaos/client.js';
import { seededRandom } from '../../scripts/chaos/random.js';
import { Driver } from '../../scripts/chaos/scenarios/driver.js';
import { runOrderRejected } from '../../scripts/chaos/scenarios/order.js';
import type { Lifecycle, ScenarioWorld } from '../../scripts/chaos/scenarios/index.js';
import { freshLifecycle, QUICK_RETRIES } from './fake-platform.js';

const CLIENT_ID = '11111111-1111-4111-8111-111111111111';
const ORDER_ID = '22222222-2222-4222-8222-222222222222';

let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** POST /orders: always 503 (the order is made, the answer lost); GET /orders?search=: that order. */
async function losingApi(order: (clientOrderId: string) => Record<string, unknown>) {
  const placed: string[] = [];
  const searches: string[] = [];
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      res.setHeader('content-type', 'application/json');
      if (req.method === 'POST' && url.pathname === '/api/v1/orders') {
        placed.push((JSON.parse(text) as { clientOrderId: string }).clientOrderId);
        res.writeHead(503, { 'retry-after': '0' });
        res.end(
          JSON.stringify({ error: { code: 'temporarily_unavailable', message: 'lost', details: null } }),
        );
        return;
      }
      if (req.method === 'GET' && url.pathname === '/api/v1/orders') {
        const search = url.searchParams.get('search') ?? '';
        searches.push(`${url.searchParams.get('clientId')} ${search}`);
        const items = placed.includes(search) ? [order(search)] : [];
        res.writeHead(200);
        res.end(JSON.stringify({ items, nextCursor: null }));
        return;
      }
      res.writeHead(404);
      res.end(JSON.stringify({ error: { code: 'not_found', message: 'no', details: null } }));
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return { url, placed, searches };
}

const lifecycleOf = (kind: string): Lifecycle => freshLifecycle(7, kind, CLIENT_ID);

const session = { id: CLIENT_ID, role: 'client', token: 't', email: 'c@chaos.example', password: 'p' };
const auditor = { id: 'a', role: 'auditor', token: 't', email: 'a@chaos.example', password: 'p' };

const resting = (clientOrderId: string) => ({
  id: ORDER_ID,
  workflowId: `order-${ORDER_ID}`,
  clientOrderId,
  clientId: CLIENT_ID,
  symbol: 'EUA',
  side: 'BUY',
  type: 'LIMIT',
  quantity: '2',
  price: '64.00',
  filledQuantity: '0',
  remainingQuantity: '2',
  reserved: { asset: 'EUR', amount: '128.26' },
  status: 'ROUTED',
  fills: [],
});

describe('the chaos checker and a lost create answer', () => {
  it('a script notes the order it placed when the answer is lost, by its clientOrderId', async () => {
    const { url, placed } = await losingApi(resting);
    const api = new ApiClient(url, new RequestStats(), QUICK_RETRIES, seededRandom(1));
    const lifecycle = lifecycleOf('order_rejected');
    const world = { api, lifecycleBudgetMs: 5_000, pollMs: 10 } as unknown as ScenarioWorld;
    await expect(
      runOrderRejected(new Driver(world, lifecycle, session, seededRandom(2))),
    ).rejects.toMatchObject({
      kind: 'gave_up',
    });
    // Every attempt carried the same reference; the order is not known by id.
    expect(placed).toHaveLength(3);
    expect(new Set(placed).size).toBe(1);
    expect(lifecycle.resources).toEqual([]);
    expect(lifecycle.lostCreates).toEqual([
      {
        type: 'order',
        ownerId: CLIENT_ID,
        clientReference: placed[0],
        intended: 'REJECTED',
        step: 'place order before KYC',
      },
    ]);
  });

  it('finds the order by its clientOrderId and counts it, its hold in the balance model', async () => {
    const { url, searches } = await losingApi(resting);
    const api = new ApiClient(url, new RequestStats(), QUICK_RETRIES, seededRandom(1));
    // The resting BUY's POST made the order; its answer never came back.
    const post = await api.send(session, {
      method: 'POST',
      path: '/orders',
      json: { clientOrderId: 'chaos-resting-1' },
      idempotencyKey: 'k',
    });
    expect(post.gaveUp).toBe(true);
    const lifecycle = lifecycleOf('order_rest_cancel');
    lifecycle.lostCreates.push({
      type: 'order',
      ownerId: CLIENT_ID,
      clientReference: 'chaos-resting-1',
      intended: 'ROUTED',
      step: 'place resting BUY',
    });
    expect(modelBalances([lifecycle], []).expected.get(CLIENT_ID)?.get('EUR')?.pending).toBe(0n);

    const problems: string[] = [];
    const lost = await adoptLostCreates(api, auditor, [lifecycle], problems);
    expect(problems).toEqual([]);
    expect(searches).toEqual([`${CLIENT_ID} chaos-resting-1`]);
    expect(lost).toEqual({
      found: [`order ${ORDER_ID} (place resting BUY, lifecycle #7 order_rest_cancel), intended ROUTED`],
      notFound: [],
    });
    expect(lifecycle.resources).toMatchObject([
      {
        type: 'order',
        id: ORDER_ID,
        workflowId: `order-${ORDER_ID}`,
        intended: 'ROUTED',
        ownerId: CLIENT_ID,
      },
    ]);
    // Counted by the model: 2 × 64.00 and the larger fee (20 bps, rounded up) are the client's pending.
    const model = modelBalances([lifecycle], []);
    expect(model.expected.get(CLIENT_ID)?.get('EUR')?.pending).toBe(12_826n);
    expect(model.venueViolations).toEqual([]);

    // Looked up again, it is not counted twice.
    await adoptLostCreates(api, auditor, [lifecycle], problems);
    expect(lifecycle.resources).toHaveLength(1);
  });

  it('says so when the platform never made it', async () => {
    const { url } = await losingApi(resting);
    const api = new ApiClient(url, new RequestStats(), QUICK_RETRIES, seededRandom(1));
    const lifecycle = lifecycleOf('order_rest_cancel');
    lifecycle.lostCreates.push({
      type: 'order',
      ownerId: CLIENT_ID,
      clientReference: 'chaos-never-arrived',
      intended: 'ROUTED',
      step: 'place resting BUY',
    });
    const lost = await adoptLostCreates(api, auditor, [lifecycle], []);
    expect(lost).toEqual({
      found: [],
      notFound: ['order chaos-never-arrived (place resting BUY, lifecycle #7 order_rest_cancel)'],
    });
    expect(lifecycle.resources).toEqual([]);
  });
});
