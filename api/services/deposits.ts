// Deposits on the lifecycle kit (api/lifecycle-kit): the descriptor, the announcement (its input
// and checks) and each human action as data — the kit does the loading, checks, Update, audit and
// view. The JSON routes and the pages call these same functions, so every rule is applied once.
import currency from 'currency.js';
import { z } from 'zod';
import { ensureClientAccounts } from '../../db/ledger/index.js';
import type { LifecycleDetail } from '../../db/lifecycle/index.js';
import {
  DEPOSIT_PERMISSIONS,
  DEPOSIT_STATUSES,
  DEPOSIT_TRANSITIONS,
  DEPOSIT_TYPE,
  RECEIVED_AT_WINDOW,
  checkDepositInput,
  checkDepositLimit,
  checkDepositPolicy,
  depositAnnouncedReason,
  depositPolicy,
  depositReference,
  depositWorkflowId,
  parseInstant,
  type DepositInput,
  type DepositPolicy,
  type DepositState,
} from '../../domain/deposit.js';
import { ASSETS, formatAmount, type AssetCode } from '../../domain/money.js';
import { isClient } from '../../domain/roles.js';
import {
  cancelDepositUpdate,
  confirmDepositUpdate,
  deposit,
  depositStartedUpdate,
  extendDepositUpdate,
  rejectDepositUpdate,
  releaseDepositUpdate,
} from '../../workflows/deposit.js';
import { recordFromDetail, recordFromLifecycle, toDepositView, type DepositView } from '../deposit-view.js';
import type { AppDeps } from '../deps.js';
import { forbidden } from '../errors.js';
import { idempotentUuid } from '../idempotency.js';
import { lifecycleService } from '../lifecycle-kit/service.js';
import {
  cashCurrencySchema,
  decimalAmountSchema,
  instantField,
  listQuerySchema,
  parseAmountField,
  textField,
  uuidSchema,
} from '../validate.js';
import { actorOf, parseInput, refusalToApiError, requireIdempotencyKey, type SessionUser } from './common.js';
import { refuseAboveLimit } from './amount-limit.js';
import { policyFromEnv } from './policy-from-env.js';

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

// ---- the lifecycle ---------------------------------------------------------------------------------

/**
 * The read-model row the deposit workflow records first (its announcement, workflows/deposit.ts),
 * from its input alone; null for an input it would refuse. A start answered before the workflow
 * recorded it shows this (api/lifecycle-kit/started-unrecorded.ts); the row recorded later has the
 * workflow's own time.
 */
export function depositDetailOfStart(args: readonly unknown[], startedAt: string): LifecycleDetail | null {
  const input = args[0] as DepositInput | undefined;
  if (!input || checkDepositInput(input) || checkDepositLimit(input)) return null;
  const { amount, currency, reference, wireReference } = input;
  const entry = {
    at: startedAt,
    from: null,
    to: 'PENDING',
    actor: { id: input.requestedBy.id, role: input.requestedBy.role },
    reason: depositAnnouncedReason(amount, currency),
  };
  return {
    workflowId: depositWorkflowId(input.businessId),
    type: DEPOSIT_TYPE,
    businessId: input.businessId,
    ownerId: input.clientId,
    status: 'PENDING',
    attributes: {
      amount,
      currency,
      reference,
      wireReference,
      receivedAmount: null,
      receivedAt: null,
      confirmedAt: null,
      holdUntil: null,
      screening: null,
    },
    createdAt: startedAt,
    updatedAt: startedAt,
    closedAt: null,
    lastSeq: 1,
    timeline: [entry],
    events: [{ seq: 1, ...entry, data: { amount, currency, reference, wireReference, action: 'announce' } }],
    tasks: [],
  };
}

const deposits = lifecycleService({
  type: DEPOSIT_TYPE,
  noun: 'deposit',
  workflowId: depositWorkflowId,
  transitions: DEPOSIT_TRANSITIONS,
  permissions: DEPOSIT_PERMISSIONS,
  startedUpdate: depositStartedUpdate,
  detailOfStart: depositDetailOfStart,
  recordOfDetail: recordFromDetail,
  recordOfSummary: recordFromLifecycle,
  view: toDepositView,
  audit: {
    before: (detail) => ({ status: detail.status, holdUntil: detail.attributes.holdUntil ?? null }),
    after: (state: DepositState) => ({ status: state.status, holdUntil: state.holdUntil }),
  },
});

export const getDeposit = deposits.get;
/** getDeposit of each of `ids` at once, the ones it would refuse left out (staff list pages). */
export const getDeposits = deposits.getMany;
/** The workflow id of a deposit `user` may read (for live updates); 404 otherwise. */
export const depositWorkflowIdFor = deposits.workflowIdFor;
export const listDeposits = deposits.lister(ListDepositsQuerySchema);

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
 * deposit (so an immediate GET finds it), or 503 with Retry-After (api/lifecycle-kit/service.ts start).
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
  await refuseAboveLimit(
    deps.pool,
    { type: DEPOSIT_TYPE, noun: 'deposit', businessId },
    input.policy.maxAmount,
    asset,
    amount,
  );

  await ensureClientAccounts(deps.pool, user.id, asset);
  return deposits.start(deps, user, {
    businessId,
    workflow: deposit,
    args: [input],
    staticSummary: staticSummary(input, user.email),
    conflicts: (record) =>
      record.amount !== input.amount ||
      record.currency !== input.currency ||
      record.wireReference !== input.wireReference,
    audit: { amount: input.amount, currency: input.currency, wireReference: input.wireReference },
  });
}

// ---- actions --------------------------------------------------------------------------------------

const cancel = deposits.action('cancel', { update: cancelDepositUpdate, args: () => ({}) });
export const cancelDeposit = (deps: AppDeps, user: SessionUser, id: string, requestId: string) =>
  cancel(deps, user, id, {}, requestId);

export const confirmDeposit = deposits.action('confirm', {
  update: confirmDepositUpdate,
  body: ConfirmDepositBodySchema,
  args: (body, detail) => {
    const asset = detail.attributes.currency as AssetCode;
    return {
      receivedAmount: formatAmount(asset, parseAmountField(asset, body.receivedAmount, 'receivedAmount')),
      receivedAt: body.receivedAt || null,
      note: body.note || null,
      senderCountry: body.senderCountry ? body.senderCountry.toUpperCase() : null,
      senderReference: body.senderReference || null,
    };
  },
});

export const releaseDeposit = deposits.action('release', {
  update: releaseDepositUpdate,
  body: ReleaseDepositBodySchema,
  args: (body) => ({ note: body.note }),
});

/** The workflow decides whether `until` fits (later than the current end, within maxHoldMs): 400 otherwise. */
export const extendDeposit = deposits.action('extend', {
  update: extendDepositUpdate,
  body: ExtendDepositBodySchema,
  args: (body) => ({ until: new Date(parseInstant(body.until)!).toISOString(), note: body.note }),
});

export const rejectDeposit = deposits.action('reject', {
  update: rejectDepositUpdate,
  body: RejectDepositBodySchema,
  args: (body) => ({ reason: body.reason }),
});
