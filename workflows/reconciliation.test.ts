// The reconciliation workflow on the real dev server with real activities and PostgreSQL: a statement
// stored as the import stores it, matched against real ledger movements of bank:omnibus:EUR, its
// breaks resolved by dismissal and by an adjustment that needs a second, distinct operator.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { startTestWorker, type TestTemporal } from '../tests/support/temporal.js';
import { closePool, getPool } from '../db/pool.js';
import { ensureSystemAccounts, postEntry } from '../db/ledger/index.js';
import { insertStatementFile } from '../db/reconciliation/index.js';
import { depositReference } from '../domain/deposit.js';
import type { Actor } from '../domain/lifecycle.js';
import { reconciliationWorkflowId, type ReconciliationInput } from '../domain/reconciliation/lifecycle.js';
import { DEFAULT_RECONCILIATION_POLICY } from '../domain/reconciliation/policy.js';
import { checkStatement } from '../domain/reconciliation/statement-checks.js';
import { parseStatementFile } from '../domain/statements/index.js';
import {
  approveAdjustmentUpdate,
  reconciliation,
  reconciliationStateQuery,
  resolveBreakUpdate,
} from './reconciliation.js';

const pool = getPool();
let t: TestTemporal;
let ops1: Actor;
let ops2: Actor;

