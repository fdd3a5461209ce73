// The deposit lifecycle as pure data and rules: statuses, actions, the transition table, who may do
// what, the policy with its defaults, the wire reference, and the checks every Update runs. The
// workflow (workflows/deposit.ts) and the API both use these, so a rule is written once.
//
//   PENDING ──confirm──────────▶ ON_HOLD ──hold_elapsed | release──▶ CLEARED
//      │    ──confirm_flagged──▶ AML_REVIEW ──release──────────────▶ CLEARED
//      │                         AML_REVIEW ──extend──▶ ON_HOLD (extend also keeps ON_HOLD)
//      │                         ON_HOLD | AML_REVIEW ──reject──────▶ REJECTED (funds returned)
//      ├──cancel──▶ CANCELLED
//      └──expire──▶ EXPIRED
//
// The human request "confirm receipt" becomes `confirm` or `confirm_flagged`, whichever AML
// screening decides: every action has exactly one target status.

import { DEFAULT_AML_POLICY, checkAmlPolicy, type AmlDecision, type AmlPolicy } from './aml.js';
import {
  checkArgsPresent,
  checkDecimalAmount,
  checkLifecycleAction,
  checkText,
  checkUpdate,
  durationProblems,
  isActor,
  isBusinessId,
  refuse,
  validation,
  type Actor,
  type PermissionTable,
  type Refusal,
  type TimelineEntry,
  type TransitionTable,
} from './lifecycle.js';
import { isUuid } from './ids.js';
import {
  copyMaxAmounts,
  decimalAboveLimit,
  limitSentence,
  maxAmountProblems,
  type MaxAmounts,
} from './amount-limits.js';
import { CASH_ASSETS, isCashAsset, type AssetCode } from './money.js';

export const DEPOSIT_TYPE = 'deposit';

export const DEPOSIT_STATUSES = [
  'PENDING',
  'ON_HOLD',
  'AML_REVIEW',
  'CLEARED',
  'REJECTED',
  'CANCELLED',
  'EXPIRED',
] as const;
export type DepositStatus = (typeof DEPOSIT_STATUSES)[number];

export const DEPOSIT_ACTIONS = [
  'confirm',
  'confirm_flagged',
  'cancel',
  'expire',
  'release',
  'extend',
  'reject',
  'hold_elapsed',
] as const;
export type DepositAction = (typeof DEPOSIT_ACTIONS)[number];

export const DEPOSIT_TRANSITIONS: TransitionTable<DepositStatus, DepositAction> = {
  PENDING: { confirm: 'ON_HOLD', confirm_flagged: 'AML_REVIEW', cancel: 'CANCELLED', expire: 'EXPIRED' },
  ON_HOLD: { hold_elapsed: 'CLEARED', release: 'CLEARED', extend: 'ON_HOLD', reject: 'REJECTED' },
  AML_REVIEW: { release: 'CLEARED', extend: 'ON_HOLD', reject: 'REJECTED' },
  CLEARED: {},
  REJECTED: {},
  CANCELLED: {},
  EXPIRED: {},
};

/**
 * Receipt is confirmed by operations (an admin covers operations); AML decisions belong to the
 * aml_officer alone (roles.ts: an admin does not cover aml_officer); only the owning client cancels.
 */
export const DEPOSIT_PERMISSIONS: PermissionTable<DepositAction> = {
  confirm: { kind: 'roles', roles: ['operations'] },
  confirm_flagged: { kind: 'roles', roles: ['operations'] },
  cancel: { kind: 'owner' },
  release: { kind: 'roles', roles: ['aml_officer'] },
  extend: { kind: 'roles', roles: ['aml_officer'] },
  reject: { kind: 'roles', roles: ['aml_officer'] },
  expire: { kind: 'system' },
  hold_elapsed: { kind: 'system' },
};

/** The actions a person asks for through an Update (the others are the workflow's own). */
export const DEPOSIT_HUMAN_ACTIONS = ['confirm', 'cancel', 'release', 'extend', 'reject'] as const;
export type DepositHumanAction = (typeof DEPOSIT_HUMAN_ACTIONS)[number];

/** Task kinds the deposit workflow opens and closes. */
export const DEPOSIT_TASKS = {
  /** operations: a wire was announced; confirm what arrived. Due at the end of the announcement window. */
  confirmReceipt: 'deposit.confirm_receipt',
  /** aml_officer: decide on a flagged deposit (AML_REVIEW) or look at a long hold before it clears. */
  amlReview: 'deposit.aml_review',
} as const;

const MINUTE_MS = 60 * 1000;
const DAY_MS = 24 * 60 * MINUTE_MS;

