// Reconciliation over HTTP: the real server and worker, the Temporal dev server and PostgreSQL.
// Statements are the shared sample files (../shared/fixtures/bank-statements/) and handmade CSVs on
// a day of their own (so no other movement of the omnibus account falls into their period), matched
// against real ledger movements; every break action, four-eyes adjustments, the report, and a
// PENDING deposit confirmed from its statement line. The internal run's breaks are in
// reconciliations-internal.test.ts.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSystemAccounts } from '../../db/ledger/index.js';
import { depositReference } from '../../domain/deposit.js';
import {
  announced,
  expectBooksBalanced,
  expectError,
  post,
  startApiWorld,
  type ApiWorld,
  type Person,
} from './helpers.js';
import {
  csvStatement,
  omnibusMovement as movement,
  storedFiles,
  uniqueDay,
  uploadStatement,
  usePages,
  waitForReconciliation,
} from './reconciliation-helpers.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/bank-statements');
const fixture = (name: string) => readFileSync(join(FIXTURES, name));

let w: ApiWorld;
let ops: Person;
let ops2: Person;
let auditor: Person;
let client: Person;

beforeAll(async () => {
  w = await startApiWorld();
  await ensureSystemAccounts(w.app.pool);
  [ops, ops2, auditor, client] = await Promise.all([
    w.person('operations'),
    w.person('operations'),
    w.person('auditor'),
    w.person('client'),
  ]);
});

afterAll(async () => {
  await w?.stop();
});

const upload = (person: Person, data: Buffer | string, fields?: Record<string, string>, key?: string) =>
  uploadStatement(w, person, data, fields, key);
const waitFor = (id: string, done: (r: { status: string }) => boolean, timeoutMs?: number) =>
  waitForReconciliation(w, ops, id, done, timeoutMs);
const omnibusMovement = (amountMinor: bigint, day: string, workflowId?: string) =>
  movement(w, amountMinor, day, workflowId);

describe('importing statements', () => {
  it('imports a camt.053 file of several statements as one reconciliation each; the same file again is 409', async () => {
    const bytes = fixture('genkgo-camt/camt053.v2.multi.statement.xml');
    const first = await upload(ops, bytes, { source: 'bank', accountCode: 'bank:omnibus:EUR' });
    expect(first.status, first.text).toBe(201);
    const items = first.body.items as {
      id: string;
      format: string;
      status: string;
      statement: Record<string, unknown>;
    }[];
    expect(items.length).toBeGreaterThanOrEqual(2);
    for (const item of items) {
      expect(item.format).toBe('camt053');
      expect(item.statement).toMatchObject({ currency: 'EUR', consistent: true });
      expect(typeof item.statement.openingBalance).toBe('string');
    }
    // The same key answers the same; another key with the same file is a duplicate.
    const retried = await upload(ops, bytes, { source: 'bank', accountCode: 'bank:omnibus:EUR' }, 'x');
    expectError(retried, 409, 'duplicate_statement');
    expect(retried.body.error.details.reconciliationIds).toEqual(items.map((i) => i.id));
    // Nothing in the ledger of 2013 to match: every line a break, every break a task.
    const done = await waitFor(items[0]!.id, (r) => r.status !== 'IMPORTED' && r.status !== 'MATCHING');
    expect(done.status).toBe('BREAKS_OPEN');
    const breaks = await w.as(auditor, `/ops/reconciliations/${items[0]!.id}/breaks`);
    expect(breaks.status, breaks.text).toBe(200);
    expect(breaks.body.items.length).toBe(done.breaks);
    expect(breaks.body.items.every((b: { taskId: string | null }) => b.taskId !== null)).toBe(true);
  }, 60_000);

  it('answers 400 unreadable_statement naming the element, 422 unknown_account and 403 for others, storing nothing', async () => {
    const before = await storedFiles(w);
    const broken = await upload(ops, fixture('genkgo-camt/camt053.v2.wrong.xml'));
    expectError(broken, 400, 'unreadable_statement');
    expect(typeof broken.body.error.details.at).toBe('string');
    const garbage = await upload(ops, 'hello, this is not a statement\n');
    expectError(garbage, 400, 'unreadable_statement');
    const day = uniqueDay();
    const gbp = csvStatement([
      ['opening', 'GBP', day, '10.00', '', ''],
      ['entry', 'GBP', day, '1.00', 'X', ''],
      ['closing', 'GBP', day, '11.00', '', ''],
    ]);
    expectError(await upload(ops, gbp), 422, 'unknown_account');
    expectError(
      await upload(ops, gbp, { source: 'bank', accountCode: 'bank:omnibus:XXX' }),
      422,
      'unknown_account',
    );
    expectError(await upload(auditor, gbp), 403, 'forbidden');
    expectError(await upload(client, gbp), 403, 'forbidden');
    expect(await storedFiles(w)).toBe(before);
  });

  it('imports an inconsistent statement with consistent: false and a statement_inconsistent break', async () => {
    const day = uniqueDay();
    const answer = await upload(
      ops,
      csvStatement([
        ['opening', 'EUR', day, '100.00', '', ''],
        ['entry', 'EUR', day, '5.00', `R-${randomUUID().slice(0, 8)}`, ''],
        ['closing', 'EUR', day, '999.00', '', ''],
      ]),
    );
    expect(answer.status, answer.text).toBe(201);
    expect(answer.body.statement.consistent).toBe(false);
    await waitFor(answer.body.id, (r) => r.status === 'BREAKS_OPEN');
    const breaks = await w.as(ops, `/ops/reconciliations/${answer.body.id}/breaks`);
    expect(breaks.body.items.map((b: { kind: string }) => b.kind).sort()).toEqual([
      'statement_inconsistent',
      'unmatched_statement_line',
    ]);
  }, 30_000);
});

