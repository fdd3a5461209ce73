// What a reconciliation, its statement lines and its breaks look like over the API (API.md
// "Reconciliation"): the lifecycle from its read model, the statement and the counts from
// reconciliation's own tables (db/reconciliation), amounts as decimal strings of the currency's scale.
import { z } from 'zod';
import type { LifecycleDetail, LifecycleSummary, Task } from '../db/lifecycle/index.js';
import type { BreakWithTask, LineRow, StatementSummary } from '../db/reconciliation/index.js';
import {
  RECONCILIATION_HUMAN_ACTIONS,
  RECONCILIATION_PERMISSIONS,
  RECONCILIATION_STATUSES,
  RECONCILIATION_TRANSITIONS,
  type ReconciliationStatus,
} from '../domain/reconciliation/lifecycle.js';
import { BREAK_KINDS } from '../domain/reconciliation/matching.js';
import { minorToDecimal } from '../domain/statements/index.js';
import { STATEMENT_FORMATS } from '../domain/statements/types.js';
import type { SessionUser } from './auth/tokens.js';
import { lifecycleViewFields } from './lifecycle-kit/view-schemas.js';
import {
  allowedHumanActions,
  isLiveTask,
  openTaskOf,
  transitionsOfDetail,
  type RecordedTransition,
} from './services/lifecycle-records.js';

const decimal = (example: string) => z.string().meta({ example });

export const StatementSchema = z
  .object({
    accountId: z.string().nullable().meta({ description: 'The IBAN or account number the statement names' }),
    statementId: z.string().nullable().meta({ description: 'The bank’s own statement id' }),
    currency: z.string().meta({ example: 'EUR' }),
    from: z.string().meta({ example: '2026-11-30' }),
    to: z.string().meta({ example: '2026-11-30' }),
    openingBalance: decimal('1000.00').nullable(),
    closingBalance: decimal('1130.00').nullable(),
    lines: z.number().int(),
    consistent: z.boolean(),
    problems: z.array(z.object({ code: z.string(), message: z.string() })),
    sha256: z.string().meta({ description: 'Of the uploaded file' }),
  })
  .meta({ id: 'Statement' });

export const ReconciliationSchema = z
  .object({
    id: z.uuid(),
    workflowId: z.string().meta({ example: 'reconciliation-0b6f1c0e-…' }),
    status: z.enum(RECONCILIATION_STATUSES),
    format: z.enum(STATEMENT_FORMATS),
    source: z.enum(['bank', 'registry']),
    accountCode: z.string().meta({ example: 'bank:omnibus:EUR' }),
    statement: StatementSchema,
    matched: z.number().int().meta({ description: 'Lines matched by a rule' }),
    resolved: z
      .number()
      .int()
      .meta({ description: 'Lines resolved by hand, dismissed, adjusted or set aside' }),
    matchedPercent: z.number().meta({ description: 'Matched or resolved lines of all lines, 0..100' }),
    breaks: z.number().int().meta({ description: 'Open breaks (open or waiting for approval)' }),
    breaksTotal: z.number().int(),
    oldestOpenBreakAt: z.string().nullable(),
    createdAt: z.string(),
    closedAt: z.string().nullable(),
    ...lifecycleViewFields(RECONCILIATION_HUMAN_ACTIONS),
  })
  .meta({ id: 'Reconciliation' });
export type ReconciliationView = z.infer<typeof ReconciliationSchema>;

export const ImportedStatementsSchema = z.object({ items: z.array(ReconciliationSchema) }).meta({
  id: 'ImportedStatements',
  description: 'A file holding several statements: one reconciliation each',
});

export const StatementLineSchema = z
  .object({
    id: z.string().meta({ example: '1042' }),
    index: z.number().int(),
    origin: z.string().meta({ description: 'Where in the file: "line 12", "Stmt[0]/Ntry[3]"' }),
    bookedAt: z.string(),
    valueAt: z.string(),
    amount: decimal('100.00').meta({ description: 'Unsigned; see direction' }),
    currency: z.string(),
    direction: z.enum(['CREDIT', 'DEBIT']),
    entryStatus: z.enum(['BOOKED', 'PENDING']),
    reversal: z.boolean(),
    reference: z.string().nullable(),
    counterparty: z.string().nullable(),
    text: z.string(),
    matchStatus: z.enum(['MATCHED', 'UNMATCHED', 'RESOLVED']),
    matchedEntryIds: z.array(z.uuid()),
    rule: z.string().nullable(),
    depositId: z
      .string()
      .nullable()
      .meta({ description: 'A PENDING deposit the line names (confirm-deposit)' }),
    breakId: z.uuid().nullable(),
  })
  .meta({ id: 'StatementLine' });
export type StatementLineView = z.infer<typeof StatementLineSchema>;

export const ReconciliationBreakSchema = z
  .object({
    id: z.uuid(),
    reconciliationId: z.uuid().nullable(),
    kind: z.enum(BREAK_KINDS).or(z.string()),
    lineIds: z.array(z.string()),
    entryIds: z.array(z.uuid()),
    difference: decimal('-30.00').meta({ description: 'Statement less ledger' }),
    asset: z.string(),
    status: z.enum(['OPEN', 'PENDING_APPROVAL', 'RESOLVED', 'DISMISSED']),
    resolution: z.enum(['match', 'adjust', 'dismiss']).nullable(),
    note: z.string().nullable(),
    resolvedBy: z.uuid().nullable(),
    approvedBy: z.uuid().nullable(),
    adjustmentEntryId: z.uuid().nullable(),
    taskId: z.uuid().nullable(),
    detail: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
    resolvedAt: z.string().nullable(),
  })
  .meta({ id: 'ReconciliationBreak' });
