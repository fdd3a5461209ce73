// Deposits: announce (start the workflow), list and read (the read model), and the human actions
// (Updates to the workflow). The JSON routes and the pages call these same functions, so every rule
// is applied once. Everything thrown is an ApiError (or a bug → 500).
//
// Order of checks for an action: role (403) → body shape (400) → the deposit exists and the caller
// may see it (404, also for another client's deposit) → it is not closed (409) → values that need
// the deposit (the received amount's scale, 400) → the workflow's Update validator, authoritative
// (409 / 403 / 400), then the handler (422 for business rules).
import currency from 'currency.js';
import type { UpdateDefinition } from '@temporalio/client';
import { z } from 'zod';
import { ensureClientAccounts } from '../../db/ledger/index.js';
import { getLifecycle, type LifecycleDetail } from '../../db/lifecycle/index.js';
import {
  DEPOSIT_PERMISSIONS,
  DEPOSIT_STATUSES,
  DEPOSIT_TRANSITIONS,
  DEPOSIT_TYPE,
  RECEIVED_AT_WINDOW,
  checkDepositInput,
  checkDepositPolicy,
  depositPolicy,
  depositReference,
  depositWorkflowId,
  parseInstant,
  type DepositHumanAction,
  type DepositInput,
  type DepositPolicy,
  type DepositState,
  type DepositStatus,
} from '../../domain/deposit.js';
import { authorize, type Actor } from '../../domain/lifecycle.js';
import { ASSETS, formatAmount, type AssetCode } from '../../domain/money.js';
import { isClient } from '../../domain/roles.js';
import {
  cancelDepositUpdate,
  confirmDepositUpdate,
  deposit,
  extendDepositUpdate,
  rejectDepositUpdate,
  releaseDepositUpdate,
} from '../../workflows/deposit.js';
import {
  recordFromDetail,
  recordFromState,
  recordFromLifecycle,
  toDepositView,
  type DepositView,
} from '../deposit-view.js';
import { auditStaffAction } from '../audit/log.js';
import type { AppDeps } from '../deps.js';
import { conflict, forbidden, validationFailed } from '../errors.js';
import { idempotentUuid } from '../idempotency.js';
import {
  cashCurrencySchema,
  decimalAmountSchema,
  instantField,
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
import { freshestRecord, listLifecycleRecords, loadVisibleLifecycle } from './lifecycle-records.js';
import { policyFromEnv } from './policy-from-env.js';
import { runLifecycleUpdate, startLifecycle } from './temporal.js';

export type { DepositView } from '../deposit-view.js';

// ---- policy -----------------------------------------------------------------------------------------

/**
 * The policy new deposits start with: the domain defaults, overridden by DEPOSIT_POLICY_JSON (a JSON
 * object of DepositPolicy fields in milliseconds, e.g. `{"shortHoldMs":1500}`; tests use seconds).
 * Read on every start, so a changed environment takes effect for the next deposit.
 */
export const currentDepositPolicy = policyFromEnv<DepositPolicy>({
  variable: 'DEPOSIT_POLICY_JSON',
  withDefaults: depositPolicy,
  check: checkDepositPolicy,
});

// ---- input schemas (also used for the OpenAPI document) --------------------------------------------

export const CreateDepositBodySchema = z
  .object({
    amount: decimalAmountSchema,
    currency: cashCurrencySchema,
    wireReference: textField({ max: 140 })
      .nullish()
      .meta({ description: 'Your own reference for this wire (optional)' }),
  })
  .meta({ id: 'CreateDepositBody' });

export const ListDepositsQuerySchema = listQuerySchema.extend({
  status: z.enum(DEPOSIT_STATUSES).optional(),
  clientId: uuidSchema.optional().meta({ description: 'Staff and auditors: one client’s deposits' }),
});

export const ConfirmDepositBodySchema = z
  .object({
    receivedAmount: decimalAmountSchema.meta({
      description: 'What actually arrived (may differ from the announced amount)',
    }),
    receivedAt: instantField(RECEIVED_AT_WINDOW).nullish().meta({
      description: 'ISO 8601, not in the future and at most 90 days ago; defaults to now',
      example: '2026-11-22T09:30:00Z',
    }),
    note: textField({ max: 2000, multiline: true }).nullish(),
    senderCountry: z
      .string()
      .regex(/^[A-Za-z]{2}$/, 'a two-letter ISO 3166 country code')
      .nullish()
      .meta({ description: 'Country of the sending bank (AML screening)', example: 'DE' }),
    senderReference: textField({ max: 140 })
      .nullish()
      .meta({ description: 'The reference as it appears on the bank statement' }),
  })
  .meta({ id: 'ConfirmDepositBody' });

export const ReleaseDepositBodySchema = z
  .object({ note: textField({ max: 2000, required: true, multiline: true }) })
  .meta({ id: 'ReleaseDepositBody' });
export const ExtendDepositBodySchema = z
  .object({
    until: instantField().meta({
      description: 'New end of the hold (ISO 8601), later than the current one',
      example: '2026-12-01T00:00:00Z',
    }),
    note: textField({ max: 2000, required: true, multiline: true }),
  })
  .meta({ id: 'ExtendDepositBody' });
export const RejectDepositBodySchema = z
  .object({ reason: textField({ max: 2000, required: true, multiline: true }) })
  .meta({ id: 'RejectDepositBody' });

// ---- reading ------------------------------------------------------------------------------------------

/** The deposit `id` as the read model has it, if `user` may see it; otherwise 404 (no existence leak). */
async function loadVisible(deps: AppDeps, user: SessionUser, id: string): Promise<LifecycleDetail> {
  return loadVisibleLifecycle(deps, user, DEPOSIT_TYPE, id, 'no such deposit');
}

export async function getDeposit(deps: AppDeps, user: SessionUser, id: string): Promise<DepositView> {
  const detail = await loadVisible(deps, user, id);
  return toDepositView(recordFromDetail(detail), user);
}

/** The workflow id of a deposit `user` may read (for live updates); 404 otherwise. */
export async function depositWorkflowIdFor(deps: AppDeps, user: SessionUser, id: string): Promise<string> {
  return (await loadVisible(deps, user, id)).workflowId;
}

export async function listDeposits(
  deps: AppDeps,
  user: SessionUser,
  query: { status?: string; clientId?: string; limit?: number | string; cursor?: string },
): Promise<{ items: DepositView[]; nextCursor: string | null }> {
  const q = parseInput(ListDepositsQuerySchema, query, 'query');
  const page = await listLifecycleRecords(deps, user, DEPOSIT_TYPE, q, recordFromLifecycle);
  return { items: page.records.map((record) => toDepositView(record, user)), nextCursor: page.nextCursor };
}

// ---- announcing -----------------------------------------------------------------------------------

function staticSummary(input: DepositInput, email: string): string {
  const shown = currency(input.amount, {
    symbol: '',
    separator: ',',
    decimal: '.',
    precision: ASSETS[input.currency].scale,
  }).format();
  return `Deposit ${shown} ${input.currency} by ${email} (${input.reference})`;
}

/**
 * POST /deposits. The business id comes from the caller's Idempotency-Key, so a retried request
 * reaches the same workflow (USE_EXISTING), never a second one; the same key with another amount,
 * currency or wire reference is 409 idempotency_conflict. Answers once the read model has the
 * deposit (so an immediate GET finds it), or 503 with Retry-After (see startLifecycle).
 */
export async function createDeposit(
  deps: AppDeps,
  user: SessionUser,
  body: { amount: string; currency: string; wireReference?: string | null },
  idempotencyKey: string,
): Promise<DepositView> {
  if (!isClient(user.role)) throw forbidden('only clients announce deposits');
  const parsed = parseInput(CreateDepositBodySchema, body, 'body');
  const asset = parsed.currency as AssetCode;
  const amount = formatAmount(asset, parseAmountField(asset, parsed.amount, 'amount'));
  requireIdempotencyKey(idempotencyKey);

  const businessId = idempotentUuid(user.id, idempotencyKey, DEPOSIT_TYPE);
  const workflowId = depositWorkflowId(businessId);
  const input: DepositInput = {
    businessId,
    clientId: user.id,
    amount,
    currency: asset,
    reference: depositReference(businessId),
    wireReference: parsed.wireReference?.trim() || null,
    policy: currentDepositPolicy(),
    requestedBy: actorOf(user),
  };
  const refused = checkDepositInput(input);
  if (refused) throw refusalToApiError(refused);

  await ensureClientAccounts(deps.pool, user.id, asset);
  const detail = await startLifecycle(deps, deposit, {
    start: { workflowId, args: [input], staticSummary: staticSummary(input, user.email) },
    read: () => getLifecycle(deps.pool, workflowId),
    noun: 'deposit',
  });
  const a = detail.attributes;
  if (
    detail.ownerId !== user.id ||
    a.amount !== input.amount ||
    a.currency !== input.currency ||
    (a.wireReference ?? null) !== input.wireReference
  ) {
    throw conflict('idempotency_conflict', 'this Idempotency-Key was already used for a different deposit');
  }
  const view = toDepositView(recordFromDetail(detail), user);
  // Audit (api/audit/log.ts): recorded after success, never throws.
  await auditStaffAction(deps.pool, user, 'deposit.create', { type: 'deposit', id: businessId }, null, {
    status: view.status,
    amount: input.amount,
    currency: input.currency,
    wireReference: input.wireReference,
  });
  return view;
}

// ---- actions --------------------------------------------------------------------------------------

/**
 * One human action: visible (404) → the caller may do it to this deposit (403) → not ended (409) →
 * `buildArgs` (values that need the deposit, 400) → the Update (see runLifecycleUpdate).
 */
async function act<Args extends { actor: Actor }>(
  deps: AppDeps,
  user: SessionUser,
  id: string,
  action: DepositHumanAction,
  requestId: string,
  update: UpdateDefinition<DepositState, [Args]>,
  buildArgs: (detail: LifecycleDetail) => Args,
): Promise<DepositView> {
  const detail = await loadVisible(deps, user, id);
  const refused = authorize(DEPOSIT_PERMISSIONS, action, actorOf(user), detail.ownerId);
  if (refused) throw refusalToApiError(refused);
  const status = detail.status as DepositStatus;
  refuseIfEnded(DEPOSIT_TRANSITIONS, { status, closedAt: detail.closedAt }, action, 'deposit');
  return runLifecycleUpdate(deps, user, {
    workflowId: detail.workflowId,
    action,
    requestId,
    update,
    args: buildArgs(detail),
    audit: {
      subject: { type: 'deposit', id: detail.businessId },
      before: { status, holdUntil: detail.attributes.holdUntil ?? null },
      after: (state) => ({ status: state.status, holdUntil: state.holdUntil }),
    },
    // recordTransition runs inside the transition, before the Update completes, so the read model is
    // normally up to date here; if not, the workflow's own state is the answer.
    view: async (state) => {
      const after = await getLifecycle(deps.pool, detail.workflowId);
      const record = freshestRecord(after, state.timeline.length, recordFromDetail, (tasks) =>
        recordFromState(state, tasks),
      );
      return toDepositView(record, user);
    },
  });
}

export async function cancelDeposit(
  deps: AppDeps,
  user: SessionUser,
  id: string,
  requestId: string,
): Promise<DepositView> {
  requireActionRole(DEPOSIT_PERMISSIONS, user, 'cancel');
  return act(deps, user, id, 'cancel', requestId, cancelDepositUpdate, () => ({ actor: actorOf(user) }));
}

export async function confirmDeposit(
  deps: AppDeps,
  user: SessionUser,
  id: string,
  body: {
    receivedAmount: string;
    receivedAt?: string | null;
    note?: string | null;
    senderCountry?: string | null;
    senderReference?: string | null;
  },
  requestId: string,
): Promise<DepositView> {
  requireActionRole(DEPOSIT_PERMISSIONS, user, 'confirm');
  const parsed = parseInput(ConfirmDepositBodySchema, body, 'body');
  if (parsed.receivedAt && parseInstant(parsed.receivedAt) === null) {
    throw validationFailed([
      { path: 'receivedAt', code: 'invalid_date', message: 'receivedAt must be an ISO 8601 time' },
    ]);
  }
  return act(deps, user, id, 'confirm', requestId, confirmDepositUpdate, (detail) => {
    const asset = detail.attributes.currency as AssetCode;
    const received = formatAmount(asset, parseAmountField(asset, parsed.receivedAmount, 'receivedAmount'));
    return {
      actor: actorOf(user),
      receivedAmount: received,
      receivedAt: parsed.receivedAt || null,
      note: parsed.note?.trim() || null,
      senderCountry: parsed.senderCountry ? parsed.senderCountry.toUpperCase() : null,
      senderReference: parsed.senderReference?.trim() || null,
    };
  });
}

export async function releaseDeposit(
  deps: AppDeps,
  user: SessionUser,
  id: string,
  body: { note: string },
  requestId: string,
): Promise<DepositView> {
  requireActionRole(DEPOSIT_PERMISSIONS, user, 'release');
  const parsed = parseInput(ReleaseDepositBodySchema, body, 'body');
  return act(deps, user, id, 'release', requestId, releaseDepositUpdate, () => ({
    actor: actorOf(user),
    note: parsed.note,
  }));
}

/** The workflow decides whether `until` fits (later than the current end, within maxHoldMs): 400 otherwise. */
export async function extendDeposit(
  deps: AppDeps,
  user: SessionUser,
  id: string,
  body: { until: string; note: string },
  requestId: string,
): Promise<DepositView> {
  requireActionRole(DEPOSIT_PERMISSIONS, user, 'extend');
  const parsed = parseInput(ExtendDepositBodySchema, body, 'body');
  const until = parseInstant(parsed.until);
  if (until === null) {
    throw validationFailed([
      { path: 'until', code: 'invalid_date', message: 'until must be an ISO 8601 time' },
    ]);
  }
  return act(deps, user, id, 'extend', requestId, extendDepositUpdate, () => ({
    actor: actorOf(user),
    until: new Date(until).toISOString(),
    note: parsed.note,
  }));
}

export async function rejectDeposit(
  deps: AppDeps,
  user: SessionUser,
  id: string,
  body: { reason: string },
  requestId: string,
): Promise<DepositView> {
  requireActionRole(DEPOSIT_PERMISSIONS, user, 'reject');
  const parsed = parseInput(RejectDepositBodySchema, body, 'body');
  return act(deps, user, id, 'reject', requestId, rejectDepositUpdate, () => ({
    actor: actorOf(user),
    reason: parsed.reason,
  }));
}
