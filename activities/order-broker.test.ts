// Posting broker executions against a real PostgreSQL ledger. Found by the chaos run (issue 16): a
// KRBN BUY of 2 at 31.65 filled in two executions reserved 63.30 + 0.13 (the fee rounded up once on
// the whole), but each execution rounds its own fee up (0.07 + 0.07), so the second one found the
// hold a cent short, failed its assertion on every retry, and the order stayed ROUTED for good.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureClientAccounts, getClientBalances, holdEntry, trialBalance } from '../db/ledger/index.js';
import { fundedClient, testPool } from '../db/ledger/test-support.js';
import { ensureInstruments } from '../db/venue/index.js';
import { instrumentOf } from '../domain/instruments.js';
import { orderWorkflowId, reserveAmount, type OrderInput } from '../domain/order.js';
import { orderReserve } from '../domain/postings.js';
import { tradingPolicy } from '../domain/trading-policy.js';
import { postBrokerExecution } from './order-broker.js';

const pool = testPool(4);
const KRBN = instrumentOf('KRBN')!;
const POLICY = tradingPolicy({});

beforeAll(async () => {
  await ensureInstruments(pool);
});

afterAll(async () => {
  await pool.end();
});

describe('postBrokerExecution', () => {
  it("caps a BUY's last fee at what its reservation holds when per-execution rounding adds up beyond it", async () => {
    const funds = 100_000n;
    const clientId = await fundedClient(pool, 'USD', funds);
    await ensureClientAccounts(pool, clientId, 'KRBN');
    const businessId = randomUUID();
    const workflowId = orderWorkflowId(businessId);
    const order: OrderInput = {
      businessId,
      clientId,
      clientOrderId: null,
      symbol: 'KRBN',
      side: 'BUY',
      type: 'LIMIT',
      timeInForce: 'GTC',
      quantity: '2',
      price: '31.65',
      expiresAt: null,
      policy: POLICY,
      requestedBy: { id: clientId, role: 'client' },
    };
    const reserved = reserveAmount({
      side: 'BUY',
      type: 'LIMIT',
      quantity: 2n,
      limitPrice: 3165n,
      protectionPrice: null,
      makerFeeBps: POLICY.makerFeeBps,
      takerFeeBps: POLICY.takerFeeBps,
    });
    const hold = await holdEntry(pool, {
      idempotencyKey: `${workflowId}/reserve`,
      workflowId,
      ...orderReserve(clientId, 'USD', reserved),
    });
    const execution = (seq: number) => ({
      seq,
      executionId: `${workflowId}/broker/exec/${seq}`,
      price: 3165n,
      quantity: 1n,
      at: new Date(),
    });
    const run = { workflowId, runId: randomUUID(), activity: 'brokerFills' };
    const first = await postBrokerExecution(pool, {
      run,
      order,
      instrument: KRBN,
      tradeId: randomUUID(),
      report: execution(1),
      holdEntryId: hold.id,
      reserved,
      filledBefore: 0n,
      quantity: 2n,
    });
    // 31.65 at 20 bps is 0.0633, rounded up to 0.07; the rest of the hold is 63.43 − 31.72.
    expect(first.fill.fee).toBe('0.07');
    expect(first.reserved).toBe(reserved - 3172n);
    const secondPosting = {
      run,
      order,
      instrument: KRBN,
      tradeId: randomUUID(),
      report: execution(2),
      holdEntryId: first.holdEntryId!,
      reserved: first.reserved,
      filledBefore: 1n,
      quantity: 2n,
    };
    const second = await postBrokerExecution(pool, secondPosting);
    // The rounded fee would be 0.07 again; 0.06 is what the reservation has left beyond the notional.
    expect(second.fill).toMatchObject({ fee: '0.06', done: true, filledQuantity: '2' });
    expect(second.holdEntryId).toBeNull();
    // An activity retry answers the same and posts nothing more.
    expect((await postBrokerExecution(pool, secondPosting)).fill).toEqual(second.fill);

    const balances = await getClientBalances(pool, clientId);
    const usd = balances.find((b) => b.asset === 'USD');
    // The client paid exactly its reservation: 63.30 and the 0.13 fee the reservation counted.
    expect(usd).toMatchObject({ available: funds - reserved, pending: 0n });
    expect(balances.find((b) => b.asset === 'KRBN')).toMatchObject({ pendingSettlement: 2n });
    const trial = await trialBalance(pool);
    expect(trial).toMatchObject({ balanced: true, accountsMatchLines: true });
  });
});
