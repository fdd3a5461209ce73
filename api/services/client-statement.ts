// The client statement (issue 14): GET /statement (a client's own, or staff with ?clientId=) and
// /ops/clients/:id/statement, as JSON pages or whole downloads (CSV, PDF). Which balance a statement
// follows: domain/client-statement.ts; the query: db/statements-client. Amounts are decimal strings.
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import {
  STATEMENT_ACCOUNTS,
  canReadClientStatements,
  lineDescription,
  statementPeriod,
  statementRoles,
  type StatementAccount,
} from '../../domain/client-statement.js';
import { CLIENT_ACCOUNT_ROLES, type ClientAccountRole } from '../../domain/postings.js';
import { ASSET_CODES, formatAmount, type AssetCode } from '../../domain/money.js';
import { isClient } from '../../domain/roles.js';
import {
  MAX_STATEMENT_LINES,
  statementLines,
  type StatementLineRow,
} from '../../db/statements-client/statement.js';
import { statementHolder, type StatementHolder } from '../../db/statements-client/holder.js';
import type { AppDeps } from '../deps.js';
import { forbidden, notFound, unprocessable, validationFailed } from '../errors.js';
import { listPage, parseInput, type SessionUser } from './common.js';
import { listQuerySchema, uuidSchema } from '../validate.js';

export { STATEMENT_STAFF_ROLES } from '../../domain/client-statement.js';

const dayField = z
  .string()
  .max(10)
  .meta({ description: 'A UTC calendar day, YYYY-MM-DD', example: '2026-12-01' });

export const StatementQuerySchema = listQuerySchema.extend({
  asset: z.enum(ASSET_CODES as [AssetCode, ...AssetCode[]]),
  from: dayField
    .optional()
    .meta({ description: 'First day, included (UTC); default 29 days before `to`', example: '2026-12-01' }),
  to: dayField
    .optional()
    .meta({ description: 'Last day, included (UTC); default today', example: '2026-12-31' }),
  account: z
    .enum(STATEMENT_ACCOUNTS)
    .default('all')
    .meta({
      description:
        'all: the client’s whole balance in the asset (available + on AML hold + pending settlement); ' +
        'or one of those accounts alone',
    }),
});
export const OwnStatementQuerySchema = StatementQuerySchema.extend({
  clientId: uuidSchema.optional().meta({ description: 'Staff and auditors: whose statement' }),
});
export const DownloadQuerySchema = StatementQuerySchema.omit({ limit: true, cursor: true });
export const OwnDownloadQuerySchema = OwnStatementQuerySchema.omit({ limit: true, cursor: true });

export const StatementLineSchema = z
  .object({
    entryId: z.uuid(),
    postedAt: z.string().meta({ description: 'The entry’s effective time (ISO 8601 UTC)' }),
    description: z.string().meta({ example: 'Deposit cleared · Deposit CH-7KQ2M4ZT9P' }),
    kind: z.string().meta({ description: 'The posting recipe', example: 'deposit.clear' }),
    reference: z
      .string()
      .nullable()
      .meta({ description: 'The business reference', example: 'CH-7KQ2M4ZT9P' }),
    subject: z
      .object({ type: z.string(), id: z.string() })
      .nullable()
      .meta({ description: 'The client’s lifecycle the line belongs to (deposit, withdrawal, order, …)' }),
    account: z.enum(CLIENT_ACCOUNT_ROLES as [ClientAccountRole, ...ClientAccountRole[]]),
    amount: z.string().meta({ description: 'Always positive; see direction', example: '1250.50' }),
    direction: z
      .enum(['CREDIT', 'DEBIT'])
      .meta({ description: 'CREDIT adds to the balance, DEBIT takes from it' }),
    balance: z.string().meta({ description: 'The running balance after this line', example: '1250.50' }),
    note: z.string().meta({ description: 'The ledger entry’s own text' }),
  })
  .meta({ id: 'StatementLine' });

export const StatementSchema = z
  .object({
    clientId: z.uuid(),
    asset: z.enum(ASSET_CODES as [string, ...string[]]),
    account: z.enum(STATEMENT_ACCOUNTS),
    from: z.string().meta({ example: '2026-12-01' }),
    to: z.string().meta({ example: '2026-12-31' }),
    openingBalance: z.string().meta({ description: 'The balance before `from`', example: '0.00' }),
    closingBalance: z.string().meta({ description: 'The balance at the end of `to`', example: '1250.50' }),
    lineCount: z.number().int().meta({ description: 'Lines in the whole period, every page' }),
    lines: z.array(StatementLineSchema),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: 'Statement' });

export type StatementLineView = z.infer<typeof StatementLineSchema>;
export interface StatementView extends Omit<z.infer<typeof StatementSchema>, 'asset' | 'lines'> {
  asset: AssetCode;
  lines: StatementLineView[];
}

/** A whole statement with whose it is, for the downloads. */
export interface StatementDocument extends StatementView {
  holder: StatementHolder;
}

/** Whose statement `user` reads: a client its own (another id is 404); staff name the client. */
async function resolveHolder(
  deps: AppDeps,
  user: SessionUser,
  clientId: string | undefined,
): Promise<StatementHolder> {
  let id: string;
  if (isClient(user.role)) {
    if (clientId !== undefined && clientId.toLowerCase() !== user.id) throw notFound('no such client');
    id = user.id;
  } else if (canReadClientStatements(user.role)) {
    if (clientId === undefined)
      throw validationFailed([{ path: 'clientId', code: 'required', message: 'name the client' }]);
    id = clientId.toLowerCase();
  } else {
    throw forbidden('client statements are read by the client, operations, administrators and auditors');
  }
  const holder = await statementHolder(deps.pool, id);
  if (!holder) throw notFound('no such client');
  return holder;
}

