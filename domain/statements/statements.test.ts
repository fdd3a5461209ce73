// The parsers against real statements: every sample under ../shared/fixtures/bank-statements/ parses
// to the values its expected-output file states (the genkgo/camt JSON dumps; for the MT940 file, the
// values its README states: two statements whose balances agree with their lines), plus handmade
// files for what the samples lack (reversals, pending entries, TxsSummry, CSV, broken files).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkStatement } from '../reconciliation/statement-checks.js';
import { decimalToMinor, minorToDecimal } from './amounts.js';
import { parseStatementFile, UnreadableStatementError, type ParsedStatement } from './index.js';

const FIXTURES = join(import.meta.dirname, '../../tests/fixtures/bank-statements');
const encode = (text: string) => new TextEncoder().encode(text);
const read = (path: string) => new Uint8Array(readFileSync(join(FIXTURES, path)));

interface ExpectedEntry {
  recordId: string;
  amountMinor: bigint;
  currency: string;
  bookedOn: string;
  valueOn: string | null;
  reversal: boolean;
}
interface ExpectedRecord {
  id: string;
  account: string;
  balances: { type: string; amountMinor: bigint; currency: string }[];
}

type Json = Record<string, unknown>;

/** The values of a genkgo/camt expected-output dump, walked without assuming its nesting. */
function expectedOf(dump: Json): { entries: ExpectedEntry[]; records: Map<string, ExpectedRecord> } {
  const records = new Map<string, ExpectedRecord>();
  const money = (m: Json) => ({
    amountMinor: BigInt(m.getAmount as string),
    currency: (m.getCurrency as Json).getCode as string,
  });
  const day = (d: unknown) => (d ? ((d as Json)['0'] as string).slice(0, 10) : null);
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== 'object' || node === null) return;
    const obj = node as Json;
    if (
      typeof obj.__CLASS__ === 'string' &&
      obj.__CLASS__.endsWith('\\Statement') &&
      Array.isArray(obj.getBalances)
    ) {
      records.set(obj.getId as string, {
        id: obj.getId as string,
        account: (obj.getAccount as Json).getIdentification as string,
        balances: (obj.getBalances as Json[]).map((b) => ({
          type: b.getType as string,
          ...money(b.getAmount as Json),
        })),
      });
    }
    Object.values(obj).forEach(visit);
  };
  visit(dump);
  const entries = (dump.getEntries as Json[]).map((e) => ({
    recordId: (e.getRecord as Json).getId as string,
    ...money(e.getAmount as Json),
    bookedOn: day(e.getBookingDate) as string,
    valueOn: day(e.getValueDate),
    reversal: e.getReversalIndicator === true,
  }));
  return { entries, records };
}

