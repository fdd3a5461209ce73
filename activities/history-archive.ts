// Archives a closed workflow's history into PostgreSQL (table workflow_history_archive) so audits,
// exports and replays keep working after Temporal's retention has removed it. Two ways in:
// - the archive sweeper of the worker (activities/history-archive-sweeper.ts) archives every run
//   owed an archive (history_archive_due: written by its closing transition, or by the
//   markHistoryArchiveDue local activity of a run that closes without one);
// - the archiveHistory activity, run by the archiveLifecycle child workflow that histories from
//   before patched('archive-by-sweeper') start as their last step (workflows/archive.ts).
//
// Idempotent: a run already archived is not fetched again; storing the same run twice keeps the
// first row. A run still open is not archived: the activity waits a little, then fails with the
// retryable `workflow_running` so Temporal retries it with backoff; the sweeper tries again later.
import { ApplicationFailure, Context } from '@temporalio/activity';
import {
  Client,
  Connection,
  WorkflowNotFoundError,
  type WorkflowExecutionDescription,
} from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type pg from 'pg';
import { isNotFound } from '../auditing/temporal.js';
import { config } from '../db/config.js';
import { lazyOnce } from '../domain/lazy-once.js';
import { oweHistoryArchive } from '../db/history/archive-due.js';
import { getHistoryArchiveSummary, historyFacts, saveHistoryArchive } from '../db/history/index.js';

export interface ArchiveHistoryResult {
  workflowId: string;
  /** The archived run; null when Temporal no longer had the workflow and nothing was archived. */
  runId: string | null;
  /** 'stored' now, 'already' archived earlier, or 'not_found' in Temporal (nothing to archive). */
  outcome: 'stored' | 'already' | 'not_found';
  sha256: string | null;
  eventCount: number | null;
}

export interface HistoryArchiveDeps {
  pool: pg.Pool;
  /** A Temporal client for reading histories; default: one shared connection to TEMPORAL_ADDRESS. */
  temporal?: () => Promise<Client>;
}

const shared = lazyOnce(() =>
  Connection.connect({ address: config.temporalAddress }).then(
    (connection) => new Client({ connection, namespace: config.temporalNamespace }),
  ),
);

/** The worker's own client for reading histories, connected lazily once (like api/temporal-client.ts). */
export function defaultArchiveTemporalClient(): Promise<Client> {
  return shared.get();
}

export async function closeArchiveTemporalClient(): Promise<void> {
  const client = await shared.current()?.catch(() => undefined);
  shared.forget();
  await client?.connection.close();
}

/** How long one attempt waits for the target to close before handing over to the retry policy. */
const WAIT_PER_ATTEMPT_MS = 10_000;
const POLL_MS = 250;

/**
 * Archives the run's history if it has closed: one fetch, then the archive row (or the row already
 * there). 'running' when the run has not closed yet; `not_found` when Temporal has no such run.
 * `runId` null: the workflow id's latest run.
 */
export async function archiveIfClosed(
  pool: pg.Pool,
  client: Client,
  workflowId: string,
  runId: string | null,
): Promise<ArchiveHistoryResult | 'running'> {
  let historyText: string;
  try {
    historyText = historyToJSON(
      await client.workflow.getHandle(workflowId, runId ?? undefined).fetchHistory(),
    );
  } catch (error) {
    // Fetching a history answers a bare gRPC NOT_FOUND rather than WorkflowNotFoundError.
    if (isNotFound(error)) {
      return { workflowId, runId: null, outcome: 'not_found', sha256: null, eventCount: null };
    }
    throw error;
  }
  const facts = historyFacts(JSON.parse(historyText));
  if (!facts.closeEventType || !facts.closedAt) return 'running';
  // The run asked for; else the started event's (a reset run's started event may name its base run,
  // which is why a known run id comes first).
  const archivedRunId = runId ?? facts.runId;
  if (!archivedRunId || !facts.workflowType)
    throw new TypeError(`the history of ${workflowId} names no run or no workflow type`);
  const { stored, archive } = await saveHistoryArchive(pool, {
    workflowId,
    runId: archivedRunId,
    type: facts.workflowType,
    closedAt: facts.closedAt,
    historyText,
  });
  return {
    workflowId,
    runId: archive.runId,
    outcome: stored ? 'stored' : 'already',
    sha256: archive.sha256,
    eventCount: archive.eventCount,
  };
}

export function createHistoryArchiveActivities(deps: HistoryArchiveDeps) {
  const temporal = deps.temporal ?? defaultArchiveTemporalClient;
  return {
    /**
     * Archives the closed history of `workflowId` (the run `runId` when given, else its latest run).
     */
    async archiveHistory(workflowId: string, runId?: string): Promise<ArchiveHistoryResult> {
      const existing = await getHistoryArchiveSummary(deps.pool, workflowId);
      if (existing && (!runId || existing.runId === runId)) {
        return {
          workflowId,
          runId: existing.runId,
          outcome: 'already',
          sha256: existing.sha256,
          eventCount: existing.eventCount,
        };
      }
      const client = await temporal();
      const handle = client.workflow.getHandle(workflowId, runId);
      const deadline = Date.now() + WAIT_PER_ATTEMPT_MS;
      // describe() while waiting: far cheaper than fetching the whole history each time.
      for (;;) {
        let description: WorkflowExecutionDescription;
        try {
          description = await handle.describe();
        } catch (error) {
          if (error instanceof WorkflowNotFoundError) {
            return { workflowId, runId: null, outcome: 'not_found', sha256: null, eventCount: null };
          }
          throw error;
        }
        if (description.status.name !== 'RUNNING') {
          const result = await archiveIfClosed(deps.pool, client, workflowId, description.runId);
          if (result !== 'running') return result;
        }
        if (Date.now() >= deadline) {
          throw ApplicationFailure.retryable(`${workflowId} has not closed yet`, 'workflow_running');
        }
        Context.current().heartbeat();
        await Context.current().sleep(POLL_MS);
      }
    },

    /**
     * Run as the last local activity of a run that closes without a closing transition (a request
     * declined before it was recorded): it owes an archive all the same (workflows/archive.ts).
     */
    async markHistoryArchiveDue(target: { workflowId: string; runId: string }): Promise<void> {
      await oweHistoryArchive(deps.pool, target.workflowId, target.runId);
    },
  };
}

export type HistoryArchiveActivities = ReturnType<typeof createHistoryArchiveActivities>;
