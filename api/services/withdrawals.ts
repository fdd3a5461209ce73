// Withdrawals: request (start the workflow and wait for the funds to be reserved), list and read (the
// read model), and the human actions (Updates to the workflow). The JSON routes and the pages call
// these same functions, so every rule is applied once. Everything thrown is an ApiError (or a bug).
//
// Request: role (403) → body (400) → KYC approved (422 kyc_required) → the bank account is the
// caller's (404 otherwise, no existence leak) and VERIFIED (422 bank_account_unverified) → the
// workflow reserves the funds in its first step (422 insufficient_funds). The server writes no
// ledger entry: it starts the workflow together with its `request` Update (update-with-start) and
// answers when the Update does, i.e. once the hold is placed or refused. The ledger serialises
// concurrent holds on the client's account, so requests can never overspend.
//
// Actions: role (403) → body (400) → visible (404) → not closed (409) → the workflow's validator,
// authoritative: invalid_state 409, forbidden 403, validation_failed 400, self_approval 422,
// already_approved_by_you 409.
import currency from 'currency.js';
import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowUpdateFailedError,
  ApplicationFailure,
  type UpdateDefinition,
  type WorkflowHandle,
} from '@temporalio/client';
import { z } from 'zod';
import { getClientBalances } from '../../db/ledger/index.js';
import { getLifecycle, type LifecycleDetail, type LifecycleSummary } from '../../db/lifecycle/index.js';
import type { Task } from '../../db/lifecycle/tasks.js';
import { authorize, type Actor, type TimelineEntry } from '../../domain/lifecycle.js';
import { ASSETS, CASH_ASSETS, formatAmount, type AssetCode } from '../../domain/money.js';
import { ROLES, isClient, isReadOnly } from '../../domain/roles.js';
import {
  DECLINE_CODES,
  WITHDRAWAL_PERMISSIONS,
  WITHDRAWAL_STATUSES,
  WITHDRAWAL_TRANSITIONS,
  WITHDRAWAL_TYPE,
  checkApprove,
  checkWithdrawalInput,
  checkWithdrawalPolicy,
  withdrawalPolicy,
  withdrawalStaticSummary,
  withdrawalWorkflowId,
  type Approval,
  type PayoutAccount,
  type WithdrawalHumanAction,
  type WithdrawalInput,
  type WithdrawalPolicy,
  type WithdrawalState,
  type WithdrawalStatus,
} from '../../domain/withdrawal.js';
import {
  approveWithdrawalUpdate,
  cancelWithdrawalUpdate,
  rejectWithdrawalUpdate,
  withdrawal,
  withdrawalRequestUpdate,
} from '../../workflows/withdrawal.js';
import { auditStaffAction } from '../audit/log.js';
import { TimelineEntrySchema } from '../deposit-view.js';
import type { AppDeps } from '../deps.js';
import { ApiError, conflict, forbidden, notFound, unprocessable } from '../errors.js';
import { idempotentUuid } from '../idempotency.js';
import {
  cashCurrencySchema,
  decimalAmountSchema,
  listQuerySchema,
  parseAmountField,
  textField,
  uuidSchema,
} from '../validate.js';
import {
  actorOf,
  parseInput,
  refuseIfEnded,
  refusalToApiError,
  requireActionRole,
  requireIdempotencyKey,
  type SessionUser,
} from './common.js';
import {
  freshestRecord,
  isLiveTask,
  lastChangedAt,
  listLifecycleRecords,
  loadVisibleLifecycle,
  textOrNull as str,
  transitionsOfDetail,
  transitionsOfTimeline,
  type RecordedTransition as LifecycleTransition,
} from './lifecycle-records.js';
import { policyFromEnv } from './policy-from-env.js';
import {
  failureToApiError,
  runLifecycleUpdate,
  temporalClient,
  updateErrorToApiError,
  withDeadline,
} from './temporal.js';

