// Settlement on the lifecycle kit: client settlements (list, read, confirm receipt; operations retry
// or cancel a FAILING one) and settlement batches (staff and auditors read them; operations start one
// now, besides the policy's Schedule). The JSON routes and the pages call these same functions.
import { z } from 'zod';
import {
  batchTotals,
  loadSettlements,
  settlementTradeIds,
  settlementTrades,
} from '../../db/settlement/index.js';
import { formatAmount } from '../../domain/money.js';
import { canReadAllClients, hasAnyRole } from '../../domain/roles.js';
import {
  BATCH_STATUSES,
  BATCH_TRANSITIONS,
  CLIENT_SETTLEMENT_TYPE,
  SETTLEMENT_BATCH_TYPE,
  SETTLEMENT_PERMISSIONS,
  SETTLEMENT_STATUSES,
  SETTLEMENT_TRANSITIONS,
  clientSettlementWorkflowId,
  settlementBatchWorkflowId,
  type SettlementBatchState,
  type ClientSettlementState,
} from '../../domain/settlement.js';
import {
  cancelSettlementUpdate,
  clientSettlementStartedUpdate,
  confirmReceiptUpdate,
  retrySettlementUpdate,
} from '../../workflows/client-settlement.js';
import { settlementBatch, settlementBatchStartedUpdate } from '../../workflows/settlement-batch.js';
import type { AppDeps } from '../deps.js';
import { forbidden, validationFailed } from '../errors.js';
import { idempotentUuid } from '../idempotency.js';
import { lifecycleService } from '../lifecycle-kit/service.js';
import {
  batchRecordFromDetail,
  batchRecordFromLifecycle,
  settlementRecordFromDetail,
  settlementRecordFromLifecycle,
  toBatchView,
  toSettlementView,
} from '../settlement-view.js';
import { listQuerySchema, textField, uuidSchema } from '../validate.js';
import { actorOf, parseInput, requireIdempotencyKey, type SessionUser } from './common.js';
import { policyFromEnv } from './policy-from-env.js';
import { SETTLEMENT_POLICY_ENV } from '../../activities/settlement-schedule.js';

export { SettlementBatchSchema, SettlementSchema } from '../settlement-view.js';

/**
 * The policy new batches start with: the newest version stored on the admin policy page, else the
 * defaults overridden by SETTLEMENT_POLICY_JSON (the first defaults). The Schedule's batches take
 * it from the Schedule, which api/services/policies.ts brings along after a save.
 */
export const currentSettlementPolicy = policyFromEnv(SETTLEMENT_POLICY_ENV);

/** Trade ids shown per settlement; `tradeCount` says how many there are in all. */
const TRADE_IDS_SHOWN = 200;

export const ListSettlementsQuerySchema = listQuerySchema.extend({
  status: z.enum(SETTLEMENT_STATUSES).optional(),
  clientId: uuidSchema.optional().meta({ description: 'Staff and auditors: one client’s settlements' }),
  batchId: uuidSchema.optional().meta({ description: 'The settlements of one batch' }),
});
export const ListBatchesQuerySchema = listQuerySchema.extend({ status: z.enum(BATCH_STATUSES).optional() });
export const RetrySettlementBodySchema = z
  .object({ note: textField({ max: 2000, multiline: true }).nullish() })
  .meta({ id: 'RetrySettlementBody' });
export const CancelSettlementBodySchema = z
  .object({ reason: textField({ max: 2000, required: true, multiline: true }) })
  .meta({ id: 'CancelSettlementBody' });
export const StartBatchBodySchema = z
  .object({ cutoff: z.iso.datetime().optional().meta({ description: 'Default: now' }) })
  .meta({ id: 'StartSettlementBatchBody' });

const settlements = lifecycleService({
  type: CLIENT_SETTLEMENT_TYPE,
  noun: 'settlement',
  workflowId: clientSettlementWorkflowId,
  transitions: SETTLEMENT_TRANSITIONS,
  permissions: SETTLEMENT_PERMISSIONS,
  startedUpdate: clientSettlementStartedUpdate,
  recordOfDetail: settlementRecordFromDetail,
  recordOfSummary: settlementRecordFromLifecycle,
  load: async (deps, _user, records) => {
    const ids = records.map((r) => r.id);
    const rows = await loadSettlements(deps.pool, ids);
    const tradeIds = new Map<string, string[]>();
    // Trade ids only for a single settlement (its page); lists carry the count.
    if (ids.length === 1)
      tradeIds.set(ids[0]!, await settlementTradeIds(deps.pool, ids[0]!, TRADE_IDS_SHOWN));
    return { settlements: rows, tradeIds };
  },
  view: toSettlementView,
  audit: {
    before: (detail) => ({ status: detail.status }),
    after: (state: ClientSettlementState) => ({ status: state.status }),
  },
});

export const getSettlementFor = settlements.get;
/**
 * getSettlementFor of each of `ids` at once, the ones it would refuse left out (staff list pages).
 * Like the API's list, a page of several carries no trade ids (load reads them for one only).
 */