describe('matching and resolving breaks', () => {
  it('matches, opens breaks, resolves each kind by hand, dismissal and a four-eyes adjustment → RECONCILED; CSV report', async () => {
    const day = uniqueDay();
    const depositId = randomUUID();
    const matched = await omnibusMovement(10_000n, day, `deposit-${depositId}`);
    const unseen = await omnibusMovement(4_200n, day);
    const mismatchId = randomUUID();
    await omnibusMovement(7_000n, day, `deposit-${mismatchId}`);
    const csvText = csvStatement([
      ['opening', 'EUR', day, '1000.00', '', ''],
      ['entry', 'EUR', day, '100.00', '', `wire ${depositReference(depositId)}`],
      ['entry', 'EUR', day, '33.33', `UNKNOWN-${randomUUID().slice(0, 8)}`, ''],
      ['entry', 'EUR', day, '75.00', '', `wire ${depositReference(mismatchId)}`],
      ['closing', 'EUR', day, '1208.33', '', ''],
    ]);
    const created = await upload(ops, csvText);
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({
      format: 'csv',
      accountCode: 'bank:omnibus:EUR',
      statement: { openingBalance: '1000.00', closingBalance: '1208.33', lines: 3, consistent: true },
    });
    const id = created.body.id as string;
    const open = await waitFor(id, (r) => r.status === 'BREAKS_OPEN');
    expect(open).toMatchObject({ matched: 1, breaks: 3 });

    const lines = await w.as(auditor, `/ops/reconciliations/${id}/lines`);
    expect(lines.status, lines.text).toBe(200);
    expect(lines.body.items[0]).toMatchObject({
      amount: '100.00',
      direction: 'CREDIT',
      matchStatus: 'MATCHED',
      rule: 'exact',
      matchedEntryIds: [matched.id],
    });
    const unmatched = await w.as(ops, `/ops/reconciliations/${id}/lines?matchStatus=UNMATCHED`);
    expect(unmatched.body.items.map((l: { amount: string }) => l.amount)).toEqual(['33.33', '75.00']);

    const breaks = (await w.as(ops, `/ops/reconciliations/${id}/breaks`)).body.items as {
      id: string;
      kind: string;
      difference: string;
      taskId: string;
    }[];
    const byKind = Object.fromEntries(breaks.map((b) => [b.kind, b]));
    expect(Object.keys(byKind).sort()).toEqual([
      'amount_mismatch',
      'unmatched_ledger_item',
      'unmatched_statement_line',
    ]);
    expect(byKind.unmatched_statement_line!.difference).toBe('33.33');
    expect(byKind.unmatched_ledger_item!.difference).toBe('-42.00');
    expect(byKind.amount_mismatch!.difference).toBe('5.00');

    // Dismissal needs a reason; then the break is DISMISSED and its task done.
    const lineBreak = byKind.unmatched_statement_line!;
    expectError(
      await post(w, ops, `/ops/reconciliation-breaks/${lineBreak.id}/resolve`, { resolution: 'dismiss' }),
      400,
      'validation_failed',
    );
    const dismissed = await post(w, ops, `/ops/reconciliation-breaks/${lineBreak.id}/resolve`, {
      resolution: 'dismiss',
      reason: 'interest credited, booked next month',
    });
    expect(dismissed.status, dismissed.text).toBe(200);
    expect(dismissed.body).toMatchObject({ status: 'DISMISSED', resolution: 'dismiss', resolvedBy: ops.id });
    const task = await w.app.pool.query<{ status: string }>('SELECT status FROM task WHERE id = $1', [
      lineBreak.taskId,
    ]);
    expect(task.rows[0]?.status).toBe('done');

    // Match by hand: entry ids that exist.
    const itemBreak = byKind.unmatched_ledger_item!;
    expectError(
      await post(w, ops, `/ops/reconciliation-breaks/${itemBreak.id}/resolve`, {
        resolution: 'match',
        entryIds: [randomUUID()],
      }),
      400,
      'validation_failed',
    );
    const byHand = await post(w, ops, `/ops/reconciliation-breaks/${itemBreak.id}/resolve`, {
      resolution: 'match',
      entryIds: [unseen.id],
    });
    expect(byHand.status, byHand.text).toBe(200);
    expect(byHand.body).toMatchObject({ status: 'RESOLVED', resolution: 'match', entryIds: [unseen.id] });

    // The adjustment: proposed by one operator, refused for the same one, posted on another's approval.
    const mismatch = byKind.amount_mismatch!;
    const proposed = await post(w, ops, `/ops/reconciliation-breaks/${mismatch.id}/resolve`, {
      resolution: 'adjust',
      note: 'bank credited 5.00 more than the deposit',
    });
    expect(proposed.status, proposed.text).toBe(200);
    expect(proposed.body.status).toBe('PENDING_APPROVAL');
    expectError(
      await post(w, ops, `/ops/reconciliation-breaks/${mismatch.id}/approve`),
      422,
      'self_approval',
    );
    expectError(
      await post(w, auditor, `/ops/reconciliation-breaks/${mismatch.id}/approve`),
      403,
      'forbidden',
    );
    const approved = await post(w, ops2, `/ops/reconciliation-breaks/${mismatch.id}/approve`);
    expect(approved.status, approved.text).toBe(200);
    expect(approved.body).toMatchObject({ status: 'RESOLVED', approvedBy: ops2.id, resolvedBy: ops.id });
    const entry = await w.app.pool.query<{ kind: string }>('SELECT kind FROM journal_entry WHERE id = $1', [
      approved.body.adjustmentEntryId,
    ]);
    expect(entry.rows[0]?.kind).toBe('recon.adjust');
    await expectBooksBalanced(w, auditor);

    const done = await waitFor(id, (r) => r.status === 'RECONCILED');
    expect(done).toMatchObject({ status: 'RECONCILED', breaks: 0, matchedPercent: 100 });
    expect(done.timeline.map((t: { to: string }) => t.to)).toEqual([
      'IMPORTED',
      'MATCHING',
      'BREAKS_OPEN',
      'BREAKS_OPEN',
      'BREAKS_OPEN',
      'BREAKS_OPEN',
      'BREAKS_OPEN',
      'RECONCILED',
    ]);
    // After the end: no action any more.
    expectError(
      await post(w, ops, `/ops/reconciliation-breaks/${lineBreak.id}/resolve`, {
        resolution: 'dismiss',
        reason: 'x',
      }),
      409,
      'invalid_state',
    );

    const report = await w.app.api(`/api/v1/ops/reconciliations/${id}/report.csv`, { token: auditor.token });
    expect(report.status).toBe(200);
    const rows = report.text.trim().split('\r\n');
    expect(rows[0]).toMatch(/^record,id,origin,booked_on/);
    expect(rows.filter((r) => r.startsWith('line,'))).toHaveLength(3);
    expect(rows.filter((r) => r.startsWith('break,'))).toHaveLength(3);
    expect(rows.some((r) => r.includes('DISMISSED') && r.includes('interest credited'))).toBe(true);

    const audit = await w.app.pool.query<{ action: string }>(
      `SELECT action FROM audit_log WHERE subject_type = 'reconciliation' AND subject_id = $1 ORDER BY id`,
      [id],
    );
    expect(audit.rows.map((r) => r.action)).toEqual(
      expect.arrayContaining([
        'reconciliation.create',
        'reconciliation.resolve',
        'reconciliation.approve',
        'reconciliation.report',
      ]),
    );
    const list = await w.as(auditor, '/ops/reconciliations?status=RECONCILED');
    expect(list.body.items.some((r: { id: string }) => r.id === id)).toBe(true);
  }, 90_000);

  it('offers a PENDING deposit named by an incoming credit, and confirms it from the line', async () => {
    const deposit = await announced(w, client, { amount: '777.31', currency: 'EUR' });
    const today = new Date().toISOString().slice(0, 10);
    const created = await upload(
      ops,
      csvStatement([
        ['opening', 'EUR', today, '0.00', '', ''],
        ['entry', 'EUR', today, '777.31', '', `transfer ${deposit.reference} thanks`],
        ['closing', 'EUR', today, '777.31', '', ''],
      ]),
    );
    expect(created.status, created.text).toBe(201);
    const id = created.body.id as string;
    await waitFor(id, (r) => r.status === 'BREAKS_OPEN' || r.status === 'RECONCILED');
    const lines = await w.as(ops, `/ops/reconciliations/${id}/lines`);
    const line = lines.body.items[0];
    expect(line).toMatchObject({ matchStatus: 'MATCHED', rule: 'pending_deposit', depositId: deposit.id });
    const path = `/ops/reconciliations/${id}/lines/${line.id}/confirm-deposit`;
    expectError(await post(w, auditor, path), 403, 'forbidden');
    const confirmed = await post(w, ops, path, {}, `confirm-${randomUUID()}`);
    expect(confirmed.status, confirmed.text).toBe(200);
    expect(confirmed.body.status).not.toBe('PENDING');
    expect(confirmed.body.receivedAmount).toBe('777.31');
    const audited = await w.app.pool.query<{ actor_id: string }>(
      `SELECT actor_id FROM audit_log WHERE action = 'reconciliation.confirm_deposit' AND subject_id = $1`,
      [id],
    );
    expect(audited.rows).toEqual([{ actor_id: ops.id }]);
    // A line naming no deposit: 409.
    const otherDay = uniqueDay();
    const other = await upload(
      ops,
      csvStatement([
        ['opening', 'EUR', otherDay, '0.00', '', ''],
        ['entry', 'EUR', otherDay, '1.11', `N-${randomUUID().slice(0, 8)}`, ''],
        ['closing', 'EUR', otherDay, '1.11', '', ''],
      ]),
    );
    expect(other.status, other.text).toBe(201);
    const otherLine = (await w.as(ops, `/ops/reconciliations/${other.body.id}/lines`)).body.items[0];
    expectError(
      await post(w, ops, `/ops/reconciliations/${other.body.id}/lines/${otherLine.id}/confirm-deposit`),
      409,
      'invalid_state',
    );
  }, 60_000);
});