// ---- policy -----------------------------------------------------------------------------------------

/**
 * The policy new withdrawals start with: the domain defaults (four eyes at 10 000.00 EUR/USD, a
 * one-day approval SLA), overridden by WITHDRAWAL_POLICY_JSON (a JSON object of WithdrawalPolicy
 * fields, e.g. `{"approvalSlaMs":2000,"fourEyesThreshold":{"EUR":"500.00"}}`). Read on every request.
 */
export const currentWithdrawalPolicy = policyFromEnv<WithdrawalPolicy>({
  variable: 'WITHDRAWAL_POLICY_JSON',
  withDefaults: withdrawalPolicy,
  check: checkWithdrawalPolicy,
});

// ---- schemas (validation and the OpenAPI document) ----------------------------------------------------

export const CreateWithdrawalBodySchema = z
  .object({
    amount: decimalAmountSchema,
    currency: cashCurrencySchema,
    bankAccountId: uuidSchema.meta({ description: 'One of your VERIFIED bank accounts' }),
  })
  .meta({ id: 'CreateWithdrawalBody' });

export const ListWithdrawalsQuerySchema = listQuerySchema.extend({
  status: z.enum(WITHDRAWAL_STATUSES).optional(),
  clientId: uuidSchema.optional().meta({ description: 'Staff and auditors: one client’s withdrawals' }),
});

export const ApproveWithdrawalBodySchema = z
  .object({ note: textField({ max: 2000, multiline: true }).nullish() })
  .meta({ id: 'ApproveWithdrawalBody' });
export const RejectWithdrawalBodySchema = z
  .object({ reason: textField({ max: 2000, required: true, multiline: true }) })
  .meta({ id: 'RejectWithdrawalBody' });

const ActorSchema = z.object({ id: z.uuid(), role: z.enum(ROLES) });

export const WithdrawalSchema = z
  .object({
    id: z.uuid(),
    workflowId: z.string().meta({ example: 'withdrawal-0b6f1c0e-…' }),
    status: z.enum(WITHDRAWAL_STATUSES),
    clientId: z.uuid(),
    amount: z.string().meta({ example: '1250.50' }),
    currency: z.enum(['EUR', 'USD']),
    bankAccountId: z.uuid(),
    bankAccount: z
      .object({
        id: z.uuid(),
        iban: z.string().meta({ example: 'DE89370400440532013000' }),
        bic: z.string().meta({ example: 'COBADEFFXXX' }),
        accountName: z.string(),
        bankName: z.string(),
        country: z.string(),
      })
      .nullable(),
    approvalsRequired: z.number().int().meta({ description: '2 at or above the four-eyes threshold' }),
    approvals: z.array(
      z.object({
        actor: ActorSchema,
        at: z.string(),
        note: z.string().nullable().optional().meta({ description: 'Staff and auditors only' }),
      }),
    ),
    approvalsMissing: z.number().int().meta({ description: 'Approvals still needed before the payout' }),
    secondApproverNeeded: z.boolean(),
    approvalDueAt: z.string().optional().meta({ description: 'Staff and auditors only: the approval SLA' }),
    escalatedAt: z.string().nullable().optional().meta({ description: 'Staff and auditors only' }),
    bankReference: z.string().nullable(),
    failureReason: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    closedAt: z.string().nullable(),
    allowedActions: z.array(z.enum(['approve', 'reject', 'cancel'])),
    timeline: z.array(TimelineEntrySchema),
    openTasks: z
      .array(
        z.object({
          id: z.uuid(),
          kind: z.string(),
          status: z.string(),
          assignee: z.uuid().nullable(),
          summary: z.string().nullable(),
          priority: z.number().int(),
          dueAt: z.string().nullable(),
        }),
      )
      .optional()
      .meta({ description: 'Staff and auditors only' }),
  })
  .meta({ id: 'Withdrawal' });

