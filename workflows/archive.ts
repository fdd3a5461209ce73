// Archiving a lifecycle's history into PostgreSQL once it has closed (table
// workflow_history_archive), so audits and replays outlive Temporal's retention.
//
// A workflow cannot archive its own complete history from inside itself: its close event does not
// exist until it has returned. So a lifecycle workflow, as its last step, starts `archiveLifecycle`
// as an abandoned child (it keeps running after the parent closes); the child's archiveHistory
// activity retries until the parent is closed, then stores the full history with its sha256.
//
// In a lifecycle workflow:
//   - a new workflow type: `await archiveHistoryOnClose();` right before returning;
//   - an existing type with executions in flight or in the golden histories:
//     `if (patched('archive-history')) await archiveHistoryOnClose();` (see README "Changing
//     workflow code").
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, proxyActivities, startChild, workflowInfo } from '@temporalio/workflow';
import type { ArchiveHistoryResult, HistoryArchiveActivities } from '../activities/history-archive.js';

/** The workflow type of the archiver (kept out of the audit search: it is plumbing, not a lifecycle). */
export const ARCHIVE_WORKFLOW_TYPE = 'archiveLifecycle';

/** The archiver's workflow id for a lifecycle: one archiver per lifecycle workflow id. */
export function archiveWorkflowId(workflowId: string): string {
  return `archive-history-${workflowId}`;
}

// The parent closes moments after starting the archiver, so the first attempt usually finds it
// closed; while it is not, the activity fails with `workflow_running` and is retried.
const { archiveHistory } = proxyActivities<HistoryArchiveActivities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export interface ArchiveLifecycleInput {
  workflowId: string;
  runId: string;
}

export async function archiveLifecycle(target: ArchiveLifecycleInput): Promise<ArchiveHistoryResult> {
  return archiveHistory.executeWithOptions({ summary: `archive the history of ${target.workflowId}` }, [
    target.workflowId,
    target.runId,
  ]);
}

/** Starts the archiver for the calling workflow; call it as the very last step before returning. */
export async function archiveHistoryOnClose(): Promise<void> {
  const { workflowId, runId } = workflowInfo();
  try {
    await startChild(archiveLifecycle, {
      workflowId: archiveWorkflowId(workflowId),
      args: [{ workflowId, runId }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      staticSummary: `Archive the history of ${workflowId} once it has closed`,
    });
  } catch (error) {
    // An archiver for this workflow id already ran (a reset run): it archived the earlier run; the
    // audit service archives this one lazily on first read.
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}
