import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WithStartWorkflowOperation, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { replayWorkflows, startTestWorker, type TestTemporal } from '../tests/support/temporal.js';
import { closePool, getPool } from '../db/pool.js';
import {
  ensureClientAccounts,
  ensureSystemAccounts,
  getClientBalances,
  holdEntry,
  postEntry,
  trialBalance,
} from '../db/ledger/index.js';
import { getLifecycle } from '../db/lifecycle/index.js';
import { ensureInstruments, submitOrder } from '../db/venue/index.js';
import { PaperBroker } from '../activities/broker-adapter.js';
import { fillOf } from '../activities/order.js';
import { failureToApiError } from '../api/lifecycle-kit/workflow-calls.js';
import { instrumentOf, parsePrice } from '../domain/instruments.js';
import type { Actor } from '../domain/lifecycle.js';
import type { AssetCode } from '../domain/money.js';
import { depositClear, depositConfirm, orderReserve, registryTransferIn } from '../domain/postings.js';
import {
  dayOrderExpiry,
  orderWorkflowId,
  type FillSignal,
  type OrderInput,
  type OrderState,
} from '../domain/order.js';
import { tradingPolicy, type TradingPolicy } from '../domain/trading-policy.js';
import { lockInstruments } from '../tests/support/instrument-lock.js';
import {
  amendOrderUpdate,
  cancelOrderUpdate,
  order,
  orderFillSignal,
  orderStartedUpdate,
  orderStateQuery,
} from './order.js';

// Real dev server, real worker, real activities, real PostgreSQL (the venue's book, the ledger), the
// paper broker with its orders in PostgreSQL. Durations are seconds.
const POLICY: TradingPolicy = tradingPolicy({ brokerPollMs: 300 });
const pool = getPool();
const broker = new PaperBroker(pool, { latencyMs: 150, partialFills: true });
let t: TestTemporal;
let releaseInstruments: () => Promise<void>;

beforeAll(async () => {
  // Other test files trade EUA and CEA too: this file has their books to itself while it runs.
  releaseInstruments = await lockInstruments(['CEA', 'EUA', 'KRBN']);
  t = await startTestWorker({ deps: { broker } });
  await ensureSystemAccounts(pool);
  await ensureInstruments(pool);
});

afterAll(async () => {
  await t?.stop();
  await releaseInstruments?.();
  await closePool();
});

// After every scenario: the books balance, and no order of it is left on the book (the books of
// EUA and CEA are shared by the scenarios of this file).
afterEach(async () => {
  const trial = await trialBalance(pool);
  expect(trial.balanced).toBe(true);
  expect(trial.accountsMatchLines).toBe(true);
  // Only the instruments this file holds the locks of: the venue's own tests rest orders on theirs.
  const resting = await pool.query(
    `SELECT 1 FROM venue_order WHERE status = 'RESTING' AND symbol = ANY($1::text[])`,
    [['CEA', 'EUA', 'KRBN']],
  );
  expect(resting.rowCount).toBe(0);
});

interface Client {
  id: string;
  actor: Actor;
}

