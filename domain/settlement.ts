// Settlement as pure data and rules: the client settlement lifecycle (statuses, transition and
// permission tables, checks), the batch's statuses, the `settlement` policy (cutoffs in a named time
// zone, windows, page size), identities and the expected time of each status. The workflows
// (workflows/settlement-batch.ts, workflows/client-settlement.ts) and the API both use these.
//
//   INITIATED ──process──▶ PROCESSED ──deliver──▶ DELIVERED ──confirm_receipt / auto_confirm──▶ CONFIRMED
//                              │
//                              └──fail──▶ FAILING ──retry (operations: delivered this time)──▶ DELIVERED
//                                            └──────cancel (operations, with a reason)──────▶ CANCELLED
//
// A retry whose delivery fails again changes nothing: the operator is told why (422
// delivery_failed) and the exception task stays open.

import { isUuid } from './ids.js';
import {
  checkLifecycleAction,
  checkUpdate,
  type Actor,
  type PermissionTable,
  type Refusal,
  type TimelineEntry,
  type TransitionTable,
} from './lifecycle.js';
import { type AssetCode } from './money.js';
import { isTimeZone, minutesOfLocalTime } from './trading-policy.js';

export const CLIENT_SETTLEMENT_TYPE = 'client_settlement';
export const SETTLEMENT_BATCH_TYPE = 'settlement_batch';

export const SETTLEMENT_STATUSES = [
  'INITIATED',
  'PROCESSED',
  'DELIVERED',
  'CONFIRMED',
  'FAILING',
  'CANCELLED',
] as const;
export type SettlementStatus = (typeof SETTLEMENT_STATUSES)[number];

export const SETTLEMENT_ACTIONS = [
  'process',
  'deliver',
  'fail',
  'retry',
  'cancel',
  'confirm_receipt',
  'auto_confirm',
] as const;
export type SettlementAction = (typeof SETTLEMENT_ACTIONS)[number];

export const SETTLEMENT_TRANSITIONS: TransitionTable<SettlementStatus, SettlementAction> = {
  INITIATED: { process: 'PROCESSED' },
  PROCESSED: { deliver: 'DELIVERED', fail: 'FAILING' },
  FAILING: { retry: 'DELIVERED', cancel: 'CANCELLED' },
  DELIVERED: { confirm_receipt: 'CONFIRMED', auto_confirm: 'CONFIRMED' },
  CONFIRMED: {},
  CANCELLED: {},
};

export const SETTLEMENT_PERMISSIONS: PermissionTable<SettlementAction> = {
  process: { kind: 'system' },
  deliver: { kind: 'system' },
  fail: { kind: 'system' },
  retry: { kind: 'roles', roles: ['operations'] },
  cancel: { kind: 'roles', roles: ['operations'] },
  confirm_receipt: { kind: 'owner' },
  auto_confirm: { kind: 'system' },
};

export const SETTLEMENT_TASKS = {
  /** operations: a delivery failed; retry it or cancel the settlement with a reason. */
  exception: 'settlement.exception',
} as const;

/** Statuses a settlement no longer needs the batch for: delivered, handed to operations, or over. */
export const SETTLEMENT_SETTLED_OR_HANDED_OVER: readonly SettlementStatus[] = [
  'DELIVERED',
  'CONFIRMED',
  'FAILING',
  'CANCELLED',
];

export function isSettlementStatus(value: unknown): value is SettlementStatus {
  return typeof value === 'string' && (SETTLEMENT_STATUSES as readonly string[]).includes(value);
}

// ---------------------------------------------------------------------------------------------
// The batch

/**
 *   COLLECTED ──settle──▶ SETTLING ──complete──▶ COMPLETED
 *       │  └───────────empty (no trades)──────▶ COMPLETED
 *   (a second batch for a cutoff that another batch holds ends SKIPPED without a read-model row)
 */
export const BATCH_STATUSES = ['COLLECTED', 'SETTLING', 'COMPLETED'] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];
export const BATCH_ACTIONS = ['settle', 'complete', 'empty'] as const;
export type BatchAction = (typeof BATCH_ACTIONS)[number];

export const BATCH_TRANSITIONS: TransitionTable<BatchStatus, BatchAction> = {
  COLLECTED: { settle: 'SETTLING', empty: 'COMPLETED' },
  SETTLING: { complete: 'COMPLETED' },
  COMPLETED: {},
};

export function isBatchStatus(value: unknown): value is BatchStatus {
  return typeof value === 'string' && (BATCH_STATUSES as readonly string[]).includes(value);
}

// ---------------------------------------------------------------------------------------------
// Policy