function toLineView(asset: AssetCode, row: StatementLineRow): StatementLineView {
  return {
    entryId: row.entryId,
    postedAt: row.postedAt.toISOString(),
    description: lineDescription(row.kind, row.reversal, row.subject, row.tradeId),
    kind: row.kind,
    reference: row.subject?.reference ?? row.tradeId,
    subject: row.subject ? { type: row.subject.type, id: row.subject.id } : null,
    account: row.role,
    amount: formatAmount(asset, row.amountMinor < 0n ? -row.amountMinor : row.amountMinor),
    direction: row.amountMinor < 0n ? 'DEBIT' : 'CREDIT',
    balance: formatAmount(asset, row.balanceMinor),
    note: row.note,
  };
}

type Query = z.output<typeof StatementQuerySchema>;

async function readStatement(
  deps: AppDeps,
  holder: StatementHolder,
  query: Omit<Query, 'limit'> & { limit: number },
): Promise<StatementView> {
  const period = statementPeriod(query, Date.now());
  if ('code' in period) throw validationFailed([period]);
  const account: StatementAccount = query.account;
  const rows = await listPage(() =>
    statementLines(deps.pool, {
      clientId: holder.id,
      asset: query.asset,
      roles: statementRoles(account),
      from: new Date(period.fromMs),
      end: new Date(period.endMs),
      cursor: query.cursor,
      limit: query.limit,
    }),
  );
  return {
    clientId: holder.id,
    asset: query.asset,
    account,
    from: period.from,
    to: period.to,
    openingBalance: formatAmount(query.asset, rows.openingMinor),
    closingBalance: formatAmount(query.asset, rows.closingMinor),
    lineCount: rows.lineCount,
    lines: rows.lines.map((row) => toLineView(query.asset, row)),
    nextCursor: rows.nextCursor,
  };
}

type ParsedQuery = Omit<Query, 'limit'> & { limit: number; clientId?: string };

/** Whose statement (the path's client, else the query's) and the statement itself. */
async function holderAndStatement(
  deps: AppDeps,
  user: SessionUser,
  clientId: string | undefined,
  { clientId: queried, ...query }: ParsedQuery,
): Promise<StatementDocument> {
  const holder = await resolveHolder(deps, user, clientId ?? queried);
  return { ...(await readStatement(deps, holder, query)), holder };
}

/**
 * A page of the statement. `clientId`: the path's client (/ops/clients/:id/statement) or the
 * query's (?clientId=); undefined for a client's own.
 */
export async function statementFor(
  deps: AppDeps,
  user: SessionUser,
  clientId: string | undefined,
  rawQuery: unknown,
): Promise<StatementView> {
  const query = parseInput(OwnStatementQuerySchema, rawQuery, 'query');
  const { holder: _holder, ...statement } = await holderAndStatement(deps, user, clientId, query);
  return statement;
}

/** The whole period for a download; more than MAX_STATEMENT_LINES lines is 422 statement_too_large. */
export async function statementDocumentFor(
  deps: AppDeps,
  user: SessionUser,
  clientId: string | undefined,
  rawQuery: unknown,
): Promise<StatementDocument> {
  const query = { ...parseInput(OwnDownloadQuerySchema, rawQuery, 'query'), limit: MAX_STATEMENT_LINES };
  const statement = await holderAndStatement(deps, user, clientId, query);
  if (statement.nextCursor !== null) {
    throw unprocessable(
      'statement_too_large',
      `the period has ${statement.lineCount} lines; a download holds at most ${MAX_STATEMENT_LINES}: choose a shorter period`,
      { lineCount: statement.lineCount, max: MAX_STATEMENT_LINES },
    );
  }
  return statement;
}

/** `statement-<asset>-<from>-<to>.<ext>`: what the download is called. */
export function statementFilename(statement: StatementView, extension: 'csv' | 'pdf'): string {
  const account = statement.account === 'all' ? '' : `-${statement.account}`;
  return `statement-${statement.asset}${account}-${statement.from}-${statement.to}.${extension}`;
}

export const STATEMENT_CSV_COLUMNS = [
  'posted_at',
  'entry_id',
  'description',
  'reference',
  'account',
  'debit',
  'credit',
  'balance',
  'asset',
] as const;

/**
 * The statement as CSV: a header, an opening-balance row, one row per line, a closing-balance row.
 * Cells a spreadsheet would run as a formula are quoted away (csv-stringify escape_formulas).
 */
export function statementCsv(statement: StatementView): string {
  const { asset } = statement;
  const edge = (label: string, day: string, balance: string) => [
    day,
    '',
    label,
    '',
    '',
    '',
    '',
    balance,
    asset,
  ];
  return stringify(
    [
      [...STATEMENT_CSV_COLUMNS],
      edge('Opening balance', statement.from, statement.openingBalance),
      ...statement.lines.map((line) => [
        line.postedAt,
        line.entryId,
        line.description,
        line.reference ?? '',
        line.account,
        line.direction === 'DEBIT' ? line.amount : '',
        line.direction === 'CREDIT' ? line.amount : '',
        line.balance,
        asset,
      ]),
      edge('Closing balance', statement.to, statement.closingBalance),
    ],
    { escape_formulas: true, record_delimiter: 'windows' },
  );
}
