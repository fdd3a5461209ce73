// The statement PDF's layout: the header once, the table's header on every page, every page numbered;
// names in any script DejaVu Sans covers print as themselves (the embedded font's ToUnicode CMap), and
// Chinese, Japanese and Korean names in a Noto fallback face on the same baseline. A character no
// embedded font has prints as the font's box, glyph 0, which the CMap reads back as U+0000.
import { describe, expect, it } from 'vitest';
import { pdfText } from '../../tests/support/pdf-text.js';
import type { StatementDocument, StatementLineView } from '../services/client-statement.js';
import { statementPdf } from './statement-pdf.js';

function statement(
  lineCount: number,
  holder = { email: 'ada@example.com', displayName: 'Ada Lovelace' },
): StatementDocument {
  let balanceMinor = 0n;
  const lines: StatementLineView[] = Array.from({ length: lineCount }, (_, i) => {
    const credit = i % 3 !== 0;
    balanceMinor += credit ? 125_050n : -10_000n;
    return {
      entryId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      postedAt: '2026-11-15T10:00:00.000Z',
      // Every seventh description wraps onto a second line of its cell.
      description:
        i % 7 === 0
          ? 'Trade · Order 3f0c2a9e-1111-4444-8888-123456789abc, trade 9a0c2a9e-1111-4444-8888-123456789abc'
          : `Deposit cleared · Deposit CH-LINE${i}`,
      kind: 'deposit.clear',
      reference: null,
      subject: null,
      account: 'available',
      amount: credit ? '1250.50' : '100.00',
      direction: credit ? 'CREDIT' : 'DEBIT',
      balance: `${balanceMinor / 100n}.${String(balanceMinor % 100n).padStart(2, '0')}`,
      note: '',
    };
  });
  return {
    clientId: '00000000-0000-4000-8000-000000000001',
    asset: 'EUR',
    account: 'all',
    from: '2026-11-01',
    to: '2026-11-30',
    openingBalance: '0.00',
    closingBalance: lines.at(-1)?.balance ?? '0.00',
    lineCount,
    lines,
    nextCursor: null,
    holder: { id: '00000000-0000-4000-8000-000000000001', ...holder },
  };
}

describe('statement PDF', () => {
  it('is a PDF with the client, the period and the balances grouped with the asset', async () => {
    const pdf = await statementPdf(statement(3), { compress: false });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const text = pdfText(pdf);
    expect(text).toContain('Ada Lovelace <ada@example.com>');
    expect(text).toContain('2026-11-01 to 2026-11-30');
    expect(text).toContain('Closing balance');
    expect(text).toContain('2,401.00 EUR');
    expect(text).toContain('Page 1 of 1');
  });

  it('breaks pages, repeating the table header, and numbers every page', async () => {
    const text = pdfText(await statementPdf(statement(150), { compress: false }));
    const pages = [...text.matchAll(/Page (\d+) of (\d+)/g)];
    expect(pages.length).toBeGreaterThanOrEqual(3);
    const count = Number(pages[0]![2]);
    expect(pages.map((p) => Number(p[1]))).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    expect(pages.every((p) => Number(p[2]) === count)).toBe(true);
    expect(text.split('\n').filter((line) => line === 'Description')).toHaveLength(count);
    // Every line made it, in order: its reference appears once.
    for (const i of [1, 2, 75, 149]) expect(text).toContain(`CH-LINE${i}\n`);
    expect(text.split('\n').filter((line) => line === 'Statement of account')).toHaveLength(1);
  });

  it('says so when the period has no movements', async () => {
    const text = pdfText(await statementPdf(statement(0), { compress: false }));
    expect(text).toContain('No movements in this period.');
  });

  it('prints a Cyrillic or Greek name as written, in an embedded font (Helvetica cannot)', async () => {
    for (const displayName of ['Дмитрий Ёлкин', 'Σοφία Παπαδοπούλου', 'Zoë Łukasiewicz-Ørsted']) {
      const pdf = await statementPdf(statement(2, { email: 'client@example.com', displayName }), {
        compress: false,
      });
      expect(pdfText(pdf)).toContain(`${displayName} <client@example.com>`);
      const source = pdf.toString('latin1');
      expect(source).toMatch(/\/BaseFont \/[A-Z]{6}\+DejaVuSansCondensed\b/);
      expect(source).toContain('/FontFile2');
      expect(source).not.toContain('/Helvetica');
    }
  });

  it('prints a Chinese, Japanese or Korean name as written, in a Noto face on its row’s baseline', async () => {
    const names = [
      { displayName: '王秀英', face: 'NotoSansSC' },
      // Han alone says no language: Chinese forms first.
      { displayName: '山田 太郎', face: 'NotoSansSC' },
      // Kana says Japanese: its kanji take the Japanese forms too.
      { displayName: 'さくら 山田', face: 'NotoSansJP' },
      { displayName: '김민준', face: 'NotoSansKR' },
    ];
    for (const { displayName, face } of names) {
      const pdf = await statementPdf(statement(2, { email: 'client@example.com', displayName }), {
        compress: false,
      });
      // The name's runs are text objects of their own, between the labels 'Client' and 'Asset'.
      const lines = pdfText(pdf).split('\n');
      const value = lines.slice(lines.indexOf('Client') + 1, lines.indexOf('Asset')).join('');
      expect(value).toBe(`${displayName} <client@example.com>`);
      const source = pdf.toString('latin1');
      const fallbacks = [...source.matchAll(/\/BaseFont \/[A-Z]{6}\+(NotoSans\w*)-Regular\b/g)];
      expect(new Set(fallbacks.map((match) => match[1]))).toEqual(new Set([face]));
      expect(source).toMatch(/\/BaseFont \/[A-Z]{6}\+DejaVuSansCondensed\b/);
      expect(source).not.toContain('/Helvetica');
      // The header's 10 pt text: every run sits on the baseline of its row's label (x = 40).
      const placed = [...source.matchAll(/1 0 0 1 ([\d.]+) ([\d.]+) Tm\s+\/F\d+ 10 Tf/g)];
      const baselines = new Set(placed.filter((match) => match[1] === '40').map((match) => match[2]));
      expect(baselines.size).toBe(7);
      expect(placed.filter((match) => !baselines.has(match[2])).map((match) => match[0])).toEqual([]);
    }
  });

  it('keeps an amount up to 999,999,999.00 on one line of its column', async () => {
    const big = statement(1);
    big.lines = big.lines.map((line) => ({
      ...line,
      direction: 'CREDIT',
      amount: '999999999.00',
      balance: '999999999.00',
    }));
    big.closingBalance = '999999999.00';
    const lines = pdfText(await statementPdf(big, { compress: false })).split('\n');
    // Credit, balance and the bold closing balance: each whole, in one text object.
    expect(lines.filter((line) => line === '999,999,999.00')).toHaveLength(3);
  });
});
