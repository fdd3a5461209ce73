import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { replayWorkflows, startTestWorker, type TestTemporal } from '../tests/support/temporal.js';
import {
  announceDeposit,
  SECOND,
  testDepositPolicy,
  type AnnouncedDeposit,
} from '../tests/support/deposit-workflow.js';
import { closePool, getPool } from '../db/pool.js';
import { getClientBalances, trialBalance } from '../db/ledger/index.js';
import { claimTask, getLifecycle, listLifecycles, listTasks, releaseTask } from '../db/lifecycle/index.js';
import { SimulatedAmlDataPartner } from '../activities/aml-data.js';
import { createLifecycleActivities } from '../activities/lifecycle.js';
import {
  createDepositActivities,
  recentDeposits,
  type DepositTransitionInput,
} from '../activities/deposit.js';
import { depositWorkflowId, type DepositPolicy, type DepositState } from '../domain/deposit.js';
import type { Actor } from '../domain/lifecycle.js';
import { taskRolesFor } from '../domain/roles.js';
import {
  cancelDepositUpdate,
  confirmDepositUpdate,
  deposit,
  depositStateQuery,
  extendDepositUpdate,
  rejectDepositUpdate,
  releaseDepositUpdate,
} from './deposit.js';

// Real dev server, real worker, real activities, real PostgreSQL. Durations are seconds, not days.
const TEST_POLICY: DepositPolicy = testDepositPolicy({ shortHoldMs: 1.5 * SECOND, longHoldMs: 3 * SECOND });

const amlData = new SimulatedAmlDataPartner();
/** Idempotency keys whose posting fails once AFTER it committed (a worker dying before reporting). */
const crashAfterCommit = new Set<string>();
const crashes: { key: string; attempt: number }[] = [];

const pool = getPool();
const ops: Actor = { id: randomUUID(), role: 'operations' };
const aml: Actor = { id: randomUUID(), role: 'aml_officer' };
const admin: Actor = { id: randomUUID(), role: 'admin' };

let t: TestTemporal;

beforeAll(async () => {
  t = await startTestWorker({
    deps: {
      amlData,
      depositHooks: {
        afterPosting({ idempotencyKey, attempt }) {
          if (crashAfterCommit.delete(idempotencyKey)) {
            crashes.push({ key: idempotencyKey, attempt });
            throw new Error('simulated crash after the posting committed');
          }
        },
      },
    },
  });
});

afterAll(async () => {
  await t?.stop();
  await closePool();
});

// After every scenario the books must still balance and every account match its lines.
afterEach(async () => {
  const trial = await trialBalance(pool);
  expect(trial.balanced).toBe(true);
  expect(trial.accountsMatchLines).toBe(true);
});

/** A fresh client with ledger accounts, and a deposit announced by them (as the API would start it). */
async function announce(
  options: { amount?: string; policy?: DepositPolicy; wireReference?: string; businessId?: string } = {},
): Promise<AnnouncedDeposit> {
  const announced = await announceDeposit(t, {
    amount: options.amount ?? '1000.00',
    policy: options.policy ?? TEST_POLICY,
    businessId: options.businessId,
    wireReference: options.wireReference,
    summarised: true,
    start: { workflowIdConflictPolicy: 'USE_EXISTING', workflowIdReusePolicy: 'REJECT_DUPLICATE' },
  });
  started.push(announced.handle.workflowId);
  return announced;
}

/** Every deposit this file started; the last test replays their histories against the code. */
const started: string[] = [];

async function balance(clientId: string): Promise<{ available: bigint; held: bigint }> {
  const eur = (await getClientBalances(pool, clientId)).find((b) => b.asset === 'EUR');
  return { available: eur?.available ?? 0n, held: eur?.held ?? 0n };
}

async function entriesWithKey(key: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM journal_entry WHERE idempotency_key = $1',
    [key],
  );
  return rows[0]!.n;
}

async function entryKinds(workflowId: string): Promise<string[]> {
  const { rows } = await pool.query<{ kind: string }>(
    'SELECT kind FROM journal_entry WHERE workflow_id = $1 ORDER BY created_at, id',
    [workflowId],
  );
  return rows.map((r) => r.kind);
}