export type ReconciliationBreakView = z.infer<typeof ReconciliationBreakSchema>;

// ---- records ----------------------------------------------------------------------------------------

export interface ReconciliationRecord {
  id: string;
  workflowId: string;
  status: ReconciliationStatus;
  createdAt: string;
  closedAt: string | null;
  transitions: RecordedTransition<ReconciliationStatus>[];
  tasks: Task[];
}

/** Matched or resolved lines of all lines, in percent rounded down to a tenth (none: 100). */
export function matchedPercentOf(settled: number, lines: number): number {
  return lines === 0 ? 100 : Math.floor((settled * 1000) / lines) / 10;
}

export function recordFromLifecycle(
  summary: LifecycleSummary,
  transitions: RecordedTransition<ReconciliationStatus>[],
  tasks: Task[],
): ReconciliationRecord {
  return {
    id: summary.businessId,
    workflowId: summary.workflowId,
    status: summary.status as ReconciliationStatus,
    createdAt: summary.createdAt,
    closedAt: summary.closedAt,
    transitions,
    tasks: tasks.filter(isLiveTask),
  };
}

export function recordFromDetail(detail: LifecycleDetail): ReconciliationRecord {
  return recordFromLifecycle(detail, transitionsOfDetail<ReconciliationStatus>(detail), detail.tasks);
}

// ---- views ------------------------------------------------------------------------------------------

const amountOf = (minor: bigint | null, currency: string) =>
  minor === null ? null : minorToDecimal(minor, currency);

export function toReconciliationView(
  record: ReconciliationRecord,
  user: SessionUser,
  statements: ReadonlyMap<string, StatementSummary>,
): ReconciliationView {
  const s = statements.get(record.id);
  // The statement row is written before its workflow starts, so the read model never has one without it.
  if (!s) throw new Error(`reconciliation ${record.id} has no statement`);
  const settled = s.matchedLines + s.resolvedLines;
  return {
    id: record.id,
    workflowId: record.workflowId,
    status: record.status,
    format: s.format as ReconciliationView['format'],
    source: s.source as ReconciliationView['source'],
    accountCode: s.accountCode,
    statement: {
      accountId: s.accountRef,
      statementId: s.statementRef,
      currency: s.currency,
      from: s.fromOn,
      to: s.toOn,
      openingBalance: amountOf(s.openingMinor, s.currency),
      closingBalance: amountOf(s.closingMinor, s.currency),
      lines: s.lineCount,
      consistent: s.consistent,
      problems: (s.problems as { code: string; message: string }[]).map((p) => ({
        code: p.code,
        message: p.message,
      })),
      sha256: s.fileSha256,
    },
    matched: s.matchedLines,
    resolved: s.resolvedLines,
    matchedPercent: matchedPercentOf(settled, s.lineCount),
    breaks: s.openBreaks,
    breaksTotal: s.breaks,
    oldestOpenBreakAt: s.oldestOpenBreakAt,
    createdAt: record.createdAt,
    closedAt: record.closedAt,
    allowedActions: allowedHumanActions(
      RECONCILIATION_TRANSITIONS,
      RECONCILIATION_PERMISSIONS,
      RECONCILIATION_HUMAN_ACTIONS,
      record.status,
      user,
      null,
    ),
    timeline: record.transitions.map((t) => t.entry),
    openTasks: record.tasks.map(openTaskOf),
  };
}

export function toLineView(line: LineRow): StatementLineView {
  const magnitude = line.amountMinor < 0n ? -line.amountMinor : line.amountMinor;
  return {
    id: line.id,
    index: line.index,
    origin: line.origin,
    bookedAt: line.bookedOn,
    valueAt: line.valueOn,
    amount: minorToDecimal(magnitude, line.currency),
    currency: line.currency,
    direction: line.amountMinor < 0n ? 'DEBIT' : 'CREDIT',
    entryStatus: line.status,
    reversal: line.reversal,
    reference: line.reference,
    counterparty: line.counterparty,
    text: line.text,
    matchStatus: line.matchStatus,
    matchedEntryIds: line.entryIds,
    rule: line.rule,
    depositId: line.depositId,
    breakId: line.breakId,
  };
}

export function toBreakView(b: BreakWithTask): ReconciliationBreakView {
  return {
    id: b.id,
    reconciliationId: b.statementId,
    kind: b.kind,
    lineIds: b.lineIds,
    entryIds: b.entryIds,
    difference: minorToDecimal(b.differenceMinor, b.asset),
    asset: b.asset,
    status: b.status,
    resolution: b.resolution as ReconciliationBreakView['resolution'],
    note: b.note,
    resolvedBy: b.resolvedBy,
    approvedBy: b.approvedBy,
    adjustmentEntryId: b.adjustmentEntryId,
    taskId: b.taskId,
    detail: b.detail,
    createdAt: b.createdAt,
    resolvedAt: b.resolvedAt,
  };
}
