// ISO 20022 camt.053 (BankToCustomerStatement), versions 001.02 to 001.08 and later: the document is
// validated and parsed by fast-xml-parser (a real XML parser: no regular expression ever looks at the
// XML), then read element by element. Every element a statement cannot do without is required, and
// its absence is reported with its path ("Stmt[0]/Bal"), so a broken file says where it broke.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { decimalToMinor, isCurrencyCode } from './amounts.js';
import {
  NO_DECLARED_TOTALS,
  UnreadableStatementError,
  type Balance,
  type DeclaredTotals,
  type LineDirection,
  type ParsedStatement,
  type StatementLine,
} from './types.js';

const CAMT053_NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:camt.053.001.';

/** Elements that may repeat, always read as arrays (a single one is otherwise an object). */
const REPEATING = new Set(['Stmt', 'Bal', 'Ntry', 'TxDtls', 'Ustrd', 'AddtlNtryInf', 'NtryDtls']);

type Node = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  // Drop namespace prefixes from element names (a tag name, not the XML); xmlns attributes stay.
  transformTagName: (name) => name.slice(name.indexOf(':') + 1),
  isArray: (name) => REPEATING.has(name),
});

/** The camt.053 version ("02", "08") a parsed document declares, or null when it is not camt.053. */
function camtVersion(document: Node): string | null {
  for (const [key, value] of Object.entries(document)) {
    if (key === '@_xmlns' || key.startsWith('@_xmlns:')) {
      if (typeof value === 'string' && value.startsWith(CAMT053_NAMESPACE))
        return value.slice(CAMT053_NAMESPACE.length);
    }
  }
  return null;
}

/** True when `text` is XML whose root is a camt.053 Document (for format detection). */
export function looksLikeCamt053(text: string): boolean {
  return text.trimStart().startsWith('<') && text.includes(CAMT053_NAMESPACE);
}

export function parseCamt053(text: string): ParsedStatement[] {
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw new UnreadableStatementError(
      `not well-formed XML: ${valid.err.msg}`,
      `line ${valid.err.line}, column ${valid.err.col}`,
    );
  }
  const root = parser.parse(text) as Node;
  const document = child(root, 'Document', '');
  if (camtVersion(document) === null)
    throw new UnreadableStatementError('not a camt.053 document (namespace)', 'Document');
  const message = child(document, 'BkToCstmrStmt', 'Document');
  const statements = list(message, 'Stmt');
  if (statements.length === 0)
    throw new UnreadableStatementError('no statement in the message', 'BkToCstmrStmt/Stmt');
  return statements.map((statement, i) => readStatement(statement, `Stmt[${i}]`));
}

function readStatement(statement: Node, at: string): ParsedStatement {
  const account = child(statement, 'Acct', at);
  const accountId = child(account, 'Id', `${at}/Acct`);
  const iban = optionalText(accountId, 'IBAN');
  const other = optionalNode(accountId, 'Othr');
  const balances = list(statement, 'Bal').map((b, i) => readBalance(b, `${at}/Bal[${i}]`));
  const opening = balances.find((b) => b.code === 'OPBD' || b.code === 'PRCD') ?? null;
  const closing = balances.find((b) => b.code === 'CLBD') ?? null;
  const currency =
    optionalText(account, 'Ccy') ?? opening?.balance.currency ?? closing?.balance.currency ?? null;
  if (currency === null || !isCurrencyCode(currency))
    throw new UnreadableStatementError('the account has no currency', `${at}/Acct/Ccy`);
  const lines = list(statement, 'Ntry').map((entry, i) => readEntry(entry, i, `${at}/Ntry[${i}]`));
  const period = optionalNode(statement, 'FrToDt');
  const days = lines.map((l) => l.bookedOn).sort();
  const from =
    dayOf(period ? optionalText(period, 'FrDtTm') : null) ?? opening?.balance.on ?? days[0] ?? null;
  const to =
    dayOf(period ? optionalText(period, 'ToDtTm') : null) ?? closing?.balance.on ?? days.at(-1) ?? null;
  if (from === null || to === null)
    throw new UnreadableStatementError('the statement has no period', `${at}/FrToDt`);
  return {
    format: 'camt053',
    statementId: optionalText(statement, 'Id'),
    account: iban ?? (other ? optionalText(other, 'Id') : null),
    currency,
    from,
    to,
    opening: opening?.balance ?? null,
    closing: closing?.balance ?? null,
    declared: readSummary(optionalNode(statement, 'TxsSummry'), currency, `${at}/TxsSummry`),
    lines,
  };
}

