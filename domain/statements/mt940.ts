// SWIFT MT940 (customer statement). The registry's MT940 parsers read amounts with parseFloat (mt940js:
// `Number.parseFloat(amountStr.replace(',', '.'))`), which this project never does with money, so
// this is a small tokenizer of MT940's own structure instead: block 4 is a sequence of fields, each
// starting with `:tag:` at the beginning of a line and running on over continuation lines; a new
// statement starts at each `:20:`. Field layouts follow the SWIFT MT940 specification:
//   :60F: / :60M: / :62F: / :62M:   D|C  YYMMDD  CCY  amount(with comma)
//   :61:  YYMMDD [MMDD] [R]D|C [funds code] amount N|F|S xxx customer-ref [//bank-ref] [\n details]
//   :86:  free text about the :61: line before it
import { decimalToMinor, isCurrencyCode } from './amounts.js';
import {
  NO_DECLARED_TOTALS,
  UnreadableStatementError,
  type Balance,
  type ParsedStatement,
  type StatementLine,
} from './types.js';

interface Field {
  tag: string;
  value: string;
  /** 1-based line in the file where the field starts. */
  line: number;
}

/** True when `text` has the tags every MT940 statement has (for format detection). */
export function looksLikeMt940(text: string): boolean {
  const lines = text.split(/\r?\n/).map((l) => l.trimStart());
  return lines.some((l) => l.startsWith(':20:')) && lines.some((l) => /^:6[02][FM]:/.test(l));
}

/** The fields of block 4 of every message in `text`, in order. */
export function tokenizeMt940(text: string): Field[] {
  const fields: Field[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    // Block headers {1:...}{2:...}{4: and the trailer -} are envelope, not fields.
    const block4 = raw.startsWith('{') ? raw.lastIndexOf('{4:') : -1;
    const line = raw.startsWith('{') ? (block4 === -1 ? '' : raw.slice(block4 + 3)) : raw;
    if (line.trim() === '' || line.trim() === '-}' || line.trim() === '-') continue;
    if (line.startsWith(':')) {
      const close = line.indexOf(':', 1);
      if (close < 2 || close > 5)
        throw new UnreadableStatementError(`malformed tag "${line.slice(0, 8)}"`, `line ${i + 1}`);
      fields.push({ tag: line.slice(1, close), value: line.slice(close + 1), line: i + 1 });
    } else {
      const last = fields.at(-1);
      if (!last) throw new UnreadableStatementError('text before the first field', `line ${i + 1}`);
      last.value += `\n${line.replace(/-}\s*$/, '')}`;
    }
  }
  return fields;
}

export function parseMt940(text: string): ParsedStatement[] {
  const fields = tokenizeMt940(text);
  const groups: Field[][] = [];
  for (const field of fields) {
    if (field.tag === '20') groups.push([]);
    const group = groups.at(-1);
    if (!group) throw new UnreadableStatementError(`field :${field.tag}: before :20:`, `line ${field.line}`);
    group.push(field);
  }
  if (groups.length === 0) throw new UnreadableStatementError('no :20: field', 'line 1');
  return groups.map(readStatement);
}

function readStatement(fields: Field[]): ParsedStatement {
  const first = fields[0];
  if (!first) throw new UnreadableStatementError('empty statement', 'line 1');
  const find = (...tags: string[]) => fields.find((f) => tags.includes(f.tag)) ?? null;
  const openingField = find('60F', '60M');
  const closingField = find('62F', '62M');
  if (!openingField) throw new UnreadableStatementError('no opening balance :60F:', `line ${first.line}`);
  if (!closingField) throw new UnreadableStatementError('no closing balance :62F:', `line ${first.line}`);
  const opening = readBalance(openingField);
  const closing = readBalance(closingField);
  const lines: StatementLine[] = [];
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i] as Field;
    if (field.tag !== '61') continue;
    const next = fields[i + 1];
    const info = next?.tag === '86' ? next.value : '';
    lines.push(readLine(field, info, lines.length, opening.currency, opening.on));
  }
  const account = find('25')?.value.trim() ?? null;
  return {
    format: 'mt940',
    statementId: first.value.trim() || null,
    account,
    currency: opening.currency,
    from: opening.on,
    to: closing.on,
    opening,
    closing,
    declared: NO_DECLARED_TOTALS,
    lines,
  };
}

