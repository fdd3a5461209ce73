// Reconciliation end to end, for what tests/api/reconciliations.test.ts leaves out: a handmade
// statement matched through the database by every rule and strategy at once; lines in another
// currency, pending and reversed lines; the tolerance from a saved policy version; the same statement
// in another file (409, also at once) and the file kept with its sha256; the summary's figures; and
// both workflow types in the auditor area.
import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconciliationWebServices } from '../../api/pages/reconciliation.js';
import { ensureSystemAccounts } from '../../db/ledger/index.js';
import { DuplicateStatementError, insertStatementFile } from '../../db/reconciliation/index.js';
import { parseStatementFile } from '../../domain/statements/index.js';
import { depositReference } from '../../domain/deposit.js';
import {
  expectError,
  expectInAuditorArea,
  post,
  startApiWorld,
  type ApiWorld,
  type Person,
} from './helpers.js';
import {
  addDays,
  csvStatement,
  internalRunWithDifference,
  omnibusMovement,
  uniqueDay,
  uploadStatement,
  waitForReconciliation,
} from './reconciliation-helpers.js';

let w: ApiWorld;
let ops: Person;
let auditor: Person;
/** Closed workflows of each type, for the auditor area. */
const closed: { reconciliation?: string; internalReconciliation?: string } = {};

beforeAll(async () => {
  w = await startApiWorld();
  await ensureSystemAccounts(w.app.pool);
  [ops, auditor] = await Promise.all([w.person('operations'), w.person('auditor')]);
});

afterAll(async () => {
  await w?.stop();
});

type Line = { id: string; amount: string; matchStatus: string; rule: string | null; breakId: string | null };
type Break = {
  id: string;
  kind: string;
  lineIds: string[];
  entryIds: string[];
  difference: string;
  status: string;
};

async function linesOf(id: string): Promise<Line[]> {
  const answer = await w.as(auditor, `/ops/reconciliations/${id}/lines?limit=100`);
  expect(answer.status, answer.text).toBe(200);
  return answer.body.items as Line[];
}

async function breaksOf(id: string): Promise<Break[]> {
  const answer = await w.as(auditor, `/ops/reconciliations/${id}/breaks`);
  expect(answer.status, answer.text).toBe(200);
  return answer.body.items as Break[];
}