export const getSettlementsFor = settlements.getMany;
// batchId is one of the lifecycle's attributes (workflows/client-settlement.ts).
export const listSettlementsFor = settlements.lister(ListSettlementsQuerySchema, { attributes: ['batchId'] });

/** A settlement's trades from its client's side, for its page (the same visibility as the settlement). */
export async function settlementTradesFor(deps: AppDeps, user: SessionUser, id: string) {
  const settlement = await getSettlementFor(deps, user, id);
  const trades = await settlementTrades(deps.pool, settlement.id, TRADE_IDS_SHOWN);
  return trades.map((t) => ({
    id: t.tradeId,
    symbol: t.symbol,
    asset: t.asset,
    quoteAsset: t.quoteAsset,
    side: t.side,
    price: formatAmount(t.quoteAsset, t.priceMinor),
    quantity: formatAmount(t.asset, t.quantityMinor),
    fee: formatAmount(t.quoteAsset, t.feeMinor),
    at: t.executedAt,
    settlementStatus: t.settlementStatus,
  }));
}

const confirmReceipt = settlements.action('confirm_receipt', {
  update: confirmReceiptUpdate,
  args: () => ({}),
});
export const confirmSettlementReceipt = (deps: AppDeps, user: SessionUser, id: string, requestId: string) =>
  confirmReceipt(deps, user, id, {}, requestId);
export const retrySettlement = settlements.action('retry', {
  update: retrySettlementUpdate,
  body: RetrySettlementBodySchema,
  args: (body) => ({ note: body.note?.trim() || null }),
});
export const cancelSettlement = settlements.action('cancel', {
  update: cancelSettlementUpdate,
  body: CancelSettlementBodySchema,
  args: (body) => ({ reason: body.reason }),
});

// ---- batches ----------------------------------------------------------------------------------------

const batches = lifecycleService({
  type: SETTLEMENT_BATCH_TYPE,
  noun: 'settlement batch',
  workflowId: settlementBatchWorkflowId,
  transitions: BATCH_TRANSITIONS,
  permissions: { settle: { kind: 'system' }, complete: { kind: 'system' }, empty: { kind: 'system' } },
  startedUpdate: settlementBatchStartedUpdate,
  recordOfDetail: batchRecordFromDetail,
  recordOfSummary: (summary, transitions) => batchRecordFromLifecycle(summary, transitions),
  load: async (deps, _user, records) =>
    batchTotals(
      deps.pool,
      records.map((r) => r.id),
    ),
  view: (record, _user, totals) => toBatchView(record, totals),
  audit: {
    before: (detail) => ({ status: detail.status }),
    after: (state: SettlementBatchState) => ({ status: state.status }),
  },
});

function requireStaffOrAuditor(user: SessionUser): void {
  if (!canReadAllClients(user.role)) throw forbidden('settlement batches are for staff and auditors');
}

const listBatchPage = batches.lister(ListBatchesQuerySchema);
export async function listBatchesFor(deps: AppDeps, user: SessionUser, query: Record<string, unknown>) {
  requireStaffOrAuditor(user);
  return listBatchPage(deps, user, query);
}
export async function getBatchFor(deps: AppDeps, user: SessionUser, id: string) {
  requireStaffOrAuditor(user);
  return batches.get(deps, user, id);
}
export async function getBatchesFor(deps: AppDeps, user: SessionUser, ids: readonly string[]) {
  requireStaffOrAuditor(user);
  return batches.getMany(deps, user, ids);
}

/** POST /ops/settlement-batches: a batch cut off now (or at `cutoff`, not in the future). */
export async function startSettlementBatch(
  deps: AppDeps,
  user: SessionUser,
  body: Record<string, unknown>,
  idempotencyKey: string,
) {
  if (!hasAnyRole(user.role, ['operations'])) throw forbidden('operations start settlement batches');
  const parsed = parseInput(StartBatchBodySchema, body, 'body');
  requireIdempotencyKey(idempotencyKey);
  const cutoff = parsed.cutoff ? new Date(parsed.cutoff).toISOString() : new Date().toISOString();
  if (Date.parse(cutoff) > Date.now() + 1000)
    throw validationFailed(
      [{ path: 'cutoff', code: 'in_future', message: 'the cutoff must not be in the future' }],
      'the cutoff must not be in the future',
    );
  const batchId = idempotentUuid(user.id, idempotencyKey, SETTLEMENT_BATCH_TYPE);
  return batches.start(deps, user, {
    businessId: batchId,
    workflow: settlementBatch,
    args: [
      { batchId, origin: 'manual', requestedBy: actorOf(user), policy: currentSettlementPolicy(), cutoff },
    ],
    staticSummary: `Settlement batch cut off at ${cutoff} (${user.email})`,
    conflicts: () => false,
    ownerId: null,
    audit: { cutoff },
  });
}