export interface DepositPolicy {
  /** How long an announced deposit waits for the wire before it expires. */
  announcementWindowMs: number;
  /** Hold after a clean screening... */
  shortHoldMs: number;
  /** ...and after a screening with risk indicators that did not need a review. */
  longHoldMs: number;
  /** An extension may set holdUntil at most this far from now. */
  maxHoldMs: number;
  /** Service level for an AML review task (its due date). */
  amlReviewDueMs: number;
  aml: AmlPolicy;
  /**
   * Largest announcement per currency (domain/amount-limits.ts); a currency left out has no limit
   * beyond the edge bound. Optional: deposits started before the field existed carry none.
   */
  maxAmount?: MaxAmounts;
}

export const DEFAULT_DEPOSIT_POLICY: DepositPolicy = {
  announcementWindowMs: 14 * DAY_MS,
  shortHoldMs: 1 * DAY_MS,
  longHoldMs: 7 * DAY_MS,
  maxHoldMs: 90 * DAY_MS,
  amlReviewDueMs: 2 * DAY_MS,
  aml: DEFAULT_AML_POLICY,
  // No limit of its own until an admin (or DEPOSIT_POLICY_JSON) sets one: the edge bound applies.
  maxAmount: {},
};

/** The default policy with some fields replaced (tests use seconds instead of days). */
export function depositPolicy(overrides: Partial<DepositPolicy> = {}): DepositPolicy {
  return {
    ...DEFAULT_DEPOSIT_POLICY,
    ...overrides,
    aml: { ...DEFAULT_DEPOSIT_POLICY.aml, ...overrides.aml },
    maxAmount: copyMaxAmounts(overrides.maxAmount ?? DEFAULT_DEPOSIT_POLICY.maxAmount),
  };
}

export function checkDepositPolicy(policy: DepositPolicy): string[] {
  const problems = durationProblems(policy, [
    'announcementWindowMs',
    'shortHoldMs',
    'longHoldMs',
    'maxHoldMs',
    'amlReviewDueMs',
  ] as const);
  if (policy.longHoldMs < policy.shortHoldMs) problems.push('longHoldMs must be at least shortHoldMs');
  if (policy.maxHoldMs < policy.longHoldMs) problems.push('maxHoldMs must be at least longHoldMs');
  return [
    ...problems,
    ...checkAmlPolicy(policy.aml).map((p) => `aml.${p}`),
    ...maxAmountProblems(policy.maxAmount, CASH_ASSETS),
  ];
}

/** How long a screening decision holds the funds; null for a review (no timer: an officer decides). */
export function holdDurationMs(decision: AmlDecision, policy: DepositPolicy): number | null {
  if (decision === 'review') return null;
  return decision === 'long_hold' ? policy.longHoldMs : policy.shortHoldMs;
}

// ---------------------------------------------------------------------------------------------
// Identity: workflow id and the human wire reference.

export { isBusinessId } from './lifecycle.js';

