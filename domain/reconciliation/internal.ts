// The internal reconciliation: the ledger checked against itself and against the registries, as a
// pure function over balances the activity reads. Four checks, each difference one break:
//
//   trial_balance        per asset, posted debits equal posted credits (and so do open holds'
//                        pending lines)
//   account_totals       every account's four running totals equal the sums of its lines (one
//                        difference per total that does not)
//   omnibus_vs_clients   per asset, what the omnibus account holds (plus the venue's clearing
//                        position) equals what we owe: client liabilities plus our own fees and
//                        suspense; anything else holding the asset is a difference
//   registry_positions   per certificate, the registry's position of our omnibus account equals the
//                        ledger's registry omnibus account
//
// Amounts are minor units; a difference is "the side checked less the side it is checked against".
//
// The run as a lifecycle: a difference is work with an owner until it is explained, so a run with
// differences stays open until operations resolved every break (dismissed with a reason, or, where
// the ledger can be brought in line, adjusted with four eyes):
//
//   RUNNING ──balanced──▶ BALANCED
//      └──differences──▶ DIFFERENCES ──explained──▶ RESOLVED
//   DIFFERENCES ──resolve / approve──▶ DIFFERENCES
import {
  checkArgsPresent,
  checkLifecycleAction,
  validation,
  type PermissionTable,
  type Refusal,
  type TimelineEntry,
  type TransitionTable,
} from '../lifecycle.js';
import {
  checkAdjustmentApproval,
  checkBreakResolution,
  type ApproveAdjustmentArgs,
  type BreakResolution,
  type PendingAdjustments,
  type ResolveBreakArgs,
} from './lifecycle.js';

export const INTERNAL_RECONCILIATION_TYPE = 'internalReconciliation';
export const INTERNAL_RECONCILIATION_SCHEDULE_ID = 'internal-reconciliation-nightly';
/** The Schedule's workflow id prefix (Temporal appends the scheduled time). */
export const SCHEDULED_INTERNAL_RECONCILIATION_PREFIX = 'internal-reconciliation';

export const INTERNAL_STATUSES = ['RUNNING', 'BALANCED', 'DIFFERENCES', 'RESOLVED'] as const;
export type InternalStatus = (typeof INTERNAL_STATUSES)[number];
export const INTERNAL_ACTIONS = ['balanced', 'differences', 'resolve', 'approve', 'explained'] as const;
export type InternalAction = (typeof INTERNAL_ACTIONS)[number];
export const INTERNAL_TRANSITIONS: TransitionTable<InternalStatus, InternalAction> = {
  RUNNING: { balanced: 'BALANCED', differences: 'DIFFERENCES' },
  BALANCED: {},
  DIFFERENCES: { resolve: 'DIFFERENCES', approve: 'DIFFERENCES', explained: 'RESOLVED' },
  RESOLVED: {},
};
export const INTERNAL_PERMISSIONS: PermissionTable<InternalAction> = {
  balanced: { kind: 'system' },
  differences: { kind: 'system' },
  resolve: { kind: 'roles', roles: ['operations'] },
  approve: { kind: 'roles', roles: ['operations'] },
  explained: { kind: 'system' },
};
export const INTERNAL_HUMAN_ACTIONS = ['resolve', 'approve'] as const;

/**
 * The workflow change that keeps a run with differences open (workflows/internal-reconciliation.ts);
 * runs recorded before it closed at DIFFERENCES.
 */
export const INTERNAL_BREAKS_STAY_OPEN_PATCH = 'internal-breaks-stay-open';

/** An internal difference has no statement lines, so it cannot be matched by hand. */
export const INTERNAL_BREAK_RESOLUTIONS: readonly BreakResolution[] = ['dismiss', 'adjust'];

/**
 * The checks whose difference an adjusting entry explains: only a registry position, where posting
 * the difference between the registry omnibus account and suspense (domain/postings.ts reconAdjust)
 * brings the ledger to what the registry holds. A trial balance, account totals or omnibus-vs-clients
 * difference is not moved by a balanced entry between omnibus and suspense: it is investigated and
 * dismissed with its explanation.
 */
export const ADJUSTABLE_INTERNAL_CHECKS: readonly InternalCheck[] = ['registry_positions'];

export function internalBreakAdjustable(check: string): boolean {
  return (ADJUSTABLE_INTERNAL_CHECKS as readonly string[]).includes(check);
}

export interface InternalReconciliationState {
  id: string;
  workflowId: string;
  type: typeof INTERNAL_RECONCILIATION_TYPE;
  status: InternalStatus;
  differences: number;
  openBreaks: number;
  pendingAdjustments: PendingAdjustments;
  closedAt: string | null;
  allowedActions: (typeof INTERNAL_HUMAN_ACTIONS)[number][];
  timeline: TimelineEntry<InternalStatus>[];
}

export interface InternalView {
  status: InternalStatus;
  pendingAdjustments: PendingAdjustments;
}

export function checkInternalResolve(view: InternalView, args: ResolveBreakArgs): Refusal | null {
  const missing = checkArgsPresent(args);
  if (missing) return missing;
  const refused = checkLifecycleAction(
    INTERNAL_TRANSITIONS,
    INTERNAL_PERMISSIONS,
    { status: view.status, clientId: null },
    'resolve',
    args.actor,
  );
  if (refused) return refused;
  if (args.resolution === 'match')
    return validation(
      'resolution',
      'invalid_enum_value',
      'an internal difference has no statement lines to match: dismiss it with a reason, or adjust it',
    );
  return checkBreakResolution(view.pendingAdjustments, args, INTERNAL_BREAK_RESOLUTIONS);
}

