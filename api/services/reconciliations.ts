// Reconciliations on the lifecycle kit (api/lifecycle-kit): importing a statement file (parsed and
// checked here, stored with its sha256 in one transaction, then one workflow per statement), reading
// them with their lines and breaks, the break actions (sent to the statement's workflow as Updates,
// found by the break's id), the CSV report, and "confirm this deposit from the statement line",
// which is the deposit's own confirm (api/services/deposits.ts) with the line as evidence.
import { z } from 'zod';
import {
  DuplicateStatementError,
  breaksOfStatement,
  getBreakWithTask,
  getLine,
  insertStatementFile,
  ledgerAccountAsset,
  linesPage,
  statementSummaries,
  type LineMatchStatus,
  type NewStatement,
} from '../../db/reconciliation/index.js';
import { canReadAllClients, hasAnyRole } from '../../domain/roles.js';
import {
  defaultReconciliationAccount,
  parseConfiguredAccounts,
} from '../../domain/reconciliation/accounts.js';
import {
  BREAK_RESOLUTIONS,
  RECONCILIATION_PERMISSIONS,
  RECONCILIATION_STATUSES,
  RECONCILIATION_TRANSITIONS,
  RECONCILIATION_TYPE,
  reconciliationWorkflowId,
  type ReconciliationInput,
  type ReconciliationState,
} from '../../domain/reconciliation/lifecycle.js';
import { checkReconciliationPolicy, reconciliationPolicy } from '../../domain/reconciliation/policy.js';
import { checkStatement } from '../../domain/reconciliation/statement-checks.js';
import {
  UnreadableStatementError,
  minorToDecimal,
  parseStatementFile,
  type ParsedStatement,
} from '../../domain/statements/index.js';
import {
  approveAdjustmentUpdate,
  reconciliation,
  reconciliationStartedUpdate,
  resolveBreakUpdate,
} from '../../workflows/reconciliation.js';
import { auditStaffAction } from '../audit/log.js';
import type { AppDeps } from '../deps.js';
import { ApiError, forbidden, invalidState, notFound, unprocessable, validationFailed } from '../errors.js';
import { idempotentUuid } from '../idempotency.js';
import { lifecycleService } from '../lifecycle-kit/service.js';
import {
  recordFromDetail,
  recordFromLifecycle,
  toBreakView,
  toLineView,
  toReconciliationView,
  type ReconciliationBreakView,
  type ReconciliationView,
  type StatementLineView,
} from '../reconciliation-view.js';
import { listQuerySchema, textField, uuidSchema } from '../validate.js';
import { confirmDeposit } from './deposits.js';
import { actorOf, parseInput, requireIdempotencyKey, type SessionUser } from './common.js';
import { policyFromEnv } from './policy-from-env.js';

export {
  ImportedStatementsSchema,
  ReconciliationBreakSchema,
  ReconciliationSchema,
  StatementLineSchema,
} from '../reconciliation-view.js';

/** An uploaded statement file is at most this large (the bench's 100,000-line CSV is ~9 MB). */
export const STATEMENT_MAX_BYTES = 64 * 1024 * 1024;

/** The `reconciliation` policy new reconciliations start with (RECONCILIATION_POLICY_JSON, then stored versions). */
export const currentReconciliationPolicy = policyFromEnv({
  variable: 'RECONCILIATION_POLICY_JSON',
  withDefaults: reconciliationPolicy,
  check: checkReconciliationPolicy,
});

// ---- schemas ---------------------------------------------------------------------------------------

export const ImportStatementBodySchema = z
  .object({
    file: z
      .string()
      .meta({ format: 'binary', description: 'CSV, camt.053 XML or MT940; detected from the content' }),
    source: z.enum(['bank', 'registry']),
    accountCode: textField({ max: 200 }).optional().meta({
      description: 'The ledger account to reconcile against; default: the statement’s omnibus account',
    }),
  })
  .meta({ id: 'ImportStatementBody' });
const ImportFieldsSchema = ImportStatementBodySchema.omit({ file: true });

export const ListReconciliationsQuerySchema = listQuerySchema.extend({
  status: z.enum(RECONCILIATION_STATUSES).optional(),
});

