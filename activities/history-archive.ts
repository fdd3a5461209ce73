// Archives a closed workflow's history into PostgreSQL (table workflow_history_archive) so audits,
// exports and replays keep working after Temporal's retention has removed it. Run by the
// archiveLifecycle workflow (workflows/archive.ts) that every lifecycle starts as its last step.
//
// Idempotent: a run already archived is not fetched again; storing the same run twice keeps the
// first row. While the target is still running (it closes moments after starting the archiver)
// the activity waits a little, then fails with the retryable `workflow_running` so Temporal
// retries it with backoff.
import { ApplicationFailure, Context } from '@temporalio/activity';
import {
  Client,
  Connection,
  WorkflowNotFoundError,
  type WorkflowExecutionDescription,
} from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type pg from 'pg';
import { config } from '../db/config.js';
import { getHistoryArchiveSummary, saveHistoryArchive } from '../db/history/index.js';

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

let shared: Promise<Client> | undefined;

/** The worker's own client for reading histories, connected lazily once (like api/temporal-client.ts). */
export function defaultArchiveTemporalClient(): Promise<Client> {
  shared ??= Connection.connect({ address: config.temporalAddress }).then(
    (connection) => new Client({ connection, namespace: config.temporalNamespace }),
  );
  shared.catch(() => (shared = undefined));
  return shared;
}

export async function closeArchiveTemporalClient(): Promise<void> {
  const client = await shared?.catch(() => undefined);
  shared = undefined;
  await client?.connection.close();
}

/** How long one attempt waits for the target to close before handing over to the retry policy. */
const WAIT_PER_ATTEMPT_MS = 10_000;
const POLL_MS = 250;

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
      let description: WorkflowExecutionDescription;
      for (;;) {
        try {
          description = await handle.describe();
        } catch (error) {
          if (error instanceof WorkflowNotFoundError) {
            return { workflowId, runId: null, outcome: 'not_found', sha256: null, eventCount: null };
          }
          throw error;
        }
        if (description.status.name !== 'RUNNING') break;
        if (Date.now() >= deadline) {
          throw ApplicationFailure.retryable(`${workflowId} has not closed yet`, 'workflow_running');
        }
        Context.current().heartbeat();
        await Context.current().sleep(POLL_MS);
      }
      const historyText = historyToJSON(await handle.fetchHistory());
      const { stored, archive } = await saveHistoryArchive(deps.pool, {
        workflowId,
        runId: description.runId,
        type: description.type,
        closedAt: description.closeTime ?? new Date(),
        historyText,
      });
      return {
        workflowId,
        runId: archive.runId,
        outcome: stored ? 'stored' : 'already',
        sha256: archive.sha256,
        eventCount: archive.eventCount,
      };
    },
  };
}

export type HistoryArchiveActivities = ReturnType<typeof createHistoryArchiveActivities>;