/** `deposit-<businessId>`: one workflow per business id, so a retried request finds the same one. */
export function depositWorkflowId(businessId: string): string {
  return `${DEPOSIT_TYPE}-${businessId}`;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const MASK_64 = (1n << 64n) - 1n;

/**
 * The reference the client puts on the wire: "CH-" and 10 Crockford base-32 characters (50 bits)
 * derived from the business id, so the same deposit always gets the same reference. Pure
 * JavaScript (FNV-1a 64 with a SplitMix64 finish), so it also runs inside workflow code. Not a
 * secret and not cryptographic; two business ids collide with odds of about n² / 2^51.
 */
export function depositReference(businessId: string): string {
  let hash = 0xcbf29ce484222325n;
  for (let i = 0; i < businessId.length; i++) {
    const unit = businessId.charCodeAt(i);
    for (const byte of [unit >> 8, unit & 0xff]) {
      hash ^= BigInt(byte);
      hash = (hash * 0x100000001b3n) & MASK_64;
    }
  }
  hash = ((hash ^ (hash >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK_64;
  hash = ((hash ^ (hash >> 27n)) * 0x94d049bb133111ebn) & MASK_64;
  hash ^= hash >> 31n;
  let code = '';
  for (let i = 0; i < 10; i++) code += CROCKFORD[Number((hash >> BigInt(5 * i)) & 31n)];
  return `CH-${code}`;
}

/** The one-line label the starter sets as the workflow's staticSummary in the Temporal UI. */
export function depositStaticSummary(
  input: Pick<DepositInput, 'amount' | 'currency' | 'reference' | 'clientId'>,
): string {
  return `Deposit ${input.reference}: ${input.amount} ${input.currency} for client ${input.clientId}`;
}

export function isDepositReference(value: unknown): value is string {
  return typeof value === 'string' && /^CH-[0-9ABCDEFGHJKMNPQRSTVWXYZ]{10}$/.test(value);
}

// ---------------------------------------------------------------------------------------------
// Inputs, Update arguments, state. Amounts are decimal strings in asset units everywhere outside
// the ledger: in the workflow input, Update arguments, the Query, activity arguments and results.

export interface DepositInput {
  businessId: string;
  /** The client the deposit belongs to (users.id, a UUID). */
  clientId: string;
  /** Announced amount, decimal string ("1250.50"). */
  amount: string;
  currency: AssetCode;
  /** Our wire reference: depositReference(businessId). */
  reference: string;
  /** The client's own reference, if they gave one when announcing. */
  wireReference?: string | null;
  policy: DepositPolicy;
  /** The client who announced it. */
  requestedBy: Actor;
}

export interface ConfirmDepositArgs {
  actor: Actor;
  receivedAmount: string;
  /** When the wire arrived (ISO); defaults to the moment of confirmation. */
  receivedAt?: string | null;
  note?: string | null;
  /** ISO 3166-1 alpha-2 country of the sending bank. */
  senderCountry?: string | null;
  /** The reference as it appears on the bank statement. */
  senderReference?: string | null;
}
export interface CancelDepositArgs {
  actor: Actor;
}
export interface ReleaseDepositArgs {
  actor: Actor;
  note: string;
}
export interface ExtendDepositArgs {
  actor: Actor;
  /** New end of the hold (ISO), later than the current one. */
  until: string;
  note: string;
}
export interface RejectDepositArgs {
  actor: Actor;
  reason: string;
}

export interface DepositScreening {
  score: number;
  decision: AmlDecision;
  reasons: string[];
  rules: string[];
  senderCountry: string | null;
  countryRating: string | null;
  senderReference: string | null;
  /** The client's other received deposits of this currency in the AML velocity window. */
  recentDeposits: { count: number; sum: string };
  screenedAt: string;
}

/** The Query `state`. `screening` is for staff: strip it before showing a deposit to its client. */
export interface DepositState {
  id: string;
  workflowId: string;
  type: typeof DEPOSIT_TYPE;
  status: DepositStatus;
  clientId: string;
  amount: string;
  currency: AssetCode;
  reference: string;
  wireReference: string | null;
  receivedAmount: string | null;
  receivedAt: string | null;
  holdUntil: string | null;
  screening: DepositScreening | null;
  createdAt: string;
  closedAt: string | null;
  /** Actions defined from the current status; who may do them is DEPOSIT_PERMISSIONS. */
  allowedActions: DepositHumanAction[];
  timeline: TimelineEntry<DepositStatus>[];
}

/** The part of a deposit's state the Update checks look at. */
export interface DepositView {
  status: DepositStatus;
  clientId: string;
  currency: AssetCode;
  holdUntil: string | null;
}

// ---------------------------------------------------------------------------------------------
// Checks. Each returns null (go ahead) or the Refusal to raise: validation_failed for a malformed
// request, then forbidden, then invalid_state, then validation_failed for values that do not fit
// the current state. The API may run them first for a quick answer; the workflow's Update
// validators run them again against the authoritative state.

/** A normalized amount (canonical decimal string) or a validation refusal. */
export function checkAmount(
  asset: AssetCode,
  value: unknown,
  field: string,
): { ok: true; amount: string } | { ok: false; refusal: Refusal } {
  return checkDecimalAmount(asset, value, field);
}

export function checkDepositInput(input: DepositInput): Refusal | null {
  if (!isBusinessId(input.businessId)) {
    return validation(
      'businessId',
      'invalid_string',
      'businessId must be 1-128 letters, digits or ._:- characters',
    );
  }
  if (!isUuid(input.clientId)) return validation('clientId', 'invalid_string', 'clientId must be a UUID');
  if (!isCashAsset(input.currency))
    return validation('currency', 'invalid_enum_value', 'deposits are in EUR or USD');
  const amount = checkAmount(input.currency, input.amount, 'amount');
  if (!amount.ok) return amount.refusal;
  if (!isDepositReference(input.reference)) {
    return validation(
      'reference',
      'invalid_string',
      'reference must look like CH-XXXXXXXXXX (see depositReference)',
    );
  }
  const wire = checkText(input.wireReference, 'wireReference', { required: false, max: 140 });
  if (!wire.ok) return wire.refusal;
  if (!isActor(input.requestedBy))
    return validation('requestedBy', 'invalid_type', 'requestedBy must be { id: UUID, role }');
  if (input.requestedBy.role !== 'client' || input.requestedBy.id !== input.clientId) {
    return refuse('forbidden', 'a deposit is announced by the client it belongs to');
  }
  const problems = checkDepositPolicy(input.policy);
  if (problems.length > 0)
    return refuse('validation_failed', `the deposit policy is not usable: ${problems.join('; ')}`);
  return null;
}

/** The reason of a deposit's first transition (the workflow records it; a start answered early shows it). */
export function depositAnnouncedReason(amount: string, currency: string): string {
  return `Deposit of ${amount} ${currency} announced`;
}

/**
 * The workflow's start check of the policy's maxAmount, after checkDepositInput. The API refuses
 * first (422 amount_above_limit, api/services/amount-limit.ts); this keeps a workflow started by any
 * other path inside its policy. Inputs recorded before maxAmount existed carry no limit, so their
 * histories replay unchanged.
 */
export function checkDepositLimit(input: DepositInput): Refusal | null {
  const limit = decimalAboveLimit(input.policy.maxAmount, input.currency, input.amount);
  return limit ? refuse('validation_failed', limitSentence('deposit', limit), limit) : null;
}

/** Shape, permission and status of `action` requested by `actor` (the common part of every check). */
export function checkAction(view: DepositView, action: DepositAction, actor: unknown): Refusal | null {
  return checkLifecycleAction(DEPOSIT_TRANSITIONS, DEPOSIT_PERMISSIONS, view, action, actor);
}

/** Clock skew tolerated between the bank statement and workflow time. */
const FUTURE_SKEW_MS = 5 * MINUTE_MS;

export function checkConfirm(view: DepositView, args: ConfirmDepositArgs, nowMs: number): Refusal | null {
  const missing = checkArgsPresent(args);
  if (missing) return missing;
  // `confirm` and `confirm_flagged` share their origin and permission; screening picks one later.
  const refused = checkAction(view, 'confirm', args.actor);
  if (refused) return refused;
  const received = checkAmount(view.currency, args.receivedAmount, 'receivedAmount');
  if (!received.ok) return received.refusal;
  if (args.receivedAt !== undefined && args.receivedAt !== null) {
    const at = parseInstant(args.receivedAt);
    if (at === null) return validation('receivedAt', 'invalid_date', 'receivedAt must be an ISO 8601 time');
    if (at > nowMs + FUTURE_SKEW_MS)
      return validation('receivedAt', 'too_big', 'receivedAt is in the future');
  }
  if (
    args.senderCountry !== undefined &&
    args.senderCountry !== null &&
    !/^[A-Za-z]{2}$/.test(args.senderCountry)
  ) {
    return validation('senderCountry', 'invalid_string', 'senderCountry must be a two-letter ISO 3166 code');
  }
  for (const [field, value, max] of [
    ['note', args.note, 2000],
    ['senderReference', args.senderReference, 140],
  ] as const) {
    const text = checkText(value, field, { required: false, max });
    if (!text.ok) return text.refusal;
  }
  return null;
}

export function checkCancel(view: DepositView, args: CancelDepositArgs): Refusal | null {
  return checkUpdate(args, (actor) => checkAction(view, 'cancel', actor));
}

export function checkRelease(view: DepositView, args: ReleaseDepositArgs): Refusal | null {
  return checkUpdate(args, (actor) => checkAction(view, 'release', actor), { field: 'note', required: true });
}

export function checkReject(view: DepositView, args: RejectDepositArgs): Refusal | null {
  return checkUpdate(args, (actor) => checkAction(view, 'reject', actor), {
    field: 'reason',
    required: true,
  });
}

export function checkExtend(
  view: DepositView,
  args: ExtendDepositArgs,
  nowMs: number,
  policy: DepositPolicy,
): Refusal | null {
  const refused = checkUpdate(args, (actor) => checkAction(view, 'extend', actor), {
    field: 'note',
    required: true,
  });
  if (refused) return refused;
  const until = typeof args.until === 'string' ? parseInstant(args.until) : null;
  if (until === null) return validation('until', 'invalid_date', 'until must be an ISO 8601 time');
  const current = view.holdUntil ? Date.parse(view.holdUntil) : null;
  if (current !== null && until <= current) {
    return validation(
      'until',
      'too_small',
      `until must be later than the current hold end ${view.holdUntil}`,
    );
  }
  if (until <= nowMs) return validation('until', 'too_small', 'until must be in the future');
  if (until > nowMs + policy.maxHoldMs) {
    return validation(
      'until',
      'too_big',
      `a hold may end at most ${Math.round(policy.maxHoldMs / DAY_MS)} days from now`,
    );
  }
  return null;
}

/**
 * Where a client-supplied receivedAt may lie, relative to the time of the request; the API refuses
 * anything else with 400 (api/services/deposits.ts ConfirmDepositBodySchema). Not in the future
 * (the same skew checkConfirm allows), and at most 90 days back: a deposit is confirmed while it is
 * PENDING, within its announcement window (14 days by default), so money booked as received months
 * earlier, let alone on 1970-01-01, is a typo or a broken client.
 */
export const RECEIVED_AT_WINDOW = { maxAgeMs: 90 * DAY_MS, maxAheadMs: FUTURE_SKEW_MS } as const;

/** Milliseconds since the epoch of an ISO 8601 time with a date and a time, or null. */
export function parseInstant(text: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}