export const ListLinesQuerySchema = listQuerySchema.extend({
  matchStatus: z.enum(['MATCHED', 'UNMATCHED', 'RESOLVED']).optional(),
});
export const ListBreaksQuerySchema = listQuerySchema.extend({
  status: z.enum(['OPEN', 'PENDING_APPROVAL', 'RESOLVED', 'DISMISSED']).optional(),
});

export const ResolveBreakBodySchema = z
  .object({
    resolution: z.enum(BREAK_RESOLUTIONS),
    entryIds: z
      .array(uuidSchema)
      .min(1)
      .max(100)
      .optional()
      .meta({ description: 'match: the ledger entries' }),
    note: textField({ max: 2000, multiline: true })
      .optional()
      .meta({ description: 'adjust: why (required)' }),
    reason: textField({ max: 2000, multiline: true })
      .optional()
      .meta({ description: 'dismiss: why (required)' }),
  })
  .meta({ id: 'ResolveBreakBody' });
const ResolveOnWorkflowSchema = ResolveBreakBodySchema.extend({ breakId: uuidSchema });
const ApproveOnWorkflowSchema = z.object({ breakId: uuidSchema });

// ---- the lifecycle ----------------------------------------------------------------------------------

const reconciliations = lifecycleService({
  type: RECONCILIATION_TYPE,
  noun: 'reconciliation',
  workflowId: reconciliationWorkflowId,
  transitions: RECONCILIATION_TRANSITIONS,
  permissions: RECONCILIATION_PERMISSIONS,
  startedUpdate: reconciliationStartedUpdate,
  recordOfDetail: recordFromDetail,
  recordOfSummary: recordFromLifecycle,
  load: (deps, _user, records) =>
    statementSummaries(
      deps.pool,
      records.map((r) => r.id),
    ),
  view: toReconciliationView,
  audit: {
    before: (detail) => ({ status: detail.status }),
    after: (state: ReconciliationState) => ({ status: state.status, openBreaks: state.openBreaks }),
  },
});

function requireStaffOrAuditor(user: SessionUser): void {
  if (!canReadAllClients(user.role)) throw forbidden('reconciliations are for staff and auditors');
}
function requireOperations(user: SessionUser, what: string): void {
  if (!hasAnyRole(user.role, ['operations'])) throw forbidden(`operations ${what}`);
}

const listPage = reconciliations.lister(ListReconciliationsQuerySchema);
export async function listReconciliations(deps: AppDeps, user: SessionUser, query: Record<string, unknown>) {
  requireStaffOrAuditor(user);
  return listPage(deps, user, query);
}
export async function getReconciliation(deps: AppDeps, user: SessionUser, id: string) {
  requireStaffOrAuditor(user);
  return reconciliations.get(deps, user, id);
}
export async function reconciliationWorkflowIdFor(deps: AppDeps, user: SessionUser, id: string) {
  requireStaffOrAuditor(user);
  return reconciliations.workflowIdFor(deps, user, id);
}

// ---- import -------------------------------------------------------------------------------------------

export interface StatementUpload {
  file: { buffer: Buffer; originalname: string } | null;
  source: unknown;
  accountCode?: unknown;
}

function unreadable(error: UnreadableStatementError): ApiError {
  return new ApiError(400, 'unreadable_statement', error.message, { at: error.at });
}

/** The ledger account each statement is reconciled against, with its asset; 422 unknown_account. */
async function accountOf(
  deps: AppDeps,
  source: 'bank' | 'registry',
  named: string | undefined,
  statement: ParsedStatement,
): Promise<{ code: string; asset: string }> {
  const code =
    named ??
    defaultReconciliationAccount(
      source,
      statement.account,
      statement.currency,
      parseConfiguredAccounts(process.env.RECONCILIATION_ACCOUNTS_JSON),
    );
  const asset = code === null ? null : await ledgerAccountAsset(deps.pool, code);
  if (code === null || asset === null)
    throw unprocessable(
      'unknown_account',
      code === null
        ? `no ${source} omnibus account for ${statement.account ?? 'an unnamed account'} in ${statement.currency}; name one as accountCode`
        : `no ledger account ${code}`,
      { account: statement.account, currency: statement.currency, accountCode: code },
    );
  return { code, asset };
}

