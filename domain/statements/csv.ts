// CSV statements, read by csv-parse (quoting, embedded separators and line breaks are its business),
// with a documented column mapping (docs/reconciliation.md "CSV statements"). A header row names the
// columns; `CSV_DEFAULT_MAPPING` says which header holds what, and a caller may map other headers.
// Rows of `type` opening / closing carry the balances; every other row is an entry. Amounts are
// signed decimals with a point ("-12.50"), dates ISO days; the separator (`,` or `;`) is detected.
import { parse } from 'csv-parse/sync';
import { decimalToMinor, isCurrencyCode } from './amounts.js';
import {
  NO_DECLARED_TOTALS,
  UnreadableStatementError,
  type Balance,
  type ParsedStatement,
  type StatementLine,
} from './types.js';

export interface CsvMapping {
  /** Optional: "opening" | "closing" | "entry" (default entry). */
  type: string;
  account: string;
  currency: string;
  bookedOn: string;
  valueOn: string;
  amount: string;
  reference: string;
  counterparty: string;
  description: string;
  /** Optional: BOOK (default) or PDNG. */
  status: string;
  /** Optional: "true" for a reversal. */
  reversal: string;
  /** Optional: the bank's statement id, the same on every row. */
  statementId: string;
}

export const CSV_DEFAULT_MAPPING: CsvMapping = {
  type: 'type',
  account: 'account',
  currency: 'currency',
  bookedOn: 'booking_date',
  valueOn: 'value_date',
  amount: 'amount',
  reference: 'reference',
  counterparty: 'counterparty',
  description: 'description',
  status: 'status',
  reversal: 'reversal',
  statementId: 'statement_id',
};

const REQUIRED: readonly (keyof CsvMapping)[] = ['currency', 'bookedOn', 'amount'];

/** A header row that names the mapping's required columns (for format detection). */
export function looksLikeCsv(text: string, mapping: CsvMapping = CSV_DEFAULT_MAPPING): boolean {
  const header = (text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '').toLowerCase();
  return REQUIRED.every((key) => header.includes(mapping[key].toLowerCase()));
}

export function parseCsvStatement(text: string, mapping: CsvMapping = CSV_DEFAULT_MAPPING): ParsedStatement {
  const body = text.replace(/^\uFEFF/, '');
  const header = body.split(/\r?\n/, 1)[0] ?? '';
  const delimiter = header.split(';').length > header.split(',').length ? ';' : ',';
  let records: Record<string, string>[];
  try {
    records = parse(body, {
      columns: (names: string[]) => names.map((n) => n.trim().toLowerCase()),
      delimiter,
      skip_empty_lines: true,
      trim: true,
      relax_column_count: false,
    });
  } catch (error) {
    const line = (error as { lines?: number }).lines;
    throw new UnreadableStatementError(
      `not a readable CSV: ${(error as Error).message}`,
      line === undefined ? 'line 1' : `line ${line}`,
    );
  }
  const column = (key: keyof CsvMapping) => mapping[key].toLowerCase();
  const headers = new Set(Object.keys(records[0] ?? {}));
  for (const key of REQUIRED) {
    if (records.length > 0 && !headers.has(column(key)))
      throw new UnreadableStatementError(`no column "${mapping[key]}"`, 'line 1');
  }
  let opening: Balance | null = null;
  let closing: Balance | null = null;
  let currency: string | null = null;
  let account: string | null = null;
  let statementId: string | null = null;
  const lines: StatementLine[] = [];
  records.forEach((record, i) => {
    const at = `line ${i + 2}`;
    const get = (key: keyof CsvMapping) => record[column(key)]?.trim() || null;
    const rowCurrency = get('currency') ?? '';
    if (!isCurrencyCode(rowCurrency))
      throw new UnreadableStatementError(`"${rowCurrency}" is not a currency`, at);
    const bookedOn = day(get('bookedOn'), at);
    const amountMinor = decimalToMinor(get('amount') ?? '', rowCurrency, at, { signed: true });
    account ??= get('account');
    statementId ??= get('statementId');
    const type = (get('type') ?? 'entry').toLowerCase();
    if (type === 'opening' || type === 'closing') {
      const balance = { amountMinor, currency: rowCurrency, on: bookedOn };
      if (type === 'opening') opening = balance;
      else closing = balance;
      currency ??= rowCurrency;
      return;
    }
    if (type !== 'entry')
      throw new UnreadableStatementError(`type "${type}" is not opening, closing or entry`, at);
    const status = (get('status') ?? 'BOOK').toUpperCase();
    const reference = get('reference');
    lines.push({
      index: lines.length,
      origin: at,
      bookedOn,
      valueOn: get('valueOn') ? day(get('valueOn'), at) : bookedOn,
      amountMinor,
      currency: rowCurrency,
      direction: amountMinor < 0n ? 'DEBIT' : 'CREDIT',
      status: status === 'BOOK' ? 'BOOKED' : 'PENDING',
      reversal: (get('reversal') ?? '').toLowerCase() === 'true',
      reference: reference?.slice(0, 140) ?? null,
      counterparty: get('counterparty'),
      text: [reference, get('description')]
        .filter((t) => t)
        .join(' | ')
        .slice(0, 2000),
    });
  });
  const days = lines.map((l) => l.bookedOn).sort();
  const first = opening as Balance | null;
  const last = closing as Balance | null;
  const from = first?.on ?? days[0];
  const to = last?.on ?? days.at(-1);
  currency ??= lines[0]?.currency ?? null;
  if (currency === null || from === undefined || to === undefined)
    throw new UnreadableStatementError('the statement has no balance and no entry', 'line 2');
  return {
    format: 'csv',
    statementId,
    account,
    currency,
    from,
    to,
    opening: first,
    closing: last,
    declared: NO_DECLARED_TOTALS,
    lines,
  };
}

function day(text: string | null, at: string): string {
  if (text === null || !/^\d{4}-\d{2}-\d{2}$/.test(text) || Number.isNaN(Date.parse(text)))
    throw new UnreadableStatementError(`"${text ?? ''}" is not a date (YYYY-MM-DD)`, at);
  return text;
}