// ---- the pages (they need the built web app: TEST_WEB=0 skips them) --------------------------------

describe.skipIf(process.env.TEST_WEB === '0')('the pages', () => {
  const page = usePages();

  it('uploads from the summary page, lists lines with the unmatched filter, dismisses a break by a plain form post', async () => {
    const summary = await page(auditor, '/ops/reconciliations');
    expect(summary.status, await summary.clone().text()).toBe(200);
    const summaryHtml = await summary.text();
    expect(summaryHtml).toContain('Statement lines per booking day');
    expect(summaryHtml).toContain('Open breaks by age');
    expect(summaryHtml).toMatch(/\d+(\.\d)?% matched/);
    expect(summaryHtml).toContain('<svg');
    expect(summaryHtml).not.toContain('Import a statement');

    const day = uniqueDay();
    const form = new FormData();
    form.append('idempotencyKey', randomUUID());
    form.append('source', 'bank');
    const text = csvStatement([
      ['opening', 'EUR', day, '0.00', '', ''],
      ['entry', 'EUR', day, '12.34', `PAGE-${randomUUID().slice(0, 8)}`, ''],
      ['closing', 'EUR', day, '12.34', '', ''],
    ]);
    form.append('file', new Blob([text]), 'statement.csv');
    const uploaded = await page(ops, '/ops/reconciliations?index', { method: 'POST', body: form });
    expect(uploaded.status, await uploaded.clone().text()).toBe(302);
    const id = (uploaded.headers.get('location') ?? '').split('/').pop() as string;
    await waitFor(id, (r) => r.status === 'BREAKS_OPEN');

    const detail = await page(ops, `/ops/reconciliations/${id}?matchStatus=UNMATCHED`);
    expect(detail.status).toBe(200);
    const html = await detail.text();
    expect(html).toContain('12.34 EUR');
    expect(html).toContain('Dismiss…');
    const run = await waitFor(id, () => true);
    expect(html).toContain('Open the workflow in the Temporal UI');
    expect(html).toContain(`/workflows/${encodeURIComponent(run.workflowId)}"`);
    const matchedOnly = await (await page(ops, `/ops/reconciliations/${id}?matchStatus=MATCHED`)).text();
    expect(matchedOnly).toContain('No lines.');

    const breakId = (await w.as(ops, `/ops/reconciliations/${id}/breaks`)).body.items[0].id as string;
    const dismissed = await page(ops, `/ops/reconciliations/${id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ intent: 'dismiss', breakId, reason: 'test transfer' }).toString(),
    });
    expect(dismissed.status).toBe(200);
    const done = await waitFor(id, (r) => r.status === 'RECONCILED');
    expect(done.status).toBe('RECONCILED');
    const task = await page(ops, `/ops/reconciliation-breaks/${breakId}`);
    expect(task.status).toBe(302);
    expect(task.headers.get('location')).toBe(`/ops/reconciliations/${id}#break-${breakId}`);
    const report = await page(auditor, `/ops/reconciliations/${id}/report.csv`);
    expect(report.status).toBe(200);
    expect(await report.text()).toContain('test transfer');
  }, 60_000);
});
