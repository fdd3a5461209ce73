// Archives the closed runs that are not in workflow_history_archive yet: runs that closed before
// the archiver step existed, workflow types without it (ping), and runs whose archiver gave up.
// Every lifecycle archives itself on close (workflows/archive.ts); this is the catch-up, run by the
// worker once at start-up and by `npm run history:backfill`. Idempotent, and safe to run from
// several workers at once: archiving a run twice stores it once (db/history/archive.ts).
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import {
  getHistoryArchiveSummaries,
  saveHistoryArchive,
  type HistoryArchiveSummary,
} from '../db/history/index.js';
import { ARCHIVE_WORKFLOW_TYPE } from '../workflows/archive.js';
import { clientOf, type AuditingDeps } from './temporal.js';
import { quote } from './visibility.js';

export interface BackfillOptions {
  /** Archive at most this many runs in one call (1 to 10 000). */
  limit: number;
  /** Only workflows of this task queue (a worker backfills the workflows it runs). */
  taskQueue?: string;
  /** Look at most at this many closed executions (default 20 × limit, at most 100 000). */
  scanLimit?: number;
}

export interface BackfillReport {
  /** Closed executions looked at. */
  scanned: number;
  /** Workflow ids archived by this call. */
  archived: string[];
  /** Runs that could not be archived (the next backfill tries again). */
  failed: { workflowId: string; error: string }[];
  /** false when `limit` or `scanLimit` stopped the call before visibility ran out. */
  complete: boolean;
}

const PAGE_SIZE = 100;
const MAX_LIMIT = 10_000;
const MAX_SCAN = 100_000;

/**
 * Closed runs (not continued-as-new: their workflow lives on in the next run) of every workflow
 * type but the archiver, newest first as visibility lists them.
 */
function closedRunsQuery(taskQueue: string | undefined): string {
  const clauses = [
    `ExecutionStatus != 'Running'`,
    `ExecutionStatus != 'ContinuedAsNew'`,
    `WorkflowType != ${quote(ARCHIVE_WORKFLOW_TYPE)}`,
  ];
  if (taskQueue !== undefined) clauses.push(`TaskQueue = ${quote(taskQueue)}`);
  return clauses.join(' AND ');
}

/** The run is not archived, or an older run of the same workflow id is (a reset replaces it). */
function needsArchive(run: WorkflowExecutionInfo, archived: HistoryArchiveSummary | undefined): boolean {
  if (!archived) return true;
  if (archived.runId === run.runId) return false;
  return run.closeTime !== undefined && run.closeTime.getTime() > Date.parse(archived.closedAt);
}

/**
 * Archives `run` if it is still the latest run of its workflow (a newer one is archived in its own
 * turn once it closes). Returns whether it stored a row.
 */
async function archiveRun(deps: AuditingDeps, client: Client, run: WorkflowExecutionInfo): Promise<boolean> {
  const description = await client.workflow.getHandle(run.workflowId).describe();
  if (description.runId !== run.runId || description.status.name === 'RUNNING') return false;
  const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
  const { stored } = await saveHistoryArchive(deps.pool, {
    workflowId: run.workflowId,
    runId: run.runId,
    type: description.type,
    closedAt: description.closeTime ?? new Date(),
    historyText: historyToJSON(history),
  });
  return stored;
}

async function archiveMissing(
  deps: AuditingDeps,
  client: Client,
  page: WorkflowExecutionInfo[],
  room: number,
  report: BackfillReport,
): Promise<void> {
  const archives = await getHistoryArchiveSummaries(
    deps.pool,
    page.map((run) => run.workflowId),
  );
  for (const run of page) {
    if (report.archived.length >= room) return;
    if (!needsArchive(run, archives.get(run.workflowId))) continue;
    try {
      if (await archiveRun(deps, client, run)) report.archived.push(run.workflowId);
    } catch (error) {
      report.failed.push({ workflowId: run.workflowId, error: (error as Error)?.message ?? String(error) });
    }
  }
}

/** Archives up to `limit` closed runs that have no archive row yet; see the file comment. */
export async function backfillHistoryArchive(
  deps: AuditingDeps,
  options: BackfillOptions,
): Promise<BackfillReport> {
  const limit = Math.trunc(options.limit);
  if (!(limit >= 1 && limit <= MAX_LIMIT))
    throw new RangeError(`limit must be 1 to ${MAX_LIMIT}, not ${options.limit}`);
  const scanLimit = Math.min(MAX_SCAN, Math.max(limit, Math.trunc(options.scanLimit ?? limit * 20)));
  const client = await clientOf(deps);
  const report: BackfillReport = { scanned: 0, archived: [], failed: [], complete: true };
  let page: WorkflowExecutionInfo[] = [];
  for await (const run of client.workflow.list({
    query: closedRunsQuery(options.taskQueue),
    pageSize: PAGE_SIZE,
  })) {
    page.push(run);
    report.scanned += 1;
    if (page.length === PAGE_SIZE) {
      await archiveMissing(deps, client, page, limit, report);
      page = [];
    }
    if (report.archived.length >= limit || report.scanned >= scanLimit) {
      report.complete = false;
      break;
    }
  }
  await archiveMissing(deps, client, page, limit, report);
  if (report.archived.length > limit) throw new Error('backfill archived more than its limit');
  return report;
}