describe('camt.053 samples (genkgo/camt test data)', () => {
  const samples = readdirSync(join(FIXTURES, 'genkgo-camt')).filter((f) => f.endsWith('.json'));

  it('has the samples of versions 02, 04 and 08', () => {
    expect(samples).toEqual(
      expect.arrayContaining(['camt053.v2.minimal.json', 'camt053.v4.json', 'camt053.v8.json']),
    );
  });

  it.each(samples)('%s parses to the values its expected output states', (jsonFile) => {
    const dump = JSON.parse(readFileSync(join(FIXTURES, 'genkgo-camt', jsonFile), 'utf8')) as Json;
    const expected = expectedOf(dump);
    const { format, statements } = parseStatementFile(
      read(`genkgo-camt/${jsonFile.replace(/\.json$/, '.xml')}`),
    );
    expect(format).toBe('camt053');
    expect(expected.records.size).toBeGreaterThan(0);
    // The dump writes a statement already shown as "__RECURSIVITY__": each one it spells out is parsed.
    expect(statements.map((s) => s.statementId)).toEqual(
      expect.arrayContaining([...expected.records.keys()]),
    );
    for (const record of expected.records.values()) {
      const statement = statements.find((s) => s.statementId === record.id) as ParsedStatement;
      expect(statement.account).toBe(record.account);
      const opening = record.balances.find((b) => b.type === 'opening');
      const closing = record.balances.find((b) => b.type === 'closing');
      expect(statement.opening).toMatchObject({
        amountMinor: opening?.amountMinor,
        currency: opening?.currency,
      });
      expect(statement.closing).toMatchObject({
        amountMinor: closing?.amountMinor,
        currency: closing?.currency,
      });
    }
    for (const entry of expected.entries) {
      const statement = statements.find((s) => s.statementId === entry.recordId) as ParsedStatement;
      const line = statement.lines.find(
        (l) => l.amountMinor === entry.amountMinor && l.bookedOn === entry.bookedOn,
      );
      expect(line, `entry ${entry.amountMinor} ${entry.bookedOn}`).toBeDefined();
      expect(line).toMatchObject({ currency: entry.currency, reversal: entry.reversal });
      if (entry.valueOn) expect(line?.valueOn).toBe(entry.valueOn);
    }
    const lineCount = statements.reduce((n, s) => n + s.lines.length, 0);
    expect(lineCount).toBeGreaterThanOrEqual(expected.entries.length);
  });

  it('reads five decimals whose extra places are zeros exactly (18.150 EUR = 1815)', () => {
    const [statement] = parseStatementFile(read('genkgo-camt/camt053.v2.five.decimals.xml')).statements;
    expect(statement?.opening?.amountMinor).toBe(1815n);
    expect(statement?.closing?.amountMinor).toBe(2705n);
    expect(statement?.lines[0]?.amountMinor).toBe(885n);
  });

  it('answers the malformed sample as unreadable, naming the missing element', () => {
    expect(() => parseStatementFile(read('genkgo-camt/camt053.v2.wrong.xml'))).toThrow(
      UnreadableStatementError,
    );
    try {
      parseStatementFile(read('genkgo-camt/camt053.v2.wrong.xml'));
    } catch (error) {
      expect((error as UnreadableStatementError).at).toBe('BkToCstmrStmt/Stmt');
    }
  });

  it('finds the minimal sample inconsistent (closing balance in SEK), the five-decimals one off by 0.05, MT940-like multi consistent', () => {
    const [minimal] = parseStatementFile(read('genkgo-camt/camt053.v2.minimal.xml')).statements;
    const [five] = parseStatementFile(read('genkgo-camt/camt053.v2.five.decimals.xml')).statements;
    expect(checkStatement(minimal as ParsedStatement, 'EUR').problems.map((p) => p.code)).toContain(
      'balance_currency',
    );
    // 18.150 + 8.850 = 27.000, but the file closes at 27.050.
    expect(checkStatement(five as ParsedStatement, 'EUR').problems).toEqual([
      expect.objectContaining({ code: 'balance_mismatch', differenceMinor: 5n }),
    ]);
    const multi = parseStatementFile(read('genkgo-camt/camt053.v2.multi.statement.xml')).statements;
    expect(multi.map((s) => [s.statementId, s.opening?.amountMinor, s.closing?.amountMinor])).toEqual([
      ['253EURNL26VAYB8060476890', 1815n, 2700n],
      ['254EURNL26VAYB8060476890', 2700n, 2000n],
    ]);
    for (const s of multi) expect(checkStatement(s, 'EUR').consistent).toBe(true);
  });
});