/** When batches run: local cutoff times on some weekdays in a named zone, or every N seconds (tests). */
export type SettlementCalendar =
  | {
      kind: 'daily';
      timeZone: string;
      /** ISO weekdays (1 = Monday … 7 = Sunday). */
      days: number[];
      /** Local "HH:MM" cutoffs. */
      cutoffs: string[];
    }
  | { kind: 'interval'; everySeconds: number };

export interface SettlementPolicy {
  calendar: SettlementCalendar;
  /** A missed cutoff (Temporal or the worker down) is still run if it is at most this late. */
  catchupWindowMs: number;
  /** Expected time from the cutoff to PROCESSED, and to DELIVERED (the timeline's expectations). */
  expectedProcessMs: number;
  expectedDeliveryMs: number;
  /** A DELIVERED settlement the client has not confirmed becomes CONFIRMED after this. */
  confirmationWindowMs: number;
  /** How long one delivery keeps retrying through registry outages before it fails (FAILING). */
  deliveryRetryWindowMs: number;
  /** Client settlements the batch starts per run before it continues as new. */
  pageSize: number;
  /** How often the batch looks at its settlements' progress once all are started. */
  progressPollMs: number;
}

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** Production: 16:00 Brussels time on business days (T+0), confirmation by itself after two days. */
export const DEFAULT_SETTLEMENT_POLICY: SettlementPolicy = {
  calendar: { kind: 'daily', timeZone: 'Europe/Brussels', days: [1, 2, 3, 4, 5], cutoffs: ['16:00'] },
  catchupWindowMs: DAY_MS,
  expectedProcessMs: 5 * MINUTE_MS,
  expectedDeliveryMs: HOUR_MS,
  confirmationWindowMs: 2 * DAY_MS,
  deliveryRetryWindowMs: HOUR_MS,
  pageSize: 200,
  progressPollMs: 30 * SECOND_MS,
};

export function settlementPolicy(overrides: Partial<SettlementPolicy> = {}): SettlementPolicy {
  return { ...DEFAULT_SETTLEMENT_POLICY, ...overrides };
}

/** Temporal's own limits keep a page far below a few hundred children per run. */
export const SETTLEMENT_PAGE_MAX = 500;

