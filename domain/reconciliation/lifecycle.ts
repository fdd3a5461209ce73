// The reconciliation of one statement as a lifecycle: pure data and the checks its Updates run.
//
//   IMPORTED ──match──▶ MATCHING ──all_matched──▶ RECONCILED
//                          └──────breaks_found──▶ BREAKS_OPEN ──reconcile──▶ RECONCILED
//   BREAKS_OPEN ──resolve──▶ BREAKS_OPEN   (match by hand, dismiss, or propose an adjustment)
//   BREAKS_OPEN ──approve──▶ BREAKS_OPEN   (a second operator posts the adjustment)
//
// The workflow carries no line and no break: they live in PostgreSQL. It keeps only the adjustments
// waiting for approval (who proposed them), so the four-eyes refusal is given by the Update
// validator before anything enters history.
import { checkFourEyes } from '../four-eyes.js';
import {
  checkArgsPresent,
  checkLifecycleAction,
  checkText,
  validation,
  type Actor,
  type PermissionTable,
  type Refusal,
  type TimelineEntry,
  type TransitionTable,
} from '../lifecycle.js';
import { isUuid } from '../ids.js';
import type { ReconciliationPolicy } from './policy.js';

export const RECONCILIATION_TYPE = 'reconciliation';

export const RECONCILIATION_STATUSES = ['IMPORTED', 'MATCHING', 'BREAKS_OPEN', 'RECONCILED'] as const;
export type ReconciliationStatus = (typeof RECONCILIATION_STATUSES)[number];

export const RECONCILIATION_ACTIONS = [
  'match',
  'all_matched',
  'breaks_found',
  'resolve',
  'approve',
  'reconcile',
] as const;
export type ReconciliationAction = (typeof RECONCILIATION_ACTIONS)[number];

export const RECONCILIATION_TRANSITIONS: TransitionTable<ReconciliationStatus, ReconciliationAction> = {
  IMPORTED: { match: 'MATCHING' },
  MATCHING: { all_matched: 'RECONCILED', breaks_found: 'BREAKS_OPEN' },
  BREAKS_OPEN: { resolve: 'BREAKS_OPEN', approve: 'BREAKS_OPEN', reconcile: 'RECONCILED' },
  RECONCILED: {},
};

export const RECONCILIATION_PERMISSIONS: PermissionTable<ReconciliationAction> = {
  match: { kind: 'system' },
  all_matched: { kind: 'system' },
  breaks_found: { kind: 'system' },
  resolve: { kind: 'roles', roles: ['operations'] },
  approve: { kind: 'roles', roles: ['operations'] },
  reconcile: { kind: 'system' },
};

export const RECONCILIATION_HUMAN_ACTIONS = ['resolve', 'approve'] as const;
export type ReconciliationHumanAction = (typeof RECONCILIATION_HUMAN_ACTIONS)[number];

export const BREAK_RESOLUTIONS = ['match', 'adjust', 'dismiss'] as const;
export type BreakResolution = (typeof BREAK_RESOLUTIONS)[number];

export function reconciliationWorkflowId(businessId: string): string {
  return `${RECONCILIATION_TYPE}-${businessId}`;
}

export interface ReconciliationInput {
  /** The statement's id (recon_statement.id), a UUID. */
  reconciliationId: string;
  source: 'bank' | 'registry';
  accountCode: string;
  currency: string;
  from: string;
  to: string;
  lines: number;
  consistent: boolean;
  policy: ReconciliationPolicy;
  importedBy: Actor;
}

export interface ResolveBreakArgs {
  actor: Actor;
  breakId: string;
  resolution: BreakResolution;
  /** match: the ledger entries the break's lines are matched to. */
  entryIds?: string[] | null;
  /** adjust: why; dismiss: the reason. */
  note?: string | null;
}

export interface ApproveAdjustmentArgs {
  actor: Actor;
  breakId: string;
}

/** Adjustments proposed and waiting for a second operator, by break id. */
export type PendingAdjustments = Record<string, { proposedBy: string }>;

