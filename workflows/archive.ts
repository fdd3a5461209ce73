// Archiving a lifecycle's history into PostgreSQL once it has closed (table
// workflow_history_archive), so audits and replays outlive Temporal's retention.
//
// A workflow cannot archive its own complete history from inside itself: its close event does not
// exist until it has returned. Since patched('archive-by-sweeper') (issue 15) the worker's archive
// sweeper does it (activities/history-archive-sweeper.ts): the closing transition records, in its
// own transaction, that the run is owed an archive (history_archive_due), and the sweeper archives
// the run once Temporal shows it closed. A run that closes without recording a closing transition
// (a request declined before it was recorded) records the debt with one local activity here.
// Histories from before the patch started `archiveLifecycle` as an abandoned child (it keeps running
// after the parent closes) whose archiveHistory activity retries until the parent is closed; they
// still do when they replay.
//
// In a lifecycle workflow:
//   - a new workflow type: `await archiveHistoryOnClose();` right before returning;
//   - an existing type with executions in flight or in the golden histories:
//     `if (patched('archive-history')) await archiveHistoryOnClose();` (see README "Changing
//     workflow code").
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  ParentClosePolicy,
  patched,
  proxyActivities,
  proxyLocalActivities,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { ArchiveHistoryResult, HistoryArchiveActivities } from '../activities/history-archive.js';

/** Runs from this patch on archive through the sweeper; older histories keep their child workflow. */
export const ARCHIVE_BY_SWEEPER_PATCH = 'archive-by-sweeper';

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

const { markHistoryArchiveDue } = proxyLocalActivities<HistoryArchiveActivities>({
  startToCloseTimeout: '5 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds' },
  localRetryThreshold: '2 seconds',
});

/**
 * Set by the lifecycle recorder (workflows/lifecycle.ts) once this run's closing transition is
 * recorded: that transaction recorded the archive debt too. Module state is per workflow run.
 */
let closingRecorded = false;

export function noteClosingTransitionRecorded(): void {
  closingRecorded = true;
}

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

/**
 * Has the calling workflow's history archived once it has closed; call it as the very last step
 * before returning. From patched('archive-by-sweeper') on, the sweeper does it (a local activity
 * records the debt when no closing transition did); before, an abandoned child workflow.
 */
export async function archiveHistoryOnClose(): Promise<void> {
  const { workflowId, runId } = workflowInfo();
  if (patched(ARCHIVE_BY_SWEEPER_PATCH)) {
    if (!closingRecorded)
      await markHistoryArchiveDue.executeWithOptions(
        { summary: 'history archive due (no closing transition)' },
        [{ workflowId, runId }],
      );
    return;
  }
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