/**
 * POST /ops/reconciliations. Everything that can refuse the file (unreadable 400, unknown account
 * 422, duplicate 409) does before anything is stored; then the file and its statements are stored
 * in one transaction and each statement's workflow is started. Statement ids derive from the
 * Idempotency-Key, so a retried upload reaches the same statements and workflows.
 */
export async function importStatements(
  deps: AppDeps,
  user: SessionUser,
  upload: StatementUpload,
  idempotencyKey: string,
): Promise<ReconciliationView | { items: ReconciliationView[] }> {
  requireOperations(user, 'import statements');
  const fields = parseInput(
    ImportFieldsSchema,
    { source: upload.source, accountCode: upload.accountCode || undefined },
    'body',
  );
  requireIdempotencyKey(idempotencyKey);
  if (!upload.file || upload.file.buffer.byteLength === 0)
    throw validationFailed(
      [{ path: 'file', code: 'required', message: 'attach the statement as the multipart field "file"' }],
      'attach the statement as the multipart field "file"',
    );
  const bytes = new Uint8Array(upload.file.buffer);
  let parsed: ReturnType<typeof parseStatementFile>;
  try {
    parsed = parseStatementFile(bytes);
  } catch (error) {
    if (error instanceof UnreadableStatementError) throw unreadable(error);
    throw error;
  }
  const statements: NewStatement[] = [];
  for (const [position, statement] of parsed.statements.entries()) {
    const account = await accountOf(deps, fields.source, fields.accountCode, statement);
    const check = checkStatement(statement, account.asset);
    statements.push({
      id: idempotentUuid(user.id, idempotencyKey, `${RECONCILIATION_TYPE}/${position}`),
      source: fields.source,
      accountCode: account.code,
      parsed: statement,
      consistent: check.consistent,
      problems: check.problems,
    });
  }
  try {
    await insertStatementFile(deps.pool, { bytes, format: parsed.format, uploadedBy: user.id, statements });
  } catch (error) {
    if (error instanceof DuplicateStatementError)
      throw new ApiError(409, 'duplicate_statement', 'this statement was imported already', {
        reconciliationIds: error.existingStatementIds,
      });
    throw error;
  }
  const policy = currentReconciliationPolicy();
  const views: ReconciliationView[] = [];
  for (const s of statements) {
    const p = s.parsed;
    const input: ReconciliationInput = {
      reconciliationId: s.id,
      source: s.source,
      accountCode: s.accountCode,
      currency: p.currency,
      from: p.from,
      to: p.to,
      lines: p.lines.length,
      consistent: s.consistent,
      policy,
      importedBy: actorOf(user),
    };
    views.push(
      await reconciliations.start(deps, user, {
        businessId: s.id,
        workflow: reconciliation,
        args: [input],
        staticSummary: `Reconciliation of ${s.accountCode} ${p.from}..${p.to} (${p.lines.length} lines, ${user.email})`,
        conflicts: () => false,
        ownerId: null,
        audit: {
          format: parsed.format,
          accountCode: s.accountCode,
          from: p.from,
          to: p.to,
          lines: p.lines.length,
          consistent: s.consistent,
          filename: upload.file.originalname,
        },
      }),
    );
  }
  return views.length === 1 ? (views[0] as ReconciliationView) : { items: views };
}

// ---- lines and breaks ------------------------------------------------------------------------------

/** Lines and breaks page by an opaque cursor: the last line id, or the offset of the next break. */
const cursorOf = (value: string | undefined) => (value && /^[0-9]{1,18}$/.test(value) ? value : '0');

export async function listLines(
  deps: AppDeps,
  user: SessionUser,
  id: string,
  query: Record<string, unknown>,
): Promise<{ items: StatementLineView[]; nextCursor: string | null }> {
  requireStaffOrAuditor(user);
  const q = parseInput(ListLinesQuerySchema, query, 'query');
  await reconciliations.loadVisible(deps, user, id);
  const rows = await linesPage(deps.pool, id.toLowerCase(), {
    matchStatus: q.matchStatus as LineMatchStatus | undefined,
    afterId: cursorOf(q.cursor),
    limit: q.limit,
  });
  return {
    items: rows.map(toLineView),
    nextCursor: rows.length === q.limit ? (rows.at(-1)?.id ?? null) : null,
  };
}