export interface ReconciliationState {
  id: string;
  workflowId: string;
  type: typeof RECONCILIATION_TYPE;
  status: ReconciliationStatus;
  source: 'bank' | 'registry';
  accountCode: string;
  currency: string;
  from: string;
  to: string;
  lines: number;
  consistent: boolean;
  matched: number;
  openBreaks: number;
  pendingAdjustments: PendingAdjustments;
  createdAt: string;
  closedAt: string | null;
  allowedActions: ReconciliationHumanAction[];
  timeline: TimelineEntry<ReconciliationStatus>[];
}

export interface ReconciliationView {
  status: ReconciliationStatus;
  pendingAdjustments: PendingAdjustments;
}

const MAX_ENTRY_IDS = 100;

export function checkResolve(view: ReconciliationView, args: ResolveBreakArgs): Refusal | null {
  const missing = checkArgsPresent(args);
  if (missing) return missing;
  const refused = checkLifecycleAction(
    RECONCILIATION_TRANSITIONS,
    RECONCILIATION_PERMISSIONS,
    { status: view.status, clientId: null },
    'resolve',
    args.actor,
  );
  return refused ?? checkBreakResolution(view.pendingAdjustments, args, BREAK_RESOLUTIONS);
}

/**
 * The resolution of one break, once the lifecycle allows `resolve`: shared by a statement's
 * reconciliation and the internal one, which offers fewer `resolutions` (it has no lines to match).
 */
export function checkBreakResolution(
  pendingAdjustments: PendingAdjustments,
  args: ResolveBreakArgs,
  resolutions: readonly BreakResolution[],
): Refusal | null {
  if (!isUuid(args.breakId)) return validation('breakId', 'invalid_string', 'breakId must be a UUID');
  if (!(resolutions as readonly string[]).includes(args.resolution))
    return validation(
      'resolution',
      'invalid_enum_value',
      `resolution must be ${resolutions.join(', ').replace(/, ([^,]*)$/, ' or $1')}`,
    );
  if (Object.hasOwn(pendingAdjustments, args.breakId))
    return {
      code: 'invalid_state',
      message: 'an adjustment of this break is waiting for approval',
      details: { breakId: args.breakId },
    };
  if (args.resolution === 'match') {
    const ids = args.entryIds;
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_ENTRY_IDS || !ids.every(isUuid))
      return validation(
        'entryIds',
        'invalid_type',
        `entryIds must be 1 to ${MAX_ENTRY_IDS} ledger entry ids`,
      );
  }
  const note = checkText(args.note, args.resolution === 'dismiss' ? 'reason' : 'note', {
    required: args.resolution !== 'match',
  });
  return note.ok ? null : note.refusal;
}

/** A second, distinct operator approves a proposed adjustment (domain/four-eyes.ts). */
export function checkApprove(
  view: ReconciliationView,
  args: ApproveAdjustmentArgs,
): Refusal | { code: string; message: string } | null {
  const missing = checkArgsPresent(args);
  if (missing) return missing;
  const refused = checkLifecycleAction(
    RECONCILIATION_TRANSITIONS,
    RECONCILIATION_PERMISSIONS,
    { status: view.status, clientId: null },
    'approve',
    args.actor,
  );
  return refused ?? checkAdjustmentApproval(view.pendingAdjustments, args);
}

/** Once the lifecycle allows `approve`: an adjustment is waiting, and not the approver's own. */
export function checkAdjustmentApproval(
  pendingAdjustments: PendingAdjustments,
  args: ApproveAdjustmentArgs,
): Refusal | { code: string; message: string } | null {
  if (!isUuid(args.breakId)) return validation('breakId', 'invalid_string', 'breakId must be a UUID');
  const pending = pendingAdjustments[args.breakId];
  if (!pending)
    return {
      code: 'invalid_state',
      message: 'no adjustment of this break is waiting for approval',
      details: { breakId: args.breakId },
    };
  return checkFourEyes(
    { clientId: pending.proposedBy, requestedBy: pending.proposedBy, approvals: [], approvalsRequired: 2 },
    args.actor,
    'adjustment',
  );
}
