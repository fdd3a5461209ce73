// Workflow histories beyond Temporal: the archive (workflow_history_archive), facts read from a
// history's JSON, the audit search over the lifecycle projection, and the people a history names.
// The auditing itself (search, load, backfill, replay, timeline, export) lives in auditing/.
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
export { userEmails } from './people.js';
export {
  searchLifecycles,
  workflowIdsOfBusiness,
  type AuditLifecycleRow,
  type AuditLifecycleSearch,
} from './search.js';
