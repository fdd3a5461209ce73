// Per-asset maximum amounts (issue 14) over HTTP, on a database of this file's own (a stored policy
// version outranks the environment, so these limits must not reach other files' lifecycles): set on
// the policies by one admin and approved by a second (money-moving), POST /deposits and
// POST /withdrawals accept an amount at the limit and refuse one minor unit above it with 422
// amount_above_limit and nothing created, orders meet the per-asset limit as order_too_large, and a
// change applies to new lifecycles only.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.DATABASE_URL = `${process.env.DATABASE_URL}_limits`;
});

import { closeMarketNotifications } from '../../api/services/market.js';
import { ensureSystemAccounts } from '../../db/ledger/index.js';
import { ensureInstruments } from '../../db/venue/index.js';
import { announce, expectError, startApiWorld, type ApiWorld, type Person } from './helpers.js';
import { cancelWorking, place, placed, trader } from './trading-support.js';
import { useOwnDatabase } from '../support/own-database.js';

vi.setConfig({ testTimeout: 120_000 });

let w: ApiWorld;
let admin: Person;
let secondAdmin: Person;

useOwnDatabase('_limits');

beforeAll(async () => {
  w = await startApiWorld();
  [admin, secondAdmin] = await Promise.all([w.person('admin'), w.person('admin')]);
  await ensureSystemAccounts(w.app.pool);
  await ensureInstruments(w.app.pool);
});

afterAll(async () => {
  await closeMarketNotifications();
  await w?.stop();
});

/** Sets `maxAmount` on `policy` as one admin and approves it as the other; answers the new version. */
async function setLimits(policy: string, maxAmount: Record<string, string>): Promise<number> {
  const asked = await w.as(admin, `/admin/policies/${policy}`, {
    method: 'PUT',
    json: { policy: { maxAmount }, reason: 'per-asset limits' },
  });
  expect(asked.status, asked.text).toBe(202);
  expect(asked.body.outcome).toBe('pending_approval');
  const approved = await w.as(
    secondAdmin,
    `/admin/policies/${policy}/changes/${asked.body.change.id}/approve`,
    {
      method: 'POST',
      json: {},
    },
  );
  expect(approved.status, approved.text).toBe(200);
  expect(approved.body.policy.maxAmount).toEqual(maxAmount);
  return approved.body.version;
}

/** The lifecycles of `clientId` in the read model (what "nothing created" counts). */
async function lifecyclesOf(clientId: string, type: string): Promise<number> {
  const { rows } = await w.app.pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM lifecycle WHERE owner_id = $1 AND type = $2',
    [clientId, type],
  );
  return rows[0]!.n;
}

/** The policy the workflow started with (its first event's input). */
async function startedPolicy(workflowId: string): Promise<Record<string, unknown>> {
  const history = await w.temporal.client.workflow.getHandle(workflowId).fetchHistory();
  const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  expect(payload?.data).toBeDefined();
  return JSON.parse(Buffer.from(payload!.data!).toString('utf8')).policy;
}

