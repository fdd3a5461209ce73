// Settlement through HTTP: the real server, a real worker (batch and client settlement workflows,
// the internal venue, the simulated registry with its own transfer ledger), the Temporal dev server
// and PostgreSQL. Trades come from real orders (tests/api/trading-support.ts) under the instrument's
// test lock, leaving nothing resting. A batch claims every unsettled trade of the database, so each
// scenario starts its own batch (POST /ops/settlement-batches) and checks only its own clients.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

// A batch claims every unsettled trade of its database: this file has a database of its own, so
// other files' trades never join its batches (and its batches never settle theirs).
vi.hoisted(() => {
  process.env.DATABASE_URL = `${process.env.DATABASE_URL}_settlement_api`;
});

import { startTestApp } from '../../api/testing.js';
import { closeTemporalClient } from '../../api/temporal-client.js';
import { closeLifecycleNotifications } from '../../api/live-updates.js';
import { resolveDeps } from '../../api/deps.js';
import { closeMarketNotifications } from '../../api/services/market.js';
import { PLATFORM_REGISTRY_ACCOUNTS, SimulatedRegistry } from '../../activities/registry-adapter.js';
import { ensureSystemAccounts } from '../../db/ledger/index.js';
import { closePool } from '../../db/pool.js';
import { ensureInstruments } from '../../db/venue/index.js';
import { useOwnDatabase } from '../support/own-database.js';
import { startTestWorker } from '../support/temporal.js';
import {
  TEST_DEPOSIT_POLICY,
  expectBooksBalanced,
  expectError,
  expectInAuditorArea,
  post,
  type ApiWorld,
  type Person,
} from './helpers.js';
import { balance, cancelWorking, placed, trader, withInstrument } from './trading-support.js';

// Seconds instead of hours; the Schedule's calendar is far away (batches start only by hand here).
const POLICY = {
  calendar: { kind: 'interval', everySeconds: 86_400 },
  progressPollMs: 300,
  deliveryRetryWindowMs: 3_000,
  confirmationWindowMs: 120_000,
  expectedProcessMs: 5_000,
  expectedDeliveryMs: 30_000,
};

let w: ApiWorld;
let registry: SimulatedRegistry;
let ops: Person;
let auditor: Person;
let aml: Person;

/** startApiWorld with the worker's registry in the test's hands (failure injection). */
async function startWorld(): Promise<ApiWorld> {
  process.env.DEPOSIT_POLICY_JSON = JSON.stringify(TEST_DEPOSIT_POLICY);
  process.env.SETTLEMENT_POLICY_JSON = JSON.stringify(POLICY);
  const app = await startTestApp({ apiRateLimitPerMinute: 0 });
  registry = new SimulatedRegistry(app.pool, {});
  const temporal = await startTestWorker({ deps: { registry } });
  const deps = resolveDeps({ pool: app.pool });
  return {
    app,
    temporal,
    deps,
    async person(role) {
      const user = await app.createUser(role);
      const { accessToken } = await app.login(user);
      return { ...user, token: accessToken };
    },
    as(person, path, init = {}) {
      return app.api(`/api/v1${path}`, { ...init, token: person?.token });
    },
    async stop() {
      await app.close();
      await temporal.stop();
      await closeTemporalClient();
      await closeLifecycleNotifications();
      await closePool();
    },
  };
}

useOwnDatabase('_settlement_api');

beforeAll(async () => {
  w = await startWorld();
  [ops, auditor, aml] = await Promise.all([
    w.person('operations'),
    w.person('auditor'),
    w.person('aml_officer'),
  ]);
  await ensureSystemAccounts(w.app.pool);
  await ensureInstruments(w.app.pool);
});

afterAll(async () => {
  await closeMarketNotifications();
  await w?.stop();
  delete process.env.SETTLEMENT_POLICY_JSON;
});

afterEach(async () => {
  registry.options.rejectAccounts = [];
  await expectBooksBalanced(w, auditor);
});

const order = (side: 'BUY' | 'SELL', quantity: string, price: string) => ({
  symbol: 'EUA',
  side,
  type: 'LIMIT',
  quantity,
  price,
});