describe('MT940 sample (mt940js test data)', () => {
  it('parses two statements whose balances agree with their lines', () => {
    const { format, statements } = parseStatementFile(read('mt940js/test1.mt940'));
    expect(format).toBe('mt940');
    expect(statements).toHaveLength(2);
    const [first, second] = statements as [ParsedStatement, ParsedStatement];
    expect(first).toMatchObject({
      statementId: 'B4E08MS9D00A0009',
      account: '123456789',
      currency: 'EUR',
      from: '2014-05-07',
      to: '2014-05-08',
    });
    expect(first.opening?.amountMinor).toBe(0n);
    expect(first.closing?.amountMinor).toBe(50000n);
    expect(first.lines.map((l) => l.amountMinor)).toEqual([50000n]);
    expect(first.lines[0]?.text).toContain('HIER EEN MOOIE OMSCHRIJVING');
    expect(second.opening?.amountMinor).toBe(305898n);
    expect(second.closing?.amountMinor).toBe(79898n);
    expect(second.lines.map((l) => [l.amountMinor, l.direction, l.bookedOn])).toEqual([
      [-276000n, 'DEBIT', '2014-07-29'],
      [50000n, 'CREDIT', '2014-07-29'],
    ]);
    expect(second.lines[1]?.reference).toBe('29-07-2014 10:05');
    expect(second.lines[0]?.counterparty).toBe('PICQER');
    for (const s of statements) expect(checkStatement(s, 'EUR').consistent).toBe(true);
  });

  it('reads a reversal (RC is a debit) and names the line of a broken field', () => {
    const text = [
      ':20:REV1',
      ':25:NL91ABNA0417164300',
      ':28C:1/1',
      ':60F:C240501EUR100,00',
      ':61:2405020502RC25,50NTRFCH-0123456789',
      ':86:reversal of a credit',
      ':62F:C240502EUR74,50',
      '-',
    ].join('\n');
    const [s] = parseStatementFile(encode(text)).statements;
    expect(s?.lines[0]).toMatchObject({
      amountMinor: -2550n,
      direction: 'DEBIT',
      reversal: true,
      reference: 'CH-0123456789',
    });
    expect(checkStatement(s as ParsedStatement, 'EUR').reversals).toBe(1);
    const broken = text.replace(':61:2405020502RC25,50', ':61:2405020502RC25.50');
    expect(() => parseStatementFile(encode(broken))).toThrow(/line 5/);
  });
});

describe('handmade camt.053', () => {
  const camt = (version: string, entries: string, summary = '') => `<?xml version="1.0"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.${version}"><BkToCstmrStmt><GrpHdr><MsgId>M</MsgId></GrpHdr>
<Stmt><Id>S1</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>
<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">100.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-05-01</Dt></Dt></Bal>
<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">150.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-05-02</Dt></Dt></Bal>
${summary}${entries}</Stmt></BkToCstmrStmt></Document>`;
  const entry = (amount: string, ind: string, extra = '', ccy = 'EUR', sts = '<Sts><Cd>BOOK</Cd></Sts>') =>
    `<Ntry><Amt Ccy="${ccy}">${amount}</Amt><CdtDbtInd>${ind}</CdtDbtInd>${extra}${sts}<BookgDt><Dt>2024-05-02</Dt></BookgDt><ValDt><Dt>2024-05-03</Dt></ValDt>
<NtryDtls><TxDtls><RmtInf><Ustrd>deposit CH-0123456789</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>`;

  it('recognises reversals, pending entries and lines in another currency', () => {
    const text = camt(
      '08',
      entry('50.00', 'CRDT') +
        entry('9.00', 'DBIT', '<RvslInd>true</RvslInd>') +
        entry('9.00', 'CRDT') +
        entry('1.00', 'CRDT', '', 'EUR', '<Sts><Cd>PDNG</Cd></Sts>') +
        entry('3.00', 'CRDT', '', 'USD'),
    );
    const [s] = parseStatementFile(encode(text)).statements;
    expect(s?.lines.map((l) => [l.amountMinor, l.status, l.reversal, l.currency])).toEqual([
      [5000n, 'BOOKED', false, 'EUR'],
      [-900n, 'BOOKED', true, 'EUR'],
      [900n, 'BOOKED', false, 'EUR'],
      [100n, 'PENDING', false, 'EUR'],
      [300n, 'BOOKED', false, 'USD'],
    ]);
    expect(s?.lines[0]?.reference).toBe('deposit CH-0123456789');
    const check = checkStatement(s as ParsedStatement, 'EUR');
    expect(check).toMatchObject({ reversals: 1, pending: 1, consistent: false });
    expect(check.problems.map((p) => [p.code, p.lineIndexes])).toEqual([['line_in_other_currency', [4]]]);
  });

  it('checks the statement’s own TxsSummry against its lines', () => {
    const summary = (n: number, sum: string) =>
      `<TxsSummry><TtlNtries><NbOfNtries>${n}</NbOfNtries><Sum>${sum}</Sum><TtlNetNtry><Amt>50.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></TtlNetNtry></TtlNtries></TxsSummry>`;
    const good = parseStatementFile(encode(camt('02', entry('50.00', 'CRDT'), summary(1, '50.00'))))
      .statements[0];
    expect(checkStatement(good as ParsedStatement, 'EUR').consistent).toBe(true);
    const bad = parseStatementFile(encode(camt('02', entry('50.00', 'CRDT'), summary(2, '60.00'))))
      .statements[0];
    const problems = checkStatement(bad as ParsedStatement, 'EUR').problems;
    expect(problems.map((p) => p.code)).toEqual(['declared_totals_mismatch', 'declared_totals_mismatch']);
  });

  it('finds a balance that does not add up, with the difference', () => {
    const [s] = parseStatementFile(encode(camt('08', entry('40.00', 'CRDT')))).statements;
    const check = checkStatement(s as ParsedStatement, 'EUR');
    expect(check.problems).toEqual([
      expect.objectContaining({ code: 'balance_mismatch', differenceMinor: 1000n }),
    ]);
  });

  it('refuses broken XML with its line, a missing amount with its element, excess decimals', () => {
    expect(() => parseStatementFile(encode(camt('08', '<Ntry><Amt>')))).toThrow(/line \d+, column \d+/);
    expect(() => parseStatementFile(encode(camt('08', '<Ntry><CdtDbtInd>CRDT</CdtDbtInd></Ntry>')))).toThrow(
      /Stmt\[0\]\/Ntry\[0\]\/Amt/,
    );
    expect(() => parseStatementFile(encode(camt('08', entry('1.005', 'CRDT'))))).toThrow(
      /more decimal places/,
    );
  });
});