// ---- the view ---------------------------------------------------------------------------------------

export interface WithdrawalTaskView {
  id: string;
  kind: string;
  status: string;
  assignee: string | null;
  summary: string | null;
  priority: number;
  dueAt: string | null;
}

export interface WithdrawalView {
  /** The business id (UUID), the `:id` of every withdrawal route. */
  id: string;
  workflowId: string;
  status: WithdrawalStatus;
  clientId: string;
  amount: string;
  currency: AssetCode;
  bankAccountId: string;
  bankAccount: PayoutAccount | null;
  approvalsRequired: number;
  approvals: { actor: Actor; at: string; note?: string | null }[];
  /** Approvals still needed (0 once decided). */
  approvalsMissing: number;
  /** Four eyes: one approval is in, a second, different person must approve. */
  secondApproverNeeded: boolean;
  approvalDueAt?: string;
  escalatedAt?: string | null;
  bankReference: string | null;
  failureReason: string | null;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  /** What the caller may do now (status, role, owner, four-eyes rules). */
  allowedActions: WithdrawalHumanAction[];
  timeline: TimelineEntry<WithdrawalStatus>[];
  openTasks?: WithdrawalTaskView[];
}

type RecordedTransition = LifecycleTransition<WithdrawalStatus>;

/** Everything a view is made of, from the read model or from the workflow's state. */
interface WithdrawalRecord {
  businessId: string;
  workflowId: string;
  status: WithdrawalStatus;
  clientId: string;
  attributes: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  transitions: RecordedTransition[];
  tasks: Task[];
}

function approvalsOf(value: unknown): Approval[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((a) => {
    const approval = a as Partial<Approval>;
    return approval?.actor && typeof approval.actor.id === 'string'
      ? [{ actor: approval.actor, at: String(approval.at ?? ''), note: approval.note ?? null }]
      : [];
  });
}

function recordFromSummary(
  summary: LifecycleSummary,
  transitions: RecordedTransition[],
  tasks: Task[],
): WithdrawalRecord {
  return {
    businessId: summary.businessId,
    workflowId: summary.workflowId,
    status: summary.status as WithdrawalStatus,
    clientId: summary.ownerId ?? '',
    attributes: summary.attributes,
    createdAt: summary.createdAt,
    updatedAt: summary.updatedAt,
    closedAt: summary.closedAt,
    transitions,
    tasks: tasks.filter(isLiveTask),
  };
}

function recordFromDetail(detail: LifecycleDetail): WithdrawalRecord {
  return recordFromSummary(detail, transitionsOfDetail<WithdrawalStatus>(detail), detail.tasks);
}

function recordFromState(state: WithdrawalState, tasks: Task[] = []): WithdrawalRecord {
  return {
    businessId: state.id,
    workflowId: state.workflowId,
    status: state.status as WithdrawalStatus,
    clientId: state.clientId,
    attributes: {
      amount: state.amount,
      currency: state.currency,
      bankAccountId: state.bankAccountId,
      bankAccount: state.bankAccount,
      approvalsRequired: state.approvalsRequired,
      approvals: state.approvals,
      approvalDueAt: state.approvalDueAt,
      escalatedAt: state.escalatedAt,
      bankReference: state.bankReference,
      failureReason: state.failureReason,
    },
    createdAt: state.createdAt,
    updatedAt: lastChangedAt(state.timeline, state.createdAt),
    closedAt: state.closedAt,
    transitions: transitionsOfTimeline(state.timeline),
    tasks: tasks.filter(isLiveTask),
  };
}

/** What a client reads on their timeline: facts, never staff notes. */
function clientReason(t: RecordedTransition): string | null {
  const { from, to, reason } = t.entry;
  const action =
    t.action ??
    (from === 'PENDING_APPROVAL' && to === 'PENDING_APPROVAL' && t.entry.actor
      ? 'approve_first'
      : from === 'PENDING_APPROVAL' && to === 'PROCESSING'
        ? 'approve'
        : null);
  switch (action) {
    case 'approve_first':
      return 'First approval given; a second approver is needed';
    case 'approve':
      return 'Approved; the payout is under way';
    case 'escalate':
      return 'The approval is taking longer than planned; it has been escalated';
    default:
      return reason;
  }
}

