// POST /ops/reconciliations: a statement file parsed and checked here, stored with its sha256 in one
// transaction, then one reconciliation workflow per statement it holds.
import { z } from 'zod';
import {
  DuplicateStatementError,
  insertStatementFile,
  ledgerAccountAsset,
  type NewStatement,
} from '../../../db/reconciliation/index.js';
import {
  defaultReconciliationAccount,
  parseConfiguredAccounts,
} from '../../../domain/reconciliation/accounts.js';
import { RECONCILIATION_TYPE, type ReconciliationInput } from '../../../domain/reconciliation/lifecycle.js';
import { checkStatement } from '../../../domain/reconciliation/statement-checks.js';
import {
  UnreadableStatementError,
  parseStatementFile,
  type ParsedStatement,
} from '../../../domain/statements/index.js';
import { reconciliation } from '../../../workflows/reconciliation.js';
import type { AppDeps } from '../../deps.js';
import { ApiError, unprocessable, validationFailed } from '../../errors.js';
import { idempotentUuid } from '../../idempotency.js';
import type { ReconciliationView } from '../../reconciliation-view.js';
import { textField } from '../../validate.js';
import { actorOf, parseInput, requireIdempotencyKey, type SessionUser } from '../common.js';
import { currentReconciliationPolicy, reconciliations, requireOperations } from './lifecycle.js';

/** An uploaded statement file is at most this large (the bench's 100,000-line CSV is ~9 MB). */
export const STATEMENT_MAX_BYTES = 64 * 1024 * 1024;

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