function readBalance(field: Field): Balance {
  const at = `line ${field.line}`;
  const value = field.value.trim();
  const mark = value[0];
  if (mark !== 'C' && mark !== 'D')
    throw new UnreadableStatementError(`:${field.tag}: must start with C or D`, at);
  const on = readDate(value.slice(1, 7), at);
  const currency = value.slice(7, 10);
  if (!isCurrencyCode(currency)) throw new UnreadableStatementError(`"${currency}" is not a currency`, at);
  const magnitude = decimalToMinor(value.slice(10), currency, at, { comma: true });
  return { amountMinor: mark === 'D' ? -magnitude : magnitude, currency, on };
}

function readLine(field: Field, info: string, index: number, currency: string, near: string): StatementLine {
  const at = `line ${field.line}`;
  const [first = '', ...supplementary] = field.value.split('\n');
  let pos = 0;
  const valueOn = readDate(first.slice(0, 6), at);
  pos = 6;
  let bookedOn = valueOn;
  if (/^[0-9]{4}$/.test(first.slice(pos, pos + 4))) {
    // Entry date MMDD, in the value date's year (or the next one across a year end).
    bookedOn = entryDay(valueOn, first.slice(pos, pos + 4), near);
    pos += 4;
  }
  let reversal = false;
  if (first[pos] === 'R') {
    reversal = true;
    pos += 1;
  }
  const mark = first[pos];
  if (mark !== 'C' && mark !== 'D') throw new UnreadableStatementError(':61: needs C, D, RC or RD', at);
  pos += 1;
  if (/[A-Z]/.test(first[pos] ?? '')) pos += 1; // the funds code (third letter of the currency)
  let end = pos;
  while (end < first.length && /[0-9,]/.test(first[end] ?? '')) end++;
  const magnitude = decimalToMinor(first.slice(pos, end), currency, at, { comma: true });
  const typeCode = first.slice(end, end + 4);
  if (!/^[NFS][A-Z0-9]{3}$/.test(typeCode))
    throw new UnreadableStatementError(
      `":61:" transaction type "${typeCode}" is not N/F/S + 3 characters`,
      at,
    );
  const refs = first.slice(end + 4);
  const split = refs.indexOf('//');
  const customerRef = (split === -1 ? refs : refs.slice(0, split)).trim();
  const bankRef = split === -1 ? null : refs.slice(split + 2).trim() || null;
  // A reversal of a credit is a debit and vice versa: RC is a debit (reversal of a credit).
  const credit = reversal ? mark === 'D' : mark === 'C';
  const text = [customerRef, bankRef, ...supplementary, info.replaceAll('\n', ' ')]
    .filter((t) => t)
    .join(' | ');
  return {
    index,
    origin: at,
    bookedOn,
    valueOn,
    amountMinor: credit ? magnitude : -magnitude,
    currency,
    direction: credit ? 'CREDIT' : 'DEBIT',
    status: 'BOOKED',
    reversal,
    reference: customerRef && customerRef !== 'NONREF' ? customerRef.slice(0, 140) : bankRef,
    counterparty: counterpartyOf(info),
    text: text.slice(0, 2000),
  };
}

/** Dutch banks write "NAAM: <name>" in :86:; anything else: unknown. */
function counterpartyOf(info: string): string | null {
  const at = info.indexOf('NAAM:');
  if (at === -1) return null;
  return (
    info
      .slice(at + 5)
      .split(/[\n/]/)[0]
      ?.trim() || null
  );
}

function readDate(yymmdd: string, at: string): string {
  if (!/^[0-9]{6}$/.test(yymmdd)) throw new UnreadableStatementError(`"${yymmdd}" is not a YYMMDD date`, at);
  const year = Number(yymmdd.slice(0, 2));
  // SWIFT's two-digit years: 00-79 are 2000-2079, 80-99 are 1980-1999.
  const full = `${year < 80 ? 2000 + year : 1900 + year}-${yymmdd.slice(2, 4)}-${yymmdd.slice(4, 6)}`;
  const date = new Date(`${full}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== full)
    throw new UnreadableStatementError(`"${yymmdd}" is not a date`, at);
  return full;
}

function entryDay(valueOn: string, mmdd: string, near: string): string {
  const year = Number(valueOn.slice(0, 4));
  const candidates = [year - 1, year, year + 1].map((y) => `${y}-${mmdd.slice(0, 2)}-${mmdd.slice(2)}`);
  const nearMs = Date.parse(near);
  let best = candidates[1] as string;
  for (const c of candidates)
    if (Math.abs(Date.parse(c) - nearMs) < Math.abs(Date.parse(best) - nearMs)) best = c;
  if (Number.isNaN(Date.parse(best))) return valueOn;
  return best;
}