/** The actions `user` could take now on `record` (status, role, owner, four eyes). */
function actionsFor(record: WithdrawalRecord, user: SessionUser): WithdrawalHumanAction[] {
  if (isReadOnly(user.role) || record.status !== 'PENDING_APPROVAL' || record.closedAt) return [];
  const actor = actorOf(user);
  const approvals = approvalsOf(record.attributes.approvals);
  const required = record.attributes.approvalsRequired === 2 ? 2 : 1;
  const actions: WithdrawalHumanAction[] = [];
  const view = {
    status: record.status,
    clientId: record.clientId,
    requestedBy: record.clientId,
    approvals,
    approvalsRequired: required,
  } as const;
  if (checkApprove(view, { actor }) === null) actions.push('approve');
  if (authorize(WITHDRAWAL_PERMISSIONS, 'reject', actor, record.clientId) === null) actions.push('reject');
  if (authorize(WITHDRAWAL_PERMISSIONS, 'cancel', actor, record.clientId) === null) actions.push('cancel');
  return actions;
}

function toView(record: WithdrawalRecord, user: SessionUser): WithdrawalView {
  const client = isClient(user.role);
  const a = record.attributes;
  const approvals = approvalsOf(a.approvals);
  const approvalsRequired = a.approvalsRequired === 2 ? 2 : 1;
  const missing =
    record.status === 'PENDING_APPROVAL' ? Math.max(0, approvalsRequired - approvals.length) : 0;
  const view: WithdrawalView = {
    id: record.businessId,
    workflowId: record.workflowId,
    status: record.status,
    clientId: record.clientId,
    amount: str(a.amount) ?? '',
    currency: (str(a.currency) ?? 'EUR') as AssetCode,
    bankAccountId: str(a.bankAccountId) ?? '',
    bankAccount: (a.bankAccount as PayoutAccount | null | undefined) ?? null,
    approvalsRequired,
    approvals: approvals.map((x) =>
      client ? { actor: x.actor, at: x.at } : { actor: x.actor, at: x.at, note: x.note },
    ),
    approvalsMissing: missing,
    secondApproverNeeded: approvalsRequired === 2 && approvals.length === 1 && missing === 1,
    bankReference: str(a.bankReference),
    failureReason: str(a.failureReason),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    closedAt: record.closedAt,
    allowedActions: actionsFor(record, user),
    timeline: record.transitions.map((t) => (client ? { ...t.entry, reason: clientReason(t) } : t.entry)),
  };
  if (!client) {
    view.approvalDueAt = str(a.approvalDueAt) ?? undefined;
    view.escalatedAt = str(a.escalatedAt);
    view.openTasks = record.tasks.map((task) => ({
      id: task.id,
      kind: task.kind,
      status: task.status,
      assignee: task.assignee,
      summary: task.summary,
      priority: task.priority,
      dueAt: task.dueAt,
    }));
  }
  return view;
}

// ---- reading ------------------------------------------------------------------------------------------

/** The withdrawal `id` as the read model has it, if `user` may see it; otherwise 404 (no existence leak). */
async function loadVisible(deps: AppDeps, user: SessionUser, id: string): Promise<LifecycleDetail> {
  return loadVisibleLifecycle(deps, user, WITHDRAWAL_TYPE, id, 'no such withdrawal');
}

export async function getWithdrawal(deps: AppDeps, user: SessionUser, id: string): Promise<WithdrawalView> {
  return toView(recordFromDetail(await loadVisible(deps, user, id)), user);
}