function readBalance(balance: Node, at: string): { code: string; balance: Balance } {
  const type = child(balance, 'Tp', at);
  const codeOrProprietary = child(type, 'CdOrPrtry', `${at}/Tp`);
  const code = optionalText(codeOrProprietary, 'Cd') ?? optionalText(codeOrProprietary, 'Prtry') ?? '';
  const { amountMinor, currency } = readAmount(balance, at);
  const sign = direction(balance, at) === 'DEBIT' ? -1n : 1n;
  const on = readDate(child(balance, 'Dt', at), `${at}/Dt`);
  return { code, balance: { amountMinor: sign * amountMinor, currency, on } };
}

function readEntry(entry: Node, index: number, at: string): StatementLine {
  const { amountMinor, currency } = readAmount(entry, at);
  const dir = direction(entry, at);
  const statusNode = entry.Sts;
  // v2 has <Sts>BOOK</Sts>, v8 <Sts><Cd>BOOK</Cd></Sts>.
  const status = typeof statusNode === 'string' ? statusNode : optionalText(asNode(statusNode), 'Cd');
  const bookedOn = readDate(child(entry, 'BookgDt', at), `${at}/BookgDt`);
  const valueNode = optionalNode(entry, 'ValDt');
  const valueOn = valueNode ? readDate(valueNode, `${at}/ValDt`) : bookedOn;
  const details = list(entry, 'NtryDtls').flatMap((d) => list(d, 'TxDtls'));
  const references: string[] = [];
  const texts: string[] = [];
  let counterparty: string | null = null;
  for (const detail of details) {
    const remittance = optionalNode(detail, 'RmtInf');
    const structured = remittance ? optionalNode(remittance, 'Strd') : null;
    const creditorRef = structured ? optionalNode(structured, 'CdtrRefInf') : null;
    const structuredRef = creditorRef ? optionalText(creditorRef, 'Ref') : null;
    if (structuredRef) references.push(structuredRef);
    for (const line of remittance ? list(remittance, 'Ustrd') : [])
      if (typeof line === 'string') texts.push(line);
    const refs = optionalNode(detail, 'Refs');
    const endToEnd = refs ? optionalText(refs, 'EndToEndId') : null;
    if (endToEnd && endToEnd !== 'NOTPROVIDED') references.push(endToEnd);
    counterparty ??= partyName(detail, dir === 'CREDIT' ? 'Dbtr' : 'Cdtr');
  }
  for (const info of list(entry, 'AddtlNtryInf')) if (typeof info === 'string') texts.push(info);
  const entryRef = optionalText(entry, 'NtryRef');
  const servicerRef = optionalText(entry, 'AcctSvcrRef');
  const reference = references[0] ?? texts[0] ?? entryRef ?? servicerRef ?? null;
  return {
    index,
    origin: at,
    bookedOn,
    valueOn,
    amountMinor: dir === 'DEBIT' ? -amountMinor : amountMinor,
    currency,
    direction: dir,
    status: status === 'BOOK' || status === null ? 'BOOKED' : 'PENDING',
    reversal: optionalText(entry, 'RvslInd') === 'true',
    reference: reference === null ? null : reference.slice(0, 140),
    counterparty,
    text: [...references, ...texts, entryRef, servicerRef]
      .filter((t) => t)
      .join(' | ')
      .slice(0, 2000),
  };
}

