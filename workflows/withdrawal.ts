// The withdrawal lifecycle: reserve the funds the moment it is asked for, wait for the right people to
// approve it (four eyes above the policy's threshold, never the requester, never one person twice),
// pay out exactly once, and release the reservation on every other ending. Rules live in
// domain/withdrawal.ts; the shared machinery (one command at a time, recorded transitions,
// refusals) in workflows/lifecycle.ts.
//
//   1. reserveWithdrawal (activity): KYC approved, the client's verified account, a ledger hold with
//      key `<workflowId>/hold`. Refused → the workflow ends DECLINED and records nothing: the
//      request's caller learns why through the `request` Update (insufficient_funds, ...).
//   2. ∅ → PENDING_APPROVAL recorded, task `withdrawal.approve` for operations.
//   3. Updates approve / reject / cancel; the approval SLA timer escalates the task once.
//   4. PROCESSING: payWithdrawal (retried with the same payout id until the bank answers for good),
//      then the hold is posted (COMPLETED) or, on a definitive refusal, voided (FAILED).
//   5. Every ending, DECLINED included, starts the history archiver (workflows/archive.ts).
// Future changes to this sequence go behind patched('<change-id>') at the step they alter.
import {
  allHandlersFinished,
  condition,
  defineQuery,
  defineUpdate,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type { LifecycleActivities } from '../activities/lifecycle.js';
import type { WithdrawalActivities } from '../activities/withdrawal.js';
import { allowedActions } from '../domain/lifecycle.js';
import {
  WITHDRAWAL_HUMAN_ACTIONS,
  WITHDRAWAL_TASKS,
  WITHDRAWAL_TRANSITIONS,
  WITHDRAWAL_TYPE,
  approvalsRequired as approvalsNeeded,
  checkApprove,
  checkCancel,
  checkReject,
  checkWithdrawalAmount,
  checkWithdrawalInput,
  checkWithdrawalLimit,
  groupIban,
  withdrawalPayoutId,
  type Approval,
  type ApproveWithdrawalArgs,
  type CancelWithdrawalArgs,
  type PayoutAccount,
  type RejectWithdrawalArgs,
  type WithdrawalAction,
  type WithdrawalHumanAction,
  type WithdrawalInput,
  type WithdrawalPhase,
  type WithdrawalState,
  type WithdrawalStatus,
  type WithdrawalView,
} from '../domain/withdrawal.js';
import { archiveHistoryOnClose } from './archive.js';
import { HeldRequest, heldEndings, orRefusal, takeApproval } from './held-transfer.js';
import {
  CommandSlot,
  LIFECYCLE_ACTIVITY_OPTIONS,
  LIFECYCLE_RETRY,
  LifecycleRecorder,
  guard,
  refusalFailure,
  type Deadline,
  type OpenTask,
} from './lifecycle.js';
import { operationsTask } from './operations-task.js';

// ---------------------------------------------------------------------------------------------
// Messages (the API imports these definitions to call the workflow).

export const withdrawalStateQuery = defineQuery<WithdrawalState>('state');
/**
 * Sent with the start (update-with-start): answers once the funds are reserved (the withdrawal is
 * PENDING_APPROVAL, or later for a retried request), or refuses with the reason the request was
 * declined (insufficient_funds, kyc_required, bank_account_unverified). Changes nothing.
 */
export const withdrawalRequestUpdate = defineUpdate<WithdrawalState, []>('request');
export const approveWithdrawalUpdate = defineUpdate<WithdrawalState, [ApproveWithdrawalArgs]>('approve');
export const rejectWithdrawalUpdate = defineUpdate<WithdrawalState, [RejectWithdrawalArgs]>('reject');
export const cancelWithdrawalUpdate = defineUpdate<WithdrawalState, [CancelWithdrawalArgs]>('cancel');

// ---------------------------------------------------------------------------------------------
// Activities: the ledger and the read model retry without limit; business refusals are
// non-retryable failures raised by the activities themselves.

const { reserveWithdrawal, postWithdrawalHold, voidWithdrawalHold } =
  proxyActivities<WithdrawalActivities>(LIFECYCLE_ACTIVITY_OPTIONS);
const { escalateTask } = proxyActivities<LifecycleActivities>(LIFECYCLE_ACTIVITY_OPTIONS);

/** The human actions defined from `status` (approve_first is the same request as approve). */
function humanActions(status: WithdrawalStatus): WithdrawalHumanAction[] {
  const actions = allowedActions(WITHDRAWAL_TRANSITIONS, status).map((a) =>
    a === 'approve_first' ? 'approve' : a,
  );
  return WITHDRAWAL_HUMAN_ACTIONS.filter((a) => actions.includes(a));
}

type Command =
  | { action: 'approve'; args: ApproveWithdrawalArgs }
  | { action: 'reject'; args: RejectWithdrawalArgs }
  | { action: 'cancel'; args: CancelWithdrawalArgs };

export async function withdrawal(input: WithdrawalInput): Promise<WithdrawalState> {
  guard(checkWithdrawalInput(input));
  guard(checkWithdrawalLimit(input));
  const { businessId, clientId, currency, bankAccountId, policy, requestedBy } = input;
  const amount = canonical(input.amount);
  const createdAtMs = Date.now();
  const required = approvalsNeeded(currency, amount, policy);
  const payoutId = withdrawalPayoutId(businessId);
  const approvalDueAt = new Date(createdAtMs + policy.approvalSlaMs).toISOString();
  // The payout's attempt timeout comes from the policy (seconds in tests).
  // The activity heartbeats while the bank answers, so a worker that dies mid-payout is retried
  // after seconds, not after the whole attempt.
  const { payWithdrawal } = proxyActivities<WithdrawalActivities>({
    startToCloseTimeout: policy.payoutTimeoutMs,
    heartbeatTimeout: '5 seconds',
    retry: LIFECYCLE_RETRY,
  });

  /** REQUESTED until the funds are reserved, DECLINED if they could not be; then the lifecycle's status. */
  const request = new HeldRequest();
  let bankAccount: PayoutAccount | null = null;
  let holdEntryId: string | null = null;
  const approvals: Approval[] = [];
  let escalatedAt: string | null = null;
  let bankReference: string | null = null;
  let failureReason: string | null = null;

  const lifecycle = new LifecycleRecorder<WithdrawalStatus, WithdrawalAction>({
    type: WITHDRAWAL_TYPE,
    businessId,
    ownerId: clientId,
    table: WITHDRAWAL_TRANSITIONS,
    initial: 'PENDING_APPROVAL',
    startAction: 'request',
    attributes,
  });
  const { workflowId } = lifecycle;
  const commands = new CommandSlot<Command, WithdrawalState>({
    noun: 'withdrawal',
    status,
    answer: snapshot,
  });
  const transition = lifecycle.transition.bind(lifecycle);

  function canonical(text: string): string {
    const result = checkWithdrawalAmount(currency, text);
    if (!result.ok) throw refusalFailure(result.refusal);
    return result.amount;
  }

  function status(): WithdrawalPhase {
    return request.status(lifecycle.status);
  }

  function view(): WithdrawalView {
    return {
      status: status(),
      clientId,
      requestedBy: requestedBy.id,
      approvals,
      approvalsRequired: required,
    };
  }

  function snapshot(): WithdrawalState {
    const now = status();
    const open = request.accepted && !lifecycle.terminal;
    return {
      id: businessId,
      workflowId,
      type: WITHDRAWAL_TYPE,
      status: now,
      clientId,
      amount,
      currency,
      bankAccountId,
      bankAccount,
      approvalsRequired: required,
      approvals: approvals.map((a) => ({ ...a })),
      approvalDueAt,
      escalatedAt,
      holdEntryId,
      payoutId,
      bankReference,
      failureReason,
      declined: request.shownDecline(),
      createdAt: new Date(createdAtMs).toISOString(),
      closedAt: lifecycle.closedAt,
      allowedActions: open ? humanActions(lifecycle.status) : [],
      timeline: [...lifecycle.timeline],
    };
  }

  /** What the lifecycle row carries for lists and pages (replaces the previous values key by key). */
  function attributes(): Record<string, unknown> {
    return {
      amount,
      currency,
      bankAccountId,
      bankAccount,
      approvalsRequired: required,
      approvals,
      approvalDueAt,
      escalatedAt,
      holdEntryId,
      payoutId,
      bankReference,
      failureReason,
    };
  }

  const money = `${amount} ${currency}`;
  const approveTask = (summary: string, priority: number): OpenTask =>
    operationsTask({
      kind: WITHDRAWAL_TASKS.approve,
      subjectType: WITHDRAWAL_TYPE,
      subjectId: businessId,
      dueAt: approvalDueAt,
      summary,
      priority,
    });
  const overdue = (summary: string) => `Overdue: ${summary}`;

  // --- Messages (registered before the first step: the request Update arrives with the start) ---

  setHandler(withdrawalStateQuery, snapshot);
  request.answer(withdrawalRequestUpdate, snapshot);
  commands.handle(
    approveWithdrawalUpdate,
    (args) => checkApprove(view(), args),
    (args) => ({ action: 'approve', args }),
  );
  commands.handle(
    rejectWithdrawalUpdate,
    (args) => checkReject(view(), args),
    (args) => ({ action: 'reject', args }),
  );
  commands.handle(
    cancelWithdrawalUpdate,
    (args) => checkCancel(view(), args),
    (args) => ({ action: 'cancel', args }),
  );

  // --- Steps ----------------------------------------------------------------------------------

  /** Reserves the funds; false when the request was declined (nothing is recorded then). */
  async function reserve(): Promise<boolean> {
    const reserved = await request.reserve(() =>
      reserveWithdrawal.executeWithOptions({ summary: `withdrawal.hold ${money}` }, [
        { clientId, currency, amount, bankAccountId },
      ]),
    );
    if (reserved === null) {
      failureReason = request.declined!.message;
      return false;
    }
    holdEntryId = reserved.holdEntryId;
    bankAccount = reserved.bankAccount;
    return true;
  }

  async function requested(): Promise<void> {
    const summary =
      required === 2
        ? `Approve withdrawal of ${money} (four eyes: two approvers)`
        : `Approve withdrawal of ${money}`;
    await transition(null, requestedBy, {
      reason: `Withdrawal of ${money} to ${groupIban(bankAccount!.iban)} requested; funds reserved`,
      data: { amount, currency, bankAccountId, holdEntryId, approvalsRequired: required },
      openTasks: [approveTask(summary, 0)],
    });
    request.accept();
  }

  async function approve(args: ApproveWithdrawalArgs): Promise<void> {
    const step = takeApproval(approvals, required, args, {
      kind: WITHDRAWAL_TASKS.approve,
      next: 'paying out',
    });
    const { reason, data, closeTasks } = step;
    if (step.action === 'approve_first') {
      const summary = `Second approval of withdrawal of ${money} (first approved by ${args.actor.id})`;
      await transition('approve_first', args.actor, {
        reason,
        data,
        closeTasks,
        openTasks: [
          approveTask(escalatedAt ? overdue(summary) : summary, escalatedAt ? policy.escalatedPriority : 0),
        ],
      });
      // The second approver's task is new: it inherits an escalation that already happened.
      if (escalatedAt) {
        await escalateTask.executeWithOptions({ summary: 'keep the approval task escalated' }, [
          { workflowId, kind: WITHDRAWAL_TASKS.approve, priority: policy.escalatedPriority, at: escalatedAt },
        ]);
      }
      return;
    }
    await transition('approve', args.actor, { reason, data, closeTasks });
  }

  async function release(reason: string): Promise<void> {
    await voidWithdrawalHold.executeWithOptions({ summary: `withdrawal.void ${money}` }, [
      { holdEntryId: holdEntryId!, reason },
    ]);
  }

  const endings = heldEndings({
    release,
    transition,
    taskKind: () => WITHDRAWAL_TASKS.approve,
    failed: (reason) => {
      failureReason = reason;
    },
  });

  async function escalate(): Promise<void> {
    escalatedAt = new Date(Date.now()).toISOString();
    await transition('escalate', null, {
      reason: `Not decided within the approval SLA (due ${approvalDueAt}); escalated`,
      data: { approvalDueAt, approvals: approvals.length, approvalsRequired: required },
    });
    const summary =
      approvals.length > 0
        ? `Second approval of withdrawal of ${money} (first approved by ${approvals[0]!.actor.id})`
        : `Approve withdrawal of ${money}${required === 2 ? ' (four eyes: two approvers)' : ''}`;
    await escalateTask.executeWithOptions({ summary: 'escalate the approval task' }, [
      {
        workflowId,
        kind: WITHDRAWAL_TASKS.approve,
        priority: policy.escalatedPriority,
        at: escalatedAt,
        summary: overdue(summary),
      },
    ]);
  }

  async function payout(): Promise<void> {
    const account = bankAccount!;
    const paid = await orRefusal(() =>
      payWithdrawal.executeWithOptions({ summary: `payout ${money} to ${groupIban(account.iban)}` }, [
        {
          payoutId,
          amount,
          currency,
          iban: account.iban,
          bic: account.bic,
          name: account.accountName,
          reference: `Withdrawal ${businessId}`,
        },
      ]),
    );
    if (!paid.ok) {
      const { cause } = paid;
      return endings.refused(cause, 'payout', `The bank refused the payout: ${cause.message}`, { payoutId });
    }
    bankReference = paid.value.bankReference;
    await postWithdrawalHold.executeWithOptions({ summary: `withdrawal.post ${money}` }, [
      { holdEntryId: holdEntryId! },
    ]);
    await transition('complete', null, {
      reason: `Paid out ${money} to ${groupIban(account.iban)} (bank reference ${bankReference})`,
      data: { payoutId, bankReference },
    });
  }

  async function run(command: Command): Promise<void> {
    switch (command.action) {
      case 'approve':
        return approve(command.args);
      case 'reject':
        return endings.reject(command.args);
      case 'cancel':
        return endings.cancel(command.args);
    }
  }

  // --- Main loop ------------------------------------------------------------------------------

  /** PENDING_APPROVAL: the approval SLA (once); PROCESSING: pay out at once; otherwise people decide. */
  function deadline(): Deadline | null {
    if (lifecycle.status === 'PENDING_APPROVAL' && escalatedAt === null)
      return { atMs: Date.parse(approvalDueAt), summary: `Approval SLA ends ${approvalDueAt}` };
    if (lifecycle.status === 'PROCESSING') return { atMs: 0, summary: 'pay out' };
    return null;
  }

  async function elapsed(): Promise<void> {
    if (lifecycle.status === 'PENDING_APPROVAL') return escalate();
    if (lifecycle.status === 'PROCESSING') return payout();
  }

  if (await reserve()) {
    await requested();
    await commands.loop({ done: () => lifecycle.terminal, deadline, run, elapsed });
  }

  await condition(allHandlersFinished);
  // Archived on every ending, the internal DECLINED one too, although a declined request leaves no
  // read-model row: its workflow id comes from the Idempotency-Key and is never reused
  // (REJECT_DUPLICATE), so its archive row (one per workflow id) cannot shadow another withdrawal;
  // the audit log's `withdrawal.request_declined` names it; and nothing else would keep its history
  // past Temporal's retention (the audit service archives on first read, but its search lists only
  // read-model rows, so nobody would open it in time).
  // No patch: no golden histories of withdrawals existed before this step.
  await archiveHistoryOnClose();
  return snapshot();
}