/** The workflow id of a withdrawal `user` may read (for live updates); 404 otherwise. */
export async function withdrawalWorkflowIdFor(deps: AppDeps, user: SessionUser, id: string): Promise<string> {
  return (await loadVisible(deps, user, id)).workflowId;
}

export async function listWithdrawals(
  deps: AppDeps,
  user: SessionUser,
  query: { status?: string; clientId?: string; limit?: number | string; cursor?: string },
): Promise<{ items: WithdrawalView[]; nextCursor: string | null }> {
  const q = parseInput(ListWithdrawalsQuerySchema, query, 'query');
  const page = await listLifecycleRecords(deps, user, WITHDRAWAL_TYPE, q, recordFromSummary);
  return { items: page.records.map((record) => toView(record, user)), nextCursor: page.nextCursor };
}

export interface PayoutAccountOption extends PayoutAccount {
  status: string;
}

/** The caller's VERIFIED bank accounts: where a withdrawal may go (the request form's choices). */
export async function payoutAccountsFor(deps: AppDeps, user: SessionUser): Promise<PayoutAccountOption[]> {
  if (!isClient(user.role)) return [];
  const { rows } = await deps.pool.query<{
    id: string;
    iban: string;
    bic: string;
    account_name: string;
    bank_name: string;
    country: string;
    status: string;
  }>(
    `SELECT id, iban, bic, account_name, bank_name, country, status FROM bank_account
      WHERE client_id = $1 AND status = 'VERIFIED' ORDER BY created_at DESC, id DESC`,
    [user.id],
  );
  return rows.map((r) => ({
    id: r.id,
    iban: r.iban,
    bic: r.bic,
    accountName: r.account_name,
    bankName: r.bank_name,
    country: r.country,
    status: r.status,
  }));
}

/** The caller's available cash per currency (decimal strings), for the request form. */
export async function availableCashFor(
  deps: AppDeps,
  user: SessionUser,
): Promise<{ currency: AssetCode; available: string }[]> {
  if (!isClient(user.role)) return [];
  const balances = await getClientBalances(deps.pool, user.id);
  return CASH_ASSETS.map((asset) => {
    const found = balances.find((b) => b.asset === asset);
    return { currency: asset, available: formatAmount(asset, found?.available ?? 0n) };
  });
}

// ---- requesting -----------------------------------------------------------------------------------

function staticSummary(input: WithdrawalInput, email: string): string {
  const shown = currency(input.amount, {
    symbol: '',
    separator: ',',
    decimal: '.',
    precision: ASSETS[input.currency].scale,
  }).format();
  return `${withdrawalStaticSummary({ ...input, amount: shown })} (${email})`;
}

const DECLINE_MESSAGES: Record<string, string> = {
  insufficient_funds: 'your available balance does not cover this withdrawal',
  kyc_required: 'withdrawals need an approved KYC review',
  bank_account_unverified: 'withdrawals can only go to a verified bank account',
};

/** A declined request as the contract's 422. */
function declinedError(code: string, message: string, details: unknown = null): ApiError {
  const known = (DECLINE_CODES as readonly string[]).includes(code);
  return unprocessable(
    known ? code : 'withdrawal_declined',
    known ? `${DECLINE_MESSAGES[code]}: ${message}` : message,
    details,
  );
}

/**
 * POST /withdrawals. The business id comes from the caller's Idempotency-Key, so a retried request
 * reaches the same workflow, never a second one (and a declined one stays declined).
 */
