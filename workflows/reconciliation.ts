// The reconciliation of one imported statement: IMPORTED → MATCHING → RECONCILED, or BREAKS_OPEN
// until operations resolved every break (match by hand, dismiss, or an adjustment that a second
// operator approves) → RECONCILED. The lines and breaks stay in PostgreSQL; this workflow carries
// counts and the adjustments waiting for approval only, so a 100,000-line statement costs the same
// few events as a one-line one. Rules: domain/reconciliation/lifecycle.ts.
import {
  allHandlersFinished,
  condition,
  defineQuery,
  defineUpdate,
  patched,
  proxyActivities,
} from '@temporalio/workflow';
import { setHandler } from '@temporalio/workflow';
import type { ReconciliationActivities } from '../activities/reconciliation.js';
import {
  RECONCILIATION_TRANSITIONS,
  RECONCILIATION_TYPE,
  checkApprove,
  checkResolve,
  type ApproveAdjustmentArgs,
  type PendingAdjustments,
  type ReconciliationAction,
  type ReconciliationInput,
  type ReconciliationState,
  type ReconciliationStatus,
  type ResolveBreakArgs,
} from '../domain/reconciliation/lifecycle.js';
import { archiveHistoryOnClose } from './archive.js';
import { CommandSlot, LIFECYCLE_RETRY, LifecycleRecorder } from './lifecycle.js';
import { breakResolution, type BreakCommand } from './reconciliation-breaks.js';

export const reconciliationStateQuery = defineQuery<ReconciliationState>('state');
export const reconciliationStartedUpdate = defineUpdate<ReconciliationState, []>('started');
export const resolveBreakUpdate = defineUpdate<ReconciliationState, [ResolveBreakArgs]>('resolve');
export const approveAdjustmentUpdate = defineUpdate<ReconciliationState, [ApproveAdjustmentArgs]>('approve');

// Matching reads and writes a whole statement: minutes for the largest, with a heartbeat per page.
const { matchReconciliation } = proxyActivities<ReconciliationActivities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '60 seconds',
  retry: LIFECYCLE_RETRY,
});

/**
 * Since this patch the matching is given 10 s between heartbeats instead of 60 s, so a worker killed
 * mid-match is noticed and the match retried within seconds. The activity heartbeats at least every
 * second throughout (pages loaded, the pure matching in steps of a few milliseconds, a timer while
 * storing); at 1,000,000 lines the longest gap measured was 2.1 s (a GC pause).
 */
export const MATCH_HEARTBEAT_PATCH = 'reconciliation-match-heartbeat-10s';
const { matchReconciliation: matchReconciliationQuickly } = proxyActivities<ReconciliationActivities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '10 seconds',
  retry: LIFECYCLE_RETRY,
});

export async function reconciliation(input: ReconciliationInput): Promise<ReconciliationState> {
  const { reconciliationId, policy } = input;
  const createdAtMs = Date.now();
  let matched = 0;
  let openBreaks = 0;
  const pendingAdjustments: PendingAdjustments = {};

  const lifecycle = new LifecycleRecorder<ReconciliationStatus, ReconciliationAction>({
    type: RECONCILIATION_TYPE,
    businessId: reconciliationId,
    ownerId: null,
    table: RECONCILIATION_TRANSITIONS,
    initial: 'IMPORTED',
    startAction: 'import',
    attributes: () => ({
      source: input.source,
      accountCode: input.accountCode,
      currency: input.currency,
      from: input.from,
      to: input.to,
      lines: input.lines,
      consistent: input.consistent,
      matched,
      openBreaks,
    }),
  });
  const { workflowId } = lifecycle;
  const commands = new CommandSlot<BreakCommand, ReconciliationState>({
    noun: 'reconciliation',
    status: () => lifecycle.status,
    answer: snapshot,
  });
  const view = () => ({ status: lifecycle.status, pendingAdjustments });

  function snapshot(): ReconciliationState {
    return {
      id: reconciliationId,
      workflowId,
      type: RECONCILIATION_TYPE,
      status: lifecycle.status,
      source: input.source,
      accountCode: input.accountCode,
      currency: input.currency,
      from: input.from,
      to: input.to,
      lines: input.lines,
      consistent: input.consistent,
      matched,
      openBreaks,
      pendingAdjustments: { ...pendingAdjustments },
      createdAt: new Date(createdAtMs).toISOString(),
      closedAt: lifecycle.closedAt,
      allowedActions: lifecycle.status === 'BREAKS_OPEN' ? ['resolve', 'approve'] : [],
      timeline: [...lifecycle.timeline],
    };
  }
  const breaks = breakResolution({
    lifecycle,
    accountCode: input.accountCode,
    pendingAdjustments,
    setOpenBreaks: (n) => (openBreaks = n),
  });

  setHandler(reconciliationStateQuery, snapshot);
  lifecycle.answerStarted(reconciliationStartedUpdate, snapshot);
  commands.handle(
    resolveBreakUpdate,
    (args) => checkResolve(view(), args),
    (args) => ({ action: 'resolve', args }),
  );
  commands.handle(
    approveAdjustmentUpdate,
    (args) => checkApprove(view(), args),
    (args) => ({ action: 'approve', args }),
  );

  await lifecycle.transition(null, input.importedBy, {
    reason: `Statement of ${input.accountCode} ${input.from}..${input.to} imported (${input.lines} lines${input.consistent ? '' : ', inconsistent'})`,
  });
  await commands.system(async () => {
    await lifecycle.transition('match', null, { reason: 'Matching against the ledger' });
    const match = patched(MATCH_HEARTBEAT_PATCH) ? matchReconciliationQuickly : matchReconciliation;
    const result = await match.executeWithOptions({ summary: `match ${input.lines} lines` }, [
      { reconciliationId, workflowId, policy },
    ]);
    matched = result.matched;
    openBreaks = result.openBreaks;
    await lifecycle.transition(openBreaks === 0 ? 'all_matched' : 'breaks_found', null, {
      reason: `${matched} of ${input.lines} lines matched, ${openBreaks} break(s) open`,
    });
  });

  await commands.loop({
    done: () => lifecycle.terminal || (openBreaks === 0 && !commands.pending),
    deadline: () => null,
    run: breaks.run,
    elapsed: async () => undefined,
  });
  if (!lifecycle.terminal) {
    await lifecycle.transition('reconcile', null, { reason: 'Every break is resolved' });
  }
  await condition(allHandlersFinished);
  await archiveHistoryOnClose();
  return snapshot();
}
