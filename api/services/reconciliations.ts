// Reconciliations over the API, by responsibility (api/services/reconciliations/): the lifecycle and
// its reads (lifecycle.ts), importing a statement file (import.ts), a statement's lines and breaks
// (lines.ts), the break actions (breaks.ts; an internal run's in internal-breaks.ts), confirming a
// deposit from its statement line (deposit-from-line.ts) and the CSV report (report.ts). The routes
// and the pages import from here.
export {
  ImportedStatementsSchema,
  ReconciliationBreakSchema,
  ReconciliationSchema,
  StatementLineSchema,
} from '../reconciliation-view.js';
export {
  ListReconciliationsQuerySchema,
  currentReconciliationPolicy,
  getReconciliation,
  getReconciliations,
  listReconciliations,
  reconciliationWorkflowIdFor,
} from './reconciliations/lifecycle.js';
export {
  ImportStatementBodySchema,
  STATEMENT_MAX_BYTES,
  importStatements,
  type StatementUpload,
} from './reconciliations/import.js';
export {
  ListBreaksQuerySchema,
  ListLinesQuerySchema,
  getBreakFor,
  listBreaks,
  listLines,
} from './reconciliations/lines.js';
export { ResolveBreakBodySchema, approveBreakAdjustment, resolveBreak } from './reconciliations/breaks.js';
export { confirmDepositFromLine } from './reconciliations/deposit-from-line.js';
export { reconciliationReport } from './reconciliations/report.js';
