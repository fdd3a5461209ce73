// Settlement on the real dev server: real worker and activities, real PostgreSQL (trades from the
// real venue, the ledger), the simulated registry with its own transfer ledger. Durations are
// seconds. A batch claims every unsettled trade of the database, so each scenario checks its own
// clients and trades, and the file's scenarios run one after another.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

// A batch claims every unsettled trade of its database: this file has a database of its own, so
// other files' trades never join its batches (and its batches never settle theirs).
vi.hoisted(() => {
  process.env.DATABASE_URL = `${process.env.DATABASE_URL}_settlement_wf`;
});

import { replayWorkflows, startTestWorker, type TestTemporal } from '../tests/support/temporal.js';
import { spawnWorker, type WorkerProcess } from '../tests/support/dev-server.js';
import { getPool } from '../db/pool.js';
import { useOwnDatabase } from '../tests/support/own-database.js';
import { postEntry, trialBalance } from '../db/ledger/index.js';
import { clientAccountCode } from '../domain/postings.js';
import { balancesOf, newClient, placeOrder, testInstrument } from '../db/venue/test-support.js';
import { PLATFORM_REGISTRY_ACCOUNTS, SimulatedRegistry } from '../activities/registry-adapter.js';
import { ensureSettlementSchedule } from '../activities/settlement-schedule.js';
import type { Instrument } from '../domain/instruments.js';
import type { Actor } from '../domain/lifecycle.js';
import {
  clientSettlementWorkflowId,
  netTradeSides,
  settlementBatchWorkflowId,
  settlementPolicy,
  type ClientSettlementState,
  type SettlementBatchState,
  type TradeSide,
} from '../domain/settlement.js';
import {
  clientSettlementStateQuery,
  confirmReceiptUpdate,
  retrySettlementUpdate,
} from './client-settlement.js';
import { settlementBatch } from './settlement-batch.js';

const POLICY = settlementPolicy({
  calendar: { kind: 'interval', everySeconds: 3600 },
  progressPollMs: 300,
  deliveryRetryWindowMs: 4000,
  // Long enough that a loaded machine's checks between a delivery and the client's confirmation do
  // not outlast it (at 3 s the confirmation below was refused: the settlement had confirmed itself).
  confirmationWindowMs: 10_000,
  pageSize: 3,
});
const pool = getPool();
const registry = new SimulatedRegistry(pool, {});
const OPS: Actor = { id: randomUUID(), role: 'operations' };
let t: TestTemporal;
const workflows: string[] = [];

useOwnDatabase('_settlement_wf');
beforeAll(async () => {
  t = await startTestWorker({ deps: { registry } });
});
afterAll(async () => {
  await t?.stop();
});
afterEach(async () => {
  registry.options.rejectAccounts = [];
  const trial = await trialBalance(pool);
  expect(trial.balanced).toBe(true);
  expect(trial.accountsMatchLines).toBe(true);
});

/** `n` clients of a fresh instrument, each with cash and certificates. */
async function market(n: number): Promise<{ eua: Instrument; clients: string[] }> {
  const eua = await testInstrument(pool, 'EUA');
  const clients: string[] = [];
  for (let i = 0; i < n; i += 1) clients.push(await newClient(pool, eua, 10_000_000n, 1_000n));
  return { eua, clients };
}

/** `seller` sells `qty` to `buyer` at `price` (resting sell, crossing buy): one trade. */
async function trade(eua: Instrument, seller: string, buyer: string, qty: bigint, price: bigint) {
  await placeOrder(pool, eua, { clientId: seller, side: 'SELL', quantity: qty, price });
  const buy = await placeOrder(pool, eua, { clientId: buyer, side: 'BUY', quantity: qty, price });
  expect(buy.result.fills.length).toBe(1);
}

async function runBatch(cutoff = new Date().toISOString()): Promise<SettlementBatchState> {
  const batchId = randomUUID();
  const workflowId = settlementBatchWorkflowId(batchId);
  workflows.push(workflowId);
  return t.client.workflow.execute(settlementBatch, {
    taskQueue: t.taskQueue,
    workflowId,
    args: [{ batchId, origin: 'manual', requestedBy: OPS, policy: POLICY, cutoff }],
  });
}

