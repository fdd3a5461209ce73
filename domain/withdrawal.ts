// The withdrawal lifecycle as pure data and rules: statuses, actions, the transition table, who may
// do what, the approval policy (four eyes), identities (workflow id, payout id) and the checks every
// Update runs. The workflow (workflows/withdrawal.ts) and the API both use these.
//
//   (request: KYC, account, funds reserved by a ledger hold; refused → no withdrawal at all)
//        │
//        ▼
//   PENDING_APPROVAL ──approve_first──▶ PENDING_APPROVAL   (four eyes: one more approver needed)
//        │          ──escalate───────▶ PENDING_APPROVAL   (approval SLA passed: task overdue, priority up)
//        │          ──approve────────▶ PROCESSING ──complete──▶ COMPLETED  (paid out: hold posted)
//        │                                        ──fail──────▶ FAILED     (bank refused: hold voided)
//        ├──reject──▶ REJECTED   (hold voided)
//        └──cancel──▶ CANCELLED  (hold voided)
//
// The human request "approve" becomes `approve_first` or `approve`, whichever the number of
// approvals so far decides: every action has exactly one target status.
//
// Before the hold is placed the workflow is REQUESTED; if the request is refused (insufficient
// funds, no approved KYC, account not verified) it ends DECLINED without ever appearing in the read
// model: a refused request is not a withdrawal. Neither status is part of the API's list.

import {
  checkDecimalAmount,
  isBusinessId,
  refuse,
  validation,
  type Actor,
  type PermissionTable,
  type Refusal,
  type TimelineEntry,
  type TransitionTable,
} from './lifecycle.js';
import {
  copyMaxAmounts,
  decimalAboveLimit,
  limitSentence,
  maxAmountProblems,
  type MaxAmounts,
} from './amount-limits.js';
import { approvalsAtThreshold, type Approval } from './four-eyes.js';
import { checkRequester, fourEyesThresholdProblems, heldTransferChecks } from './held-transfer.js';
import { isUuid } from './ids.js';
import { CASH_ASSETS, isCashAsset, parseAmount, type AssetCode } from './money.js';

export const WITHDRAWAL_TYPE = 'withdrawal';

/** The statuses of API.md (lists, filters, the read model). */
export const WITHDRAWAL_STATUSES = [
  'PENDING_APPROVAL',
  'PROCESSING',
  'COMPLETED',
  'FAILED',
  'REJECTED',
  'CANCELLED',
] as const;
export type WithdrawalStatus = (typeof WITHDRAWAL_STATUSES)[number];

/** What the workflow's Query can also say: before the hold (REQUESTED) and after a refusal (DECLINED). */
export type WithdrawalPhase = WithdrawalStatus | 'REQUESTED' | 'DECLINED';

export const WITHDRAWAL_ACTIONS = [
  'approve_first',
  'approve',
  'reject',
  'cancel',
  'escalate',
  'complete',
  'fail',
] as const;
export type WithdrawalAction = (typeof WITHDRAWAL_ACTIONS)[number];

export const WITHDRAWAL_TRANSITIONS: TransitionTable<WithdrawalStatus, WithdrawalAction> = {
  PENDING_APPROVAL: {
    approve_first: 'PENDING_APPROVAL',
    approve: 'PROCESSING',
    reject: 'REJECTED',
    cancel: 'CANCELLED',
    escalate: 'PENDING_APPROVAL',
  },
  PROCESSING: { complete: 'COMPLETED', fail: 'FAILED' },
  COMPLETED: {},
  FAILED: {},
  REJECTED: {},
  CANCELLED: {},
};

/** Operations approve and reject (an admin covers operations); only the owning client cancels. */
export const WITHDRAWAL_PERMISSIONS: PermissionTable<WithdrawalAction> = {
  approve_first: { kind: 'roles', roles: ['operations'] },
  approve: { kind: 'roles', roles: ['operations'] },
  reject: { kind: 'roles', roles: ['operations'] },
  cancel: { kind: 'owner' },
  escalate: { kind: 'system' },
  complete: { kind: 'system' },
  fail: { kind: 'system' },
};

/** The actions a person asks for through an Update. */
export const WITHDRAWAL_HUMAN_ACTIONS = ['approve', 'reject', 'cancel'] as const;
export type WithdrawalHumanAction = (typeof WITHDRAWAL_HUMAN_ACTIONS)[number];

export const WITHDRAWAL_TASKS = {
  /** operations: approve or reject a withdrawal (re-opened for the second approver under four eyes). */
  approve: 'withdrawal.approve',
} as const;

/**
 * The business refusals of a withdrawal beyond domain/lifecycle.ts's three. The API answers
 * self_approval, insufficient_funds, kyc_required and bank_account_unverified with 422, and
 * already_approved_by_you with 409 (API.md).
 */
export type WithdrawalRefusalCode =
  | 'self_approval'
  | 'already_approved_by_you'
  | 'insufficient_funds'
  | 'kyc_required'
  | 'bank_account_unverified';

export interface WithdrawalRefusal {
  code: WithdrawalRefusalCode;
  message: string;
  details?: unknown;
}

