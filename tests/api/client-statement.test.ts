// The client statement over HTTP (issue 14): own data only, staff by path, bad input refused, the
// running balance adds up from the opening to the closing and meets GET /balances, CSV and PDF.
import { randomUUID } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { depositClear, depositConfirm, fee, withdrawalHold, withdrawalPost } from '../../domain/postings.js';
import {
  ensureClientAccounts,
  ensureSystemAccounts,
  holdEntry,
  postEntry,
  postHold,
} from '../../db/ledger/index.js';
import { statementDocumentFor } from '../../api/services/client-statement.js';
import { statementPdf } from '../../api/documents/statement-pdf.js';
import { pdfText } from '../support/pdf-text.js';
import {
  announced,
  expectError,
  post,
  startApiWorld,
  waitForDeposit,
  type ApiWorld,
  type Person,
} from './helpers.js';

const DAY_MS = 86_400_000;
const day = (offset: number) => new Date(Date.now() + offset * DAY_MS).toISOString().slice(0, 10);
const at = (offset: number) => new Date(Date.now() + offset * DAY_MS);

let w: ApiWorld;
let client: Person;
let other: Person;
let ops: Person;
let admin: Person;
let auditor: Person;
let aml: Person;
let depositReference: string;
const clientName = `Ada Statement ${randomUUID().slice(0, 8)}`;

interface Line {
  entryId: string;
  description: string;
  amount: string;
  direction: 'CREDIT' | 'DEBIT';
  balance: string;
  account: string;
  reference: string | null;
  subject: { type: string; id: string } | null;
}

/** Cents of a decimal EUR string (test arithmetic, exact). */
const cents = (text: string) => BigInt(text.replace('.', ''));
const signed = (line: Line) => (line.direction === 'CREDIT' ? 1n : -1n) * cents(line.amount);

/** Each line's balance is the one before plus its amount; the last one is the closing. */
function expectRunningBalance(statement: { openingBalance: string; closingBalance: string; lines: Line[] }) {
  let balance = cents(statement.openingBalance);
  for (const line of statement.lines) {
    balance += signed(line);
    expect(cents(line.balance), line.description).toBe(balance);
  }
  expect(cents(statement.closingBalance)).toBe(balance);
}

beforeAll(async () => {
  w = await startApiWorld();
  [client, other, ops, admin, auditor, aml] = await Promise.all([
    w.person('client'),
    w.person('client'),
    w.person('operations'),
    w.person('admin'),
    w.person('auditor'),
    w.person('aml_officer'),
  ]);
  await w.deps.pool.query('UPDATE app_user SET display_name = $2 WHERE id = $1', [client.id, clientName]);

  // Earlier history straight through the posting engine, dated in the past (effectiveAt): 1000.00
  // received and cleared ten days ago, a fee three days ago.
  const pool = w.deps.pool;
  await ensureSystemAccounts(pool);
  await ensureClientAccounts(pool, client.id, 'EUR');
  const key = (step: string) => `test-statement/${client.id}/${step}`;
  await postEntry(pool, {
    idempotencyKey: key('confirm'),
    effectiveAt: at(-10),
    ...depositConfirm(client.id, 'EUR', 100_000n),
  });
  await postEntry(pool, {
    idempotencyKey: key('clear'),
    effectiveAt: at(-10),
    ...depositClear(client.id, 'EUR', 100_000n),
  });
  await postEntry(pool, {
    idempotencyKey: key('fee'),
    effectiveAt: at(-3),
    ...fee(client.id, 'EUR', 250n, 'account fee'),
  });
  // A withdrawal paid out today, and one still reserved (a pending hold: no statement line).
  const paid = await holdEntry(pool, {
    idempotencyKey: key('hold-1'),
    ...withdrawalHold(client.id, 'EUR', 10_000n),
  });
  await postHold(pool, { idempotencyKey: key('post-1'), holdEntryId: paid.id, ...withdrawalPost() });
  await holdEntry(pool, { idempotencyKey: key('hold-2'), ...withdrawalHold(client.id, 'EUR', 5_000n) });

  // An entry on the client's account under another client's workflow (as a trade under the other
  // side's order is): the statement must not name the other client's lifecycle.
  const foreignWorkflow = `order-${randomUUID()}`;
  await pool.query(
    `INSERT INTO lifecycle (workflow_id, type, business_id, owner_id, status, attributes, created_at, updated_at, last_seq)
     VALUES ($1, 'order', $2, $3, 'ROUTED', '{}', now(), now(), 1)`,
    [foreignWorkflow, foreignWorkflow.slice(6), other.id],
  );
  await postEntry(pool, {
    idempotencyKey: key('foreign'),
    workflowId: foreignWorkflow,
    ...fee(client.id, 'EUR', 100n, 'foreign workflow'),
  });

  // And a real deposit through its workflow: announced, confirmed by operations, cleared.
  const deposit = await announced(w, client, { amount: '250.00', currency: 'EUR' });
  depositReference = deposit.reference as string;
  const confirmed = await post(w, ops, `/ops/deposits/${deposit.id}/confirm`, { receivedAmount: '250.00' });
  expect(confirmed.status, confirmed.text).toBe(200);
  // The AML officer releases it early whatever hold screening chose (a short hold may beat them: 409).
  const released = await post(w, aml, `/ops/deposits/${deposit.id}/release`, { note: 'seen, fine' });
  expect([200, 409], released.text).toContain(released.status);
  const cleared = await waitForDeposit(w, client, deposit.id, (d) => d.status === 'CLEARED', 30_000);
  expect(cleared.status).toBe('CLEARED');
}, 90_000);