/** `seller` sells `quantity` EUA to `buyer` at `price`: a resting SELL crossed by a BUY. */
async function trade(seller: Person, buyer: Person, quantity: string, price: string): Promise<void> {
  await withInstrument('EUA', async () => {
    const ask = await placed(w, seller, order('SELL', quantity, price));
    const bid = await placed(w, buyer, order('BUY', quantity, price));
    expect(bid.status, JSON.stringify(bid)).toBe('FILLED');
    expect(ask.id).toBeTruthy();
    await cancelWorking(w, seller);
    await cancelWorking(w, buyer);
  });
}

async function startBatch(): Promise<{ id: string; status: string; trades: number; settlements: number }> {
  // The fills' trade rows are written before the orders answer, a few ms before "now".
  const answer = await w.as(ops, '/ops/settlement-batches', {
    method: 'POST',
    json: {},
    idempotencyKey: randomUUID(),
  });
  expect(answer.status, answer.text).toBe(201);
  return answer.body;
}

interface Settlement {
  id: string;
  workflowId: string;
  batchId: string;
  clientId: string;
  status: string;
  legs: { asset: string; direction: string; amount: string }[];
  tradeIds: string[];
  tradeCount: number;
  expected: Record<string, string>;
  expectedAt: string | null;
  failure: string | null;
  allowedActions: string[];
  openTasks?: { kind: string }[];
  timeline: { from: string | null; to: string; actor: { id: string } | null }[];
}

/**
 * The client's settlement in `batchId` (through its own list, filtered by batch), once its workflow
 * has recorded it: the batch answers when collected and starts its settlements right after.
 */
