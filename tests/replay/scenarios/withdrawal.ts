// The withdrawal lifecycle's main paths (API.md "Bank accounts, KYC, withdrawals"), driven the way
// the API drives them: the request is an update-with-start (answered once the funds are reserved),
// staff approve or reject and the client cancels through Updates; the capture worker's simulated
// bank (ctx.bank) refuses or loses its answer where a path needs it. The client is set up as the
// API expects one to be: approved KYC, a VERIFIED bank account, funds in the ledger.
//
// `declined` pins the internal ending: the funds cannot be reserved, nothing is recorded in the read
// model, and the run still closes through the history archiver (see the end of
// workflows/withdrawal.ts).
import { randomInt, randomUUID } from 'node:crypto';
import {
  WithStartWorkflowOperation,
  WorkflowUpdateFailedError,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { ensureClientAccounts, ensureSystemAccounts, postEntry } from '../../../db/ledger/index.js';
import type { Actor } from '../../../domain/lifecycle.js';
import { depositClear, depositConfirm } from '../../../domain/postings.js';
import {
  withdrawalPolicy,
  withdrawalStaticSummary,
  withdrawalWorkflowId,
  type WithdrawalInput,
  type WithdrawalPolicy,
} from '../../../domain/withdrawal.js';
import {
  approveWithdrawalUpdate,
  cancelWithdrawalUpdate,
  rejectWithdrawalUpdate,
  withdrawal,
  withdrawalRequestUpdate,
  withdrawalStateQuery,
} from '../../../workflows/withdrawal.js';
import { insertPerson } from './people.js';
import type { CaptureContext, Scenario } from './types.js';

/** Seconds instead of a day, so a capture takes seconds; `escalate-*` shortens the SLA further. */
const POLICY: WithdrawalPolicy = withdrawalPolicy({ approvalSlaMs: 120_000, payoutTimeoutMs: 2_000 });
/** Below the EUR four-eyes threshold (10000.00): one approval. */
const SMALL = '250.00';
/** At the EUR four-eyes threshold: two distinct approvers. */
const LARGE = '10000.00';

interface Withdrawer {
  actor: Actor;
  bankAccountId: string;
  iban: string;
}

/** A client who may withdraw: approved KYC, a VERIFIED account of their own, `funds` (EUR minor units). */
async function withdrawer(ctx: CaptureContext, funds = 5_000_000n): Promise<Withdrawer> {
  const actor = await insertPerson(ctx.pool, 'client');
  await ctx.pool.query(`UPDATE app_user SET kyc_status = 'APPROVED' WHERE id = $1`, [actor.id]);
  // An IBAN of its own per client: the simulated bank keys its faults by IBAN.
  const iban = `DE89370400440${String(randomInt(0, 1e9)).padStart(9, '0')}`;
  const { rows } = await ctx.pool.query<{ id: string }>(
    `INSERT INTO bank_account (client_id, iban, bic, account_name, bank_name, country, status)
     VALUES ($1, $2, 'COBADEFFXXX', 'Golden Client', 'Commerzbank', 'DE', 'VERIFIED') RETURNING id`,
    [actor.id, iban],
  );
  await ensureSystemAccounts(ctx.pool);
  await ensureClientAccounts(ctx.pool, actor.id, 'EUR');
  if (funds > 0n) {
    await postEntry(ctx.pool, {
      idempotencyKey: `golden-fund/${actor.id}/confirm`,
      ...depositConfirm(actor.id, 'EUR', funds),
    });
    await postEntry(ctx.pool, {
      idempotencyKey: `golden-fund/${actor.id}/clear`,
      ...depositClear(actor.id, 'EUR', funds),
    });
  }
  return { actor, bankAccountId: rows[0]!.id, iban };
}

function inputFor(owner: Withdrawer, amount: string, policy: WithdrawalPolicy): WithdrawalInput {
  return {
    businessId: randomUUID(),
    clientId: owner.actor.id,
    amount,
    currency: 'EUR',
    bankAccountId: owner.bankAccountId,
    policy,
    requestedBy: owner.actor,
  };
}

/** What POST /withdrawals does: start + the `request` Update, answered once the funds are reserved. */
function request(ctx: CaptureContext, input: WithdrawalInput) {
  return ctx.client.workflow.executeUpdateWithStart(withdrawalRequestUpdate, {
    updateId: 'request',
    startWorkflowOperation: new WithStartWorkflowOperation(withdrawal, {
      taskQueue: ctx.taskQueue,
      workflowId: withdrawalWorkflowId(input.businessId),
      args: [input],
      staticSummary: withdrawalStaticSummary(input),
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    }),
  });
}

/** A withdrawal of `amount`, reserved and PENDING_APPROVAL. */
async function requested(ctx: CaptureContext, amount: string, policy: WithdrawalPolicy = POLICY) {
  const owner = await withdrawer(ctx);
  const state = await request(ctx, inputFor(owner, amount, policy));
  const handle: WorkflowHandle<typeof withdrawal> = ctx.client.workflow.getHandle(state.workflowId);
  return { owner, state, handle };
}

type Handle = Awaited<ReturnType<typeof requested>>['handle'];

/**
 * Approves as `actor`. While the workflow is making a change of its own (the SLA escalation), an
 * Update is refused with invalid_state "try again" (workflows/lifecycle.ts CommandSlot) — a refusal
 * its validator makes, which leaves no trace in the history — so try again, as a person would.
 */
async function approve(handle: Handle, actor: Actor, note?: string) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await handle.executeUpdate(approveWithdrawalUpdate, {
        args: [{ actor, note }],
        updateId: randomUUID(),
      });
    } catch (error) {
      const busy =
        error instanceof WorkflowUpdateFailedError &&
        error.cause instanceof ApplicationFailure &&
        error.cause.type === 'invalid_state' &&
        Date.now() < deadline;
      if (!busy) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** Waits for the end and checks it is the one the path is about (a capture must not pin another). */
async function closed(handle: Handle, status: string): Promise<string> {
  const final = await handle.result();
  if (final.status !== status) {
    throw new Error(`${handle.workflowId} ended ${final.status}, expected ${status}`);
  }
  return handle.workflowId;
}

/** Until the approval SLA has escalated the task (the transition and the task's escalation both done). */
async function escalated(ctx: CaptureContext, handle: Handle): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const state = await handle.query(withdrawalStateQuery);
    const task = await ctx.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM task WHERE workflow_id = $1 AND escalated_at IS NOT NULL`,
      [handle.workflowId],
    );
    if (state.escalatedAt !== null && task.rows[0]!.n > 0) return;
    if (Date.now() > deadline) throw new Error(`${handle.workflowId} was not escalated in time`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export const withdrawalScenarios: Scenario[] = [
  {
    type: 'withdrawal',
    path: 'approve',
    description: 'below the four-eyes threshold: reserved, approved by operations, paid out, hold posted',
    async run(ctx) {
      const { handle } = await requested(ctx, SMALL);
      await approve(handle, ctx.staff.operations, 'Beneficiary matches the client');
      return closed(handle, 'COMPLETED');
    },
  },
  {
    type: 'withdrawal',
    path: 'four-eyes',
    description: 'at the threshold: a first approval (operations), a second by another person (admin), paid',
    async run(ctx) {
      const { handle } = await requested(ctx, LARGE);
      await approve(handle, ctx.staff.operations, 'first look');
      await approve(handle, ctx.staff.admin, 'second pair of eyes');
      return closed(handle, 'COMPLETED');
    },
  },
  {
    type: 'withdrawal',
    path: 'reject',
    description: 'rejected by operations with a reason; the hold is voided',
    async run(ctx) {
      const { handle } = await requested(ctx, SMALL);
      await handle.executeUpdate(rejectWithdrawalUpdate, {
        args: [{ actor: ctx.staff.operations, reason: 'Beneficiary name does not match the client' }],
        updateId: randomUUID(),
      });
      return closed(handle, 'REJECTED');
    },
  },
  {
    type: 'withdrawal',
    path: 'cancel-after-first-approval',
    description: 'four eyes, one approval given, then cancelled by the client; the hold is voided',
    async run(ctx) {
      const { owner, handle } = await requested(ctx, LARGE);
      await approve(handle, ctx.staff.operations);
      await handle.executeUpdate(cancelWithdrawalUpdate, {
        args: [{ actor: owner.actor }],
        updateId: randomUUID(),
      });
      return closed(handle, 'CANCELLED');
    },
  },
  {
    type: 'withdrawal',
    path: 'bank-refuses',
    description: 'approved; the bank refuses the payout for good (account closed): FAILED, hold voided',
    async run(ctx) {
      const { owner, handle } = await requested(ctx, SMALL);
      ctx.bank.closeAccount(owner.iban);
      await approve(handle, ctx.staff.operations);
      return closed(handle, 'FAILED');
    },
  },
  {
    type: 'withdrawal',
    path: 'bank-timeout-after-paying',
    description: 'approved; the bank pays but its answer is lost, the retry gets the same payout: paid once',
    async run(ctx) {
      const { owner, state, handle } = await requested(ctx, SMALL);
      ctx.bank.inject(owner.iban, { kind: 'timeout_after_paying' });
      await approve(handle, ctx.staff.operations);
      const workflowId = await closed(handle, 'COMPLETED');
      const outcomes = ctx.bank.calls.filter((c) => c.payoutId === state.payoutId).map((c) => c.outcome);
      const payouts = await ctx.bank.count(state.payoutId);
      if (outcomes.join() !== 'paid_then_timeout,paid' || payouts !== 1) {
        throw new Error(
          `expected one payout after a lost answer; calls ${outcomes.join()}, payouts ${payouts}`,
        );
      }
      return workflowId;
    },
  },
  {
    type: 'withdrawal',
    path: 'escalate-approve',
    description: 'nobody decides within the approval SLA: escalated by the timer, then approved and paid',
    async run(ctx) {
      const { handle } = await requested(ctx, SMALL, { ...POLICY, approvalSlaMs: 1_500 });
      await escalated(ctx, handle);
      await approve(handle, ctx.staff.operations, 'Sorry for the wait');
      return closed(handle, 'COMPLETED');
    },
  },
  {
    type: 'withdrawal',
    path: 'escalate-four-eyes',
    description: 'four eyes, escalated before any approval; the second approver’s task inherits it; paid',
    async run(ctx) {
      const { handle } = await requested(ctx, LARGE, { ...POLICY, approvalSlaMs: 1_500 });
      await escalated(ctx, handle);
      await approve(handle, ctx.staff.operations);
      await approve(handle, ctx.staff.admin);
      return closed(handle, 'COMPLETED');
    },
  },
  {
    type: 'withdrawal',
    path: 'declined',
    description: 'the funds cannot be reserved (insufficient funds): DECLINED, nothing recorded, archived',
    async run(ctx) {
      const owner = await withdrawer(ctx, 10_000n);
      const input = inputFor(owner, '100.01', POLICY);
      const refused = await request(ctx, input).then(
        () => null,
        (error: unknown) => error,
      );
      if (!(refused instanceof WorkflowUpdateFailedError)) {
        throw new Error(`expected the request to be declined, got ${String(refused)}`);
      }
      const handle: Handle = ctx.client.workflow.getHandle(withdrawalWorkflowId(input.businessId));
      return closed(handle, 'DECLINED');
    },
  },
];