export async function createWithdrawal(
  deps: AppDeps,
  user: SessionUser,
  body: { amount: string; currency: string; bankAccountId: string },
  idempotencyKey: string,
): Promise<WithdrawalView> {
  if (!isClient(user.role)) throw forbidden('only clients request withdrawals');
  const parsed = parseInput(CreateWithdrawalBodySchema, body, 'body');
  const asset = parsed.currency as AssetCode;
  const amount = formatAmount(asset, parseAmountField(asset, parsed.amount, 'amount'));
  const bankAccountId = parsed.bankAccountId.toLowerCase();
  requireIdempotencyKey(idempotencyKey);

  const kyc = await deps.pool.query<{ kyc_status: string }>('SELECT kyc_status FROM app_user WHERE id = $1', [
    user.id,
  ]);
  const kycStatus = kyc.rows[0]?.kyc_status ?? 'NOT_STARTED';
  if (kycStatus !== 'APPROVED') {
    throw unprocessable('kyc_required', `withdrawals need an approved KYC review; yours is ${kycStatus}`, {
      kycStatus,
    });
  }
  const account = await deps.pool.query<{ client_id: string; status: string }>(
    'SELECT client_id, status FROM bank_account WHERE id = $1',
    [bankAccountId],
  );
  const found = account.rows[0];
  if (!found || found.client_id !== user.id) throw notFound('no such bank account');
  if (found.status !== 'VERIFIED') {
    throw unprocessable(
      'bank_account_unverified',
      `withdrawals can only go to a verified bank account; this one is ${found.status}`,
      { status: found.status },
    );
  }

  const businessId = idempotentUuid(user.id, idempotencyKey, WITHDRAWAL_TYPE);
  const workflowId = withdrawalWorkflowId(businessId);
  const input: WithdrawalInput = {
    businessId,
    clientId: user.id,
    amount,
    currency: asset,
    bankAccountId,
    policy: currentWithdrawalPolicy(),
    requestedBy: actorOf(user),
  };
  const refused = checkWithdrawalInput(input);
  if (refused) throw refusalToApiError(refused);

  const temporal = await temporalClient(deps);
  let state: WithdrawalState;
  try {
    state = await withDeadline(temporal, () =>
      temporal.workflow.executeUpdateWithStart(withdrawalRequestUpdate, {
        updateId: 'request',
        startWorkflowOperation: new WithStartWorkflowOperation(withdrawal, {
          taskQueue: deps.taskQueue,
          workflowId,
          args: [input],
          staticSummary: staticSummary(input, user.email),
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        }),
      }),
    );
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
      const details = Array.isArray(error.cause.details) ? (error.cause.details[0] ?? null) : null;
      await auditStaffAction(
        deps.pool,
        user,
        'withdrawal.request_declined',
        { type: WITHDRAWAL_TYPE, id: businessId },
        null,
        {
          code: error.cause.type,
          amount,
          currency: asset,
          bankAccountId,
        },
      );
      throw declinedError(error.cause.type ?? 'withdrawal_declined', error.cause.message, details);
    }
    // This key's workflow has already ended (declined, completed, ...): it is still the one it created.
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) {
      const mapped = updateErrorToApiError(error);
      throw mapped === error ? error : mapped;
    }
    state = await withDeadline(temporal, () =>
      finalState(temporal.workflow.getHandle<typeof withdrawal>(workflowId)),
    ).catch((error: unknown) => {
      throw updateErrorToApiError(error);
    });
  }
  if (state.status === 'DECLINED' || state.status === 'REQUESTED') {
    throw declinedError(state.declined?.code ?? 'withdrawal_declined', state.declined?.message ?? 'declined');
  }
  if (
    state.clientId !== user.id ||
    state.amount !== input.amount ||
    state.currency !== input.currency ||
    state.bankAccountId !== input.bankAccountId
  ) {
    throw conflict(
      'idempotency_conflict',
      'this Idempotency-Key was already used for a different withdrawal',
    );
  }
  const detail = await getLifecycle(deps.pool, workflowId);
  const view = toView(
    freshestRecord(detail, state.timeline.length, recordFromDetail, (tasks) => recordFromState(state, tasks)),
    user,
  );
  await auditStaffAction(
    deps.pool,
    user,
    'withdrawal.create',
    { type: WITHDRAWAL_TYPE, id: businessId },
    null,
    {
      status: view.status,
      amount,
      currency: asset,
      bankAccountId,
    },
  );
  return view;
}

