import { randomInt, randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WithStartWorkflowOperation, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { replayWorkflows, startTestWorker, type TestTemporal } from '../tests/support/temporal.js';
import { closePool, getPool } from '../db/pool.js';
import { getHistoryArchiveSummary } from '../db/history/index.js';
import {
  ensureClientAccounts,
  ensureSystemAccounts,
  getClientBalances,
  postEntry,
  trialBalance,
} from '../db/ledger/index.js';
import { getLifecycle, listTasks } from '../db/lifecycle/index.js';
import { SimulatedBank } from '../activities/bank-adapter.js';
import { depositClear, depositConfirm } from '../domain/postings.js';
import type { Actor } from '../domain/lifecycle.js';
import { taskRolesFor } from '../domain/roles.js';
import {
  withdrawalPayoutId,
  withdrawalPolicy,
  withdrawalStaticSummary,
  withdrawalWorkflowId,
  type WithdrawalInput,
  type WithdrawalPolicy,
  type WithdrawalState,
} from '../domain/withdrawal.js';
import {
  approveWithdrawalUpdate,
  cancelWithdrawalUpdate,
  rejectWithdrawalUpdate,
  withdrawal,
  withdrawalRequestUpdate,
  withdrawalStateQuery,
} from './withdrawal.js';

// Real dev server, real worker, real activities, real PostgreSQL, the simulated bank with its own
// payout ledger. Durations are seconds, not days.
const SECOND = 1000;
const TEST_POLICY: WithdrawalPolicy = withdrawalPolicy({
  approvalSlaMs: 120 * SECOND,
  payoutTimeoutMs: 2 * SECOND,
});

const pool = getPool();
const bank = new SimulatedBank(pool);
/** Payout ids whose activity throws once AFTER the bank answered (a worker dying before reporting). */
const crashAfterPayout = new Set<string>();

const ops1: Actor = { id: randomUUID(), role: 'operations' };
const ops2: Actor = { id: randomUUID(), role: 'operations' };
const admin: Actor = { id: randomUUID(), role: 'admin' };
const aml: Actor = { id: randomUUID(), role: 'aml_officer' };

let t: TestTemporal;

beforeAll(async () => {
  t = await startTestWorker({
    deps: {
      bank,
      withdrawalHooks: {
        afterPayout({ payoutId }) {
          if (crashAfterPayout.delete(payoutId)) throw new Error('simulated crash after the bank paid');
        },
      },
    },
  });
  await ensureSystemAccounts(pool);
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

interface Client {
  actor: Actor;
  id: string;
  bankAccountId: string;
  iban: string;
}

/** A German-shaped IBAN of its own per client (the simulated bank keys faults by IBAN). */
function nextIban(): string {
  return `DE89370400440${String(randomInt(0, 1e9)).padStart(9, '0')}`;
}

/** A client with KYC as given, a bank account in `accountStatus`, and `funds` (minor units) available. */
async function client(
  options: { funds?: bigint; kyc?: string; accountStatus?: string } = {},
): Promise<Client> {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO app_user (email, password_hash, role, display_name, kyc_status)
     VALUES ($1, 'x', 'client', 'Test client', $2) RETURNING id`,
    [`client-${randomUUID()}@test.example`, options.kyc ?? 'APPROVED'],
  );
  const id = rows[0]!.id;
  const iban = nextIban();
  const account = await pool.query<{ id: string }>(
    `INSERT INTO bank_account (client_id, iban, bic, account_name, bank_name, country, status)
     VALUES ($1, $2, 'COBADEFFXXX', 'Test Client', 'Commerzbank', 'DE', $3) RETURNING id`,
    [id, iban, options.accountStatus ?? 'VERIFIED'],
  );
  await ensureClientAccounts(pool, id, 'EUR');
  const funds = options.funds ?? 5_000_000n; // 50 000.00 EUR
  if (funds > 0n) {
    await postEntry(pool, { idempotencyKey: `test-fund/${id}/confirm`, ...depositConfirm(id, 'EUR', funds) });
    await postEntry(pool, { idempotencyKey: `test-fund/${id}/clear`, ...depositClear(id, 'EUR', funds) });
  }
  return { actor: { id, role: 'client' }, id, bankAccountId: account.rows[0]!.id, iban };
}

/** Every withdrawal this file started; the last test replays their histories against the code. */
const started: string[] = [];

function inputFor(
  owner: Client,
  amount: string,
  options: { policy?: WithdrawalPolicy; businessId?: string; bankAccountId?: string } = {},
): WithdrawalInput {
  return {
    businessId: options.businessId ?? randomUUID(),
    clientId: owner.id,
    amount,
    currency: 'EUR',
    bankAccountId: options.bankAccountId ?? owner.bankAccountId,
    policy: options.policy ?? TEST_POLICY,
    requestedBy: owner.actor,
  };
}

/** As the API does it: start + the `request` Update in one call; answers once the funds are reserved. */
async function request(input: WithdrawalInput): Promise<WithdrawalState> {
  const workflowId = withdrawalWorkflowId(input.businessId);
  started.push(workflowId);
  return t.client.workflow.executeUpdateWithStart(withdrawalRequestUpdate, {
    updateId: 'request',
    startWorkflowOperation: new WithStartWorkflowOperation(withdrawal, {
      taskQueue: t.taskQueue,
      workflowId,
      args: [input],
      staticSummary: withdrawalStaticSummary(input),
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    }),
  });
}

async function requested(owner: Client, amount: string, options: Parameters<typeof inputFor>[2] = {}) {
  const input = inputFor(owner, amount, options);
  const state = await request(input);
  return { state, input, handle: t.client.workflow.getHandle<typeof withdrawal>(state.workflowId) };
}

async function balance(clientId: string): Promise<{ available: bigint; pending: bigint }> {
  const eur = (await getClientBalances(pool, clientId)).find((b) => b.asset === 'EUR');
  return { available: eur?.available ?? 0n, pending: eur?.pending ?? 0n };
}

async function entryKinds(workflowId: string): Promise<string[]> {
  const { rows } = await pool.query<{ kind: string }>(
    'SELECT kind FROM journal_entry WHERE workflow_id = $1 ORDER BY seq',
    [workflowId],
  );
  return rows.map((r) => r.kind);
}

/** The archive row of a closed workflow, once its archiver has stored it. */
async function archivedRun(workflowId: string) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const archived = await getHistoryArchiveSummary(pool, workflowId);
    if (archived || Date.now() > deadline) return archived;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
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

const transitions = (state: WithdrawalState) => state.timeline.map((e) => `${e.from ?? '∅'}→${e.to}`);
const approve = (actor: Actor, note?: string) => ({
  args: [{ actor, note }] as [{ actor: Actor; note?: string }],
});

describe('withdrawal workflow', () => {
  it('below the threshold: reserved at once, one approval, paid exactly once, hold posted', async () => {
    const owner = await client({ funds: 100_000n });
    const { state, handle, input } = await requested(owner, '250.00');
    expect(state).toMatchObject({
      status: 'PENDING_APPROVAL',
      amount: '250.00',
      approvalsRequired: 1,
      approvals: [],
      allowedActions: ['approve', 'reject', 'cancel'],
      bankAccount: {
        id: owner.bankAccountId,
        iban: owner.iban,
        bic: 'COBADEFFXXX',
        accountName: 'Test Client',
      },
    });
    expect(state.holdEntryId).toMatch(/^[0-9a-f-]{36}$/);
    // The hold reserves the funds: available falls, pending shows the reservation.
    expect(await balance(owner.id)).toEqual({ available: 75_000n, pending: 25_000n });
    const stored = await getLifecycle(pool, state.workflowId);
    expect(stored).toMatchObject({
      type: 'withdrawal',
      businessId: input.businessId,
      ownerId: owner.id,
      status: 'PENDING_APPROVAL',
      attributes: {
        amount: '250.00',
        currency: 'EUR',
        bankAccountId: owner.bankAccountId,
        approvalsRequired: 1,
      },
    });
    const inbox = await listTasks(pool, { roles: taskRolesFor('operations'), workflowId: state.workflowId });
    expect(inbox.items).toMatchObject([
      {
        kind: 'withdrawal.approve',
        requiredRole: 'operations',
        subjectType: 'withdrawal',
        subjectId: input.businessId,
      },
    ]);

    const processing = await handle.executeUpdate(approveWithdrawalUpdate, {
      ...approve(ops1, 'Looks fine'),
      updateId: randomUUID(),
    });
    expect(processing.status).toBe('PROCESSING');
    expect(processing.approvals).toMatchObject([{ actor: ops1, note: 'Looks fine' }]);

    const final = await handle.result();
    expect(final.status).toBe('COMPLETED');
    expect(transitions(final)).toEqual([
      '∅→PENDING_APPROVAL',
      'PENDING_APPROVAL→PROCESSING',
      'PROCESSING→COMPLETED',
    ]);
    expect(final.timeline[0]!.actor).toEqual(owner.actor);
    expect(final.timeline[1]!.actor).toEqual(ops1);
    expect(final.timeline[2]!.actor).toBeNull();
    expect(final.bankReference).toBe(`SIMBANK-${withdrawalPayoutId(input.businessId)}`);
    expect(await bank.count(final.payoutId)).toBe(1);
    expect(await bank.find(final.payoutId)).toMatchObject({
      amount: '250.00',
      currency: 'EUR',
      iban: owner.iban,
    });
    expect(await balance(owner.id)).toEqual({ available: 75_000n, pending: 0n });
    expect(await entryKinds(state.workflowId)).toEqual(['withdrawal.hold', 'withdrawal.post']);
    const closed = await getLifecycle(pool, state.workflowId);
    expect(closed).toMatchObject({ status: 'COMPLETED', closedAt: final.closedAt, lastSeq: 3 });
    expect(closed!.timeline).toEqual(final.timeline);
    expect(closed!.events.map((e) => e.data.action)).toEqual(['request', 'approve', 'complete']);
    expect(closed!.tasks).toMatchObject([
      { kind: 'withdrawal.approve', status: 'done', outcome: 'approved', completedBy: ops1.id },
    ]);
    // Closed, so its history is archived into PostgreSQL (workflows/archive.ts).
    const archived = await archivedRun(state.workflowId);
    expect(archived).toMatchObject({ type: 'withdrawal', runId: (await handle.describe()).runId });
    expect(archived!.eventCount).toBe((await handle.fetchHistory()).events!.length);
  });

  it('four eyes at the threshold: the same person twice is refused; a second, distinct approver pays it', async () => {
    const owner = await client();
    const { state, handle } = await requested(owner, '10000.00'); // at the EUR threshold: two approvals
    expect(state.approvalsRequired).toBe(2);

    const first = await handle.executeUpdate(approveWithdrawalUpdate, approve(ops1));
    expect(first.status).toBe('PENDING_APPROVAL');
    expect(first.approvals.map((a) => a.actor.id)).toEqual([ops1.id]);
    expect(transitions(first)).toEqual(['∅→PENDING_APPROVAL', 'PENDING_APPROVAL→PENDING_APPROVAL']);
    // The first approver's task is done; a fresh one waits for a second person.
    const tasks = (await getLifecycle(pool, state.workflowId))!.tasks;
    expect(tasks.map((x) => [x.status, x.outcome, x.completedBy])).toEqual([
      ['done', 'first_approval', ops1.id],
      ['open', null, null],
    ]);
    expect(tasks[1]!.summary).toContain('Second approval');

    const twice = await refusal(handle.executeUpdate(approveWithdrawalUpdate, approve(ops1, 'again')));
    expect(twice.type).toBe('already_approved_by_you');
    expect((await handle.query(withdrawalStateQuery)).approvals).toHaveLength(1);

    const second = await handle.executeUpdate(approveWithdrawalUpdate, approve(admin, 'second pair of eyes'));
    expect(second.status).toBe('PROCESSING');
    expect(second.approvals.map((a) => a.actor.id)).toEqual([ops1.id, admin.id]);
    const final = await handle.result();
    expect(final.status).toBe('COMPLETED');
    expect(await bank.count(final.payoutId)).toBe(1);
    expect(await balance(owner.id)).toEqual({ available: 4_000_000n, pending: 0n });
  });

  it('just below the threshold one approval is enough', async () => {
    const owner = await client();
    const { state, handle } = await requested(owner, '9999.99');
    expect(state.approvalsRequired).toBe(1);
    expect((await handle.executeUpdate(approveWithdrawalUpdate, approve(ops2))).status).toBe('PROCESSING');
    expect((await handle.result()).status).toBe('COMPLETED');
  });

  it('the requester can never approve: self_approval, even with a staff role', async () => {
    const owner = await client();
    const { handle } = await requested(owner, '50.00');
    // A member of staff who also holds the client account (same user id).
    const self: Actor = { id: owner.id, role: 'operations' };
    const failure = await refusal(handle.executeUpdate(approveWithdrawalUpdate, approve(self)));
    expect(failure.type).toBe('self_approval');
    const state = await handle.query(withdrawalStateQuery);
    expect(state).toMatchObject({ status: 'PENDING_APPROVAL', approvals: [] });
    expect(state.timeline).toHaveLength(1);
    await handle.executeUpdate(cancelWithdrawalUpdate, { args: [{ actor: owner.actor }] });
    expect((await handle.result()).status).toBe('CANCELLED');
  });

  it('cancel after a first approval: the hold is voided, the task cancelled, nothing paid', async () => {
    const owner = await client({ funds: 2_000_000n });
    const { state, handle } = await requested(owner, '15000.00');
    expect(await balance(owner.id)).toEqual({ available: 500_000n, pending: 1_500_000n });
    await handle.executeUpdate(approveWithdrawalUpdate, approve(ops1));

    // Only the owning client may cancel.
    const stranger: Actor = { id: randomUUID(), role: 'client' };
    expect(
      (await refusal(handle.executeUpdate(cancelWithdrawalUpdate, { args: [{ actor: stranger }] }))).type,
    ).toBe('forbidden');
    expect(
      (await refusal(handle.executeUpdate(cancelWithdrawalUpdate, { args: [{ actor: ops2 }] }))).type,
    ).toBe('forbidden');

    const cancelled = await handle.executeUpdate(cancelWithdrawalUpdate, { args: [{ actor: owner.actor }] });
    expect(cancelled.status).toBe('CANCELLED');
    expect(transitions(cancelled)).toEqual([
      '∅→PENDING_APPROVAL',
      'PENDING_APPROVAL→PENDING_APPROVAL',
      'PENDING_APPROVAL→CANCELLED',
    ]);
    expect((await handle.result()).status).toBe('CANCELLED');
    expect(await balance(owner.id)).toEqual({ available: 2_000_000n, pending: 0n });
    expect(await entryKinds(state.workflowId)).toEqual(['withdrawal.hold', 'withdrawal.void']);
    expect(await bank.count(state.payoutId)).toBe(0);
    const stored = await getLifecycle(pool, state.workflowId);
    expect(stored!.tasks.map((x) => [x.status, x.outcome])).toEqual([
      ['done', 'first_approval'],
      ['cancelled', 'cancelled'],
    ]);
    // Over: a late approval is refused.
    await expect(handle.executeUpdate(approveWithdrawalUpdate, approve(ops2))).rejects.toThrow();
  });

  it('reject needs a reason; a rejection voids the hold', async () => {
    const owner = await client({ funds: 100_000n });
    const { state, handle } = await requested(owner, '400.00');
    for (const reason of ['', '   ']) {
      const failure = await refusal(
        handle.executeUpdate(rejectWithdrawalUpdate, { args: [{ actor: ops1, reason }] }),
      );
      expect(failure.type).toBe('validation_failed');
    }
    expect(
      (await refusal(handle.executeUpdate(rejectWithdrawalUpdate, { args: [{ actor: aml, reason: 'no' }] })))
        .type,
    ).toBe('forbidden');
    const rejected = await handle.executeUpdate(rejectWithdrawalUpdate, {
      args: [{ actor: ops1, reason: 'Beneficiary name does not match the client' }],
    });
    expect(rejected).toMatchObject({
      status: 'REJECTED',
      failureReason: 'Beneficiary name does not match the client',
    });
    expect(rejected.timeline.at(-1)).toMatchObject({ from: 'PENDING_APPROVAL', to: 'REJECTED', actor: ops1 });
    expect((await handle.result()).status).toBe('REJECTED');
    expect(await balance(owner.id)).toEqual({ available: 100_000n, pending: 0n });
    expect(await entryKinds(state.workflowId)).toEqual(['withdrawal.hold', 'withdrawal.void']);
  });

  it('the bank times out AFTER paying: the retry sends the same payout id, exactly one payout, COMPLETED', async () => {
    const owner = await client({ funds: 100_000n });
    bank.inject(owner.iban, { kind: 'timeout_after_paying' }, { kind: 'unavailable' });
    const { state, handle } = await requested(owner, '321.00');
    await handle.executeUpdate(approveWithdrawalUpdate, approve(ops1));
    const final = await handle.result();
    expect(final.status).toBe('COMPLETED');
    expect(bank.calls.filter((c) => c.payoutId === state.payoutId).map((c) => c.outcome)).toEqual([
      'paid_then_timeout',
      'unavailable',
      'paid',
    ]);
    expect(await bank.count(state.payoutId)).toBe(1);
    const { rows } = await pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM simulated_bank_payout WHERE iban = $1',
      [owner.iban],
    );
    expect(rows[0]!.n).toBe(1);
    expect(await entryKinds(state.workflowId)).toEqual(['withdrawal.hold', 'withdrawal.post']);
    expect(await balance(owner.id)).toEqual({ available: 67_900n, pending: 0n });
  });

  it('a payout attempt that times out while the bank is still paying, and a worker dying after the answer, still pay once', async () => {
    const owner = await client({ funds: 100_000n });
    // Attempt 1 outlives the 2 s attempt timeout (the bank pays late); attempt 2 pays at once.
    bank.inject(owner.iban, { kind: 'latency', ms: 3_000 });
    const { state, handle } = await requested(owner, '10.00');
    crashAfterPayout.add(state.payoutId);
    await handle.executeUpdate(approveWithdrawalUpdate, approve(ops2));
    const final = await handle.result();
    expect(final.status).toBe('COMPLETED');
    await expect
      .poll(() => bank.calls.filter((c) => c.payoutId === state.payoutId).length, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(2);
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // let the slow first call finish
    expect(await bank.count(state.payoutId)).toBe(1);
    expect(final.bankReference).toBe((await bank.find(state.payoutId))!.bankReference);
    expect(await entryKinds(state.workflowId)).toEqual(['withdrawal.hold', 'withdrawal.post']);
  });

  it('a definitive bank refusal (account closed) fails the withdrawal and voids the hold', async () => {
    const owner = await client({ funds: 100_000n });
    bank.closeAccount(owner.iban);
    const { state, handle } = await requested(owner, '99.00');
    await handle.executeUpdate(approveWithdrawalUpdate, approve(ops1));
    const final = await handle.result();
    expect(final.status).toBe('FAILED');
    expect(final.failureReason).toContain('account closed');
    expect(final.timeline.at(-1)).toMatchObject({ from: 'PROCESSING', to: 'FAILED', actor: null });
    expect(await bank.count(state.payoutId)).toBe(0);
    expect(await balance(owner.id)).toEqual({ available: 100_000n, pending: 0n });
    expect(await entryKinds(state.workflowId)).toEqual(['withdrawal.hold', 'withdrawal.void']);
    expect((await getLifecycle(pool, state.workflowId))!.attributes.failureReason).toBe(final.failureReason);
  });

  it('the approval SLA escalates the task (overdue, priority up) without approving anything', async () => {
    const owner = await client();
    const policy = { ...TEST_POLICY, approvalSlaMs: 1_500 };
    const { state, handle } = await requested(owner, '12000.00', { policy });
    await expect
      .poll(async () => (await handle.query(withdrawalStateQuery)).escalatedAt, { timeout: 10_000 })
      .not.toBeNull();
    const escalated = await handle.query(withdrawalStateQuery);
    expect(escalated).toMatchObject({ status: 'PENDING_APPROVAL', approvals: [] });
    expect(transitions(escalated)).toEqual(['∅→PENDING_APPROVAL', 'PENDING_APPROVAL→PENDING_APPROVAL']);
    expect(escalated.timeline[1]).toMatchObject({ actor: null });
    expect(escalated.timeline[1]!.reason).toContain('escalated');
    expect(Date.parse(escalated.escalatedAt!)).toBeGreaterThanOrEqual(Date.parse(state.approvalDueAt));
    await expect
      .poll(
        async () =>
          (await pool.query('SELECT escalated_at FROM task WHERE workflow_id = $1', [state.workflowId]))
            .rows[0]?.escalated_at ?? null,
        { timeout: 10_000 },
      )
      .not.toBeNull();
    const task = (await listTasks(pool, { roles: taskRolesFor('operations'), workflowId: state.workflowId }))
      .items[0]!;
    expect(task).toMatchObject({ status: 'open', priority: policy.escalatedPriority });
    expect(task.summary).toMatch(/^Overdue: /);
    expect(await bank.count(state.payoutId)).toBe(0);

    // Still needs two people; the second approver's new task inherits the escalation. The task row
    // is escalated a moment before the workflow has taken in that activity's result, and until then
    // an Update is refused with invalid_state "try again": try again, as a person would.
    for (const deadline = Date.now() + 10_000; ;) {
      const error = await handle.executeUpdate(approveWithdrawalUpdate, approve(ops1)).then(
        () => null,
        (e: unknown) => e,
      );
      if (error === null) break;
      const busy =
        error instanceof WorkflowUpdateFailedError &&
        (error.cause as ApplicationFailure).type === 'invalid_state';
      if (!busy || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const second = await pool.query<{ priority: number; escalated_at: Date | null; summary: string }>(
      `SELECT priority, escalated_at, summary FROM task WHERE workflow_id = $1 AND status = 'open'`,
      [state.workflowId],
    );
    expect(second.rows[0]).toMatchObject({ priority: policy.escalatedPriority });
    expect(second.rows[0]!.escalated_at).not.toBeNull();
    await handle.executeUpdate(approveWithdrawalUpdate, approve(ops2));
    expect((await handle.result()).status).toBe('COMPLETED');
  });

  it('declines a request it cannot reserve: insufficient funds, no KYC, unverified or foreign account — nothing recorded', async () => {
    const poor = await client({ funds: 10_000n });
    const cases: [Client, string, Partial<Parameters<typeof inputFor>[2]>, string][] = [
      [poor, '100.01', {}, 'insufficient_funds'],
      [await client({ kyc: 'PENDING_REVIEW' }), '1.00', {}, 'kyc_required'],
      [await client({ accountStatus: 'PENDING_VERIFICATION' }), '1.00', {}, 'bank_account_unverified'],
      [poor, '1.00', { bankAccountId: (await client()).bankAccountId }, 'bank_account_unverified'],
    ];
    for (const [owner, amount, options, code] of cases) {
      const input = inputFor(owner, amount, options);
      const failure = await refusal(request(input));
      expect(failure.type).toBe(code);
      const handle = t.client.workflow.getHandle<typeof withdrawal>(withdrawalWorkflowId(input.businessId));
      const result = await handle.result();
      expect(result).toMatchObject({ status: 'DECLINED', declined: { code }, timeline: [] });
      expect(await getLifecycle(pool, handle.workflowId)).toBeNull();
      expect(await entryKinds(handle.workflowId)).toEqual([]);
      // No read-model row, but the declined run's history is archived all the same (its id is
      // never reused; see the end of workflows/withdrawal.ts).
      expect(await archivedRun(handle.workflowId)).toMatchObject({
        type: 'withdrawal',
        runId: (await handle.describe()).runId,
      });
    }
    expect(await balance(poor.id)).toEqual({ available: 10_000n, pending: 0n });
    // Exactly the available balance is fine.
    const { handle } = await requested(poor, '100.00');
    expect(await balance(poor.id)).toEqual({ available: 0n, pending: 10_000n });
    await handle.executeUpdate(cancelWithdrawalUpdate, { args: [{ actor: poor.actor }] });
    await handle.result();
  });

  it('a retried request reaches the same withdrawal; refusals by role, state and shape change nothing', async () => {
    const owner = await client();
    const businessId = randomUUID();
    const { state, handle } = await requested(owner, '75.00', { businessId });
    const again = await request(inputFor(owner, '75.00', { businessId }));
    expect(again.workflowId).toBe(state.workflowId);
    expect(again.holdEntryId).toBe(state.holdEntryId);
    expect(await entryKinds(state.workflowId)).toEqual(['withdrawal.hold']);

    const cases: [() => Promise<unknown>, string][] = [
      [() => handle.executeUpdate(approveWithdrawalUpdate, approve(aml)), 'forbidden'],
      [() => handle.executeUpdate(approveWithdrawalUpdate, approve(owner.actor)), 'forbidden'],
      [
        () =>
          handle.executeUpdate(approveWithdrawalUpdate, approve({ id: 'me', role: 'operations' } as Actor)),
        'validation_failed',
      ],
      [
        () => handle.executeUpdate(approveWithdrawalUpdate, approve(ops1, 'x'.repeat(2001))),
        'validation_failed',
      ],
    ];
    for (const [send, type] of cases) expect((await refusal(send())).type).toBe(type);
    expect((await handle.query(withdrawalStateQuery)).timeline).toHaveLength(1);

    // Two decisions at once: one wins, the other is refused, none is lost.
    const results = await Promise.allSettled([
      handle.executeUpdate(approveWithdrawalUpdate, approve(ops1)),
      handle.executeUpdate(rejectWithdrawalUpdate, { args: [{ actor: ops2, reason: 'not fine' }] }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const final = await handle.result();
    expect(['COMPLETED', 'REJECTED']).toContain(final.status);
    expect(await entryKinds(state.workflowId)).toEqual([
      'withdrawal.hold',
      final.status === 'COMPLETED' ? 'withdrawal.post' : 'withdrawal.void',
    ]);
    // After the end nothing changes any more.
    await expect(
      handle.executeUpdate(cancelWithdrawalUpdate, { args: [{ actor: owner.actor }] }),
    ).rejects.toThrow();
  });

  it('every withdrawal of this file replays deterministically against the current code', async () => {
    const replayed = await replayWorkflows(t.client, started);
    expect(replayed).toBeGreaterThanOrEqual(12);
  });
});
