// The client statement as a PDF (pdfkit, pure JavaScript): a header with the client, the period, the
// asset and the opening and closing balances, then a table of lines with right-aligned amounts; a
// new page repeats the table's header, and every page is numbered "Page n of m" once all are laid out
// (bufferPages). Amounts use the pages' own formatting helper (web/app/amounts.ts: grouped digits,
// the asset after), so the PDF reads exactly like the statement page.
//
// Fonts are DejaVu Sans Condensed (the npm package dejavu-fonts-ttf, Bitstream Vera licence: free to
// redistribute), embedded as subsets: PDF's standard Helvetica covers Windows-1252 only, so a
// client named in Cyrillic or Greek ("Дмитрий Ёлкин", "Σοφία") printed as substitutes. DejaVu has no
// CJK glyphs: the header's values (the client's name is the free text here) print what DejaVu lacks
// in a Noto Sans SC, JP or KR fallback face (font-fallback.ts), so "王秀英" or "김민준" print as
// written, not as boxes. The files are read from node_modules, never from system font paths, so
// every machine prints the same document.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as fontkit from 'fontkit';
import PDFDocument from 'pdfkit';
import { formatMoney, groupDigits } from '../../web/app/amounts.js';
import { fontFallback, type TextRun } from './font-fallback.js';
import { ACCOUNT_LABELS, STATEMENT_ACCOUNT_LABELS } from '../../domain/client-statement.js';
import type { StatementDocument, StatementLineView } from '../services/client-statement.js';

const MARGIN = 40;
const FOOTER_HEIGHT = 24;
const FONT = 'Body';
const BOLD = 'Body-Bold';
const BODY_SIZE = 8.5;
const ROW_PADDING = 3;

interface Column {
  title: string;
  width: number;
  align: 'left' | 'right';
  cell: (line: StatementLineView) => string;
}

// A4 is 595 pt wide: 515 pt between the margins.
const COLUMNS: Column[] = [
  { title: 'Date (UTC)', width: 62, align: 'left', cell: (l) => l.postedAt.slice(0, 10) },
  { title: 'Description', width: 182, align: 'left', cell: (l) => l.description },
  { title: 'Account', width: 65, align: 'left', cell: (l) => ACCOUNT_LABELS[l.account] },
  {
    title: 'Debit',
    width: 65,
    align: 'right',
    cell: (l) => (l.direction === 'DEBIT' ? groupDigits(l.amount) : ''),
  },
  {
    title: 'Credit',
    width: 65,
    align: 'right',
    cell: (l) => (l.direction === 'CREDIT' ? groupDigits(l.amount) : ''),
  },
  { title: 'Balance', width: 76, align: 'right', cell: (l) => groupDigits(l.balance) },
];

// The condensed cut: its figures are as wide as Helvetica's, so amounts up to 999,999,999.00 still
// fit their columns on one line (DejaVu Sans's own are 14% wider).
const FONT_FILES = { [FONT]: 'DejaVuSansCondensed.ttf', [BOLD]: 'DejaVuSansCondensed-Bold.ttf' } as const;
let parsedFonts: Map<string, fontkit.Font> | null = null;

/**
 * The fonts, read and parsed once per process: pdfkit accepts a parsed font and makes its own subset
 * per document, and the font's layout caches stay warm (parsing the two files for every PDF cost
 * about half a second on a loaded machine).
 */
function fonts(): Map<string, fontkit.Font> {
  if (parsedFonts) return parsedFonts;
  const require = createRequire(import.meta.url);
  const parsed = new Map<string, fontkit.Font>();
  for (const [name, file] of Object.entries(FONT_FILES)) {
    const bytes = readFileSync(require.resolve(`dejavu-fonts-ttf/ttf/${file}`));
    // A TrueType file starts with the sfnt version 0x00010000: anything else is not the font.
    if (bytes.readUInt32BE(0) !== 0x00010000) throw new Error(`${file} is not a TrueType font`);
    const font = fontkit.create(bytes);
    if (!font.postscriptName.startsWith('DejaVuSans'))
      throw new Error(`${file} holds ${font.postscriptName}`);
    parsed.set(name, font);
  }
  parsedFonts = parsed;
  return parsed;
}

let splitRuns: ((text: string) => TextRun[]) | null = null;

/** The text's runs in the body font or a fallback face; the fallback's caches live per process too. */
function textRuns(text: string): TextRun[] {
  if (!splitRuns) {
    const body = fonts().get(FONT);
    if (!body) throw new Error(`no ${FONT} font`);
    splitRuns = fontFallback(body);
  }
  return splitRuns(text);
}

// @types/pdfkit lists file sources only; pdfkit itself takes a parsed fontkit font as well.
function fontSource(font: fontkit.Font): PDFKit.Mixins.PDFFontSource {
  return font as unknown as PDFKit.Mixins.PDFFontSource;
}

/**
 * Text in the body font within `width` from (x, y), each run the body font lacks in its fallback
 * face: pdfkit lays the runs out as one paragraph (`continued`), wrapping across them.
 */
function drawBodyText(doc: PDFKit.PDFDocument, text: string, x: number, y: number, width: number): void {
  const runs: TextRun[] = text ? textRuns(text) : [{ text, fallback: null }];
  runs.forEach((run, i) => {
    // Registering again under the same name is harmless: pdfkit embeds a face once per document.
    if (run.fallback) doc.registerFont(run.fallback.name, fontSource(run.fallback.font));
    doc.font(run.fallback?.name ?? FONT);
    const continued = i < runs.length - 1;
    if (i === 0) doc.text(run.text, x, y, { width, continued });
    else doc.text(run.text, { continued });
  });
}