export async function listBreaks(
  deps: AppDeps,
  user: SessionUser,
  id: string,
  query: Record<string, unknown>,
): Promise<{ items: ReconciliationBreakView[]; nextCursor: string | null }> {
  requireStaffOrAuditor(user);
  const q = parseInput(ListBreaksQuerySchema, query, 'query');
  await reconciliations.loadVisible(deps, user, id);
  const offset = Number(cursorOf(q.cursor));
  const rows = await breaksOfStatement(deps.pool, id.toLowerCase(), {
    status: q.status,
    limit: q.limit,
    offset,
  });
  return {
    items: rows.map(toBreakView),
    nextCursor: rows.length === q.limit ? String(offset + rows.length) : null,
  };
}

export async function getBreakFor(deps: AppDeps, user: SessionUser, breakId: string) {
  requireStaffOrAuditor(user);
  const row = uuidSchema.safeParse(breakId).success ? await getBreakWithTask(deps.pool, breakId) : null;
  if (!row || row.statementId === null) throw notFound('no such reconciliation break');
  return row;
}

// ---- break actions ----------------------------------------------------------------------------------

const resolveOnWorkflow = reconciliations.action('resolve', {
  update: resolveBreakUpdate,
  body: ResolveOnWorkflowSchema,
  args: (body) => ({
    breakId: body.breakId,
    resolution: body.resolution,
    entryIds: body.entryIds ?? null,
    note: (body.resolution === 'dismiss' ? (body.reason ?? body.note) : body.note) ?? null,
  }),
});
const approveOnWorkflow = reconciliations.action('approve', {
  update: approveAdjustmentUpdate,
  body: ApproveOnWorkflowSchema,
  args: (body) => ({ breakId: body.breakId }),
});

/** POST /ops/reconciliation-breaks/:id/resolve: an Update of the break's reconciliation. */
export async function resolveBreak(
  deps: AppDeps,
  user: SessionUser,
  breakId: string,
  body: unknown,
  requestId: string,
): Promise<ReconciliationBreakView> {
  requireOperations(user, 'resolve breaks');
  const parsed = parseInput(ResolveBreakBodySchema, body, 'body');
  const row = await getBreakFor(deps, user, breakId);
  await resolveOnWorkflow(deps, user, row.statementId as string, { ...parsed, breakId: row.id }, requestId);
  return toBreakView((await getBreakWithTask(deps.pool, row.id)) ?? row);
}

/** POST /ops/reconciliation-breaks/:id/approve: a second operator posts the adjusting entry. */
export async function approveBreakAdjustment(
  deps: AppDeps,
  user: SessionUser,
  breakId: string,
  requestId: string,
): Promise<ReconciliationBreakView> {
  requireOperations(user, 'approve adjustments');
  const row = await getBreakFor(deps, user, breakId);
  await approveOnWorkflow(deps, user, row.statementId as string, { breakId: row.id }, requestId);
  return toBreakView((await getBreakWithTask(deps.pool, row.id)) ?? row);
}

// ---- confirm a deposit from its statement line ------------------------------------------------------

/**
 * POST /ops/reconciliations/:id/lines/:lineId/confirm-deposit: the line matched a PENDING deposit
 * (rule pending_deposit); its amount, booking day and reference confirm that deposit through the
 * deposit's own confirm, so every deposit rule (AML screening, holds, four-eyes) applies as ever.
 */