function readSummary(summary: Node | null, currency: string, at: string): DeclaredTotals {
  if (summary === null) return NO_DECLARED_TOTALS;
  const totals = optionalNode(summary, 'TtlNtries');
  const credits = optionalNode(summary, 'TtlCdtNtries');
  const debits = optionalNode(summary, 'TtlDbtNtries');
  const count = (node: Node | null, path: string): number | null => {
    const text = node ? optionalText(node, 'NbOfNtries') : null;
    if (text === null) return null;
    if (!/^[0-9]{1,15}$/.test(text)) throw new UnreadableStatementError(`"${text}" is not a count`, path);
    return Number(text);
  };
  const sum = (node: Node | null, path: string): bigint | null => {
    const text = node ? optionalText(node, 'Sum') : null;
    return text === null ? null : decimalToMinor(text, currency, `${path}/Sum`);
  };
  const net = totals ? optionalNode(totals, 'TtlNetNtry') : null;
  let netMinor: bigint | null = null;
  if (net) {
    const amount = optionalText(net, 'Amt');
    if (amount !== null) {
      const magnitude = decimalToMinor(amount, currency, `${at}/TtlNtries/TtlNetNtry/Amt`);
      netMinor = direction(net, `${at}/TtlNtries/TtlNetNtry`) === 'DEBIT' ? -magnitude : magnitude;
    }
  }
  return {
    count: count(totals, `${at}/TtlNtries`),
    sumMinor: sum(totals, `${at}/TtlNtries`),
    netMinor,
    creditCount: count(credits, `${at}/TtlCdtNtries`),
    creditSumMinor: sum(credits, `${at}/TtlCdtNtries`),
    debitCount: count(debits, `${at}/TtlDbtNtries`),
    debitSumMinor: sum(debits, `${at}/TtlDbtNtries`),
  };
}

// ---- element access -----------------------------------------------------------------------------

function asNode(value: unknown): Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Node) : {};
}

function child(node: Node, name: string, at: string): Node {
  const value = node[name];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UnreadableStatementError(`missing element ${name}`, at ? `${at}/${name}` : name);
  }
  return value as Node;
}

function optionalNode(node: Node, name: string): Node | null {
  const value = node[name];
  if (Array.isArray(value)) return (value[0] as Node | undefined) ?? null;
  return typeof value === 'object' && value !== null ? (value as Node) : null;
}

function list(node: Node, name: string): Node[] {
  const value = node[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]) as Node[];
}

function optionalText(node: Node, name: string): string | null {
  const value = node[name];
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'object' && value !== null && typeof (value as Node)['#text'] === 'string')
    return (value as Node)['#text'] as string;
  return null;
}

function readAmount(node: Node, at: string): { amountMinor: bigint; currency: string } {
  const amount = node.Amt;
  const text = optionalText(node, 'Amt');
  const currency = asNode(amount)['@_Ccy'];
  if (text === null) throw new UnreadableStatementError('missing element Amt', `${at}/Amt`);
  if (typeof currency !== 'string' || !isCurrencyCode(currency))
    throw new UnreadableStatementError('Amt has no currency (Ccy)', `${at}/Amt`);
  return { amountMinor: decimalToMinor(text, currency, `${at}/Amt`), currency };
}

function direction(node: Node, at: string): LineDirection {
  const indicator = optionalText(node, 'CdtDbtInd');
  if (indicator === 'CRDT') return 'CREDIT';
  if (indicator === 'DBIT') return 'DEBIT';
  throw new UnreadableStatementError('CdtDbtInd must be CRDT or DBIT', `${at}/CdtDbtInd`);
}

/** <Dt>2014-12-31</Dt> or <DtTm>2014-12-31T13:15:00+01:00</DtTm>: the calendar day as stated. */
function readDate(node: Node, at: string): string {
  const day = dayOf(optionalText(node, 'Dt') ?? optionalText(node, 'DtTm'));
  if (day === null) throw new UnreadableStatementError('missing or malformed date (Dt or DtTm)', at);
  return day;
}

function dayOf(text: string | null): string | null {
  if (text === null) return null;
  const day = text.slice(0, 10);
  return /^\d{4}-\d{2}-\d{2}$/.test(day) && !Number.isNaN(Date.parse(day)) ? day : null;
}

function partyName(detail: Node, role: 'Dbtr' | 'Cdtr'): string | null {
  const parties = optionalNode(detail, 'RltdPties');
  const party = parties ? optionalNode(parties, role) : null;
  if (!party) return null;
  // v2: Dbtr/Nm; v8: Dbtr/Pty/Nm.
  const inner = optionalNode(party, 'Pty');
  return optionalText(party, 'Nm') ?? (inner ? optionalText(inner, 'Nm') : null);
}