async function settlementOf(batchId: string, clientId: string): Promise<ClientSettlementState> {
  const { rows } = await pool.query<{ id: string }>(
    'SELECT id FROM client_settlement WHERE batch_id = $1 AND client_id = $2',
    [batchId, clientId],
  );
  const id = rows[0]?.id;
  if (!id) throw new Error(`no settlement of ${clientId} in ${batchId}`);
  workflows.push(clientSettlementWorkflowId(id));
  return t.client.workflow.getHandle(clientSettlementWorkflowId(id)).query(clientSettlementStateQuery);
}

async function until<T>(
  what: string,
  read: () => Promise<T>,
  ok: (v: T) => boolean,
  ms = 20_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The trade sides of `clients` in `batchId`, as the reference netting reads them. */
async function sidesOf(batchId: string): Promise<TradeSide[]> {
  const { rows } = await pool.query<{
    buyer_id: string;
    seller_id: string;
    asset: 'EUA';
    quote_asset: 'EUR';
    price: string;
    quantity: string;
    buy_fee: string;
    sell_fee: string;
  }>(
    `SELECT t.buyer_id, t.seller_id, i.asset, i.quote_asset, t.price, t.quantity, t.buy_fee, t.sell_fee
       FROM trade t JOIN instrument i ON i.symbol = t.symbol WHERE t.settlement_id = $1`,
    [batchId],
  );
  return rows.flatMap((r) => [
    {
      clientId: r.buyer_id,
      side: 'BUY' as const,
      asset: r.asset,
      quoteAsset: r.quote_asset,
      price: BigInt(r.price),
      quantity: BigInt(r.quantity),
      fee: BigInt(r.buy_fee),
    },
    {
      clientId: r.seller_id,
      side: 'SELL' as const,
      asset: r.asset,
      quoteAsset: r.quote_asset,
      price: BigInt(r.price),
      quantity: BigInt(r.quantity),
      fee: BigInt(r.sell_fee),
    },
  ]);
}

/** Σ of venue:clearing lines for the batch's trades' fills and its settlements' deliveries. */
async function clearingOfBatch(batchId: string): Promise<Record<string, string>> {
  const { rows } = await pool.query<{ code: string; net: string }>(
    `SELECT a.code, (sum(l.debit) - sum(l.credit))::text AS net
       FROM journal_line l JOIN ledger_account a ON a.id = l.account_id JOIN journal_entry e ON e.id = l.entry_id
      WHERE a.code LIKE 'venue:clearing:%'
        AND (e.idempotency_key IN (SELECT 'trade/' || id FROM trade WHERE settlement_id = $1)
             OR e.workflow_id IN (SELECT workflow_id FROM client_settlement WHERE batch_id = $1))
      GROUP BY a.code`,
    [batchId],
  );
  return Object.fromEntries(rows.map((r) => [r.code, r.net]));
}

describe('settlement batch', { timeout: 90_000 }, () => {
  it('nets trades of several clients per asset, delivers each once, and leaves clearing at zero', async () => {
    const { eua, clients } = await market(4);
    const [a, b, c, d] = clients as [string, string, string, string];
    await trade(eua, a, b, 10n, 7000n);
    await trade(eua, b, a, 4n, 7100n);
    await trade(eua, a, c, 5n, 7000n);
    await trade(eua, d, c, 3n, 6900n);
    const before = await balancesOf(pool, b, 'EUA');
    expect(before.pendingSettlement).toBe(10n);

    const batch = await runBatch();
    expect(batch.status).toBe('COMPLETED');
    const expected = netTradeSides(await sidesOf(batch.id));
    for (const client of clients) {
      const s = await until(
        'delivered',
        () => settlementOf(batch.id, client),
        // The confirmation window is seconds here: a slow poll may first see it CONFIRMED.
        (v) => v.status === 'DELIVERED' || v.status === 'CONFIRMED',
      );
      const legs = (expected.get(client) ?? []).filter((l) => l.netMinor !== 0n);
      expect(s.legs.map((l) => [l.asset, l.direction])).toEqual(
        legs.map((l) => [l.asset, l.netMinor > 0n ? 'RECEIVE' : 'DELIVER']),
      );
      for (const asset of ['EUA', 'EUR'] as const)
        expect((await balancesOf(pool, client, asset)).pendingSettlement).toBe(0n);
    }
    // b bought 10 and sold 4: receives 6 net at the registry, and 10 became available.
    const sb = await settlementOf(batch.id, b);
    expect(sb.legs.find((l) => l.asset === 'EUA')).toEqual({
      asset: 'EUA',
      direction: 'RECEIVE',
      amount: '6',
    });
    expect((await balancesOf(pool, b, 'EUA')).available).toBe(before.available + 10n);
    expect(Object.values(await clearingOfBatch(batch.id)).every((v) => v === '0')).toBe(true);
    for (const transfer of sb.deliveries) expect(await registry.count(transfer.transferId)).toBe(1);
    const settled = await pool.query(
      `SELECT DISTINCT settlement_status FROM trade WHERE settlement_id = $1`,
      [batch.id],
    );
    expect(settled.rows).toEqual([{ settlement_status: 'SETTLED' }]);

    // The client confirms one; another confirms by itself after the window.
    const handle = t.client.workflow.getHandle(sb.workflowId);
    const confirmed = await handle.executeUpdate(confirmReceiptUpdate, {
      args: [{ actor: { id: b, role: 'client' } }],
    });
    expect(confirmed.status).toBe('CONFIRMED');
    await until(
      'auto-confirmed',
      () => settlementOf(batch.id, a),
      (v) => v.status === 'CONFIRMED',
      30_000,
    );
  });

  it('opens an exception on a refused delivery; a retry delivers it', async () => {
    const { eua, clients } = await market(2);
    const [a, b] = clients as [string, string];
    await trade(eua, a, b, 7n, 7000n);
    registry.options.rejectAccounts = [PLATFORM_REGISTRY_ACCOUNTS.EU.omnibus];
    const batch = await runBatch();
    expect(batch.status).toBe('COMPLETED');
    const failing = await until(
      'failing',
      () => settlementOf(batch.id, b),
      (v) => v.status === 'FAILING',
    );
    expect(failing.failure).toMatch(/account_blocked/);
    const task = await pool.query(
      `SELECT status, required_role FROM task WHERE workflow_id = $1 AND kind = 'settlement.exception'`,
      [failing.workflowId],
    );
    expect(task.rows).toEqual([{ status: 'open', required_role: 'operations' }]);
    expect((await balancesOf(pool, b, 'EUA')).pendingSettlement).toBe(7n);

    const handle = t.client.workflow.getHandle(failing.workflowId);
    // Still blocked: the retry is refused in words and nothing changes.
    await expect(
      handle.executeUpdate(retrySettlementUpdate, { args: [{ actor: OPS, note: 'again' }] }),
    ).rejects.toThrow();
    registry.options.rejectAccounts = [];
    const retried = await handle.executeUpdate(retrySettlementUpdate, {
      args: [{ actor: OPS, note: 'registry fixed' }],
    });
    expect(retried.status).toBe('DELIVERED');
    expect(retried.deliveries.map((d) => d.outcome)).toEqual(['REJECTED', 'REJECTED', 'DELIVERED']);
    expect((await balancesOf(pool, b, 'EUA')).pendingSettlement).toBe(0n);
    const closed = await pool.query(
      `SELECT status FROM task WHERE workflow_id = $1 AND kind = 'settlement.exception'`,
      [failing.workflowId],
    );
    expect(closed.rows).toEqual([{ status: 'done' }]);
  });

  it('a pending settlement short of its release opens an exception instead of failing', async () => {
    const { eua, clients } = await market(2);
    const [a, b] = clients as [string, string];
    await trade(eua, a, b, 6n, 7000n);
    // A mistaken correction takes 2 of b's 6 pending certificates before the batch.
    const pending = clientAccountCode(b, eua.asset, 'pending_settlement');
    const available = clientAccountCode(b, eua.asset, 'available');
    const shift = (out: boolean) =>
      postEntry(pool, {
        idempotencyKey: `test-shift/${b}/${out ? 'out' : 'back'}`,
        kind: 'test.correction',
        description: 'test correction',
        transfers: [
          out
            ? { debit: pending, credit: available, amount: 2n }
            : { debit: available, credit: pending, amount: 2n },
        ],
      });
    await shift(true);
    const batch = await runBatch();
    expect(batch.status).toBe('COMPLETED');
    const failing = await until(
      'failing',
      () => settlementOf(batch.id, b),
      (v) => v.status === 'FAILING',
    );
    expect(failing.failure).toMatch(/pending settlement short/);
    expect(failing.timeline.map((e) => e.to)).toEqual(['INITIATED', 'PROCESSED', 'FAILING']);
    const task = await pool.query(
      `SELECT status FROM task WHERE workflow_id = $1 AND kind = 'settlement.exception'`,
      [failing.workflowId],
    );
    expect(task.rows).toEqual([{ status: 'open' }]);
    const handle = t.client.workflow.getHandle(failing.workflowId);
    // Still short: the retry is refused and nothing moved.
    await expect(handle.executeUpdate(retrySettlementUpdate, { args: [{ actor: OPS }] })).rejects.toThrow();
    expect((await balancesOf(pool, b, 'EUA')).pendingSettlement).toBe(4n);
    await shift(false);
    const retried = await handle.executeUpdate(retrySettlementUpdate, {
      args: [{ actor: OPS, note: 'put right' }],
    });
    expect(retried.status).toBe('DELIVERED');
    expect((await balancesOf(pool, b, 'EUA')).pendingSettlement).toBe(0n);
  });

  it('pages its client settlements across continue-as-new', async () => {
    const { eua, clients } = await market(7);
    for (let i = 0; i + 1 < clients.length; i += 2) await trade(eua, clients[i]!, clients[i + 1]!, 2n, 7000n);
    await trade(eua, clients[6]!, clients[0]!, 1n, 7000n);
    const batch = await runBatch();
    expect(batch.settlements).toBeGreaterThanOrEqual(7);
    expect(batch.started).toBe(batch.settlements);
    const runs = [];
    for await (const run of t.client.workflow.list({ query: `WorkflowId = '${batch.workflowId}'` }))
      runs.push(run);
    expect(runs.length).toBeGreaterThanOrEqual(3);
    const handle = t.client.workflow.getHandle(batch.workflowId);
    const description = await handle.describe();
    // pageSize 3: at least three runs, and the last one's history is short.
    expect(description.historyLength).toBeLessThan(100);
    for (const c of clients)
      await until(
        'delivered',
        () => settlementOf(batch.id, c),
        (v) => ['DELIVERED', 'CONFIRMED'].includes(v.status),
      );
  });

  it('two batches racing share no trade', async () => {
    const { eua, clients } = await market(4);
    for (let i = 0; i < 6; i += 1) await trade(eua, clients[i % 4]!, clients[(i + 1) % 4]!, 1n, 7000n);
    const now = Date.now();
    const [x, y] = await Promise.all([
      runBatch(new Date(now).toISOString()),
      runBatch(new Date(now + 1).toISOString()),
    ]);
    const { rows } = await pool.query<{ settlement_id: string; n: number }>(
      `SELECT settlement_id, count(*)::int AS n FROM trade WHERE symbol = $1 GROUP BY settlement_id`,
      [eua.symbol],
    );
    expect(rows.every((r) => r.settlement_id === x.id || r.settlement_id === y.id)).toBe(true);
    expect(rows.reduce((s, r) => s + r.n, 0)).toBe(6);
    expect(x.trades + y.trades).toBeGreaterThanOrEqual(6);
    // A batch for a cutoff another batch holds is skipped.
    const again = await runBatch(new Date(now).toISOString());
    expect(again.status).toBe('SKIPPED');
  });

  it('runs from the Schedule, created idempotently, one batch per cutoff', async () => {
    const scheduleId = `settlement-test-${randomUUID()}`;
    const policy = { ...POLICY, calendar: { kind: 'interval' as const, everySeconds: 2 } };
    expect(await ensureSettlementSchedule(t.client, { taskQueue: t.taskQueue, policy, scheduleId })).toBe(
      'created',
    );
    expect(await ensureSettlementSchedule(t.client, { taskQueue: t.taskQueue, policy, scheduleId })).toBe(
      'updated',
    );
    const handle = t.client.schedule.getHandle(scheduleId);
    try {
      const ran = await until(
        'a scheduled batch',
        () => handle.describe(),
        (d) => d.info.recentActions.length > 0,
        15_000,
      );
      const workflowId = ran.info.recentActions[0]!.action.workflow.workflowId;
      expect(workflowId).toMatch(/^settlement-batch-scheduled-/);
      workflows.push(workflowId);
      const state = await t.client.workflow.getHandle(workflowId).result();
      expect(['COMPLETED', 'SKIPPED']).toContain(state.status);
      expect(workflowId.endsWith(state.cutoff.replace('.000Z', 'Z'))).toBe(true);
    } finally {
      await handle.delete();
    }
  });

  it('a worker killed mid-batch resumes without delivering twice', { timeout: 120_000 }, async () => {
    // The test's own worker steps aside; a worker process of this task queue takes over, dies, and another one resumes.
    t.worker.shutdown();
    const { eua, clients } = await market(6);
    // Pairs, so that every client has a certificate leg to deliver or receive at the registry.
    for (let i = 0; i < 6; i += 2) await trade(eua, clients[i]!, clients[i + 1]!, 3n, 7000n);
    const env = {
      TEMPORAL_TASK_QUEUE: t.taskQueue,
      SETTLEMENT_SCHEDULE: '0',
      NOTIFICATIONS: '0',
      REGISTRY_SIM_JSON: '{"latencyMs":700}',
    };
    let worker: WorkerProcess = spawnWorker(env);
    await worker.waitForLine(/worker polling/, 60_000);
    const batchId = randomUUID();
    const workflowId = settlementBatchWorkflowId(batchId);
    const running = await t.client.workflow.start(settlementBatch, {
      taskQueue: t.taskQueue,
      workflowId,
      args: [
        { batchId, origin: 'manual', requestedBy: OPS, policy: POLICY, cutoff: new Date().toISOString() },
      ],
    });
    await until(
      'deliveries under way',
      async () =>
        (
          await pool.query(
            `SELECT count(*)::int AS n FROM simulated_registry_transfer WHERE transfer_id LIKE 'client-settlement-%' AND created_at > now() - interval '1 minute'`,
          )
        ).rows[0].n,
      (n: number) => n >= 1,
    );
    worker.child.kill('SIGKILL');
    await worker.exited;
    worker = spawnWorker(env);
    try {
      const state = await running.result();
      expect(state.status).toBe('COMPLETED');
      const { rows } = await pool.query<{ id: string; workflow_id: string; status: string }>(
        'SELECT id, workflow_id, status FROM client_settlement WHERE batch_id = $1',
        [batchId],
      );
      for (const s of rows) {
        await until(
          'delivered',
          async () =>
            (await pool.query('SELECT status FROM client_settlement WHERE id = $1', [s.id])).rows[0].status,
          (v: string) => v === 'DELIVERED' || v === 'CONFIRMED',
          60_000,
        );
        const transfers = await pool.query<{ transfer_id: string }>(
          `SELECT transfer_id FROM simulated_registry_transfer WHERE transfer_id LIKE $1 || '/%'`,
          [s.workflow_id],
        );
        expect(transfers.rows.length).toBe(1);
        const entries = await pool.query(
          `SELECT 1 FROM journal_entry WHERE workflow_id = $1 AND kind = 'settlement.deliver'`,
          [s.workflow_id],
        );
        expect(entries.rowCount).toBe(1);
      }
      for (const c of clients) expect((await balancesOf(pool, c, 'EUA')).pendingSettlement).toBe(0n);
    } finally {
      worker.child.kill('SIGTERM');
      await worker.exited;
      // The test worker was shut down above: close its connections, then start a fresh one.
      await t.stop().catch(() => undefined);
      t = await startTestWorker({ deps: { registry } });
    }
  });

  it('replays every batch and settlement history against the current code', async () => {
    expect(await replayWorkflows(t.client, workflows)).toBeGreaterThan(4);
  });
});