describe('CSV statements (the documented mapping)', () => {
  const csv = [
    'type;account;currency;booking_date;value_date;amount;reference;counterparty;description',
    'opening;DE89370400440532013000;EUR;2024-05-01;;100.00;;;',
    'entry;DE89370400440532013000;EUR;2024-05-02;2024-05-03;-20.50;CHW0123;Bank;"payout; to client"',
    'entry;DE89370400440532013000;EUR;2024-05-02;;70.50;CH-0123456789;Ada;',
    'closing;DE89370400440532013000;EUR;2024-05-02;;150.00;;;',
  ].join('\n');

  it('reads balances and signed entries with ; as separator', () => {
    const { format, statements } = parseStatementFile(encode(csv));
    expect(format).toBe('csv');
    const [s] = statements as [ParsedStatement];
    expect(s).toMatchObject({
      currency: 'EUR',
      from: '2024-05-01',
      to: '2024-05-02',
      account: 'DE89370400440532013000',
    });
    expect(s.lines.map((l) => [l.amountMinor, l.direction, l.valueOn])).toEqual([
      [-2050n, 'DEBIT', '2024-05-03'],
      [7050n, 'CREDIT', '2024-05-02'],
    ]);
    expect(s.lines[0]?.text).toContain('payout; to client');
    expect(checkStatement(s, 'EUR').consistent).toBe(true);
  });

  it('names the line of a bad amount; a file of no known format is unreadable', () => {
    expect(() => parseStatementFile(encode(csv.replace('70.50', '70,50')))).toThrow(/line 4/);
    expect(() => parseStatementFile(encode('hello world'))).toThrow(UnreadableStatementError);
    expect(() => parseStatementFile(new Uint8Array([0xff, 0xfe, 0x00]))).toThrow(UnreadableStatementError);
  });
});

describe('amounts', () => {
  it('never goes through a float', () => {
    expect(decimalToMinor('0.30', 'EUR', 'x') + decimalToMinor('0.60', 'EUR', 'x')).toBe(90n);
    expect(decimalToMinor('2700', 'JPY', 'x')).toBe(2700n);
    expect(decimalToMinor('1,234', 'KWD', 'x', { comma: true })).toBe(1234n);
    expect(minorToDecimal(-5n, 'EUR')).toBe('-0.05');
    expect(minorToDecimal(123456789012345678n, 'EUR')).toBe('1234567890123456.78');
  });
});
