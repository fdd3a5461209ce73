// One internal reconciliation (started by its Temporal Schedule, nightly in production): the ledger
// against itself and the registries' positions. RUNNING → BALANCED, or → DIFFERENCES with one break
// (an inbox task) per difference. Recorded as a lifecycle so its breaks' tasks belong to it and it
// joins the auditor area; archived on close. Checks: domain/reconciliation/internal.ts.
import { allHandlersFinished, condition, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { InternalReconciliationActivities } from '../activities/internal-reconciliation.js';
import {
  INTERNAL_RECONCILIATION_TYPE,
  INTERNAL_TRANSITIONS,
  type InternalStatus,
} from '../domain/reconciliation/internal.js';
import { archiveHistoryOnClose } from './archive.js';
import { LIFECYCLE_RETRY, LifecycleRecorder } from './lifecycle.js';

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
  const lifecycle = new LifecycleRecorder<InternalStatus, 'balanced' | 'differences'>({
    type: INTERNAL_RECONCILIATION_TYPE,
    businessId: workflowId,
    ownerId: null,
    table: INTERNAL_TRANSITIONS,
    initial: 'RUNNING',
    startAction: 'run',
    attributes: () => ({ differences }),
  });
  await lifecycle.transition(null, null, {
    reason: 'Trial balance, account totals, omnibus and registry checks',
  });
  const result = await runInternalReconciliation({
    runId: workflowId,
    workflowId,
    breakDueMs: input.breakDueMs,
  });
  differences = result.differences;
  await lifecycle.transition(differences === 0 ? 'balanced' : 'differences', null, {
    reason:
      differences === 0 ? 'Every check agrees' : `${differences} difference(s), each a break for operations`,
  });
  await condition(allHandlersFinished);
  await archiveHistoryOnClose();
  return { status: lifecycle.status, differences };
}