/** A client with KYC as given and `funds` (minor units) available per asset. */
async function client(funds: Partial<Record<AssetCode, bigint>>, kyc = 'APPROVED'): Promise<Client> {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO app_user (email, password_hash, role, display_name, kyc_status)
     VALUES ($1, 'x', 'client', 'Test client', $2) RETURNING id`,
    [`trader-${randomUUID()}@test.example`, kyc],
  );
  const id = rows[0]!.id;
  for (const [asset, amount] of Object.entries(funds) as [AssetCode, bigint][]) {
    await ensureClientAccounts(pool, id, asset);
    const key = `test-fund/${id}/${asset}`;
    if (asset === 'EUR' || asset === 'USD') {
      await postEntry(pool, { idempotencyKey: `${key}/confirm`, ...depositConfirm(id, asset, amount) });
      await postEntry(pool, { idempotencyKey: `${key}/clear`, ...depositClear(id, asset, amount) });
    } else {
      await postEntry(pool, { idempotencyKey: key, ...registryTransferIn(id, asset, amount, key) });
    }
  }
  return { id, actor: { id, role: 'client' } };
}

const started: string[] = [];

function inputFor(owner: Client, o: Pick<OrderInput, 'side' | 'quantity'> & Partial<OrderInput>): OrderInput {
  const policy = o.policy ?? POLICY;
  const timeInForce = o.timeInForce ?? 'GTC';
  return {
    businessId: randomUUID(),
    clientId: owner.id,
    clientOrderId: null,
    symbol: o.symbol ?? 'EUA',
    type: o.type ?? 'LIMIT',
    timeInForce,
    price: o.price === undefined ? '70.00' : o.price,
    expiresAt: timeInForce === 'DAY' ? dayOrderExpiry(policy, Date.now()) : null,
    policy,
    requestedBy: owner.actor,
    ...o,
  };
}

/** As the API does it: start + the `started` Update in one call. */
async function place(input: OrderInput): Promise<OrderState> {
  const workflowId = orderWorkflowId(input.businessId);
  started.push(workflowId);
  return t.client.workflow.executeUpdateWithStart(orderStartedUpdate, {
    updateId: 'started',
    startWorkflowOperation: new WithStartWorkflowOperation(order, {
      taskQueue: t.taskQueue,
      workflowId,
      args: [input, null],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    }),
  });
}

async function placed(owner: Client, o: Parameters<typeof inputFor>[1]) {
  const input = inputFor(owner, o);
  const state = await place(input);
  return { state, input, handle: t.client.workflow.getHandle<typeof order>(state.workflowId) };
}

async function balance(clientId: string, asset: AssetCode) {
  const found = (await getClientBalances(pool, clientId)).find((b) => b.asset === asset);
  return {
    available: found?.available ?? 0n,
    pending: found?.pending ?? 0n,
    pendingSettlement: found?.pendingSettlement ?? 0n,
  };
}

async function refusal(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (error as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

/** Polls the Query until `check` holds (a Signal's effect is asynchronous). */
async function eventually(
  handle: { query: (q: typeof orderStateQuery) => Promise<OrderState> },
  check: (s: OrderState) => boolean,
): Promise<OrderState> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const state = await handle.query(orderStateQuery);
    if (check(state) || Date.now() > deadline) return state;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Polls the lifecycle row until it is in `status` (its attributes are written in the same statement). */
async function recordedIn(workflowId: string, status: string) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const row = await getLifecycle(pool, workflowId);
    if (row?.status === status || Date.now() > deadline) return row;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * What routeOrder does for an IOC SELL (reserve its quantity, submit at the venue), without telling
 * the resting orders it traded against: their fill Signals are the caller's to send, or hold back.
 */
async function sellUntold(owner: Client, quantity: bigint, price: string) {
  const instrument = instrumentOf('EUA')!;
  const orderId = randomUUID();
  const workflowId = orderWorkflowId(orderId);
  const hold = await holdEntry(pool, {
    idempotencyKey: `${workflowId}/reserve`,
    workflowId,
    ...orderReserve(owner.id, 'EUA', quantity),
  });
  return submitOrder(pool, {
    orderId,
    workflowId,
    clientId: owner.id,
    symbol: 'EUA',
    side: 'SELL',
    type: 'LIMIT',
    timeInForce: 'IOC',
    limitPrice: parsePrice(instrument, price),
    protectionPrice: null,
    quantity,
    holdEntryId: hold.id,
    reserved: quantity,
    makerFeeBps: POLICY.makerFeeBps,
    takerFeeBps: POLICY.takerFeeBps,
  });
}

const path = (s: OrderState) => s.timeline.map((e) => e.to).join(' → ');
const cancel = (actor: Actor) => ({ args: [{ actor }] as [{ actor: Actor }] });

describe('order workflow', () => {
  it('a risk refusal ends REJECTED with its reason; the started Update fails with the code', async () => {
    const poor = await client({ EUR: 1_000n }); // 10.00 EUR
    const input = inputFor(poor, { side: 'BUY', quantity: '10', price: '70.00' });
    const failure = await refusal(place(input));
    expect(failure.type).toBe('insufficient_funds');
    expect(failure.details?.[0]).toMatchObject({ orderId: input.businessId });
    const final = await t.client.workflow.getHandle<typeof order>(orderWorkflowId(input.businessId)).result();
    expect(final).toMatchObject({ status: 'REJECTED', endCode: 'insufficient_funds', actions: [] });
    expect(final.rejectReason).toBe(failure.message);
    expect(path(final)).toBe('NEW → REJECTED');
    expect(await balance(poor.id, 'EUR')).toMatchObject({ available: 1_000n, pending: 0n });
    const row = await getLifecycle(pool, final.workflowId);
    expect(row).toMatchObject({
      type: 'order',
      status: 'REJECTED',
      attributes: { symbol: 'EUA', side: 'BUY', endCode: 'insufficient_funds', venue: 'internal' },
    });

    const unverified = await client({ EUR: 1_000_000n }, 'PENDING_REVIEW');
    expect((await refusal(place(inputFor(unverified, { side: 'BUY', quantity: '1' })))).type).toBe(
      'kyc_required',
    );
  });

  it('a BUY crossing a resting SELL fills at once; the SELL learns of it by Signal, once', async () => {
    const seller = await client({ EUA: 10n });
    const buyer = await client({ EUR: 1_000_000n });
    const sell = await placed(seller, { side: 'SELL', quantity: '10', price: '70.00' });
    expect(sell.state).toMatchObject({ status: 'ROUTED', reserved: { asset: 'EUA', amount: '10' } });
    expect(sell.state.actions).toEqual(['cancel', 'amend']);

    const buy = await placed(buyer, { side: 'BUY', quantity: '4', price: '70.10' });
    expect(buy.state).toMatchObject({ status: 'FILLED', filledQuantity: '4', averagePrice: '70.00' });
    expect(path(buy.state)).toBe('NEW → VALIDATED → ROUTED → FILLED');
    expect(buy.state.timeline.at(-1)!.reason).toBe('Filled 4 EUA at 70.00 EUR (taker)');
    // 4 × 70.00 = 280.00 plus the taker fee 0.56; the rest of the reservation went back.
    expect(await balance(buyer.id, 'EUR')).toMatchObject({ available: 1_000_000n - 28_056n, pending: 0n });

    const partial = await eventually(sell.handle, (s) => s.status === 'PARTIALLY_FILLED');
    expect(partial).toMatchObject({ filledQuantity: '4', remainingQuantity: '6', reserved: { amount: '6' } });
    // The read model (what GET /orders shows) has the reservation the fill left, recorded with it.
    const row = await recordedIn(sell.state.workflowId, 'PARTIALLY_FILLED');
    expect(row?.attributes).toMatchObject({
      filledQuantity: '4',
      remainingQuantity: '6',
      reserved: { asset: 'EUA', amount: '6' },
    });
    expect(partial.fills).toMatchObject([{ liquidity: 'MAKER', price: '70.00', quantity: '4' }]);
    // The same fill told again (a retried activity) changes nothing.
    const fill = partial.fills[0]!;
    const again: FillSignal = {
      ...fill,
      orderId: sell.input.businessId,
      filledQuantity: '4',
      remainingQuantity: '6',
      done: false,
    };
    await sell.handle.signal(orderFillSignal, again);
    const after = await sell.handle.query(orderStateQuery);
    expect(after.fills).toHaveLength(1);
    expect(after.timeline).toHaveLength(partial.timeline.length);

    const cancelled = await sell.handle.executeUpdate(cancelOrderUpdate, cancel(seller.actor));
    expect(cancelled).toMatchObject({ status: 'CANCELLED', endCode: 'cancelled', reserved: { amount: '0' } });
    expect(await balance(seller.id, 'EUA')).toMatchObject({ available: 6n, pending: 0n });
    expect((await sell.handle.result()).status).toBe('CANCELLED');
  });

  it('cancel releases the hold; only the owner may cancel; nothing changes after the end', async () => {
    const buyer = await client({ EUR: 100_000n });
    const { state, handle } = await placed(buyer, { side: 'BUY', quantity: '10', price: '66.00' });
    expect(state.reserved).toEqual({ asset: 'EUR', amount: '661.32' }); // 660.00 + 0.2 % fee
    expect(await balance(buyer.id, 'EUR')).toMatchObject({ available: 100_000n - 66_132n, pending: 66_132n });
    const stranger = await client({});
    expect((await refusal(handle.executeUpdate(cancelOrderUpdate, cancel(stranger.actor)))).type).toBe(
      'forbidden',
    );
    const done = await handle.executeUpdate(cancelOrderUpdate, cancel(buyer.actor));
    expect(done.status).toBe('CANCELLED');
    expect(await balance(buyer.id, 'EUR')).toMatchObject({ available: 100_000n, pending: 0n });
    await handle.result();
    await expect(handle.executeUpdate(cancelOrderUpdate, cancel(buyer.actor))).rejects.toThrow();
  });

  it('amend: a lower quantity keeps the place in the queue, a new price loses it', async () => {
    const a = await client({ EUR: 1_000_000n });
    const b = await client({ EUR: 1_000_000n });
    const seller = await client({ EUA: 10n });
    const first = await placed(a, { side: 'BUY', quantity: '5', price: '67.00' });
    const second = await placed(b, { side: 'BUY', quantity: '5', price: '67.00' });
    const smaller = await first.handle.executeUpdate(amendOrderUpdate, {
      args: [{ actor: a.actor, quantity: '3' }],
    });
    expect(smaller).toMatchObject({ status: 'ROUTED', quantity: '3', reserved: { amount: '201.41' } });
    const sell1 = await placed(seller, { side: 'SELL', quantity: '3', price: '67.00', timeInForce: 'IOC' });
    expect(sell1.state.status).toBe('FILLED');
    expect((await first.handle.result()).status).toBe('FILLED');

    // The second moves away and back: it now queues behind a third order at 67.00.
    const c = await client({ EUR: 1_000_000n });
    await second.handle.executeUpdate(amendOrderUpdate, { args: [{ actor: b.actor, price: '66.99' }] });
    const third = await placed(c, { side: 'BUY', quantity: '5', price: '67.00' });
    const back = await second.handle.executeUpdate(amendOrderUpdate, {
      args: [{ actor: b.actor, price: '67.00' }],
    });
    expect(back).toMatchObject({ price: '67.00', status: 'ROUTED' });
    const sell2 = await placed(seller, { side: 'SELL', quantity: '5', price: '67.00', timeInForce: 'IOC' });
    expect(sell2.state.status).toBe('FILLED');
    expect((await third.handle.result()).status).toBe('FILLED');
    expect((await second.handle.query(orderStateQuery)).status).toBe('ROUTED');
    await second.handle.executeUpdate(cancelOrderUpdate, cancel(b.actor));
  });

  it('IOC: what does not fill at once is cancelled and its reservation released', async () => {
    const seller = await client({ CEA: 3n });
    const buyer = await client({ EUR: 100_000n });
    await placed(seller, { symbol: 'CEA', side: 'SELL', quantity: '3', price: '11.50' });
    const { state, handle } = await placed(buyer, {
      symbol: 'CEA',
      side: 'BUY',
      quantity: '5',
      price: '11.60',
      timeInForce: 'IOC',
    });
    expect(state).toMatchObject({
      status: 'CANCELLED',
      endCode: 'ioc_remainder',
      filledQuantity: '3',
      remainingQuantity: '2',
      reserved: { amount: '0.00' },
    });
    expect(path(state)).toBe('NEW → VALIDATED → ROUTED → PARTIALLY_FILLED → CANCELLED');
    // 3 × 11.50 = 34.50 plus the taker fee 0.07.
    expect(await balance(buyer.id, 'EUR')).toMatchObject({ available: 100_000n - 3_457n, pending: 0n });
    await handle.result();
  });

  it('a DAY order expires at its session close and gives its reservation back', async () => {
    const buyer = await client({ EUR: 100_000n });
    const policy = tradingPolicy({ ...POLICY, dayOrderTtlMs: 1_500 });
    const { state, handle } = await placed(buyer, {
      side: 'BUY',
      quantity: '2',
      price: '65.00',
      timeInForce: 'DAY',
      policy,
    });
    expect(state.expiresAt).not.toBeNull();
    const final = await handle.result();
    expect(final).toMatchObject({ status: 'EXPIRED', endCode: 'expired', reserved: { amount: '0.00' } });
    expect(await balance(buyer.id, 'EUR')).toMatchObject({ available: 100_000n, pending: 0n });
  });

  it('paper broker: partial executions are posted as they come until FILLED', async () => {
    const buyer = await client({ USD: 1_000_000n });
    const { state, handle } = await placed(buyer, {
      symbol: 'KRBN',
      side: 'BUY',
      quantity: '9',
      price: '30.00',
    });
    expect(state).toMatchObject({ status: 'ROUTED', actions: ['cancel'] });
    // An outage on the next reports: the activity retries until the broker answers again.
    broker.injectOutage(`${state.workflowId}/broker`, 2);
    const final = await handle.result();
    expect(final).toMatchObject({ status: 'FILLED', filledQuantity: '9', averagePrice: '30.00' });
    expect(final.fills.length).toBeGreaterThanOrEqual(1);
    // 9 × 30.00 = 270.00; the taker fee on each execution rounds up to the cent.
    const fees = final.fills.reduce((sum, f) => sum + BigInt(f.fee.replace('.', '')), 0n);
    expect(await balance(buyer.id, 'USD')).toMatchObject({
      available: 1_000_000n - 27_000n - fees,
      pending: 0n,
    });
    expect(await balance(buyer.id, 'KRBN')).toMatchObject({ pendingSettlement: 9n });
    const trades = await pool.query(`SELECT 1 FROM trade WHERE buy_order_id = $1`, [state.businessId]);
    expect(trades.rowCount).toBe(final.fills.length);
    expect(broker.calls.some((c) => c.outcome === 'unavailable')).toBe(true);
  });

  it('paper broker: a refused order ends REJECTED broker_rejected with its hold voided', async () => {
    const buyer = await client({ USD: 100_000n });
    broker.options.rejectSymbols = ['KRBN'];
    try {
      const input = inputFor(buyer, { symbol: 'KRBN', side: 'BUY', quantity: '2', price: '30.00' });
      expect((await refusal(place(input))).type).toBe('broker_rejected');
      const final = await t.client.workflow
        .getHandle<typeof order>(orderWorkflowId(input.businessId))
        .result();
      expect(final).toMatchObject({ status: 'REJECTED', endCode: 'broker_rejected' });
      expect(path(final)).toBe('NEW → VALIDATED → REJECTED');
    } finally {
      broker.options.rejectSymbols = [];
    }
    expect(await balance(buyer.id, 'USD')).toMatchObject({ available: 100_000n, pending: 0n });
  });

  it('a resting order survives a worker restart and fills on the new worker', async () => {
    const seller = await client({ EUA: 5n });
    const buyer = await client({ EUR: 100_000n });
    const sell = await placed(seller, { side: 'SELL', quantity: '5', price: '68.00' });
    await t.stop();
    t = await startTestWorker({ deps: { broker } });
    const handle = t.client.workflow.getHandle<typeof order>(sell.state.workflowId);
    const buy = await placed(buyer, { side: 'BUY', quantity: '5', price: '68.00' });
    expect(buy.state.status).toBe('FILLED');
    const final = await handle.result();
    expect(final).toMatchObject({ status: 'FILLED', filledQuantity: '5', reserved: { amount: '0' } });
  });

  it('amend of an order the venue filled before its Signal arrived: 409 invalid_state, then the fill', async () => {
    const buyer = await client({ EUR: 1_000_000n });
    const seller = await client({ EUA: 5n });
    const buy = await placed(buyer, { side: 'BUY', quantity: '5', price: '67.00' });
    // The fill's Signal is late (chaos: the amend's retries after 503s): the workflow still says ROUTED.
    const counter = await sellUntold(seller, 5n, '67.00');
    expect(counter.counterFills).toHaveLength(1);
    expect((await buy.handle.query(orderStateQuery)).status).toBe('ROUTED');

    const amend = buy.handle.executeUpdate(amendOrderUpdate, {
      args: [{ actor: buyer.actor, quantity: '4' }],
    });
    const failure = await refusal(amend);
    expect(failure.type).toBe('invalid_state');
    expect(failure.message).toBe('the order is no longer open: it was filled or cancelled');
    expect(failureToApiError(failure)).toMatchObject({ status: 409, code: 'invalid_state' });

    // Nothing changed by the refused amend; the late Signal then fills the order.
    const instrument = instrumentOf('EUA')!;
    for (const fill of counter.counterFills) {
      await buy.handle.signal(orderFillSignal, { orderId: fill.orderId, ...fillOf(instrument, fill) });
    }
    const final = await buy.handle.result();
    expect(final).toMatchObject({ status: 'FILLED', quantity: '5', filledQuantity: '5' });
    expect(path(final)).toBe('NEW → VALIDATED → ROUTED → FILLED');
    expect(await balance(buyer.id, 'EUR')).toMatchObject({ pending: 0n });
  });

  it('cancel of an order the venue filled before its Signal arrived: 409 invalid_state, its fills not the cancel’s', async () => {
    const buyer = await client({ EUR: 1_000_000n });
    const seller = await client({ EUA: 5n });
    const buy = await placed(buyer, { side: 'BUY', quantity: '5', price: '67.00' });
    await sellUntold(seller, 5n, '67.00');
    expect((await buy.handle.query(orderStateQuery)).status).toBe('ROUTED');

    // The venue's answer to the cancel carries the fill; the order is FILLED, so the cancel is refused.
    const updateId = `cancel-${randomUUID()}`;
    const failure = await refusal(
      buy.handle.executeUpdate(cancelOrderUpdate, { ...cancel(buyer.actor), updateId }),
    );
    expect(failureToApiError(failure)).toMatchObject({ status: 409, code: 'invalid_state' });
    const final = await buy.handle.result();
    expect(final).toMatchObject({ status: 'FILLED', filledQuantity: '5' });
    // Recorded as the workflow's own step: a retry of this refused cancel (its answer lost) must not
    // read as applied (api/lifecycle-kit/acting.ts appliedBefore), which answered 200 FILLED (chaos).
    const events = await pool.query<{ to_status: string; update_id: string | null }>(
      `SELECT to_status, data->>'updateId' AS update_id FROM lifecycle_event WHERE workflow_id = $1 ORDER BY seq`,
      [buy.state.workflowId],
    );
    expect(events.rows.map((e) => e.to_status)).toContain('FILLED');
    expect(events.rows.filter((e) => e.update_id === updateId)).toEqual([]);
  });

  it('every order of this file replays deterministically against the current code', async () => {
    expect(await replayWorkflows(t.client, started)).toBeGreaterThanOrEqual(12);
  });
});