afterAll(async () => {
  await w?.stop();
});

describe('GET /statement', () => {
  it('the client’s own lines in the period, opening from before it, closing = GET /balances', async () => {
    const answer = await w.as(client, `/statement?asset=EUR&from=${day(-5)}&to=${day(0)}`);
    expect(answer.status, answer.text).toBe(200);
    const statement = answer.body;
    expect(statement).toMatchObject({
      clientId: client.id,
      asset: 'EUR',
      account: 'all',
      from: day(-5),
      to: day(0),
    });
    // Before the period: 1000.00 received on hold, then cleared (held − , available +).
    expect(statement.openingBalance).toBe('1000.00');
    expectRunningBalance(statement);
    const lines = statement.lines as Line[];
    expect(lines.length).toBe(statement.lineCount);
    expect(lines.map((l) => l.description)).toEqual([
      'Fee',
      'Withdrawal paid out',
      'Fee',
      `Deposit received, on AML hold · Deposit ${depositReference}`,
      `Deposit cleared · Deposit ${depositReference}`,
      `Deposit cleared · Deposit ${depositReference}`,
    ]);
    expect(lines[3]).toMatchObject({
      direction: 'CREDIT',
      amount: '250.00',
      account: 'held',
      reference: depositReference,
    });
    expect(lines[1]).toMatchObject({ direction: 'DEBIT', amount: '100.00', account: 'available' });
    // The foreign workflow's entry is the client's money but not the client's lifecycle.
    expect(lines[2]).toMatchObject({ subject: null, reference: null });
    expect(answer.text).not.toContain(other.id);

    // 1000 − 2.50 − 100 − 1 + 250 = 1146.50; the open 50.00 withdrawal hold is reserved, not moved.
    expect(statement.closingBalance).toBe('1146.50');
    const balances = await w.as(client, '/balances');
    const eur = balances.body.items.find((b: { asset: string }) => b.asset === 'EUR');
    const total = ['available', 'pending', 'held', 'pendingSettlement'].reduce(
      (sum, k) => sum + cents(eur[k]),
      0n,
    );
    expect(total).toBe(cents(statement.closingBalance));

    // One account alone: available ends at available + reserved.
    const available = await w.as(client, `/statement?asset=EUR&account=available&from=${day(-30)}`);
    expect(available.status, available.text).toBe(200);
    expectRunningBalance(available.body);
    expect(cents(available.body.closingBalance)).toBe(cents(eur.available) + cents(eur.pending));
    expect(available.body.lines.every((l: Line) => l.account === 'available')).toBe(true);
  });

  it('pages keep the running balance; the period before any line opens at zero', async () => {
    const whole = await w.as(client, `/statement?asset=EUR&from=${day(-30)}&to=${day(0)}`);
    expect(whole.body.openingBalance).toBe('0.00');
    expect(whole.body.lineCount).toBe(9);
    const paged: Line[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const query: string = `/statement?asset=EUR&from=${day(-30)}&to=${day(0)}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await w.as(client, query);
      expect(page.status, page.text).toBe(200);
      expect(page.body.openingBalance).toBe('0.00');
      paged.push(...page.body.lines);
      cursor = page.body.nextCursor;
      if (!cursor) break;
    }
    expect(paged).toEqual(whole.body.lines);
    expectRunningBalance({ ...whole.body, lines: paged });
    // A past period with nothing in it: opening = closing, no lines.
    const quiet = await w.as(client, `/statement?asset=EUR&from=${day(-8)}&to=${day(-4)}`);
    expect(quiet.body).toMatchObject({ openingBalance: '1000.00', closingBalance: '1000.00', lines: [] });
  });

  it('refuses bad input with 400 validation_failed', async () => {
    for (const query of [
      'asset=XYZ',
      '',
      'asset=EUR&from=2026-02-30',
      'asset=EUR&to=yesterday',
      `asset=EUR&from=${day(0)}&to=${day(-1)}`,
      `asset=EUR&from=${day(-400)}&to=${day(0)}`,
      'asset=EUR&account=savings',
      'asset=EUR&limit=0',
      'asset=EUR&cursor=not-a-cursor',
    ]) {
      const answer = await w.as(client, `/statement?${query}`);
      expectError(answer, 400, 'validation_failed');
    }
    expectError(await w.as(client, '/statement.csv?asset=EUR&from=2026-13-01'), 400, 'validation_failed');
  });

  it('never shows another client’s statement; staff read one by path', async () => {
    expectError(await w.as(client, `/statement?asset=EUR&clientId=${other.id}`), 404, 'not_found');
    expectError(await w.as(client, `/statement.pdf?asset=EUR&clientId=${other.id}`), 404, 'not_found');
    const theirs = await w.as(other, `/statement?asset=EUR&from=${day(-30)}`);
    expect(theirs.body).toMatchObject({ clientId: other.id, lineCount: 0, closingBalance: '0.00' });
    expectError(await w.as(client, `/ops/clients/${other.id}/statement?asset=EUR`), 403, 'forbidden');
    expectError(await w.as(aml, `/ops/clients/${client.id}/statement?asset=EUR`), 403, 'forbidden');
    expectError(await w.as(null, '/statement?asset=EUR'), 401, 'unauthenticated');

    const own = await w.as(client, `/statement?asset=EUR&from=${day(-30)}`);
    for (const reader of [ops, admin, auditor]) {
      const staff = await w.as(reader, `/ops/clients/${client.id}/statement?asset=EUR&from=${day(-30)}`);
      expect(staff.status, staff.text).toBe(200);
      expect(staff.body).toEqual(own.body);
    }
    expectError(await w.as(ops, `/ops/clients/${randomUUID()}/statement?asset=EUR`), 404, 'not_found');
    expectError(await w.as(ops, `/ops/clients/${ops.id}/statement?asset=EUR`), 404, 'not_found');
    expectError(await w.as(ops, '/statement?asset=EUR'), 400, 'validation_failed');
  });
});

describe('downloads', () => {
  it('CSV: a header, the opening row, one row per line, the closing row', async () => {
    const answer = await w.as(client, `/statement.csv?asset=EUR&from=${day(-5)}&to=${day(0)}`);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(answer.headers.get('content-disposition')).toBe(
      `attachment; filename="statement-EUR-${day(-5)}-${day(0)}.csv"`,
    );
    const rows: string[][] = parse(answer.text);
    expect(rows[0]!.join(',')).toBe(
      'posted_at,entry_id,description,reference,account,debit,credit,balance,asset',
    );
    expect(rows[1]).toEqual([day(-5), '', 'Opening balance', '', '', '', '', '1000.00', 'EUR']);
    expect(rows.at(-1)).toEqual([day(0), '', 'Closing balance', '', '', '', '', '1146.50', 'EUR']);
    const body = rows.slice(2, -1);
    expect(body).toHaveLength(6);
    let balance = 100_000n;
    for (const row of body) {
      const [debit, credit] = [row[5]!, row[6]!];
      expect((debit === '') !== (credit === ''), row.join(',')).toBe(true);
      balance += credit ? cents(credit) : -cents(debit);
      expect(cents(row[7]!)).toBe(balance);
    }
    expect(body.map((r) => r[3])).toContain(depositReference);
  });

  it('PDF: an attachment that is a PDF, naming the client and the closing balance', async () => {
    const answer = await w.app.api(`/api/v1/statement.pdf?asset=EUR&from=${day(-5)}&to=${day(0)}`, {
      token: client.token,
    });
    expect(answer.status, answer.text.slice(0, 200)).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/pdf');
    expect(answer.headers.get('content-disposition')).toBe(
      `attachment; filename="statement-EUR-${day(-5)}-${day(0)}.pdf"`,
    );
    expect(answer.text.startsWith('%PDF-')).toBe(true);
    expect(answer.text.trimEnd().endsWith('%%EOF')).toBe(true);

    // The same document uncompressed, so its text can be read.
    const document = await statementDocumentFor(w.deps, { ...client, role: 'client' }, undefined, {
      asset: 'EUR',
      from: day(-5),
      to: day(0),
    });
    const text = pdfText(await statementPdf(document, { compress: false }));
    expect(text).toContain(clientName);
    expect(text).toContain('Closing balance');
    expect(text).toContain('1,146.50 EUR');
    expect(text).toContain('1,000.00 EUR');
    expect(text).toContain(depositReference);
    expect(text).toContain('Page 1 of 1');
  });
});