async function finalState(handle: WorkflowHandle<typeof withdrawal>): Promise<WithdrawalState> {
  try {
    return await handle.result();
  } catch (error) {
    if (error instanceof WorkflowFailedError && error.cause instanceof ApplicationFailure) {
      throw failureToApiError(error.cause);
    }
    throw error;
  }
}

// ---- actions --------------------------------------------------------------------------------------

/** The workflow's refusal as the contract's error; already_approved_by_you is a 409 (API.md). */
function actionError(error: unknown): unknown {
  const mapped = updateErrorToApiError(error);
  if (mapped instanceof ApiError && mapped.code === 'already_approved_by_you') {
    return conflict(mapped.code, mapped.message, mapped.details);
  }
  return mapped;
}

/**
 * One human action: visible (404) → the caller may do it to this withdrawal (403) → not ended (409)
 * → the Update (see runLifecycleUpdate).
 */
async function act<Args extends { actor: Actor }>(
  deps: AppDeps,
  user: SessionUser,
  id: string,
  action: WithdrawalHumanAction,
  requestId: string,
  update: UpdateDefinition<WithdrawalState, [Args]>,
  args: Args,
): Promise<WithdrawalView> {
  const detail = await loadVisible(deps, user, id);
  const refused = authorize(WITHDRAWAL_PERMISSIONS, action, actorOf(user), detail.ownerId);
  if (refused) throw refusalToApiError(refused);
  const status = detail.status as WithdrawalStatus;
  refuseIfEnded(WITHDRAWAL_TRANSITIONS, { status, closedAt: detail.closedAt }, action, 'withdrawal');
  return runLifecycleUpdate(deps, user, {
    workflowId: detail.workflowId,
    action,
    requestId,
    update,
    args,
    mapError: actionError,
    audit: {
      subject: { type: WITHDRAWAL_TYPE, id: detail.businessId },
      before: { status, approvals: approvalsOf(detail.attributes.approvals).length },
      after: (state) => ({ status: state.status, approvals: state.approvals.length }),
    },
    view: async (state) => {
      const after = await getLifecycle(deps.pool, detail.workflowId);
      const record = freshestRecord(after, state.timeline.length, recordFromDetail, (tasks) =>
        recordFromState(state, tasks),
      );
      return toView(record, user);
    },
  });
}

export async function approveWithdrawal(
  deps: AppDeps,
  user: SessionUser,
  id: string,
  body: { note?: string | null },
  requestId: string,
): Promise<WithdrawalView> {
  requireActionRole(WITHDRAWAL_PERMISSIONS, user, 'approve');
  const parsed = parseInput(ApproveWithdrawalBodySchema, body, 'body');
  return act(deps, user, id, 'approve', requestId, approveWithdrawalUpdate, {
    actor: actorOf(user),
    note: parsed.note?.trim() || null,
  });
}

export async function rejectWithdrawal(
  deps: AppDeps,
  user: SessionUser,
  id: string,
  body: { reason: string },
  requestId: string,
): Promise<WithdrawalView> {
  requireActionRole(WITHDRAWAL_PERMISSIONS, user, 'reject');
  const parsed = parseInput(RejectWithdrawalBodySchema, body, 'body');
  return act(deps, user, id, 'reject', requestId, rejectWithdrawalUpdate, {
    actor: actorOf(user),
    reason: parsed.reason,
  });
}

export async function cancelWithdrawal(
  deps: AppDeps,
  user: SessionUser,
  id: string,
  requestId: string,
): Promise<WithdrawalView> {
  requireActionRole(WITHDRAWAL_PERMISSIONS, user, 'cancel');
  return act(deps, user, id, 'cancel', requestId, cancelWithdrawalUpdate, { actor: actorOf(user) });
}
