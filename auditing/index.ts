// Auditing workflows: search them, load a history (archive first, then Temporal; never writing),
// backfill the archive with closed runs it misses, replay a history against the workflow code,
// render it as a timeline for people, and export one lifecycle as evidence. Persistence is in
// db/history/; the HTTP side (roles, schemas, error answers) in api/services/audit-workflows.ts.
export { backfillHistoryArchive, type BackfillOptions, type BackfillReport } from './history-backfill.js';
export { loadHistory, type LoadedHistory } from './history-load.js';
export {
  currentWorkflowBundle,
  divergenceOf,
  replayHistoryJson,
  type ReplayBundle,
  type ReplayOutcome,
} from './history-replay.js';
export {
  searchWorkflows,
  type AuditWorkflowItem,
  type AuditWorkflowPage,
  type WorkflowSearch,
} from './history-search.js';
export {
  buildHistoryTimeline,
  decodePayload,
  type HistoryPhase,
  type HistoryStep,
  type HistoryTimeline,
} from './history-timeline.js';
export { evidenceExport, EXPORT_FORMAT, type ExportBundle } from './evidence-export.js';
export { ledgerEntriesOf, type AuditEntryView } from './ledger-entries.js';
export { workflowAuditDetail, type WorkflowAuditDetail } from './workflow-detail.js';
export { HistoryNotFoundError, TemporalUnavailableError, type AuditingDeps } from './temporal.js';
export { EXECUTION_STATUSES, type ExecutionStatusName } from './visibility.js';
