// Everything the auditor's lifecycle page (web/app/routes/audit.workflows.$workflowId.tsx) shows
// about one workflow: the business timeline and tasks (projection), the Temporal history as a
// timeline with who acted (their ids: the page names people through its own lookup), the ledger
// entries and the archive's hash.
import { getHistoryArchiveSummary, type HistoryArchiveSummary } from '../db/history/index.js';
import { getLifecycle, type LifecycleDetail } from '../db/lifecycle/index.js';
import { loadHistory, type LoadedHistory } from './history-load.js';
import { buildHistoryTimeline, type HistoryTimeline } from './history-timeline.js';
import { ledgerEntriesOf, type AuditEntryView } from './ledger-entries.js';
import { HistoryNotFoundError, TemporalUnavailableError, type AuditingDeps } from './temporal.js';

export interface WorkflowAuditDetail {
  workflowId: string;
  lifecycle: LifecycleDetail | null;
  /** null when neither Temporal nor the archive has the history (or Temporal is unreachable). */
  history: Omit<LoadedHistory, 'text' | 'history'> | null;
  historyProblem: string | null;
  timeline: HistoryTimeline | null;
  /** Raw events by id, for "show the JSON" next to each step. */
  rawEvents: Record<string, unknown>[];
  entries: AuditEntryView[];
  archive: HistoryArchiveSummary | null;
}

/**
 * The page's data for `workflowId`. Without a history (unknown to Temporal and the archive, or
 * Temporal unreachable) the page still shows what the projection and the ledger know; when they
 * know nothing either, the history's error is thrown.
 */
export async function workflowAuditDetail(
  deps: AuditingDeps,
  workflowId: string,
): Promise<WorkflowAuditDetail> {
  const [lifecycle, entries] = await Promise.all([
    getLifecycle(deps.pool, workflowId),
    ledgerEntriesOf(deps.pool, workflowId),
  ]);
  let loaded: LoadedHistory | null = null;
  let historyProblem: string | null = null;
  try {
    loaded = await loadHistory(deps, workflowId);
  } catch (error) {
    if (!(error instanceof HistoryNotFoundError || error instanceof TemporalUnavailableError)) throw error;
    if (!lifecycle && entries.length === 0) throw error;
    historyProblem = error.message;
  }
  const timeline = loaded ? buildHistoryTimeline(loaded.history) : null;
  let history: WorkflowAuditDetail['history'] = null;
  if (loaded) {
    const { text: _text, history: _events, ...rest } = loaded;
    history = rest;
  }
  return {
    workflowId,
    lifecycle,
    history,
    historyProblem,
    timeline,
    rawEvents: loaded?.history.events ?? [],
    entries,
    archive: loaded?.archive ?? (await getHistoryArchiveSummary(deps.pool, workflowId)),
  };
}