function positiveMs(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

function calendarProblems(calendar: SettlementCalendar | undefined): string[] {
  if (typeof calendar !== 'object' || calendar === null) return ['calendar is missing'];
  if (calendar.kind === 'interval') {
    const n = calendar.everySeconds;
    return Number.isSafeInteger(n) && n >= 1 && n <= 86_400
      ? []
      : ['calendar.everySeconds must be a whole number from 1 to 86400'];
  }
  if (calendar.kind !== 'daily') return ["calendar.kind must be 'daily' or 'interval'"];
  const problems: string[] = [];
  if (!isTimeZone(calendar.timeZone)) problems.push('calendar.timeZone must be an IANA time zone');
  const days = calendar.days;
  if (
    !Array.isArray(days) ||
    days.length === 0 ||
    days.some((d) => !(Number.isSafeInteger(d) && d >= 1 && d <= 7)) ||
    new Set(days).size !== days.length
  )
    problems.push('calendar.days must be distinct ISO weekdays (1 = Monday … 7 = Sunday)');
  if (
    !Array.isArray(calendar.cutoffs) ||
    calendar.cutoffs.length === 0 ||
    calendar.cutoffs.some((c) => minutesOfLocalTime(c) === null)
  )
    problems.push('calendar.cutoffs must be local times "HH:MM"');
  return problems;
}

export function checkSettlementPolicy(policy: SettlementPolicy): string[] {
  if (typeof policy !== 'object' || policy === null) return ['the policy is missing'];
  const problems = calendarProblems(policy.calendar);
  for (const key of [
    'catchupWindowMs',
    'expectedProcessMs',
    'expectedDeliveryMs',
    'confirmationWindowMs',
    'deliveryRetryWindowMs',
    'progressPollMs',
  ] as const) {
    if (!positiveMs(policy[key])) problems.push(`${key} must be a positive whole number of milliseconds`);
  }
  if (!(
    Number.isSafeInteger(policy.pageSize) &&
    policy.pageSize >= 1 &&
    policy.pageSize <= SETTLEMENT_PAGE_MAX
  ))
    problems.push(`pageSize must be a whole number from 1 to ${SETTLEMENT_PAGE_MAX}`);
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Identities

/** The Schedule's id; its workflows are `settlement-batch-scheduled-<scheduled time>`. */
export const SETTLEMENT_SCHEDULE_ID = 'settlement-batches';
export const SCHEDULED_BATCH_WORKFLOW_PREFIX = 'settlement-batch-scheduled';

export function settlementBatchWorkflowId(businessId: string): string {
  return `settlement-batch-${businessId}`;
}

export function clientSettlementWorkflowId(settlementId: string): string {
  return `client-settlement-${settlementId}`;
}

/**
 * The cutoff of a scheduled batch: Temporal appends the scheduled time (RFC 3339, UTC) to the
 * Schedule action's workflow id, so the id itself names the cutoff the run belongs to. Null when
 * the id is not a scheduled batch's.
 */
export function scheduledCutoffOf(workflowId: string): string | null {
  const prefix = `${SCHEDULED_BATCH_WORKFLOW_PREFIX}-`;
  if (!workflowId.startsWith(prefix)) return null;
  const at = Date.parse(workflowId.slice(prefix.length));
  return Number.isFinite(at) ? new Date(at).toISOString() : null;
}

/**
 * The registry transfer id of one delivery round of one asset: derived from the workflow, so a
 * retried activity sends the same id (the registry delivers it once), and an operator's retry after
 * a refusal (round + 1) is a new transfer.
 */
export function settlementTransferId(workflowId: string, asset: AssetCode, round: number): string {
  if (!Number.isSafeInteger(round) || round < 1) throw new TypeError(`round must be 1 or more, got ${round}`);
  return `${workflowId}/deliver/${asset}/${round}`;
}

/** The posting key of a settlement's delivery entry. */
export function settlementDeliveryKey(workflowId: string): string {
  return `${workflowId}/deliver`;
}

// ---------------------------------------------------------------------------------------------
// Netting

/**
 * One asset of one client's settlement. `netMinor`: the client's net obligation with the venue
 * (positive: the client RECEIVEs, negative: DELIVERs). `releaseMinor`: what moves from its
 * pending_settlement account to available on delivery — what it received gross, less the fees taken
 * from it (the given side already left `available` at the fill, through the order's reservation).
 */
export interface SettlementLeg {
  asset: AssetCode;
  netMinor: bigint;
  releaseMinor: bigint;
}

/** One side of a trade, as netting sees it. */
export interface TradeSide {
  clientId: string;
  side: 'BUY' | 'SELL';
  asset: AssetCode;
  quoteAsset: AssetCode;
  price: bigint;
  quantity: bigint;
  fee: bigint;
}

/**
 * The reference netting (db/settlement does the same in SQL for whole batches; tests compare them):
 * per client and asset, the net obligation and the release of pending settlement.
 */
export function netTradeSides(sides: readonly TradeSide[]): Map<string, SettlementLeg[]> {
  const byClient = new Map<string, Map<AssetCode, SettlementLeg>>();
  const leg = (clientId: string, asset: AssetCode): SettlementLeg => {
    let legs = byClient.get(clientId);
    if (!legs) byClient.set(clientId, (legs = new Map()));
    let found = legs.get(asset);
    if (!found) legs.set(asset, (found = { asset, netMinor: 0n, releaseMinor: 0n }));
    return found;
  };
  for (const s of sides) {
    const notional = s.price * s.quantity;
    if (s.side === 'BUY') {
      leg(s.clientId, s.asset).netMinor += s.quantity;
      leg(s.clientId, s.asset).releaseMinor += s.quantity;
      leg(s.clientId, s.quoteAsset).netMinor -= notional;
    } else {
      leg(s.clientId, s.asset).netMinor -= s.quantity;
      leg(s.clientId, s.quoteAsset).netMinor += notional;
      leg(s.clientId, s.quoteAsset).releaseMinor += notional - s.fee;
    }
  }
  const out = new Map<string, SettlementLeg[]>();
  for (const [clientId, legs] of byClient)
    out.set(
      clientId,
      [...legs.values()].sort((a, b) => (a.asset < b.asset ? -1 : a.asset > b.asset ? 1 : 0)),
    );
  return out;
}

/** DELIVER / RECEIVE and the absolute amount of a leg's net obligation; null when it nets to zero. */
export function legDirection(
  leg: SettlementLeg,
): { direction: 'DELIVER' | 'RECEIVE'; amountMinor: bigint } | null {
  if (leg.netMinor === 0n) return null;
  return leg.netMinor > 0n
    ? { direction: 'RECEIVE', amountMinor: leg.netMinor }
    : { direction: 'DELIVER', amountMinor: -leg.netMinor };
}

// ---------------------------------------------------------------------------------------------
// Expected times

/**
 * When each status is expected, from the batch cutoff and the policy: the timeline shows expected
 * next to actual. CONFIRMED is expected one confirmation window after the actual delivery.
 */
export function expectedTimes(
  cutoffIso: string,
  policy: SettlementPolicy,
  deliveredAtIso: string | null,
): Partial<Record<SettlementStatus, string>> {
  const cutoffMs = Date.parse(cutoffIso);
  if (!Number.isFinite(cutoffMs)) throw new TypeError(`cutoff must be an ISO time, got ${cutoffIso}`);
  const iso = (ms: number) => new Date(ms).toISOString();
  const deliveredMs =
    deliveredAtIso === null ? cutoffMs + policy.expectedDeliveryMs : Date.parse(deliveredAtIso);
  return {
    INITIATED: iso(cutoffMs),
    PROCESSED: iso(cutoffMs + policy.expectedProcessMs),
    DELIVERED: iso(cutoffMs + policy.expectedDeliveryMs),
    CONFIRMED: iso(deliveredMs + policy.confirmationWindowMs),
  };
}

// ---------------------------------------------------------------------------------------------
// Workflow messages and checks

export interface ClientSettlementInput {
  settlementId: string;
  batchId: string;
  clientId: string;
  cutoff: string;
  policy: SettlementPolicy;
}

export interface RetrySettlementArgs {
  actor: Actor;
  note?: string | null;
}
export interface CancelSettlementArgs {
  actor: Actor;
  reason: string;
}
export interface ConfirmReceiptArgs {
  actor: Actor;
}

/** A leg across JSON: amounts as decimal strings of the asset. */
export interface SettlementLegView {
  asset: AssetCode;
  direction: 'DELIVER' | 'RECEIVE';
  amount: string;
}

export interface ClientSettlementState {
  id: string;
  workflowId: string;
  type: typeof CLIENT_SETTLEMENT_TYPE;
  batchId: string;
  clientId: string;
  status: SettlementStatus;
  cutoff: string;
  legs: SettlementLegView[];
  expected: Partial<Record<SettlementStatus, string>>;
  deliveries: { asset: AssetCode; transferId: string; outcome: string }[];
  failure: string | null;
  closedAt: string | null;
  timeline: TimelineEntry<SettlementStatus>[];
}

export interface SettlementView {
  status: SettlementStatus;
  clientId: string | null;
}

function checkAction(view: SettlementView, action: SettlementAction, actor: unknown): Refusal | null {
  return checkLifecycleAction(SETTLEMENT_TRANSITIONS, SETTLEMENT_PERMISSIONS, view, action, actor);
}

export function checkRetry(view: SettlementView, args: RetrySettlementArgs): Refusal | null {
  return checkUpdate(args, (actor) => checkAction(view, 'retry', actor), { field: 'note', required: false });
}

export function checkCancelSettlement(view: SettlementView, args: CancelSettlementArgs): Refusal | null {
  return checkUpdate(args, (actor) => checkAction(view, 'cancel', actor), {
    field: 'reason',
    required: true,
  });
}

export function checkConfirmReceipt(view: SettlementView, args: ConfirmReceiptArgs): Refusal | null {
  return checkUpdate(args, (actor) => checkAction(view, 'confirm_receipt', actor));
}

export function checkClientSettlementInput(input: ClientSettlementInput): Refusal | null {
  const bad = (message: string): Refusal => ({ code: 'validation_failed', message });
  if (typeof input !== 'object' || input === null) return bad('the input is missing');
  if (!isUuid(input.settlementId) || !isUuid(input.batchId) || !isUuid(input.clientId))
    return bad('settlementId, batchId and clientId must be UUIDs');
  if (!Number.isFinite(Date.parse(input.cutoff))) return bad('cutoff must be an ISO time');
  const problems = checkSettlementPolicy(input.policy);
  return problems.length > 0 ? bad(`the policy is not usable: ${problems.join('; ')}`) : null;
}

export interface SettlementBatchInput {
  /** Manual batches: the id the API derived from the Idempotency-Key. Scheduled: made by the workflow. */
  batchId?: string;
  /** Manual batches: the cutoff asked for (default: the start time). Scheduled: from the workflow id. */
  cutoff?: string | null;
  origin: 'schedule' | 'manual';
  /** Who started it by hand; null for the Schedule. */
  requestedBy: Actor | null;
  policy: SettlementPolicy;
  /** Carried across continue-as-new: settlements with seq ≤ this were started already. */
  startedThrough?: number;
}

export interface SettlementBatchState {
  id: string;
  workflowId: string;
  type: typeof SETTLEMENT_BATCH_TYPE;
  status: BatchStatus | 'SKIPPED';
  cutoff: string;
  trades: number;
  settlements: number;
  started: number;
  closedAt: string | null;
  timeline: TimelineEntry<BatchStatus>[];
}