describe('matching a handmade statement through the database', () => {
  it('matches by exact, tolerance, date window, one-to-many and many-to-one, and reconciles with no break', async () => {
    const day = uniqueDay();
    const later = addDays(day, 2);
    const [a, b, c, d] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await omnibusMovement(w, 10_000n, day, `deposit-${a}`); // exact
    await omnibusMovement(w, 5_000n, day, `deposit-${b}`); // within the 0.05 tolerance
    await omnibusMovement(w, -1_234n, day); // no reference: amount and date window
    await omnibusMovement(w, 3_000n, day, `deposit-${c}`); // one line paying two movements
    await omnibusMovement(w, 2_000n, day, `deposit-${c}`);
    await omnibusMovement(w, 8_000n, day, `deposit-${d}`); // two lines making one movement
    const text = csvStatement([
      ['opening', 'EUR', day, '0.00', '', ''],
      ['entry', 'EUR', day, '100.00', '', `wire ${depositReference(a)}`],
      ['entry', 'EUR', day, '50.03', depositReference(b), ''],
      ['entry', 'EUR', later, '-12.34', '', 'card'],
      ['entry', 'EUR', day, '50.00', '', `batch ${depositReference(c)}`],
      ['entry', 'EUR', day, '45.00', depositReference(d), ''],
      ['entry', 'EUR', day, '35.00', depositReference(d), ''],
      ['closing', 'EUR', later, '267.69', '', ''],
    ]);
    const created = await uploadStatement(w, ops, text);
    expect(created.status, created.text).toBe(201);
    const id = created.body.id as string;
    const done = await waitForReconciliation(
      w,
      ops,
      id,
      (r) => r.status !== 'IMPORTED' && r.status !== 'MATCHING',
    );
    expect(await breaksOf(id)).toEqual([]);
    expect(done).toMatchObject({ status: 'RECONCILED', matched: 6, breaks: 0, matchedPercent: 100 });
    const rules = (await linesOf(id)).map((l) => [l.amount, l.matchStatus, l.rule]);
    expect(rules).toEqual([
      ['100.00', 'MATCHED', 'exact'],
      ['50.03', 'MATCHED', 'tolerance'],
      ['12.34', 'MATCHED', 'amount_date'],
      ['50.00', 'MATCHED', 'one_to_many'],
      ['45.00', 'MATCHED', 'many_to_one'],
      ['35.00', 'MATCHED', 'many_to_one'],
    ]);
    closed.reconciliation = created.body.workflowId as string;
  }, 60_000);

  it('recognises a line in another currency, a pending and a reversed line; each line ends matched or in a break', async () => {
    const day = uniqueDay();
    const ref = `FX-${randomUUID().slice(0, 8)}`;
    const text = csvStatement(
      [
        ['opening', 'EUR', day, '10.00', '', '', '', ''],
        ['entry', 'EUR', day, '-4.00', `${ref}-R`, 'returned card payment', '', 'true'],
        ['entry', 'USD', day, '7.00', `${ref}-U`, 'in dollars', '', ''],
        ['entry', 'EUR', day, '2.00', `${ref}-P`, 'not booked yet', 'pending', ''],
        ['closing', 'EUR', day, '6.00', '', '', '', ''],
      ],
      ['status', 'reversal'],
    );
    const created = await uploadStatement(w, ops, text);
    expect(created.status, created.text).toBe(201);
    expect(created.body.statement.consistent).toBe(false);
    expect(created.body.statement.problems.map((p: { code: string }) => p.code)).toEqual([
      'line_in_other_currency',
    ]);
    const id = created.body.id as string;
    await waitForReconciliation(w, ops, id, (r) => r.status === 'BREAKS_OPEN');
    const lines = await linesOf(id);
    const raw = await w.as(ops, `/ops/reconciliations/${id}/lines`);
    const byAmount = Object.fromEntries(raw.body.items.map((l: Record<string, unknown>) => [l.amount, l]));
    expect(byAmount['4.00']).toMatchObject({ reversal: true, direction: 'DEBIT', matchStatus: 'UNMATCHED' });
    expect(byAmount['7.00']).toMatchObject({ currency: 'USD' });
    expect(byAmount['2.00']).toMatchObject({ entryStatus: 'PENDING', matchStatus: 'RESOLVED' });
    const breaks = await breaksOf(id);
    expect(breaks.map((b) => b.kind).sort()).toEqual(['statement_inconsistent', 'unmatched_statement_line']);
    const inBreak = new Set(breaks.flatMap((b) => b.lineIds));
    for (const line of lines.filter((l) => l.matchStatus === 'UNMATCHED'))
      expect(inBreak.has(line.id), `line ${line.amount} is part of a break`).toBe(true);
    for (const b of breaks) {
      const dismissed = await post(w, ops, `/ops/reconciliation-breaks/${b.id}/resolve`, {
        resolution: 'dismiss',
        reason: 'the dollar line is booked on our USD account',
      });
      expect(dismissed.status, dismissed.text).toBe(200);
    }
    const done = await waitForReconciliation(w, ops, id, (r) => r.status === 'RECONCILED');
    expect(done).toMatchObject({ status: 'RECONCILED', matchedPercent: 100 });
    expect((await linesOf(id)).every((l) => l.matchStatus !== 'UNMATCHED')).toBe(true);
  }, 60_000);
});

