// Workflow histories beyond Temporal: the archive (workflow_history_archive), facts read from a
// history's JSON, and the audit search over the lifecycle projection.
export {
  getHistoryArchive,
  getHistoryArchiveSummaries,
  getHistoryArchiveSummary,
  listHistoryArchives,
  saveHistoryArchive,
  type HistoryArchive,
  type HistoryArchiveSummary,
  type SaveHistoryArchiveInput,
  type SaveHistoryArchiveResult,
} from './archive.js';
export { historyEvents, historyFacts, historySha256, isCloseEventType, type HistoryFacts } from './format.js';
export { searchLifecycles, type AuditLifecycleRow, type AuditLifecycleSearch } from './search.js';