/** Why a request was declined before it became a withdrawal (the request's 422). */
export const DECLINE_CODES: readonly WithdrawalRefusalCode[] = [
  'insufficient_funds',
  'kyc_required',
  'bank_account_unverified',
];

// ---------------------------------------------------------------------------------------------
// Policy

const MINUTE_MS = 60 * 1000;
const HOUR_MS = 60 * MINUTE_MS;

export interface WithdrawalPolicy {
  /**
   * Per cash currency, a decimal amount: withdrawals AT OR ABOVE it need two approvals by distinct
   * people; below it, one.
   */
  fourEyesThreshold: Partial<Record<AssetCode, string>>;
  /** After this long without a final decision the approval task is escalated (overdue, higher priority). */
  approvalSlaMs: number;
  /** Inbox priority of an escalated approval task (normal tasks are 0). */
  escalatedPriority: number;
  /** One payout attempt may take this long before it is retried (with the same payout id). */
  payoutTimeoutMs: number;
  /**
   * Largest withdrawal per currency (domain/amount-limits.ts); a currency left out has no limit
   * beyond the edge bound. Optional: withdrawals started before the field existed carry none.
   */
  maxAmount?: MaxAmounts;
}

export const DEFAULT_WITHDRAWAL_POLICY: WithdrawalPolicy = {
  fourEyesThreshold: { EUR: '10000.00', USD: '10000.00' },
  approvalSlaMs: 24 * HOUR_MS,
  escalatedPriority: 20,
  payoutTimeoutMs: 30 * 1000,
  // No limit of its own until an admin (or WITHDRAWAL_POLICY_JSON) sets one: the edge bound applies.
  maxAmount: {},
};

/** The default policy with some fields replaced (tests use seconds instead of hours). */
export function withdrawalPolicy(overrides: Partial<WithdrawalPolicy> = {}): WithdrawalPolicy {
  return {
    ...DEFAULT_WITHDRAWAL_POLICY,
    ...overrides,
    fourEyesThreshold: { ...DEFAULT_WITHDRAWAL_POLICY.fourEyesThreshold, ...overrides.fourEyesThreshold },
    maxAmount: copyMaxAmounts(overrides.maxAmount ?? DEFAULT_WITHDRAWAL_POLICY.maxAmount),
  };
}

export function checkWithdrawalPolicy(policy: WithdrawalPolicy): string[] {
  const problems: string[] = [];
  if (typeof policy !== 'object' || policy === null) return ['the policy is missing'];
  if (!(Number.isSafeInteger(policy.approvalSlaMs) && policy.approvalSlaMs > 0))
    problems.push('approvalSlaMs must be a positive whole number of milliseconds');
  if (!(Number.isSafeInteger(policy.payoutTimeoutMs) && policy.payoutTimeoutMs >= 1000))
    problems.push('payoutTimeoutMs must be a whole number of milliseconds, at least 1000');
  if (!(Number.isSafeInteger(policy.escalatedPriority) && policy.escalatedPriority > 0))
    problems.push('escalatedPriority must be a positive whole number');
  return [
    ...problems,
    ...fourEyesThresholdProblems(CASH_ASSETS, policy.fourEyesThreshold),
    ...maxAmountProblems(policy.maxAmount, CASH_ASSETS),
  ];
}

/** 2 when `amount` is at or above the currency's four-eyes threshold, else 1. */
export function approvalsRequired(currency: AssetCode, amount: string, policy: WithdrawalPolicy): 1 | 2 {
  const threshold = policy.fourEyesThreshold[currency];
  return approvalsAtThreshold(
    parseAmount(currency, amount),
    threshold === undefined ? null : parseAmount(currency, threshold),
  );
}

// ---------------------------------------------------------------------------------------------
// Identities

/** `withdrawal-<businessId>`: one workflow per business id, so a retried request finds the same one. */
export function withdrawalWorkflowId(businessId: string): string {
  return `${WITHDRAWAL_TYPE}-${businessId}`;
}

/**
 * The id the bank sees for the payout, derived from the workflow's business id (a UUID): "CHW" and
 * the UUID's 32 hex digits, 35 characters, the length of a SEPA end-to-end id. Every retry of the
 * payout sends the same id, so the bank pays once.
 */
export function withdrawalPayoutId(businessId: string): string {
  return `CHW${businessId.replaceAll('-', '').toUpperCase()}`;
}

export function withdrawalStaticSummary(
  input: Pick<WithdrawalInput, 'amount' | 'currency' | 'clientId'>,
): string {
  return `Withdrawal ${input.amount} ${input.currency} for client ${input.clientId}`;
}

// ---------------------------------------------------------------------------------------------
// Inputs, Update arguments, state

export interface WithdrawalInput {
  businessId: string;
  /** The client whose available balance pays (users.id). */
  clientId: string;
  /** Decimal string in asset units. */
  amount: string;
  currency: AssetCode;
  /** A VERIFIED bank_account of the client. */
  bankAccountId: string;
  policy: WithdrawalPolicy;
  /** The client who asked; never an approver. */
  requestedBy: Actor;
}