function holderName(statement: StatementDocument): string {
  const { displayName, email } = statement.holder;
  return displayName.trim() ? `${displayName} <${email}>` : email;
}

/** Lowest y a row may reach before the page breaks (above the footer). */
function pageBottom(doc: PDFKit.PDFDocument): number {
  return doc.page.height - MARGIN - FOOTER_HEIGHT;
}

function drawHeader(doc: PDFKit.PDFDocument, statement: StatementDocument): void {
  const { asset } = statement;
  doc.font(BOLD).fontSize(16).text('Statement of account', MARGIN, MARGIN);
  doc.moveDown(0.4);
  const facts: [string, string][] = [
    ['Client', holderName(statement)],
    ['Asset', asset],
    ['Accounts', STATEMENT_ACCOUNT_LABELS[statement.account]],
    ['Period', `${statement.from} to ${statement.to} (UTC days, both included)`],
    ['Opening balance', formatMoney(statement.openingBalance, asset)],
    ['Closing balance', formatMoney(statement.closingBalance, asset)],
    ['Lines', String(statement.lineCount)],
  ];
  doc.fontSize(10);
  for (const [label, value] of facts) {
    const y = doc.y;
    doc.font(BOLD).text(label, MARGIN, y, { width: 110 });
    drawBodyText(doc, value, MARGIN + 110, y, 405);
  }
  doc.moveDown(0.8);
}

function drawTableHeader(doc: PDFKit.PDFDocument): void {
  const y = doc.y;
  let x = MARGIN;
  doc.font(BOLD).fontSize(BODY_SIZE);
  for (const column of COLUMNS) {
    doc.text(column.title, x, y, { width: column.width - 4, align: column.align });
    x += column.width;
  }
  const below = y + doc.currentLineHeight() + ROW_PADDING;
  doc
    .moveTo(MARGIN, below)
    .lineTo(doc.page.width - MARGIN, below)
    .lineWidth(0.7)
    .stroke();
  doc.y = below + ROW_PADDING;
}

/** One row of cells at the current y; the height is its tallest cell (descriptions wrap). */
function rowHeight(doc: PDFKit.PDFDocument, cells: string[]): number {
  doc.font(FONT).fontSize(BODY_SIZE);
  return Math.max(
    ...cells.map((text, i) => doc.heightOfString(text || ' ', { width: COLUMNS[i]!.width - 4 })),
  );
}

function drawRow(doc: PDFKit.PDFDocument, cells: string[], bold = false): void {
  const height = rowHeight(doc, cells);
  if (doc.y + height > pageBottom(doc)) {
    doc.addPage();
    doc.y = MARGIN;
    drawTableHeader(doc);
  }
  const y = doc.y;
  let x = MARGIN;
  doc.font(bold ? BOLD : FONT).fontSize(BODY_SIZE);
  cells.forEach((text, i) => {
    const column = COLUMNS[i]!;
    doc.text(text, x, y, { width: column.width - 4, align: column.align });
    x += column.width;
  });
  doc.y = y + height + ROW_PADDING;
}

/** "Page n of m" and the statement's name at the foot of every page. */
function drawFooters(doc: PDFKit.PDFDocument, statement: StatementDocument): void {
  const { start, count } = doc.bufferedPageRange();
  for (let i = start; i < start + count; i++) {
    doc.switchToPage(i);
    // Writing below the bottom margin would make pdfkit open a new page: lift the margin meanwhile.
    const bottomMargin = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    const y = doc.page.height - MARGIN - 10;
    doc.font(FONT).fontSize(8).fillColor('#444444');
    doc.text(`clearhouse · statement ${statement.asset} ${statement.from} to ${statement.to}`, MARGIN, y, {
      width: 360,
      lineBreak: false,
    });
    doc.text(`Page ${i - start + 1} of ${count}`, doc.page.width - MARGIN - 120, y, {
      width: 120,
      align: 'right',
      lineBreak: false,
    });
    doc.fillColor('black');
    doc.page.margins.bottom = bottomMargin;
  }
}

/** The statement's PDF. `compress: false` leaves the content streams readable (tests). */
export function statementPdf(
  statement: StatementDocument,
  options: { compress?: boolean } = {},
): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    bufferPages: true,
    compress: options.compress ?? true,
    info: {
      Title: `Statement ${statement.asset} ${statement.from} to ${statement.to}`,
      Author: 'clearhouse',
      Subject: holderName(statement),
    },
  });
  for (const [name, font] of fonts()) doc.registerFont(name, fontSource(font));
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  drawHeader(doc, statement);
  drawTableHeader(doc);
  const edge = (label: string, day: string, balance: string) => [
    day,
    label,
    '',
    '',
    '',
    groupDigits(balance),
  ];
  drawRow(doc, edge('Opening balance', statement.from, statement.openingBalance), true);
  for (const line of statement.lines)
    drawRow(
      doc,
      COLUMNS.map((column) => column.cell(line)),
    );
  if (statement.lines.length === 0) drawRow(doc, ['', 'No movements in this period.', '', '', '', '']);
  drawRow(doc, edge('Closing balance', statement.to, statement.closingBalance), true);
  drawFooters(doc, statement);
  doc.end();
  return done;
}