describe('the reconciliation policy', () => {
  it('a version saved by an administrator (four eyes) sets the tolerance of the next reconciliations', async () => {
    const [admin, secondAdmin] = await Promise.all([w.person('admin'), w.person('admin')]);
    // The tolerance moves money: a second administrator approves the change.
    const save = async (tolerance: string, reason: string) => {
      const asked = await w.as(admin, '/admin/policies/reconciliation', {
        method: 'PUT',
        json: { policy: { tolerance: { EUR: tolerance } }, reason },
      });
      expect(asked.status, asked.text).toBe(202);
      const path = `/admin/policies/reconciliation/changes/${asked.body.change.id}/approve`;
      const approved = await w.as(secondAdmin, path, { method: 'POST', json: {} });
      expect(approved.status, approved.text).toBe(200);
      expect(approved.body.policy.tolerance.EUR).toBe(tolerance);
    };
    await save('0.01', 'stricter tolerance (test)');
    try {
      const day = uniqueDay();
      const depositId = randomUUID();
      await omnibusMovement(w, 5_000n, day, `deposit-${depositId}`);
      const created = await uploadStatement(
        w,
        ops,
        csvStatement([
          ['opening', 'EUR', day, '0.00', '', ''],
          ['entry', 'EUR', day, '50.03', depositReference(depositId), ''],
          ['closing', 'EUR', day, '50.03', '', ''],
        ]),
      );
      expect(created.status, created.text).toBe(201);
      await waitForReconciliation(w, ops, created.body.id, (r) => r.status === 'BREAKS_OPEN');
      const breaks = await breaksOf(created.body.id);
      // Under the default 0.05 this line matched by the tolerance rule (the first test above).
      expect(breaks.map((b) => [b.kind, b.difference])).toEqual([['amount_mismatch', '0.03']]);
    } finally {
      await save('0.05', 'the default again (test)');
    }
  }, 60_000);
});

describe('statement files', () => {
  it('keeps the file with its sha256; the same upload retried answers it again; the same statement in another file is 409 and stores nothing', async () => {
    const day = uniqueDay();
    const rows = [
      ['opening', 'EUR', day, '0.00', '', ''],
      ['entry', 'EUR', day, '3.00', `DUP-${randomUUID().slice(0, 8)}`, ''],
      ['closing', 'EUR', day, '3.00', '', ''],
    ];
    const text = csvStatement(rows);
    const key = randomUUID();
    const created = await uploadStatement(w, ops, text, undefined, key);
    expect(created.status, created.text).toBe(201);
    // The same upload retried (same key, as after a 503) answers the same reconciliation.
    const retried = await uploadStatement(w, ops, text, undefined, key);
    expect(retried.status, retried.text).toBe(201);
    expect(retried.body.id).toBe(created.body.id);
    const sha = createHash('sha256').update(text).digest('hex');
    expect(created.body.statement.sha256).toBe(sha);
    const kept = await w.app.pool.query<{ content: Buffer }>(
      'SELECT content FROM recon_file WHERE sha256 = $1',
      [sha],
    );
    expect(kept.rows[0]?.content.toString()).toBe(text);
    // The same statement, written with CRLF and ';' instead: another file, the same statement.
    const other = csvStatement(rows).replaceAll(',', ';').replaceAll('\n', '\r\n');
    const files = async () =>
      Number((await w.app.pool.query<{ n: string }>('SELECT count(*) AS n FROM recon_file')).rows[0]?.n);
    const before = await files();
    const again = await uploadStatement(w, ops, other);
    expectError(again, 409, 'duplicate_statement');
    expect(again.body.error.details.reconciliationIds).toEqual([created.body.id]);
    expect(await files()).toBe(before);
  });
});

describe('concurrent imports', () => {
  it('of the same statement in two files at once: one is stored, the other a duplicate, never a 500', async () => {
    const day = uniqueDay();
    const rows = [
      ['opening', 'EUR', day, '0.00', '', ''],
      ['entry', 'EUR', day, '6.00', `RACE-${randomUUID().slice(0, 8)}`, ''],
      ['closing', 'EUR', day, '6.00', '', ''],
    ];
    const files = [csvStatement(rows), csvStatement(rows).replaceAll('\n', '\r\n')];
    const statements = files.map((text) => {
      const parsed = parseStatementFile(new TextEncoder().encode(text));
      return { bytes: new TextEncoder().encode(text), statement: parsed.statements[0]! };
    });
    const outcomes = await Promise.allSettled(
      statements.map(({ bytes, statement }) =>
        insertStatementFile(w.app.pool, {
          bytes,
          format: 'csv',
          uploadedBy: ops.id,
          statements: [
            {
              id: randomUUID(),
              source: 'bank',
              accountCode: 'bank:omnibus:EUR',
              parsed: statement,
              consistent: true,
              problems: [],
            },
          ],
        }),
      ),
    );
    const stored = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
    expect(stored).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toBeInstanceOf(DuplicateStatementError);
  });
});