describe('per-asset maximum amounts', () => {
  it('are edited as a money-moving change and refused with a 400 when not usable', async () => {
    const bad = await w.as(admin, '/admin/policies/deposit', {
      method: 'PUT',
      json: { policy: { maxAmount: { EUR: '1000.001', EUA: '5' } } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('maxAmount.EUR');
    expect(bad.body.error.message).toContain('maxAmount.EUA');
    const listed = await w.as(admin, '/admin/policies/deposit');
    expect(listed.body.moneyMovingFields).toContain('maxAmount');
    expect(listed.body.policy.maxAmount).toEqual({});
  });

  it('deposits: at the limit accepted, one cent above 422 amount_above_limit and nothing created; new deposits only', async () => {
    const client = await w.person('client');
    // Before the limit: 1500.00 EUR is announced, with a policy that has no EUR limit.
    const earlyKey = randomUUID();
    const early = await announce(w, client, { amount: '1500.00', currency: 'EUR' }, earlyKey);
    expect(early.status, early.text).toBe(201);

    await setLimits('deposit', { EUR: '1000.00' });

    const atLimit = await announce(w, client, { amount: '1000.00', currency: 'EUR' });
    expect(atLimit.status, atLimit.text).toBe(201);
    expect((await startedPolicy(atLimit.body.workflowId)).maxAmount).toEqual({ EUR: '1000.00' });

    const before = await lifecyclesOf(client.id, 'deposit');
    const above = await announce(w, client, { amount: '1000.01', currency: 'EUR' });
    expectError(above, 422, 'amount_above_limit');
    expect(above.body.error.details).toEqual({ asset: 'EUR', max: '1000.00' });
    expect(above.body.error.message).toContain('1,000.00 EUR');
    expect(await lifecyclesOf(client.id, 'deposit')).toBe(before);

    // USD has no limit of its own: only the edge bound.
    const usd = await announce(w, client, { amount: '250000.00', currency: 'USD' });
    expect(usd.status, usd.text).toBe(201);

    // The running deposit keeps the policy it started with, and its key still answers it.
    expect((await startedPolicy(early.body.workflowId)).maxAmount).toEqual({});
    const again = await announce(w, client, { amount: '1500.00', currency: 'EUR' }, earlyKey);
    expect(again.status, again.text).toBe(201);
    expect(again.body.id).toBe(early.body.id);
  });

  it('withdrawals: at the limit accepted, one cent above 422 amount_above_limit and nothing created', async () => {
    await setLimits('withdrawal', { EUR: '300.00' });
    const client = await trader(w, { eurMinor: 100_000n });
    const { rows } = await w.app.pool.query<{ id: string }>(
      `INSERT INTO bank_account (client_id, iban, bic, account_name, bank_name, country, status)
       VALUES ($1, 'DE89370400440532013000', 'COBADEFFXXX', 'Test Client', 'Commerzbank', 'DE', 'VERIFIED')
       RETURNING id`,
      [client.id],
    );
    const bankAccountId = rows[0]!.id;
    const request = (amount: string) =>
      w.as(client, '/withdrawals', {
        method: 'POST',
        json: { amount, currency: 'EUR', bankAccountId },
        idempotencyKey: randomUUID(),
      });
    const above = await request('300.01');
    expectError(above, 422, 'amount_above_limit');
    expect(above.body.error.details).toEqual({ asset: 'EUR', max: '300.00' });
    expect(above.body.error.message).toContain('300.00 EUR');
    expect(await lifecyclesOf(client.id, 'withdrawal')).toBe(0);
    const balances = await w.as(client, '/balances');
    expect(balances.body.items.find((b: { asset: string }) => b.asset === 'EUR')).toMatchObject({
      available: '1000.00',
    });

    const atLimit = await request('300.00');
    expect(atLimit.status, atLimit.text).toBe(201);
    expect(await lifecyclesOf(client.id, 'withdrawal')).toBe(1);
  });

  it('orders: order_too_large reads the per-asset quantity and quote-currency limits', async () => {
    await setLimits('trading', { EUA: '10', EUR: '630.00' });
    const buyer = await trader(w, { eurMinor: 100_000n });
    const order = (quantity: string, price: string) => ({
      symbol: 'EUA',
      side: 'BUY',
      type: 'LIMIT',
      quantity,
      price,
    });
    const tooMany = await place(w, buyer, order('11', '63.00'));
    expectError(tooMany, 422, 'order_too_large');
    expect(tooMany.body.error.details).toMatchObject({ maxOrderQuantity: '10', asset: 'EUA' });
    // 10 × 63.10 = 631.00 EUR, above the 630.00 EUR notional limit; 10 × 63.00 is at it.
    const tooDear = await place(w, buyer, order('10', '63.10'));
    expectError(tooDear, 422, 'order_too_large');
    expect(tooDear.body.error.details).toMatchObject({ maxOrderNotional: '630.00', asset: 'EUR' });
    const atLimit = await placed(w, buyer, order('10', '63.00'));
    expect(atLimit.status).not.toBe('REJECTED');
    await cancelWorking(w, buyer);
  });
});