async function settlementOf(client: Person, batchId: string): Promise<Settlement> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const list = await w.as(client, `/settlements?batchId=${batchId}`);
    expect(list.status, list.text).toBe(200);
    if (list.body.items.length > 0 || Date.now() > deadline) {
      expect(list.body.items.length, list.text).toBe(1);
      const read = await w.as(client, `/settlements/${list.body.items[0].id}`);
      expect(read.status, read.text).toBe(200);
      return read.body;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Polls GET /settlements/:id as `reader` until `done`. */
async function waitFor(
  reader: Person,
  id: string,
  done: (s: Settlement) => boolean,
  timeoutMs = 30_000,
): Promise<Settlement> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await w.as(reader, `/settlements/${id}`);
    expect(answer.status, answer.text).toBe(200);
    if (done(answer.body) || Date.now() > deadline) return answer.body;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function waitForBatch(id: string, status: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await w.as(auditor, `/ops/settlement-batches/${id}`);
    expect(answer.status, answer.text).toBe(200);
    if (answer.body.status === status || Date.now() > deadline) return answer.body;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function tradesOf(
  client: Person,
): Promise<{ id: string; settlementId: string | null; settlementStatus: string }[]> {
  const answer = await w.as(client, '/trades?limit=200');
  expect(answer.status, answer.text).toBe(200);
  return answer.body.items;
}

const legOf = (s: Settlement, asset: string) => s.legs.find((l) => l.asset === asset);

/** The first scenario's confirmed settlement and completed batch, for the auditor area's checks. */
const closedOnes: { settlement?: Settlement; batchWorkflowId?: string } = {};

describe('settling trades between clients', { timeout: 120_000 }, () => {
  it('nets each client per asset, delivers, moves pending settlement to available, and is confirmed', async () => {
    const a = await trader(w, { eurMinor: 10_000_000n, certificates: { EUA: 100n } });
    const b = await trader(w, { eurMinor: 10_000_000n, certificates: { EUA: 100n } });
    await trade(a, b, '10', '70.00');
    await trade(b, a, '4', '71.00');

    const bBefore = { eua: await balance(w, b, 'EUA'), eur: await balance(w, b, 'EUR') };
    expect(bBefore.eua.pendingSettlement).toBe('10');
    const unsettled = (await tradesOf(b)).slice(0, 2);
    expect(unsettled.map((t) => t.settlementStatus)).toEqual(['UNSETTLED', 'UNSETTLED']);

    const started = await startBatch();
    expect(started).toMatchObject({ status: expect.stringMatching(/COLLECTED|SETTLING|COMPLETED/) });
    expect(started.trades).toBeGreaterThanOrEqual(2);

    const sa = await settlementOf(a, started.id);
    const sb = await settlementOf(b, started.id);
    expect(sb).toMatchObject({ batchId: started.id, clientId: b.id, tradeCount: 2 });
    // a sold 10 at 70.00 and bought 4 at 71.00; b the other way round.
    expect(legOf(sa, 'EUA')).toEqual({ asset: 'EUA', direction: 'DELIVER', amount: '6' });
    expect(legOf(sa, 'EUR')).toEqual({ asset: 'EUR', direction: 'RECEIVE', amount: '416.00' });
    expect(legOf(sb, 'EUA')).toEqual({ asset: 'EUA', direction: 'RECEIVE', amount: '6' });
    expect(legOf(sb, 'EUR')).toEqual({ asset: 'EUR', direction: 'DELIVER', amount: '416.00' });
    expect(sb.tradeIds.sort()).toEqual(unsettled.map((t) => t.id).sort());
    expect(Object.keys(sb.expected).sort()).toEqual(['CONFIRMED', 'DELIVERED', 'INITIATED', 'PROCESSED']);

    const delivered = await waitFor(b, sb.id, (s) => s.status === 'DELIVERED');
    expect(delivered.status).toBe('DELIVERED');
    expect(delivered.timeline.map((t) => t.to)).toEqual(['INITIATED', 'PROCESSED', 'DELIVERED']);
    expect(delivered.allowedActions).toEqual(['confirm_receipt']);
    await waitFor(a, sa.id, (s) => s.status === 'DELIVERED');

    // Delivered: pending settlement is available now (b: 10 EUA bought, 4 × 71.00 less its fee sold).
    const bAfter = { eua: await balance(w, b, 'EUA'), eur: await balance(w, b, 'EUR') };
    expect(bAfter.eua.pendingSettlement).toBe('0');
    expect(bAfter.eur.pendingSettlement).toBe('0.00');
    expect(BigInt(bAfter.eua.available)).toBe(BigInt(bBefore.eua.available) + 10n);
    expect(Number(bAfter.eur.available)).toBeCloseTo(
      Number(bBefore.eur.available) + Number(bBefore.eur.pendingSettlement),
      2,
    );
    for (const t of (await tradesOf(b)).filter((t) => sb.tradeIds.includes(t.id)))
      expect(t).toMatchObject({ settlementId: started.id, settlementStatus: 'SETTLED' });

    // Only the owner confirms: another client does not see it, staff may not confirm it.
    const stranger = await trader(w);
    expectError(await post(w, stranger, `/settlements/${sb.id}/confirm-receipt`), 404, 'not_found');
    expectError(await w.as(stranger, `/settlements/${sb.id}`), 404, 'not_found');
    expectError(await post(w, ops, `/settlements/${sb.id}/confirm-receipt`), 403, 'forbidden');
    const confirmed = await post(w, b, `/settlements/${sb.id}/confirm-receipt`);
    expect(confirmed.status, confirmed.text).toBe(200);
    expect(confirmed.body).toMatchObject({ status: 'CONFIRMED', allowedActions: [] });
    expect(confirmed.body.timeline.at(-1)).toMatchObject({ to: 'CONFIRMED', actor: { id: b.id } });
    expectError(await post(w, b, `/settlements/${sb.id}/confirm-receipt`), 409, 'invalid_state');

    // The batch: completed, its totals per asset (gross traded, net moved).
    const batch = await waitForBatch(started.id, 'COMPLETED');
    expect(batch).toMatchObject({ id: started.id, origin: 'manual', status: 'COMPLETED' });
    closedOnes.settlement = sb;
    closedOnes.batchWorkflowId = batch.workflowId;
    expect(batch.timeline.map((t: { to: string }) => t.to)).toContain('COMPLETED');
    const totals = Object.fromEntries(
      batch.totals.map((t: { asset: string; gross: string; net: string }) => [t.asset, t]),
    );
    // Only this scenario's trades are certain to be in the batch: at least their gross and net.
    expect(Number(totals.EUA.gross)).toBeGreaterThanOrEqual(14);
    expect(Number(totals.EUA.net)).toBeGreaterThanOrEqual(6);
    expect(Number(totals.EUR.gross)).toBeGreaterThanOrEqual(984);
    const listed = await w.as(auditor, '/ops/settlement-batches?limit=200');
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body.items.map((x: { id: string }) => x.id)).toContain(started.id);
    expectError(await w.as(b, `/ops/settlement-batches/${started.id}`), 403, 'forbidden');
    expectError(await w.as(b, '/ops/settlement-batches'), 403, 'forbidden');

    // Staff filter by batch; a client's list never shows another client's settlement.
    const ofBatch = await w.as(auditor, `/settlements?batchId=${started.id}&limit=200`);
    expect(ofBatch.body.items.map((s: Settlement) => s.id)).toEqual(expect.arrayContaining([sa.id, sb.id]));
    expect(ofBatch.body.items.every((s: Settlement) => s.batchId === started.id)).toBe(true);
    const own = await w.as(b, '/settlements?limit=200');
    expect(own.body.items.every((s: Settlement) => s.clientId === b.id)).toBe(true);
    const confirmedOnly = await w.as(b, '/settlements?status=CONFIRMED');
    expect(confirmedOnly.body.items.map((s: Settlement) => s.id)).toEqual([sb.id]);
    expectError(await w.as(b, '/settlements?batchId=not-a-uuid'), 400, 'validation_failed');
  });

  it('a refused delivery is an exception: retry and cancel by operations, audited, 409 out of turn', async () => {
    const c = await trader(w, { eurMinor: 10_000_000n, certificates: { EUA: 100n } });
    const d = await trader(w, { eurMinor: 10_000_000n, certificates: { EUA: 100n } });
    const e = await trader(w, { eurMinor: 10_000_000n, certificates: { EUA: 100n } });
    await trade(c, d, '5', '70.00');
    await trade(c, e, '3', '70.00');
    // The registry refuses every certificate movement at our omnibus: all three fail.
    registry.options.rejectAccounts = [PLATFORM_REGISTRY_ACCOUNTS.EU.omnibus];
    const started = await startBatch();
    const failing = await Promise.all(
      [c, d, e].map(async (client) => {
        const s = await settlementOf(client, started.id);
        return waitFor(ops, s.id, (x) => x.status === 'FAILING');
      }),
    );
    const [sc, sd, se] = failing as [Settlement, Settlement, Settlement];
    for (const s of failing) {
      expect(s.status).toBe('FAILING');
      expect(s.failure).toMatch(/account_blocked/);
      expect(s.openTasks?.map((t) => t.kind)).toEqual(['settlement.exception']);
      expect(s.allowedActions.sort()).toEqual(['cancel', 'retry']);
    }
    expect((await balance(w, d, 'EUA')).pendingSettlement).toBe('5');
    const inbox = await w.as(ops, '/settlements?status=FAILING&limit=200');
    expect(inbox.body.items.map((s: Settlement) => s.id)).toEqual(
      expect.arrayContaining([sc.id, sd.id, se.id]),
    );
    // The client sees why nothing moved yet, but no staff tasks and no actions.
    const seen = await w.as(d, `/settlements/${sd.id}`);
    expect(seen.body).toMatchObject({ status: 'FAILING', allowedActions: [] });
    expect(seen.body.openTasks).toBeUndefined();

    // Still refused: 422 delivery_failed, the settlement stays FAILING with its task.
    expectError(
      await post(w, ops, `/ops/settlements/${sd.id}/retry`, { note: 'again' }),
      422,
      'delivery_failed',
    );
    expect((await w.as(ops, `/settlements/${sd.id}`)).body.status).toBe('FAILING');
    // Not operations' clients: refused before any workflow sees it.
    expectError(await post(w, d, `/ops/settlements/${sd.id}/retry`, {}), 403, 'forbidden');
    expectError(
      await post(w, auditor, `/ops/settlements/${sd.id}/cancel`, { reason: 'x' }),
      403,
      'forbidden',
    );
    expectError(await post(w, ops, `/ops/settlements/${sd.id}/cancel`, {}), 400, 'validation_failed');

    registry.options.rejectAccounts = [];
    const retried = await post(w, ops, `/ops/settlements/${sd.id}/retry`, { note: 'registry unblocked' });
    expect(retried.status, retried.text).toBe(200);
    expect(retried.body).toMatchObject({ status: 'DELIVERED', failure: null, openTasks: [] });
    expect(retried.body.timeline.at(-1)).toMatchObject({
      from: 'FAILING',
      to: 'DELIVERED',
      actor: { id: ops.id },
      reason: 'registry unblocked',
    });
    expect((await balance(w, d, 'EUA')).pendingSettlement).toBe('0');
    expectError(await post(w, ops, `/ops/settlements/${sd.id}/retry`, {}), 409, 'invalid_state');
    expectError(
      await post(w, ops, `/ops/settlements/${sd.id}/cancel`, { reason: 'late' }),
      409,
      'invalid_state',
    );

    const cancelled = await post(w, ops, `/ops/settlements/${se.id}/cancel`, {
      reason: 'Client asked to unwind',
    });
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'CANCELLED', openTasks: [], allowedActions: [] });
    // A cancelled settlement's trades are FAILED; their proceeds stay pending.
    for (const t of (await tradesOf(e)).filter((t) => se.tradeIds.includes(t.id)))
      expect(t.settlementStatus).toBe('FAILED');
    expect((await balance(w, e, 'EUA')).pendingSettlement).toBe('3');
    expectError(await post(w, aml, `/ops/settlements/${sc.id}/cancel`, { reason: 'x' }), 403, 'forbidden');

    const audit = await w.app.pool.query<{ action: string; actor_id: string; subject_id: string }>(
      `SELECT action, actor_id, subject_id FROM audit_log WHERE subject_id = ANY($1::text[]) ORDER BY seq`,
      [[sd.id, se.id]],
    );
    expect(audit.rows.map((r) => [r.action, r.subject_id])).toEqual(
      expect.arrayContaining([
        ['client_settlement.retry', sd.id],
        ['client_settlement.cancel', se.id],
      ]),
    );
    expect(audit.rows.every((r) => r.actor_id === ops.id)).toBe(true);

    // c's settlement: retried now the registry takes it.
    const cRetried = await post(w, ops, `/ops/settlements/${sc.id}/retry`, {});
    expect(cRetried.status, cRetried.text).toBe(200);
    expect(cRetried.body.status).toBe('DELIVERED');
    const batch = await waitForBatch(started.id, 'COMPLETED');
    expect(batch.status).toBe('COMPLETED');
  });

  it('starting a batch: operations only, a key, and no cutoff in the future', async () => {
    const client = await trader(w);
    const body = { cutoff: new Date(Date.now() + 3_600_000).toISOString() };
    const future = await w.as(ops, '/ops/settlement-batches', {
      method: 'POST',
      json: body,
      idempotencyKey: randomUUID(),
    });
    expectError(future, 400, 'validation_failed');
    const byClient = await w.as(client, '/ops/settlement-batches', {
      method: 'POST',
      json: {},
      idempotencyKey: randomUUID(),
    });
    expectError(byClient, 403, 'forbidden');
    const byAuditor = await w.as(auditor, '/ops/settlement-batches', {
      method: 'POST',
      json: {},
      idempotencyKey: randomUUID(),
    });
    expectError(byAuditor, 403, 'forbidden');
    // The same key twice is the same batch.
    const key = randomUUID();
    const first = await w.as(ops, '/ops/settlement-batches', {
      method: 'POST',
      json: {},
      idempotencyKey: key,
    });
    expect(first.status, first.text).toBe(201);
    const again = await w.as(ops, '/ops/settlement-batches', {
      method: 'POST',
      json: {},
      idempotencyKey: key,
    });
    expect(again.body.id).toBe(first.body.id);
    await waitForBatch(first.body.id, 'COMPLETED');
  });

  it('both workflow types are in the auditor area: search, history, replay, export, archived on close', async () => {
    const { settlement, batchWorkflowId } = closedOnes;
    if (!settlement || !batchWorkflowId) throw new Error('needs the first scenario');
    for (const [type, workflowId] of [
      ['client_settlement', settlement.workflowId],
      ['settlement_batch', batchWorkflowId],
    ] as const) {
      await expectInAuditorArea(w, auditor, type, workflowId);
    }
  });
});