/** The bank account as it was when the funds were reserved: where the payout goes. */
export interface PayoutAccount {
  id: string;
  iban: string;
  bic: string;
  accountName: string;
  bankName: string;
  country: string;
}

export type { Approval } from './four-eyes.js';

export interface ApproveWithdrawalArgs {
  actor: Actor;
  note?: string | null;
}
export interface RejectWithdrawalArgs {
  actor: Actor;
  reason: string;
}
export interface CancelWithdrawalArgs {
  actor: Actor;
}

/** The Query `state` (and every Update's answer). */
export interface WithdrawalState {
  id: string;
  workflowId: string;
  type: typeof WITHDRAWAL_TYPE;
  status: WithdrawalPhase;
  clientId: string;
  amount: string;
  currency: AssetCode;
  bankAccountId: string;
  /** null until the funds are reserved. */
  bankAccount: PayoutAccount | null;
  approvalsRequired: 1 | 2;
  approvals: Approval[];
  /** When the approval SLA ends (escalation), and when it escalated. */
  approvalDueAt: string;
  escalatedAt: string | null;
  holdEntryId: string | null;
  payoutId: string;
  bankReference: string | null;
  /** Why it FAILED, REJECTED or was DECLINED. */
  failureReason: string | null;
  /** The refusal of a DECLINED request. */
  declined: { code: string; message: string } | null;
  createdAt: string;
  closedAt: string | null;
  allowedActions: WithdrawalHumanAction[];
  timeline: TimelineEntry<WithdrawalStatus>[];
}

/** The part of the state the Update checks look at. */
export interface WithdrawalView {
  status: WithdrawalPhase;
  clientId: string;
  /** Who asked (the client); may never approve. */
  requestedBy: string;
  approvals: readonly { actor: { id: string } }[];
  approvalsRequired: 1 | 2;
}

// ---------------------------------------------------------------------------------------------
// Checks: validation_failed for malformed input, then forbidden, then invalid_state, then the
// business rules (self_approval, already_approved_by_you), then values (notes, reasons).

export function checkWithdrawalAmount(
  asset: AssetCode,
  value: unknown,
  field = 'amount',
): { ok: true; amount: string } | { ok: false; refusal: Refusal } {
  return checkDecimalAmount(asset, value, field);
}

export function checkWithdrawalInput(input: WithdrawalInput): Refusal | null {
  if (typeof input !== 'object' || input === null) return validation('', 'invalid_type', 'input is missing');
  if (!isBusinessId(input.businessId)) {
    return validation(
      'businessId',
      'invalid_string',
      'businessId must be 1-128 letters, digits or ._:- characters',
    );
  }
  if (!isUuid(input.clientId)) return validation('clientId', 'invalid_string', 'clientId must be a UUID');
  if (!isCashAsset(input.currency))
    return validation('currency', 'invalid_enum_value', 'withdrawals are in EUR or USD');
  const amount = checkWithdrawalAmount(input.currency, input.amount);
  if (!amount.ok) return amount.refusal;
  if (!isUuid(input.bankAccountId))
    return validation('bankAccountId', 'invalid_string', 'bankAccountId must be a UUID');
  const requester = checkRequester(input.requestedBy, input.clientId, 'a withdrawal');
  if (requester) return requester;
  const problems = checkWithdrawalPolicy(input.policy);
  if (problems.length > 0)
    return refuse('validation_failed', `the withdrawal policy is not usable: ${problems.join('; ')}`);
  return null;
}

/**
 * The workflow's start check of the policy's maxAmount, after checkWithdrawalInput. The API refuses
 * first (422 amount_above_limit, api/services/amount-limit.ts); this keeps a workflow started by any
 * other path inside its policy. Inputs recorded before maxAmount existed carry no limit, so their
 * histories replay unchanged.
 */
export function checkWithdrawalLimit(input: WithdrawalInput): Refusal | null {
  const limit = decimalAboveLimit(input.policy.maxAmount, input.currency, input.amount);
  return limit ? refuse('validation_failed', limitSentence('withdrawal', limit), limit) : null;
}

const checks = heldTransferChecks({
  transitions: WITHDRAWAL_TRANSITIONS,
  permissions: WITHDRAWAL_PERMISSIONS,
  noun: 'withdrawal',
});

export { approvalAction } from './four-eyes.js';

export function checkApprove(
  view: WithdrawalView,
  args: ApproveWithdrawalArgs,
): Refusal | WithdrawalRefusal | null {
  return checks.approve(view, args);
}

export function checkReject(view: WithdrawalView, args: RejectWithdrawalArgs): Refusal | null {
  return checks.reject(view, args);
}

export function checkCancel(view: WithdrawalView, args: CancelWithdrawalArgs): Refusal | null {
  return checks.cancel(view, args);
}

/** "DE89370400440532013000" → "DE89 3704 0044 0532 0130 00" (display only). */
export function groupIban(iban: string): string {
  return iban.replace(/(.{4})(?=.)/g, '$1 ');
}
