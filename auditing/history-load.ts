// Loading one workflow's history: the archive (workflow_history_archive) when present — a closed
// run's history never changes — else Temporal. Read-only: loading never archives. Closed runs reach
// the archive through the archiver workflow (workflows/archive.ts) or the backfill
// (history-backfill.ts).
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import {
  getHistoryArchive,
  historySha256,
  isCloseEventType,
  type HistoryArchiveSummary,
} from '../db/history/index.js';
import {
  HistoryNotFoundError,
  TemporalUnavailableError,
  clientOf,
  isNotFound,
  isUnavailable,
  underDeadline,
  type AuditingDeps,
} from './temporal.js';

export interface LoadedHistory {
  workflowId: string;
  runId: string | null;
  workflowType: string | null;
  /** Where it came from: the PostgreSQL archive or the Temporal server. */
  source: 'archive' | 'temporal';
  /** The JSON text as `temporal workflow show --output json` prints it (without its final newline). */
  text: string;
  history: { events: Record<string, unknown>[] };
  /** Canonical sha256 (db/history/format.ts historySha256): equal to the archive's when intact. */
  sha256: string;
  eventCount: number;
  closed: boolean;
  /** The archive row; null when the history came from Temporal (not archived when it was read). */
  archive: HistoryArchiveSummary | null;
  /** Archive only: the served text hashes to the stored sha256 (false means the row was altered). */
  archiveIntact: boolean | null;
}

/** The archived history of `workflowId`, or null when it was never archived. */
async function fromArchive(deps: AuditingDeps, workflowId: string): Promise<LoadedHistory | null> {
  const archived = await getHistoryArchive(deps.pool, workflowId);
  if (!archived) return null;
  // Re-serialised through the protobuf schema so the text is in the CLI's field order and
  // formatting again (jsonb keeps keys in its own order). The integrity check hashes what is
  // stored, canonically (db/history/format.ts).
  const text = historyToJSON(historyFromJSON(archived.history));
  const history = JSON.parse(text) as LoadedHistory['history'];
  const sha256 = historySha256(archived.history);
  const { history: _stored, ...summary } = archived;
  return {
    workflowId,
    runId: archived.runId,
    workflowType: archived.type,
    source: 'archive',
    text,
    history,
    sha256,
    eventCount: history.events.length,
    closed: true,
    archive: summary,
    archiveIntact: sha256 === archived.sha256,
  };
}

/** The latest run's history from Temporal. */
async function fromTemporal(deps: AuditingDeps, workflowId: string): Promise<LoadedHistory> {
  const client = await clientOf(deps);
  let text: string;
  let runId: string;
  let type: string;
  try {
    const description = await underDeadline(deps, client, () =>
      client.workflow.getHandle(workflowId).describe(),
    );
    runId = description.runId;
    type = description.type;
    const events = await underDeadline(deps, client, () =>
      client.workflow.getHandle(workflowId, runId).fetchHistory(),
    );
    text = historyToJSON(events);
  } catch (error) {
    if (isNotFound(error))
      throw new HistoryNotFoundError(`no workflow ${workflowId} in Temporal or in the history archive`);
    if (isUnavailable(error))
      throw new TemporalUnavailableError('the workflow service is unavailable; try again shortly');
    throw error;
  }
  const history = JSON.parse(text) as LoadedHistory['history'];
  const closed = isCloseEventType(history.events[history.events.length - 1]?.eventType);
  return {
    workflowId,
    runId,
    workflowType: type,
    source: 'temporal',
    text,
    history,
    sha256: historySha256(history),
    eventCount: history.events.length,
    closed,
    archive: null,
    archiveIntact: null,
  };
}

/**
 * The history of `workflowId`: the archive when present, else Temporal. HistoryNotFoundError when
 * neither has it; TemporalUnavailableError when only Temporal could answer and it is unreachable.
 */
export async function loadHistory(deps: AuditingDeps, workflowId: string): Promise<LoadedHistory> {
  return (await fromArchive(deps, workflowId)) ?? (await fromTemporal(deps, workflowId));
}
