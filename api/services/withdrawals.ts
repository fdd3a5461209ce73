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
import type { AppDeps } from '../deps.js';
import { forbidden, notFound } from '../errors.js';
import { idempotentUuid } from '../idempotency.js';
import { lifecycleService } from '../lifecycle-kit/service.js';
import {
  cashCurrencySchema,
  decimalAmountSchema,
  listQuerySchema,
  parseAmountField,
  uuidSchema,
} from '../validate.js';
import {
  recordFromDetail,
  recordFromSummary,
  toWithdrawalView,
  type WithdrawalView,
} from '../withdrawal-view.js';
import { actorOf, parseInput, refusalToApiError, requireIdempotencyKey, type SessionUser } from './common.js';
import { refuseAboveLimit } from './amount-limit.js';
import { policyFromEnv } from './policy-from-env.js';
import { approvalUpdateError } from '../lifecycle-kit/workflow-calls.js';
import { decisionBodySchemas, noteArgs, reasonArgs } from './decision-bodies.js';
import { approvalsAudit, declineHooks, declineOfResult, declinedErrors } from './held-transfers.js';

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

export const { note: ApproveWithdrawalBodySchema, reason: RejectWithdrawalBodySchema } = decisionBodySchemas(
  'Approve',
  'Withdrawal',
);

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
  refusalOfResult: (state: WithdrawalState) => declineOfResult(state),
  recordOfDetail: recordFromDetail,
  recordOfSummary: recordFromSummary,
  view: toWithdrawalView,
  audit: approvalsAudit,
});

export const getWithdrawal = withdrawals.get;
/** getWithdrawal of each of `ids` at once, the ones it would refuse left out (staff list pages). */
export const getWithdrawals = withdrawals.getMany;
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
const declinedError = declinedErrors(DECLINE_CODES, DECLINE_MESSAGES, 'withdrawal_declined');

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
    declineHooks(deps, user, {
      action: 'withdrawal.request_declined',
      subject: { type: WITHDRAWAL_TYPE, id: businessId },
      asked,
      fallback: 'withdrawal_declined',
      error: declinedError,
    }),
  );
}

// ---- actions --------------------------------------------------------------------------------------

/** The workflow decides: self_approval 422, already_approved_by_you 409 (four eyes). */
export const approveWithdrawal = withdrawals.action('approve', {
  update: approveWithdrawalUpdate,
  body: ApproveWithdrawalBodySchema,
  args: noteArgs,
  mapError: approvalUpdateError,
});

export const rejectWithdrawal = withdrawals.action('reject', {
  update: rejectWithdrawalUpdate,
  body: RejectWithdrawalBodySchema,
  args: reasonArgs,
});

const cancel = withdrawals.action('cancel', { update: cancelWithdrawalUpdate, args: () => ({}) });
export const cancelWithdrawal = (deps: AppDeps, user: SessionUser, id: string, requestId: string) =>
  cancel(deps, user, id, {}, requestId);