export async function confirmDepositFromLine(
  deps: AppDeps,
  user: SessionUser,
  reconciliationId: string,
  lineId: string,
  requestId: string,
) {
  requireOperations(user, 'confirm deposits');
  const detail = await reconciliations.loadVisible(deps, user, reconciliationId);
  const line = await getLine(deps.pool, detail.businessId, lineId);
  if (!line) throw notFound('no such statement line');
  if (line.depositId === null || line.amountMinor <= 0n)
    throw invalidState('this line names no PENDING deposit', { lineId, rule: line.rule });
  const deposit = await confirmDeposit(
    deps,
    user,
    line.depositId,
    {
      receivedAmount: minorToDecimal(line.amountMinor, line.currency),
      // The booking day's start: never in the future, and the day the bank says the money arrived.
      receivedAt: `${line.bookedOn}T00:00:00Z`,
      senderReference: line.reference ?? undefined,
      note: `Confirmed from statement line ${line.origin} of reconciliation ${detail.businessId}`,
    },
    requestId,
  );
  await auditStaffAction(
    deps.pool,
    user,
    `${RECONCILIATION_TYPE}.confirm_deposit`,
    { type: RECONCILIATION_TYPE, id: detail.businessId },
    { lineId, depositId: line.depositId },
    { depositStatus: deposit.status, amount: minorToDecimal(line.amountMinor, line.currency) },
    { once: 'request' },
  );
  return deposit;
}

// ---- the report -------------------------------------------------------------------------------------

const REPORT_PAGE = 5000;
const REPORT_COLUMNS = [
  'record',
  'id',
  'origin',
  'booked_on',
  'value_on',
  'amount',
  'currency',
  'reference',
  'counterparty',
  'match_status',
  'rule',
  'entry_ids',
  'break_id',
  'break_kind',
  'break_status',
  'resolution',
  'note',
  'resolved_by',
  'approved_by',
  'adjustment_entry_id',
] as const;

/** RFC 4180 field; a leading =+-@ is prefixed with ' so a spreadsheet never runs it as a formula. */
function csvField(value: string | null): string {
  if (value === null) return '';
  const safe = /^[=+\-@\t\r]/.test(value) && !/^-?[0-9.]+$/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
const csvRow = (cells: (string | null)[]) => `${cells.map(csvField).join(',')}\r\n`;

/** GET /ops/reconciliations/:id/report.csv: every line, then every break, with its outcome. */
export async function reconciliationReport(
  deps: AppDeps,
  user: SessionUser,
  id: string,
): Promise<{ filename: string; chunks: AsyncGenerator<string> }> {
  requireStaffOrAuditor(user);
  const detail = await reconciliations.loadVisible(deps, user, id);
  const statementId = detail.businessId;
  const pool = deps.pool;
  async function* chunks(): AsyncGenerator<string> {
    yield csvRow([...REPORT_COLUMNS]);
    let after = '0';
    for (let pages = 0; pages < 1000; pages++) {
      const rows = await linesPage(pool, statementId, { afterId: after, limit: REPORT_PAGE });
      let out = '';
      for (const l of rows.map(toLineView))
        out += csvRow([
          'line',
          l.id,
          l.origin,
          l.bookedAt,
          l.valueAt,
          `${l.direction === 'DEBIT' ? '-' : ''}${l.amount}`,
          l.currency,
          l.reference,
          l.counterparty,
          l.matchStatus,
          l.rule,
          l.matchedEntryIds.join(' '),
          l.breakId,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
        ]);
      yield out;
      if (rows.length < REPORT_PAGE) break;
      after = rows.at(-1)?.id ?? after;
    }
    for (let offset = 0; offset < 1000 * REPORT_PAGE; offset += REPORT_PAGE) {
      const rows = await breaksOfStatement(pool, statementId, { limit: REPORT_PAGE, offset });
      let out = '';
      for (const b of rows.map(toBreakView))
        out += csvRow([
          'break',
          b.id,
          null,
          null,
          null,
          b.difference,
          b.asset,
          null,
          null,
          null,
          null,
          b.entryIds.join(' '),
          b.id,
          b.kind,
          b.status,
          b.resolution,
          b.note,
          b.resolvedBy,
          b.approvedBy,
          b.adjustmentEntryId,
        ]);
      yield out;
      if (rows.length < REPORT_PAGE) break;
    }
  }
  await auditStaffAction(pool, user, `${RECONCILIATION_TYPE}.report`, {
    type: RECONCILIATION_TYPE,
    id: statementId,
  });
  return { filename: `reconciliation-${statementId}.csv`, chunks: chunks() };
}