async function newUser(role: 'operations'): Promise<Actor> {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO app_user (email, password_hash, role) VALUES ($1, 'x', $2) RETURNING id`,
    [`recon-wf-${randomUUID()}@test.example`, role],
  );
  return { id: (rows[0] as { id: string }).id, role };
}

beforeAll(async () => {
  t = await startTestWorker();
  ops1 = await newUser('operations');
  ops2 = await newUser('operations');
  await ensureSystemAccounts(pool);
});

afterAll(async () => {
  await t?.stop();
  await closePool();
});

async function refusal(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => {
      throw new Error('expected the Update to be refused');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
  return (error as WorkflowUpdateFailedError).cause as ApplicationFailure;
}

/** A day of its own for each run, so no other movement of the omnibus falls into the period. */
function uniqueDay(): string {
  const ms = Date.UTC(2001, 0, 1) + Math.floor(Math.random() * 7000) * 86_400_000;
  return new Date(ms).toISOString().slice(0, 10);
}

describe('reconciliation workflow', () => {
  it('matches, opens breaks as tasks, and reconciles after a dismissal and a four-eyes adjustment', async () => {
    const day = uniqueDay();
    const depositId = randomUUID();
    const at = new Date(`${day}T10:00:00Z`);
    const matchedEntry = await postEntry(pool, {
      idempotencyKey: `test-recon/${randomUUID()}`,
      kind: 'deposit.confirm',
      description: 'test deposit',
      transfers: [{ debit: 'bank:omnibus:EUR', credit: 'suspense:EUR', amount: 10_000n }],
      workflowId: `deposit-${depositId}`,
      effectiveAt: at,
    });
    await postEntry(pool, {
      idempotencyKey: `test-recon/${randomUUID()}`,
      kind: 'deposit.confirm',
      description: 'a movement the bank does not show',
      transfers: [{ debit: 'bank:omnibus:EUR', credit: 'suspense:EUR', amount: 5_000n }],
      effectiveAt: at,
    });
    const csv = [
      'type,currency,booking_date,amount,reference,description',
      `opening,EUR,${day},1000.00,,`,
      `entry,EUR,${day},100.00,,wire ${depositReference(depositId)}`,
      `entry,EUR,${day},30.00,UNKNOWN-${randomUUID().slice(0, 8)},`,
      `closing,EUR,${day},1130.00,,`,
    ].join('\n');
    const bytes = new TextEncoder().encode(csv);
    const { format, statements } = parseStatementFile(bytes);
    const parsed = statements[0];
    if (!parsed) throw new Error('no statement');
    const check = checkStatement(parsed, 'EUR');
    expect(check.consistent).toBe(true);
    const id = randomUUID();
    await insertStatementFile(pool, {
      bytes,
      format,
      uploadedBy: ops1.id,
      statements: [
        { id, source: 'bank', accountCode: 'bank:omnibus:EUR', parsed, consistent: true, problems: [] },
      ],
    });
    const input: ReconciliationInput = {
      reconciliationId: id,
      source: 'bank',
      accountCode: 'bank:omnibus:EUR',
      currency: 'EUR',
      from: parsed.from,
      to: parsed.to,
      lines: parsed.lines.length,
      consistent: true,
      policy: DEFAULT_RECONCILIATION_POLICY,
      importedBy: ops1,
    };
    const handle = await t.client.workflow.start(reconciliation, {
      taskQueue: t.taskQueue,
      workflowId: reconciliationWorkflowId(id),
      args: [input],
    });
    const deadline = Date.now() + 20_000;
    let state = await handle.query(reconciliationStateQuery);
    while (state.status !== 'BREAKS_OPEN' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      state = await handle.query(reconciliationStateQuery);
    }
    expect(state).toMatchObject({ status: 'BREAKS_OPEN', matched: 1, openBreaks: 2 });

    const lines = await pool.query<{ match_status: string; rule: string | null; entry_ids: string[] }>(
      'SELECT match_status, rule, entry_ids::text[] AS entry_ids FROM recon_line WHERE statement_id = $1 ORDER BY idx',
      [id],
    );
    expect(lines.rows[0]).toMatchObject({
      match_status: 'MATCHED',
      rule: 'exact',
      entry_ids: [matchedEntry.id],
    });
    const breaks = await pool.query<{ id: string; kind: string; difference_minor: string }>(
      'SELECT id, kind, difference_minor::text FROM recon_break WHERE statement_id = $1 ORDER BY kind',
      [id],
    );
    expect(breaks.rows.map((b) => [b.kind, b.difference_minor])).toEqual([
      ['unmatched_ledger_item', '-5000'],
      ['unmatched_statement_line', '3000'],
    ]);
    const ledgerBreak = breaks.rows[0] as { id: string };
    const lineBreak = breaks.rows[1] as { id: string };
    const tasks = await pool.query<{ kind: string; status: string }>(
      'SELECT kind, status FROM task WHERE workflow_id = $1 ORDER BY kind',
      [handle.workflowId],
    );
    expect(tasks.rows).toHaveLength(2);
    expect(tasks.rows.every((r) => r.status === 'open')).toBe(true);

    // A reason is required to dismiss; with one the break is gone and its task done.
    expect(
      (
        await refusal(
          handle.executeUpdate(resolveBreakUpdate, {
            args: [{ actor: ops1, breakId: lineBreak.id, resolution: 'dismiss' }],
          }),
        )
      ).type,
    ).toBe('validation_failed');
    await handle.executeUpdate(resolveBreakUpdate, {
      args: [
        {
          actor: ops1,
          breakId: lineBreak.id,
          resolution: 'dismiss',
          note: 'bank fee refund, booked next month',
        },
      ],
    });
    // The adjustment: proposed by one operator, refused for the same, posted on the second's approval.
    await handle.executeUpdate(resolveBreakUpdate, {
      args: [
        {
          actor: ops1,
          breakId: ledgerBreak.id,
          resolution: 'adjust',
          note: 'movement never reached the bank',
        },
      ],
    });
    const waiting = await pool.query<{ kind: string; status: string }>(
      `SELECT kind, status FROM task WHERE workflow_id = $1 AND status = 'open'`,
      [handle.workflowId],
    );
    expect(waiting.rows).toEqual([
      { kind: `reconciliation.approve_adjustment:${ledgerBreak.id}`, status: 'open' },
    ]);
    expect(
      (
        await refusal(
          handle.executeUpdate(approveAdjustmentUpdate, { args: [{ actor: ops1, breakId: ledgerBreak.id }] }),
        )
      ).type,
    ).toBe('self_approval');
    const approved = await handle.executeUpdate(approveAdjustmentUpdate, {
      args: [{ actor: ops2, breakId: ledgerBreak.id }],
    });
    expect(approved.openBreaks).toBe(0);
    const result = await handle.result();
    expect(result.status).toBe('RECONCILED');
    const adjusted = await pool.query<{
      status: string;
      resolved_by: string;
      approved_by: string;
      adjustment_entry_id: string;
    }>('SELECT status, resolved_by, approved_by, adjustment_entry_id FROM recon_break WHERE id = $1', [
      ledgerBreak.id,
    ]);
    expect(adjusted.rows[0]).toMatchObject({
      status: 'RESOLVED',
      resolved_by: ops1.id,
      approved_by: ops2.id,
    });
    const entry = await pool.query<{ kind: string; credit_omnibus: string }>(
      `SELECT e.kind, sum(l.credit)::text AS credit_omnibus FROM journal_entry e JOIN journal_line l ON l.entry_id = e.id
         JOIN ledger_account a ON a.id = l.account_id WHERE e.id = $1 AND a.code = 'bank:omnibus:EUR' GROUP BY e.kind`,
      [adjusted.rows[0]?.adjustment_entry_id],
    );
    // A shortfall (the bank shows 50.00 less than the books): Dr suspense, Cr omnibus.
    expect(entry.rows[0]).toEqual({ kind: 'recon.adjust', credit_omnibus: '5000' });
    // The proposal closed the break's task and opened the approval's, which the approval closed.
    const closedTasks = await pool.query<{ kind: string; status: string; outcome: string }>(
      `SELECT split_part(kind, ':', 1) AS kind, status, outcome FROM task WHERE workflow_id = $1 ORDER BY outcome`,
      [handle.workflowId],
    );
    expect(closedTasks.rows).toEqual([
      { kind: 'reconciliation.approve_adjustment', status: 'done', outcome: 'adjusted' },
      { kind: 'reconciliation.break', status: 'done', outcome: 'adjustment_proposed' },
      { kind: 'reconciliation.break', status: 'done', outcome: 'dismissed' },
    ]);
  }, 60_000);
});