/** The failure a refused Update carries (validator or handler), or a test failure. */
async function refusal(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => {
      throw new Error('expected the Update to be refused');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (error as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

const statuses = (state: DepositState) => state.timeline.map((e) => `${e.from ?? '∅'}→${e.to}`);

describe('deposit workflow', () => {
  it('happy path: announced, confirmed, short hold, cleared by the timer; credits the RECEIVED amount', async () => {
    const { handle, input, client } = await announce({ amount: '1000.00' });

    const pending = await handle.query(depositStateQuery);
    expect(pending).toMatchObject({
      status: 'PENDING',
      amount: '1000.00',
      reference: input.reference,
      holdUntil: null,
    });
    expect(pending.allowedActions).toEqual(['confirm', 'cancel']);

    const onHold = await handle.executeUpdate(confirmDepositUpdate, {
      args: [
        { actor: ops, receivedAmount: '995', senderCountry: 'DE', senderReference: `Ref ${input.reference}` },
      ],
      updateId: randomUUID(),
    });
    expect(onHold.status).toBe('ON_HOLD');
    expect(onHold.receivedAmount).toBe('995.00');
    expect(onHold.screening).toMatchObject({
      decision: 'short_hold',
      score: 0,
      reasons: [],
      countryRating: 'standard',
    });
    const confirmedAt = Date.parse(onHold.timeline[1]!.at);
    expect(Date.parse(onHold.holdUntil!) - confirmedAt).toBe(TEST_POLICY.shortHoldMs);
    expect(await balance(client.id)).toEqual({ available: 0n, held: 99_500n });

    const final = await handle.result();
    expect(final.status).toBe('CLEARED');
    expect(statuses(final)).toEqual(['∅→PENDING', 'PENDING→ON_HOLD', 'ON_HOLD→CLEARED']);
    expect(final.timeline[0]!.actor).toEqual(client);
    expect(final.timeline[1]!.actor).toEqual(ops);
    expect(final.timeline[2]).toMatchObject({ actor: null, reason: 'Hold period ended' });
    expect(Date.parse(final.timeline[2]!.at)).toBeGreaterThanOrEqual(Date.parse(onHold.holdUntil!));
    expect(final.closedAt).toBe(final.timeline[2]!.at);
    expect(await balance(client.id)).toEqual({ available: 99_500n, held: 0n });
    expect(await entryKinds(handle.workflowId)).toEqual(['deposit.confirm', 'deposit.clear']);
    expect(await entriesWithKey(`${handle.workflowId}/confirm`)).toBe(1);
    expect(await entriesWithKey(`${handle.workflowId}/clear`)).toBe(1);

    // The read model saw every transition, with the same timeline, and the task came and went.
    const stored = await getLifecycle(pool, handle.workflowId);
    expect(stored).toMatchObject({
      type: 'deposit',
      businessId: input.businessId,
      ownerId: client.id,
      status: 'CLEARED',
      closedAt: final.closedAt,
      lastSeq: 3,
      attributes: {
        amount: '1000.00',
        receivedAmount: '995.00',
        holdUntil: onHold.holdUntil,
        currency: 'EUR',
      },
    });
    expect(stored!.timeline).toEqual(final.timeline);
    expect(stored!.events.map((e) => e.data.action)).toEqual(['announce', 'confirm', 'hold_elapsed']);
    expect(stored!.tasks).toHaveLength(1);
    expect(stored!.tasks[0]).toMatchObject({
      kind: 'deposit.confirm_receipt',
      requiredRole: 'operations',
      status: 'done',
      outcome: 'confirmed',
      completedBy: ops.id,
      subjectType: 'deposit',
      subjectId: input.businessId,
      dueAt: new Date(Date.parse(final.createdAt) + TEST_POLICY.announcementWindowMs).toISOString(),
    });
    const mine = await listLifecycles(pool, { type: 'deposit', ownerId: client.id });
    expect(mine.items.map((l) => l.workflowId)).toEqual([handle.workflowId]);
  });

  it('amount mismatch: a major difference means a long hold with an AML look, and clears what arrived', async () => {
    const { handle, input, client } = await announce({ amount: '1000.00' });
    const state = await handle.executeUpdate(confirmDepositUpdate, {
      args: [{ actor: ops, receivedAmount: '700.00', senderCountry: 'FR', senderReference: input.reference }],
    });
    expect(state.status).toBe('ON_HOLD');
    expect(state.screening).toMatchObject({ decision: 'long_hold', rules: ['mismatchMajor'] });
    expect(state.screening!.reasons[0]).toContain('300.00 EUR less than the announced 1000.00 EUR');
    expect(Date.parse(state.holdUntil!) - Date.parse(state.timeline[1]!.at)).toBe(TEST_POLICY.longHoldMs);

    const inbox = await listTasks(pool, {
      roles: taskRolesFor('aml_officer'),
      workflowId: handle.workflowId,
    });
    expect(inbox.items).toHaveLength(1);
    expect(inbox.items[0]).toMatchObject({
      kind: 'deposit.aml_review',
      status: 'open',
      dueAt: state.holdUntil,
    });

    const final = await handle.result();
    expect(final.status).toBe('CLEARED');
    expect(await balance(client.id)).toEqual({ available: 70_000n, held: 0n });
    const stored = await getLifecycle(pool, handle.workflowId);
    expect(stored!.tasks.find((task) => task.kind === 'deposit.aml_review')).toMatchObject({
      status: 'cancelled',
      outcome: 'hold_elapsed',
      completedBy: null,
    });
  });

  it('AML review: a high-risk country is flagged, an officer claims the task and releases it', async () => {
    amlData.failNext(2); // the data partner is down for two calls: the screening activity retries
    const callsBefore = amlData.calls.length;
    const { handle, client } = await announce({ amount: '5000.00' });
    const flagged = await handle.executeUpdate(confirmDepositUpdate, {
      args: [{ actor: admin, receivedAmount: '5000.00', senderCountry: 'IR', senderReference: 'x' }],
    });
    expect(amlData.calls.length - callsBefore).toBe(3);
    expect(flagged.status).toBe('AML_REVIEW');
    expect(flagged.holdUntil).toBeNull();
    expect(flagged.screening).toMatchObject({ decision: 'review', countryRating: 'high' });
    expect(flagged.screening!.rules).toContain('countryHigh');
    expect(flagged.allowedActions).toEqual(['release', 'extend', 'reject']);
    expect(await balance(client.id)).toEqual({ available: 0n, held: 500_000n });

    // The inbox: the officer sees it; operations does not.
    const forOfficer = await listTasks(pool, {
      roles: taskRolesFor('aml_officer'),
      workflowId: handle.workflowId,
    });
    const task = forOfficer.items[0]!;
    expect(task).toMatchObject({
      kind: 'deposit.aml_review',
      requiredRole: 'aml_officer',
      status: 'open',
      priority: 10,
    });
    expect(
      (await listTasks(pool, { roles: taskRolesFor('operations'), workflowId: handle.workflowId })).items,
    ).toEqual([]);
    expect((await claimTask(pool, { taskId: task.id, actor: ops })).ok).toBe(false);
    const claimed = await claimTask(pool, { taskId: task.id, actor: aml, expectedVersion: task.version });
    expect(claimed).toMatchObject({ ok: true, task: { status: 'claimed', assignee: aml.id } });
    const rival: Actor = { id: randomUUID(), role: 'aml_officer' };
    expect(await claimTask(pool, { taskId: task.id, actor: rival })).toMatchObject({
      ok: false,
      code: 'task_claimed',
    });
    expect(await releaseTask(pool, { taskId: task.id, actor: rival })).toMatchObject({
      ok: false,
      code: 'forbidden',
    });
    expect((await claimTask(pool, { taskId: task.id, actor: aml })).ok).toBe(true); // retried claim

    // A flagged deposit does not clear by itself.
    await new Promise((resolve) => setTimeout(resolve, TEST_POLICY.longHoldMs + 500));
    expect((await handle.query(depositStateQuery)).status).toBe('AML_REVIEW');

    const released = await handle.executeUpdate(releaseDepositUpdate, {
      args: [{ actor: aml, note: 'Source of funds documented' }],
    });
    expect(released.status).toBe('CLEARED');
    expect(released.timeline.at(-1)).toMatchObject({
      from: 'AML_REVIEW',
      to: 'CLEARED',
      actor: aml,
      reason: 'Source of funds documented',
    });
    expect((await handle.result()).status).toBe('CLEARED');
    expect(await balance(client.id)).toEqual({ available: 500_000n, held: 0n });
    const stored = await getLifecycle(pool, handle.workflowId);
    expect(stored!.tasks.map((x) => [x.kind, x.status, x.outcome, x.completedBy])).toEqual([
      ['deposit.confirm_receipt', 'done', 'confirmed', admin.id],
      ['deposit.aml_review', 'done', 'released', aml.id],
    ]);
  });

  it('extend: the officer moves holdUntil later; the deposit clears at the new time, not before', async () => {
    const { handle, input, client } = await announce({ amount: '250.00' });
    const onHold = await handle.executeUpdate(confirmDepositUpdate, {
      args: [{ actor: ops, receivedAmount: '250.00', senderCountry: 'NL', senderReference: input.reference }],
    });
    expect(onHold.status).toBe('ON_HOLD');
    const first = Date.parse(onHold.holdUntil!);

    // Not later than the current end: refused.
    const early = await refusal(
      handle.executeUpdate(extendDepositUpdate, {
        args: [{ actor: aml, until: new Date(first - 100).toISOString(), note: 'x' }],
      }),
    );
    expect(early.type).toBe('validation_failed');

    const until = new Date(first + 3 * SECOND).toISOString();
    const extended = await handle.executeUpdate(extendDepositUpdate, {
      args: [{ actor: aml, until, note: 'Waiting for the bank to confirm the sender' }],
    });
    expect(extended.status).toBe('ON_HOLD');
    expect(extended.holdUntil).toBe(until);
    expect(statuses(extended)).toEqual(['∅→PENDING', 'PENDING→ON_HOLD', 'ON_HOLD→ON_HOLD']);

    // Past the original end it is still held.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, first - Date.now()) + 700));
    expect((await handle.query(depositStateQuery)).status).toBe('ON_HOLD');
    expect(await balance(client.id)).toEqual({ available: 0n, held: 25_000n });

    const final = await handle.result();
    expect(final.status).toBe('CLEARED');
    expect(Date.parse(final.timeline.at(-1)!.at)).toBeGreaterThanOrEqual(Date.parse(until));
    expect(await balance(client.id)).toEqual({ available: 25_000n, held: 0n });
    expect((await getLifecycle(pool, handle.workflowId))!.attributes.holdUntil).toBe(until);
  });

  it('reject: funds go back to the sender, nothing stays held', async () => {
    const { handle, input, client } = await announce({
      amount: '400.00',
      policy: { ...TEST_POLICY, shortHoldMs: 60 * SECOND, longHoldMs: 60 * SECOND },
    });
    await handle.executeUpdate(confirmDepositUpdate, {
      args: [{ actor: ops, receivedAmount: '400.00', senderCountry: 'BE', senderReference: input.reference }],
    });
    expect(await balance(client.id)).toEqual({ available: 0n, held: 40_000n });
    const rejected = await handle.executeUpdate(rejectDepositUpdate, {
      args: [{ actor: aml, reason: 'Sender does not match the client' }],
    });
    expect(rejected.status).toBe('REJECTED');
    expect(rejected.holdUntil).toBeNull();
    expect(rejected.timeline.at(-1)).toMatchObject({
      from: 'ON_HOLD',
      to: 'REJECTED',
      reason: 'Sender does not match the client',
    });
    expect((await handle.result()).status).toBe('REJECTED');
    expect(await balance(client.id)).toEqual({ available: 0n, held: 0n });
    expect(await entryKinds(handle.workflowId)).toEqual(['deposit.confirm', 'deposit.return']);
    expect((await getLifecycle(pool, handle.workflowId))!.closedAt).not.toBeNull();
  });

  it('cancel: the owning client cancels while PENDING; nothing is posted and the task is cancelled', async () => {
    const { handle, client } = await announce();
    const stranger: Actor = { id: randomUUID(), role: 'client' };
    expect(
      (await refusal(handle.executeUpdate(cancelDepositUpdate, { args: [{ actor: stranger }] }))).type,
    ).toBe('forbidden');
    expect((await refusal(handle.executeUpdate(cancelDepositUpdate, { args: [{ actor: ops }] }))).type).toBe(
      'forbidden',
    );

    const cancelled = await handle.executeUpdate(cancelDepositUpdate, { args: [{ actor: client }] });
    expect(cancelled.status).toBe('CANCELLED');
    expect((await handle.result()).status).toBe('CANCELLED');
    expect(await entryKinds(handle.workflowId)).toEqual([]);
    const stored = await getLifecycle(pool, handle.workflowId);
    expect(stored!.tasks).toMatchObject([
      { kind: 'deposit.confirm_receipt', status: 'cancelled', outcome: 'cancelled' },
    ]);
  });

  it('expiry: no wire within the announcement window', async () => {
    const { handle } = await announce({ policy: { ...TEST_POLICY, announcementWindowMs: 1.5 * SECOND } });
    const final = await handle.result();
    expect(final.status).toBe('EXPIRED');
    expect(final.timeline.at(-1)).toMatchObject({
      from: 'PENDING',
      to: 'EXPIRED',
      actor: null,
      reason: 'No funds arrived within the announcement window',
    });
    expect(Date.parse(final.timeline.at(-1)!.at) - Date.parse(final.createdAt)).toBeGreaterThanOrEqual(
      1.5 * SECOND,
    );
    expect(await entryKinds(handle.workflowId)).toEqual([]);
    const stored = await getLifecycle(pool, handle.workflowId);
    expect(stored).toMatchObject({ status: 'EXPIRED', tasks: [{ status: 'cancelled', outcome: 'expired' }] });
    // An Update after the end is refused by the server (the workflow is closed).
    await expect(
      handle.executeUpdate(cancelDepositUpdate, {
        args: [{ actor: { id: final.clientId, role: 'client' } }],
      }),
    ).rejects.toThrow();
  });

  it('a second start with the same business id reaches the same workflow, never a second one', async () => {
    const businessId = randomUUID();
    const { handle, input } = await announce({ businessId });
    const again = await t.client.workflow.start(deposit, {
      taskQueue: t.taskQueue,
      workflowId: depositWorkflowId(businessId),
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    expect(again.firstExecutionRunId).toBe(handle.firstExecutionRunId);
    await expect(
      t.client.workflow.start(deposit, {
        taskQueue: t.taskQueue,
        workflowId: depositWorkflowId(businessId),
        args: [input],
      }),
    ).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
    await handle.executeUpdate(cancelDepositUpdate, { args: [{ actor: input.requestedBy }] });
    await handle.result();
    // Closed: REJECT_DUPLICATE keeps the id from ever starting a second deposit.
    await expect(
      t.client.workflow.start(deposit, {
        taskQueue: t.taskQueue,
        workflowId: depositWorkflowId(businessId),
        args: [input],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      }),
    ).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
    const rows = await pool.query('SELECT count(*)::int AS n FROM lifecycle WHERE business_id = $1', [
      businessId,
    ]);
    expect(rows.rows[0].n).toBe(1);
  });

  it('refuses an action in the wrong state (409) or by the wrong role (403) or malformed (400), changing nothing', async () => {
    const { handle, client } = await announce();
    // Sent one at a time: each is refused by the validator, so nothing enters history.
    const cases: [() => Promise<unknown>, string][] = [
      [
        () => handle.executeUpdate(releaseDepositUpdate, { args: [{ actor: aml, note: 'too early' }] }),
        'invalid_state',
      ],
      [
        () => handle.executeUpdate(rejectDepositUpdate, { args: [{ actor: aml, reason: 'x' }] }),
        'invalid_state',
      ],
      [
        () =>
          handle.executeUpdate(confirmDepositUpdate, {
            args: [{ actor: client, receivedAmount: '1000.00' }],
          }),
        'forbidden',
      ],
      [
        () =>
          handle.executeUpdate(confirmDepositUpdate, { args: [{ actor: aml, receivedAmount: '1000.00' }] }),
        'forbidden',
      ],
      [
        () =>
          handle.executeUpdate(releaseDepositUpdate, { args: [{ actor: admin, note: 'admin is not AML' }] }),
        'forbidden',
      ],
      [
        () => handle.executeUpdate(confirmDepositUpdate, { args: [{ actor: ops, receivedAmount: '1.234' }] }),
        'validation_failed',
      ],
      [
        () =>
          handle.executeUpdate(confirmDepositUpdate, {
            args: [{ actor: { id: 'me', role: 'operations' }, receivedAmount: '1' }],
          }),
        'validation_failed',
      ],
    ];
    for (const [send, type] of cases) {
      const failure = await refusal(send());
      expect(failure.type).toBe(type);
      expect(failure.message.length).toBeGreaterThan(0);
    }
    const state = await handle.query(depositStateQuery);
    expect(state.status).toBe('PENDING');
    expect(state.timeline).toHaveLength(1);

    // Once confirmed, a second confirm or a cancel is in the wrong state.
    await handle.executeUpdate(confirmDepositUpdate, {
      args: [{ actor: ops, receivedAmount: '1000.00', senderCountry: 'DE' }],
    });
    expect(
      (
        await refusal(
          handle.executeUpdate(confirmDepositUpdate, { args: [{ actor: ops, receivedAmount: '1' }] }),
        )
      ).type,
    ).toBe('invalid_state');
    expect(
      (await refusal(handle.executeUpdate(cancelDepositUpdate, { args: [{ actor: client }] }))).type,
    ).toBe('invalid_state');
    expect((await handle.result()).status).toBe('CLEARED');
  });

  it('a start the domain refuses fails the workflow at once (the API checks checkDepositInput first)', async () => {
    const bad = announce({ policy: { ...TEST_POLICY, shortHoldMs: 60 * SECOND } }); // long hold shorter than short
    const { handle } = await bad;
    const error = await handle.result().then(
      () => null,
      (e: unknown) => e as WorkflowFailedError,
    );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(error!.cause).toBeInstanceOf(ApplicationFailure);
    expect((error!.cause as ApplicationFailure).type).toBe('validation_failed');
    expect(error!.cause!.message).toContain('longHoldMs must be at least shortHoldMs');
  });

  it('the same Update id is applied once', async () => {
    const { handle, input } = await announce();
    const updateId = randomUUID();
    const args = [
      { actor: ops, receivedAmount: '1000.00', senderCountry: 'DE', senderReference: input.reference },
    ] as const;
    const first = await handle.executeUpdate(confirmDepositUpdate, { args: [...args], updateId });
    const second = await handle.executeUpdate(confirmDepositUpdate, { args: [...args], updateId });
    expect(second.timeline).toHaveLength(first.timeline.length);
    expect(second.status).toBe('ON_HOLD');
    expect(await handle.result()).toMatchObject({ status: 'CLEARED' });
  });

  it('concurrent Updates: one wins, the other is refused, none is lost', async () => {
    const { handle, input } = await announce({
      policy: { ...TEST_POLICY, shortHoldMs: 60 * SECOND, longHoldMs: 60 * SECOND },
    });
    await handle.executeUpdate(confirmDepositUpdate, {
      args: [
        { actor: ops, receivedAmount: '1000.00', senderCountry: 'DE', senderReference: input.reference },
      ],
    });
    const results = await Promise.allSettled([
      handle.executeUpdate(releaseDepositUpdate, { args: [{ actor: aml, note: 'fine' }] }),
      handle.executeUpdate(rejectDepositUpdate, { args: [{ actor: aml, reason: 'not fine' }] }),
    ]);
    const fulfilled = results.filter((r) => r.status === 'fulfilled');
    expect(fulfilled).toHaveLength(1);
    const final = await handle.result();
    expect(['CLEARED', 'REJECTED']).toContain(final.status);
    expect(final.timeline).toHaveLength(3);
    const kinds = await entryKinds(handle.workflowId);
    expect(kinds).toHaveLength(2);
  });

  it('a posting that fails AFTER its commit is retried and posts exactly once', async () => {
    const { handle, input, client } = await announce({ amount: '123.45' });
    const confirmKey = `${handle.workflowId}/confirm`;
    const clearKey = `${handle.workflowId}/clear`;
    crashAfterCommit.add(confirmKey);
    crashAfterCommit.add(clearKey);
    const state = await handle.executeUpdate(confirmDepositUpdate, {
      args: [{ actor: ops, receivedAmount: '123.45', senderCountry: 'DE', senderReference: input.reference }],
    });
    expect(state.status).toBe('ON_HOLD');
    const final = await handle.result();
    expect(final.status).toBe('CLEARED');
    expect(crashes.filter((c) => c.key === confirmKey || c.key === clearKey)).toEqual([
      { key: confirmKey, attempt: 1 },
      { key: clearKey, attempt: 1 },
    ]);
    expect(await entriesWithKey(confirmKey)).toBe(1);
    expect(await entriesWithKey(clearKey)).toBe(1);
    expect(await balance(client.id)).toEqual({ available: 12_345n, held: 0n });
  });
  it('a confirmation re-run after its commit (a worker died) keeps the hold end it recorded', async () => {
    // The first attempt of the workflow task committed the posting and the ON_HOLD transition, then
    // its worker died; the re-run task has a later workflow time, so it computes another holdUntil.
    // Stand-in for that first attempt: the same local activity, run with the workflow's identity,
    // recording the transition at an earlier time with a hold end the re-run cannot compute.
    const { handle, input, client } = await announce({ amount: '50.00' });
    const runId = (await handle.describe()).runId;
    const firstAt = new Date(Date.now() - 5 * SECOND).toISOString();
    const firstHoldUntil = new Date(Date.now() + 2.5 * SECOND).toISOString();
    const firstReason = `Received 50.00 EUR; on hold until ${firstHoldUntil}`;
    const activities = createDepositActivities({ pool, amlData });
    const env = new MockActivityEnvironment({
      workflowExecution: { workflowId: handle.workflowId, runId },
      activityType: 'recordTransitionWithDepositPosting',
    });
    const firstAttempt: DepositTransitionInput = {
      posting: { step: 'confirm', clientId: client.id, currency: 'EUR', amount: '50.00' },
      transition: {
        workflowId: handle.workflowId,
        type: 'deposit',
        businessId: input.businessId,
        ownerId: client.id,
        seq: 2,
        action: 'confirm',
        entry: { at: firstAt, from: 'PENDING', to: 'ON_HOLD', actor: ops, reason: firstReason },
        attributes: { receivedAmount: '50.00', holdUntil: firstHoldUntil },
        data: { receivedAmount: '50.00', holdUntil: firstHoldUntil },
        closeTasks: [{ kind: 'deposit.confirm_receipt', outcome: 'confirmed', completedBy: ops.id }],
      },
    };
    const first = await env.run(activities.recordTransitionWithDepositPosting, firstAttempt);
    expect(first).toMatchObject({ recorded: true });

    const state = await handle.executeUpdate(confirmDepositUpdate, {
      args: [{ actor: ops, receivedAmount: '50.00', senderCountry: 'DE', senderReference: input.reference }],
    });
    // The workflow took what was recorded: hold end, time and reason; nothing was posted twice.
    expect(state.status).toBe('ON_HOLD');
    expect(state.holdUntil).toBe(firstHoldUntil);
    expect(state.timeline[1]).toMatchObject({ at: firstAt, to: 'ON_HOLD', reason: firstReason });
    expect(await entriesWithKey(`${handle.workflowId}/confirm`)).toBe(1);
    const final = await handle.result();
    expect(final.status).toBe('CLEARED');
    // Its timer waited for the recorded hold end (the re-run's own would have been a second earlier).
    expect(Date.parse(final.timeline[2]!.at)).toBeGreaterThanOrEqual(Date.parse(firstHoldUntil));
    const row = await getLifecycle(pool, handle.workflowId);
    expect(row!.attributes).toMatchObject({ holdUntil: firstHoldUntil });
    expect(await balance(client.id)).toEqual({ available: 5_000n, held: 0n });
  });

  it('every deposit of this file replays deterministically against the current code', async () => {
    const replayed = await replayWorkflows(t.client, started);
    expect(replayed).toBeGreaterThanOrEqual(10);
  });
});

describe('lifecycle read model', () => {
  const { recordTransition } = createLifecycleActivities(pool);

  it('recordTransition is idempotent per (workflow, seq) and never opens a kind twice', async () => {
    const workflowId = `test-${randomUUID()}`;
    const base = { workflowId, type: 'test', businessId: workflowId, ownerId: randomUUID() };
    const first = {
      ...base,
      seq: 1,
      entry: { at: '2026-01-01T00:00:00.000Z', from: null, to: 'OPEN', actor: null, reason: 'start' },
      attributes: { a: 1 },
      openTasks: [
        {
          kind: 'test.look',
          requiredRole: 'operations' as const,
          subjectType: 'test',
          subjectId: workflowId,
        },
      ],
    };
    expect(await recordTransition(first)).toEqual({ recorded: true });
    expect(await recordTransition(first)).toEqual({ recorded: false });
    // A later transition re-opening the same kind refreshes the live task instead of adding one.
    await recordTransition({
      ...base,
      seq: 2,
      entry: { at: '2026-01-01T00:01:00.000Z', from: 'OPEN', to: 'OPEN', actor: null, reason: 'again' },
      attributes: { b: 2 },
      openTasks: [{ ...first.openTasks[0]!, dueAt: '2026-01-02T00:00:00.000Z' }],
    });
    const stored = await getLifecycle(pool, workflowId);
    expect(stored).toMatchObject({
      status: 'OPEN',
      lastSeq: 2,
      attributes: { a: 1, b: 2 },
      updatedAt: '2026-01-01T00:01:00.000Z',
    });
    expect(stored!.tasks).toHaveLength(1);
    expect(stored!.tasks[0]!.dueAt).toBe('2026-01-02T00:00:00.000Z');
    // Closing cancels whatever is still live.
    await recordTransition({
      ...base,
      seq: 3,
      entry: { at: '2026-01-01T00:02:00.000Z', from: 'OPEN', to: 'DONE', actor: null, reason: null },
      closed: true,
    });
    const closed = await getLifecycle(pool, workflowId);
    expect(closed).toMatchObject({ status: 'DONE', closedAt: '2026-01-01T00:02:00.000Z' });
    expect(closed!.tasks[0]).toMatchObject({ status: 'cancelled', outcome: 'lifecycle_done' });
    expect(closed!.timeline.map((e) => e.to)).toEqual(['OPEN', 'OPEN', 'DONE']);
  });

  it('notifies listeners on commit with the workflow id', async () => {
    const listener = await pool.connect();
    try {
      const received: string[] = [];
      listener.on('notification', (message) => message.payload && received.push(message.payload));
      await listener.query('LISTEN lifecycle');
      const workflowId = `test-${randomUUID()}`;
      await recordTransition({
        workflowId,
        type: 'test',
        businessId: workflowId,
        ownerId: null,
        seq: 1,
        entry: { at: new Date().toISOString(), from: null, to: 'OPEN', actor: null, reason: null },
      });
      await expect.poll(() => received.includes(workflowId)).toBe(true);
    } finally {
      await listener.query('UNLISTEN lifecycle');
      listener.release();
    }
  });

  it('lists page by page, newest first', async () => {
    const ownerId = randomUUID();
    for (let i = 0; i < 5; i++) {
      const workflowId = `test-${randomUUID()}`;
      await recordTransition({
        workflowId,
        type: 'test',
        businessId: workflowId,
        ownerId,
        seq: 1,
        entry: {
          at: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
          from: null,
          to: i % 2 ? 'ODD' : 'EVEN',
          actor: null,
          reason: null,
        },
      });
    }
    const page1 = await listLifecycles(pool, { ownerId, limit: 2 });
    const page2 = await listLifecycles(pool, { ownerId, limit: 2, cursor: page1.nextCursor });
    const page3 = await listLifecycles(pool, { ownerId, limit: 2, cursor: page2.nextCursor });
    const all = [...page1.items, ...page2.items, ...page3.items].map((l) => l.createdAt);
    expect(all).toEqual([4, 3, 2, 1, 0].map((i) => new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString()));
    expect(page3.nextCursor).toBeNull();
    expect((await listLifecycles(pool, { ownerId, status: 'ODD' })).items).toHaveLength(2);
    await expect(listLifecycles(pool, { cursor: 'garbage' })).rejects.toThrow('cursor');
  });

  it("counts the client's recent received deposits for velocity", async () => {
    const clientId = randomUUID();
    const asOf = '2026-02-01T00:00:00.000Z';
    const put = async (confirmedAt: string, receivedAmount: string | null, currency = 'EUR') => {
      const workflowId = `deposit-${randomUUID()}`;
      await recordTransition({
        workflowId,
        type: 'deposit',
        businessId: workflowId,
        ownerId: clientId,
        seq: 1,
        entry: { at: confirmedAt, from: null, to: 'ON_HOLD', actor: null, reason: null },
        attributes: { currency, receivedAmount, confirmedAt },
      });
      return workflowId;
    };
    const self = await put('2026-01-31T00:00:00.000Z', '999.99');
    await put('2026-01-30T00:00:00.000Z', '100.50');
    await put('2026-01-05T00:00:00.000Z', '200.25');
    await put('2025-12-01T00:00:00.000Z', '5000.00'); // outside the 30 days
    await put('2026-01-20T00:00:00.000Z', null); // never received
    await put('2026-01-20T00:00:00.000Z', '7.00', 'USD'); // other currency
    const recent = await recentDeposits(pool, {
      clientId,
      currency: 'EUR',
      excludeWorkflowId: self,
      asOf,
      windowMs: 30 * 86_400_000,
    });
    expect(recent).toEqual({ count: 2, sum: '300.75' });
  });
});
