// The maker's amend in the order_cross scenario: its 200 answer shows the order as it is after the
// amend, and another lifecycle's taker may have filled the rest by then (a long run's lifecycle #20:
// amended from 17 to 16 at 18:23:22.08, the last 11 filled at 18:23:24, the answer FILLED). That is
// the contract, not a wrong answer; a cancel answered FILLED still is one.
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiClient, RequestStats, type RetryPolicy } from '../../scripts/chaos/client.js';
import { seededRandom } from '../../scripts/chaos/random.js';
import { Driver } from '../../scripts/chaos/scenarios/driver.js';
import type { Resource, ScenarioWorld } from '../../scripts/chaos/scenarios/index.js';
import { freshLifecycle } from './fake-platform.js';
import { actUnlessFilled } from '../../scripts/chaos/scenarios/order.js';

const POLICY: RetryPolicy = {
  budgetMs: 5_000,
  maxAttempts: 2,
  attemptTimeoutMs: 2_000,
  baseDelayMs: 10,
  maxDelayMs: 50,
  maxRetryAfterMs: 50,
};
const ORDER_ID = '33333333-3333-4333-8333-333333333333';
const OPEN = ['ROUTED', 'PARTIALLY_FILLED'];

let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** Every POST answers 200 with the order FILLED (a taker took the rest meanwhile). */
async function filledMeanwhile(): Promise<string> {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: ORDER_ID, status: 'FILLED', filledQuantity: '16', quantity: '16' }));
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

function maker(url: string): { driver: Driver; order: Resource } {
  const api = new ApiClient(url, new RequestStats(), POLICY, seededRandom(1));
  const lifecycle = freshLifecycle(20, 'order_cross', 'c');
  const world = { api, lifecycleBudgetMs: 5_000, pollMs: 10 } as unknown as ScenarioWorld;
  const session = { id: 'c', role: 'client', token: 't', email: 'c@chaos.example', password: 'p' };
  const order: Resource = {
    type: 'order',
    id: ORDER_ID,
    workflowId: `order-${ORDER_ID}`,
    intended: 'FILLED|CANCELLED',
    ownerId: 'c',
    lastStatus: 'PARTIALLY_FILLED',
    amountMinor: 0n,
  };
  return { driver: new Driver(world, lifecycle, session, seededRandom(2)), order };
}

describe('the order_cross maker', () => {
  it('takes an amend answered FILLED as the order filled since', async () => {
    const { driver, order } = maker(await filledMeanwhile());
    await actUnlessFilled(driver, order, 'amend', { quantity: '16' }, OPEN);
    expect(order.lastStatus).toBe('FILLED');
  });

  it('still refuses a cancel answered FILLED', async () => {
    const { driver, order } = maker(await filledMeanwhile());
    await expect(actUnlessFilled(driver, order, 'cancel', {}, ['CANCELLED'])).rejects.toMatchObject({
      kind: 'refused',
      message: 'cancel order: answered status FILLED, expected CANCELLED',
    });
  });
});
