// One internal reconciliation (started by its Temporal Schedule, nightly in production): the ledger
// against itself and the registries' positions. RUNNING → BALANCED, or → DIFFERENCES with one break
// (an inbox task) per difference, open until operations explained every one of them (dismissed with
// a reason, or adjusted with a second operator's approval) → RESOLVED. Recorded as a lifecycle so its
// breaks' tasks belong to it and it joins the auditor area; archived on close. Checks and the
// lifecycle's rules: domain/reconciliation/internal.ts.
//
// Runs recorded before INTERNAL_BREAKS_STAY_OPEN_PATCH closed at DIFFERENCES at once (which
// cancelled their break tasks); they replay on that path (tests/histories/internalReconciliation/
// before-internal-breaks-stay-open/).
import {
  allHandlersFinished,
  condition,
  defineQuery,
  defineUpdate,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { InternalReconciliationActivities } from '../activities/internal-reconciliation.js';
import {
  INTERNAL_BREAKS_STAY_OPEN_PATCH,
  INTERNAL_RECONCILIATION_TYPE,
  INTERNAL_TRANSITIONS,
  checkInternalApprove,
  checkInternalResolve,
  type InternalAction,
  type InternalReconciliationState,
  type InternalStatus,
} from '../domain/reconciliation/internal.js';
import type {
  ApproveAdjustmentArgs,
  PendingAdjustments,
  ResolveBreakArgs,
} from '../domain/reconciliation/lifecycle.js';
import { archiveHistoryOnClose } from './archive.js';
import { CommandSlot, LIFECYCLE_RETRY, LifecycleRecorder } from './lifecycle.js';
import { breakResolution, type BreakCommand } from './reconciliation-breaks.js';

export const internalReconciliationStateQuery = defineQuery<InternalReconciliationState>('state');
export const resolveInternalBreakUpdate = defineUpdate<InternalReconciliationState, [ResolveBreakArgs]>(
  'resolve',
);
export const approveInternalAdjustmentUpdate = defineUpdate<
  InternalReconciliationState,
  [ApproveAdjustmentArgs]
>('approve');

// Reads every account once: a minute is plenty, and a retry stores the run once.
const { runInternalReconciliation } = proxyActivities<InternalReconciliationActivities>({
  startToCloseTimeout: '2 minutes',
  retry: LIFECYCLE_RETRY,
});

export interface InternalReconciliationInput {
  /** Service level of a difference's task. */
  breakDueMs: number;
}

export async function internalReconciliation(
  input: InternalReconciliationInput,
): Promise<{ status: InternalStatus; differences: number }> {
  const { workflowId } = workflowInfo();
  let differences = 0;
  let openBreaks = 0;
  const pendingAdjustments: PendingAdjustments = {};
  const lifecycle = new LifecycleRecorder<InternalStatus, InternalAction>({
    type: INTERNAL_RECONCILIATION_TYPE,
    businessId: workflowId,
    ownerId: null,
    table: INTERNAL_TRANSITIONS,
    initial: 'RUNNING',
    startAction: 'run',
    attributes: () => ({ differences, openBreaks }),
  });
  const commands = new CommandSlot<BreakCommand, InternalReconciliationState>({
    noun: 'internal reconciliation',
    status: () => lifecycle.status,
    answer: snapshot,
  });
  const view = () => ({ status: lifecycle.status, pendingAdjustments });
  function snapshot(): InternalReconciliationState {
    return {
      id: workflowId,
      workflowId,
      type: INTERNAL_RECONCILIATION_TYPE,
      status: lifecycle.status,
      differences,
      openBreaks,
      pendingAdjustments: { ...pendingAdjustments },
      closedAt: lifecycle.closedAt,
      allowedActions: lifecycle.status === 'DIFFERENCES' ? ['resolve', 'approve'] : [],
      timeline: [...lifecycle.timeline],
    };
  }
  // Handlers add nothing to the histories of runs that never received them.
  setHandler(internalReconciliationStateQuery, snapshot);
  commands.handle(
    resolveInternalBreakUpdate,
    (args) => checkInternalResolve(view(), args),
    (args) => ({ action: 'resolve', args }),
  );
  commands.handle(
    approveInternalAdjustmentUpdate,
    (args) => checkInternalApprove(view(), args),
    (args) => ({ action: 'approve', args }),
  );
  const breaks = breakResolution({
    lifecycle,
    pendingAdjustments,
    setOpenBreaks: (n) => (openBreaks = n),
  });

  await commands.system(async () => {
    await lifecycle.transition(null, null, {
      reason: 'Trial balance, account totals, omnibus and registry checks',
    });
    const result = await runInternalReconciliation({
      runId: workflowId,
      workflowId,
      breakDueMs: input.breakDueMs,
    });
    differences = result.differences;
    openBreaks = differences;
  });
  // Decided before the outcome is recorded: a run whose outcome was recorded by the old code (the
  // lifecycle closed, its tasks cancelled) must not wait for breaks nobody can see any more.
  const staysOpen = differences > 0 && patched(INTERNAL_BREAKS_STAY_OPEN_PATCH);
  await commands.system(async () => {
    await lifecycle.transition(differences === 0 ? 'balanced' : 'differences', null, {
      reason:
        differences === 0
          ? 'Every check agrees'
          : `${differences} difference(s), each a break for operations until explained`,
    });
  });
  if (staysOpen) {
    await commands.loop({
      done: () => lifecycle.terminal || (openBreaks === 0 && !commands.pending),
      deadline: () => null,
      run: breaks.run,
      elapsed: async () => undefined,
    });
    if (!lifecycle.terminal)
      await lifecycle.transition('explained', null, { reason: 'Every difference is explained' });
  }
  await condition(allHandlersFinished);
  await archiveHistoryOnClose();
  return { status: lifecycle.status, differences };
}
