// Withdrawals on the lifecycle kit (api/lifecycle-kit): the descriptor, the request (its input and
// the early answers) and each human action as data — the kit does the loading, checks, Update, audit
// and view. The JSON routes and the pages call these same functions, so every rule is applied once.
//
// Request: role (403) → body (400) → the preconditions (db/withdrawals/preconditions.ts): KYC
// approved (422 kyc_required), the account is the caller's (404 otherwise, no existence leak) and
// VERIFIED (422 bank_account_unverified) → the workflow checks them again and reserves the funds in
// its first step (422 insufficient_funds, and `withdrawal.request_declined` in the audit log). The
// server writes no ledger entry; the ledger serialises concurrent holds, so requests never overspend.
//
// Special cases beyond the kit: a second approval by the same person is 409 already_approved_by_you
// (API.md), a declined request stays declined under its key, and the view's approvals.
import { ApplicationFailure } from '@temporalio/client';
import currency from 'currency.js';
import { z } from 'zod';
import { getClientBalances } from '../../db/ledger/index.js';
import { verifiedPayoutAccounts, type PayoutAccountOption } from '../../db/withdrawals/payout-accounts.js';
import { withdrawalPreconditions } from '../../db/withdrawals/preconditions.js';
import { ASSETS, CASH_ASSETS, formatAmount, type AssetCode } from '../../domain/money.js';
import { isClient } from '../../domain/roles.js';
import {
  DECLINE_CODES,
  WITHDRAWAL_PERMISSIONS,
  WITHDRAWAL_STATUSES,
  WITHDRAWAL_TRANSITIONS,
  WITHDRAWAL_TYPE,
  checkWithdrawalInput,
  checkWithdrawalPolicy,
  withdrawalPolicy,
  withdrawalStaticSummary,
  withdrawalWorkflowId,
  type WithdrawalInput,
  type WithdrawalPolicy,
  type WithdrawalState,
} from '../../domain/withdrawal.js';
import {
  approveWithdrawalUpdate,
  cancelWithdrawalUpdate,
  rejectWithdrawalUpdate,
  withdrawal,
  withdrawalRequestUpdate,
} from '../../workflows/withdrawal.js';
import { auditStaffAction } from '../audit/log.js';
import type { AppDeps } from '../deps.js';
import { ApiError, forbidden, notFound, unprocessable } from '../errors.js';
import { idempotentUuid } from '../idempotency.js';
import { lifecycleService } from '../lifecycle-kit/service.js';
import {
  cashCurrencySchema,
  decimalAmountSchema,
  listQuerySchema,
  parseAmountField,
  textField,
  uuidSchema,
} from '../validate.js';
import {
  approvalsOf,
  recordFromDetail,
  recordFromSummary,
  toWithdrawalView,
  type WithdrawalView,
} from '../withdrawal-view.js';
import { actorOf, parseInput, refusalToApiError, requireIdempotencyKey, type SessionUser } from './common.js';
import { refuseAboveLimit } from './amount-limit.js';
import { policyFromEnv } from './policy-from-env.js';
import { approvalUpdateError } from '../lifecycle-kit/workflow-calls.js';

export type { WithdrawalView } from '../withdrawal-view.js';

// ---- policy -----------------------------------------------------------------------------------------

/**
 * The policy new withdrawals start with: the domain defaults (four eyes at 10 000.00 EUR/USD, a
 * one-day approval SLA), overridden by WITHDRAWAL_POLICY_JSON (a JSON object of WithdrawalPolicy
 * fields, e.g. `{"approvalSlaMs":2000,"fourEyesThreshold":{"EUR":"500.00"}}`). Read on every request.
 */
const currentWithdrawalPolicy = policyFromEnv<WithdrawalPolicy>({
  variable: 'WITHDRAWAL_POLICY_JSON',
  withDefaults: withdrawalPolicy,
  check: checkWithdrawalPolicy,
});

// ---- input schemas (also used for the OpenAPI document) --------------------------------------------

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

// ---- the lifecycle ---------------------------------------------------------------------------------