describe('the summary', () => {
  it('counts a day’s lines matched and unmatched, open breaks by age and overdue, and the matched share', async () => {
    const summary = () => reconciliationWebServices(w.deps).summary(auditor);
    // A day of the chart's 30 that no other test books lines on (they use today or long ago).
    const day = addDays(new Date().toISOString().slice(0, 10), -(2 + Math.floor(Math.random() * 26)));
    const before = await summary();
    const depositId = randomUUID();
    await omnibusMovement(w, 4_321n, day, `deposit-${depositId}`);
    const created = await uploadStatement(
      w,
      ops,
      csvStatement([
        ['opening', 'EUR', day, '0.00', '', ''],
        ['entry', 'EUR', day, '43.21', depositReference(depositId), ''],
        ['entry', 'EUR', day, '9.87', `SUM-${randomUUID().slice(0, 8)}`, ''],
        ['closing', 'EUR', day, '53.08', '', ''],
      ]),
    );
    expect(created.status, created.text).toBe(201);
    await waitForReconciliation(w, ops, created.body.id, (r) => r.status === 'BREAKS_OPEN');
    const opened = (await breaksOf(created.body.id)).length;
    expect(opened).toBe(1);
    // Aged two days and past their due time: no other test's break is that old.
    await w.app.pool.query(
      `UPDATE recon_break SET created_at = now() - interval '2 days' WHERE statement_id = $1`,
      [created.body.id],
    );
    await w.app.pool.query(
      `UPDATE task SET due_at = now() - interval '1 hour'
        WHERE workflow_id = $1 AND kind LIKE 'reconciliation.break:%'`,
      [created.body.workflowId],
    );
    const after = await summary();
    const dayOf = (s: typeof before) => s.history.find((h) => h.day === day)!;
    expect(dayOf(after).matched - dayOf(before).matched).toBe(1);
    expect(dayOf(after).unmatched - dayOf(before).unmatched).toBe(1);
    const aged = (s: typeof before) => s.breaksByAge.find((b) => b.label === '1–3 days')!;
    expect(aged(after).open - aged(before).open).toBe(1);
    expect(aged(after).overdue - aged(before).overdue).toBe(1);
    const lines = after.history.reduce((n, h) => n + h.matched + h.unmatched, 0);
    const matched = after.history.reduce((n, h) => n + h.matched, 0);
    expect(after.lines).toBe(lines);
    expect(after.matchedPercent).toBe(Math.floor((matched * 1000) / lines) / 10);
    expect(after.matchedPercent).toBeLessThan(100);
  }, 60_000);
});

describe('the auditor area', () => {
  it('holds a closed internal run, which found the registry difference the books hold', async () => {
    const { workflowId, handle, breaks } = await internalRunWithDifference(w, 1n);
    expect(breaks.map((b) => `${b.kind} ${b.asset}`)).toContain('registry_positions CEA');
    for (const b of breaks) {
      const dismissed = await post(w, ops, `/ops/reconciliation-breaks/${b.id}/resolve`, {
        resolution: 'dismiss',
        reason: 'auditor-area test',
      });
      expect(dismissed.status, dismissed.text).toBe(200);
    }
    expect(await handle.result()).toMatchObject({ status: 'RESOLVED' });
    closed.internalReconciliation = workflowId;
  }, 60_000);

  it('both workflow types: search, history, replay, export, archived on close', async () => {
    for (const type of ['reconciliation', 'internalReconciliation'] as const) {
      const workflowId = closed[type];
      if (!workflowId) throw new Error(`needs the closed ${type} of the tests above`);
      await expectInAuditorArea(w, auditor, type, workflowId);
    }
  }, 60_000);
});