export function checkInternalApprove(
  view: InternalView,
  args: ApproveAdjustmentArgs,
): Refusal | { code: string; message: string } | null {
  const missing = checkArgsPresent(args);
  if (missing) return missing;
  const refused = checkLifecycleAction(
    INTERNAL_TRANSITIONS,
    INTERNAL_PERMISSIONS,
    { status: view.status, clientId: null },
    'approve',
    args.actor,
  );
  return refused ?? checkAdjustmentApproval(view.pendingAdjustments, args);
}

export const INTERNAL_CHECKS = [
  'trial_balance',
  'account_totals',
  'omnibus_vs_clients',
  'registry_positions',
] as const;
export type InternalCheck = (typeof INTERNAL_CHECKS)[number];

export interface AccountBalance {
  code: string;
  asset: string;
  /** debits_posted − credits_posted. */
  netDebitMinor: bigint;
}

export interface InternalInput {
  /** Per asset: posted lines, and the pending lines of open holds (which balance as well). */
  trialBalance: {
    asset: string;
    debitsMinor: bigint;
    creditsMinor: bigint;
    pendingDebitsMinor: bigint;
    pendingCreditsMinor: bigint;
  }[];
  /** Each running total of an account that differs from the sum of its lines. */
  accountMismatches: {
    code: string;
    asset: string;
    total: string;
    recordedMinor: bigint;
    linesMinor: bigint;
  }[];
  accounts: AccountBalance[];
  /** Our omnibus positions at the registries, per asset (summed over registries). */
  registryPositions: { asset: string; quantityMinor: bigint }[];
  /** The assets held at a registry (certificates). */
  registryAssets: string[];
}

export interface InternalDifference {
  check: InternalCheck;
  asset: string;
  account: string | null;
  differenceMinor: bigint;
  detail: Record<string, string>;
}

export interface InternalOutcome {
  checked: Record<InternalCheck, number>;
  differences: InternalDifference[];
}

const ownFunds = (code: string) => code.startsWith('fees:revenue:') || code.startsWith('suspense:');
const omnibusOf = (code: string) => /^[a-z]+:omnibus:/.test(code);

export function internalDifferences(input: InternalInput): InternalOutcome {
  const differences: InternalDifference[] = [];
  for (const row of input.trialBalance) {
    const sides = [
      { lines: 'posted', debits: row.debitsMinor, credits: row.creditsMinor },
      { lines: 'pending', debits: row.pendingDebitsMinor, credits: row.pendingCreditsMinor },
    ];
    for (const side of sides)
      if (side.debits !== side.credits)
        differences.push({
          check: 'trial_balance',
          asset: row.asset,
          account: null,
          differenceMinor: side.debits - side.credits,
          detail: { lines: side.lines, debits: side.debits.toString(), credits: side.credits.toString() },
        });
  }
  for (const m of input.accountMismatches)
    differences.push({
      check: 'account_totals',
      asset: m.asset,
      account: m.code,
      differenceMinor: m.recordedMinor - m.linesMinor,
      detail: { total: m.total, recorded: m.recordedMinor.toString(), lines: m.linesMinor.toString() },
    });

  const perAsset = new Map<string, { held: bigint; owed: bigint; other: bigint; omnibus: bigint }>();
  for (const a of input.accounts) {
    const sums = perAsset.get(a.asset) ?? { held: 0n, owed: 0n, other: 0n, omnibus: 0n };
    if (omnibusOf(a.code)) {
      sums.held += a.netDebitMinor;
      sums.omnibus += a.netDebitMinor;
    } else if (a.code.startsWith('venue:clearing:')) sums.held += a.netDebitMinor;
    else if (a.code.startsWith('client:') || ownFunds(a.code)) sums.owed -= a.netDebitMinor;
    else sums.other += a.netDebitMinor;
    perAsset.set(a.asset, sums);
  }
  for (const [asset, s] of [...perAsset.entries()].sort(([x], [y]) => (x < y ? -1 : 1))) {
    if (s.held !== s.owed)
      differences.push({
        check: 'omnibus_vs_clients',
        asset,
        account: null,
        differenceMinor: s.held - s.owed,
        detail: { held: s.held.toString(), owed: s.owed.toString(), unexplained: s.other.toString() },
      });
  }

  const positions = new Map(input.registryPositions.map((p) => [p.asset, p.quantityMinor]));
  for (const asset of input.registryAssets) {
    const ledger = perAsset.get(asset)?.omnibus ?? 0n;
    const registry = positions.get(asset) ?? 0n;
    if (ledger !== registry)
      differences.push({
        check: 'registry_positions',
        asset,
        account: `registry:omnibus:${asset}`,
        differenceMinor: registry - ledger,
        detail: { registry: registry.toString(), ledger: ledger.toString() },
      });
  }
  return {
    checked: {
      trial_balance: input.trialBalance.length,
      account_totals: input.accounts.length,
      omnibus_vs_clients: perAsset.size,
      registry_positions: input.registryAssets.length,
    },
    differences,
  };
}