const withdrawals = lifecycleService({
  type: WITHDRAWAL_TYPE,
  noun: 'withdrawal',
  workflowId: withdrawalWorkflowId,
  transitions: WITHDRAWAL_TRANSITIONS,
  permissions: WITHDRAWAL_PERMISSIONS,
  // Answers once the funds are reserved and PENDING_APPROVAL is recorded, or fails with the decline.
  startedUpdate: withdrawalRequestUpdate,
  // A declined request ends its workflow DECLINED (not failed): a retried key hears the decline again.
  refusalOfResult: (state: WithdrawalState) =>
    state.declined
      ? ApplicationFailure.create({
          type: state.declined.code,
          message: state.declined.message,
          nonRetryable: true,
        })
      : null,
  recordOfDetail: recordFromDetail,
  recordOfSummary: recordFromSummary,
  view: toWithdrawalView,
  audit: {
    before: (detail) => ({
      status: detail.status,
      approvals: approvalsOf(detail.attributes.approvals).length,
    }),
    after: (state: WithdrawalState) => ({ status: state.status, approvals: state.approvals.length }),
  },
});

export const getWithdrawal = withdrawals.get;
/** The workflow id of a withdrawal `user` may read (for live updates); 404 otherwise. */
export const withdrawalWorkflowIdFor = withdrawals.workflowIdFor;
export const listWithdrawals = withdrawals.lister(ListWithdrawalsQuerySchema);

// ---- the request form ------------------------------------------------------------------------------

/** The caller's VERIFIED bank accounts: where a withdrawal may go (the request form's choices). */
export async function payoutAccountsFor(deps: AppDeps, user: SessionUser): Promise<PayoutAccountOption[]> {
  return isClient(user.role) ? verifiedPayoutAccounts(deps.pool, user.id) : [];
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
 * reaches the same workflow, never a second one (and a declined one stays declined); the same key
 * with another amount, currency or account is 409 idempotency_conflict.
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

  // The early answer: KYC and the account. The funds are the workflow's to decide (its hold), so
  // that a declined key's answer is the workflow's and stays the same.
  const checked = await withdrawalPreconditions(deps.pool, { clientId: user.id, bankAccountId });
  if (!checked.ok) {
    const { code, message, details } = checked.refusal;
    throw code === 'bank_account_not_found'
      ? notFound('no such bank account')
      : declinedError(code, message, details);
  }

  const businessId = idempotentUuid(user.id, idempotencyKey, WITHDRAWAL_TYPE);
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
  await refuseAboveLimit(
    deps.pool,
    { type: WITHDRAWAL_TYPE, noun: 'withdrawal', businessId },
    input.policy.maxAmount,
    asset,
    amount,
  );

  const asked = { amount, currency: asset, bankAccountId };
  return withdrawals.start(
    deps,
    user,
    {
      businessId,
      workflow: withdrawal,
      args: [input],
      staticSummary: staticSummary(input, user.email),
      conflicts: (record) =>
        record.attributes.amount !== amount ||
        record.attributes.currency !== asset ||
        record.attributes.bankAccountId !== bankAccountId,
      audit: asked,
    },
    {
      refused: async (failure) => {
        await auditStaffAction(
          deps.pool,
          user,
          'withdrawal.request_declined',
          { type: WITHDRAWAL_TYPE, id: businessId },
          null,
          { code: failure.type, ...asked },
          { once: 'subject' },
        );
      },
      refusalError: (failure) =>
        declinedError(
          failure.type ?? 'withdrawal_declined',
          failure.message,
          Array.isArray(failure.details) ? (failure.details[0] ?? null) : null,
        ),
    },
  );
}

// ---- actions --------------------------------------------------------------------------------------

/** The workflow decides: self_approval 422, already_approved_by_you 409 (four eyes). */
export const approveWithdrawal = withdrawals.action('approve', {
  update: approveWithdrawalUpdate,
  body: ApproveWithdrawalBodySchema,
  args: (body) => ({ note: body.note?.trim() || null }),
  mapError: approvalUpdateError,
});

export const rejectWithdrawal = withdrawals.action('reject', {
  update: rejectWithdrawalUpdate,
  body: RejectWithdrawalBodySchema,
  args: (body) => ({ reason: body.reason }),
});

const cancel = withdrawals.action('cancel', { update: cancelWithdrawalUpdate, args: () => ({}) });
export const cancelWithdrawal = (deps: AppDeps, user: SessionUser, id: string, requestId: string) =>
  cancel(deps, user, id, {}, requestId);
