// The ledger refusing a reconciliation adjustment, over HTTP (commit 9d2dbe3): the real server and
// worker, the Temporal dev server and PostgreSQL. Certificates a client's transfer out holds cannot
// be taken out of the registry omnibus account by the adjusting entry: the four-eyes approval answers
// 422 insufficient_funds, posts nothing, and the run goes on at DIFFERENCES with the adjustment still
// waiting for its approval, which succeeds once the hold is released. Before 9d2dbe3 the activity
// retried the ledger's refusal without end and the approval answered 503 every time.
import { randomInt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// A database of this file's own, before any module reads DATABASE_URL: the internal run reconciles
// the whole ledger, and the test counts its lines and totals.
vi.hoisted(() => {
  process.env.DATABASE_URL = `${process.env.DATABASE_URL}_recon_adjust_refusal`;
});

import { internalReconciliationStateQuery } from '../../workflows/internal-reconciliation.js';
import { useOwnDatabase } from '../support/own-database.js';
import { retryTransient } from '../support/transient.js';
import { expectBooksBalanced, expectError, post, type ApiWorld, type Person } from './helpers.js';
import {
  approveToResolved,
  internalRunWithDifference,
  omnibusCeaCredit,
  startBreakStaff,
} from './reconciliation-helpers.js';
import { trader } from './trading-support.js';

useOwnDatabase('_recon_adjust_refusal');

let w: ApiWorld;
let ops: Person;
let ops2: Person;
let auditor: Person;

beforeAll(async () => {
  ({ w, ops, ops2, auditor } = await startBreakStaff());
});

afterAll(async () => {
  await w?.stop();
});

/** Every account's four totals and the count of journal lines: what a posting would change. */
async function ledgerSnapshot() {
  const accounts = await w.app.pool.query(
    `SELECT code, debits_posted::text, credits_posted::text, debits_pending::text, credits_pending::text
       FROM ledger_account ORDER BY code`,
  );
  const lines = await w.app.pool.query<{ n: string }>('SELECT count(*) AS n FROM journal_line');
  return { accounts: accounts.rows, lines: Number(lines.rows[0]?.n) };
}

async function breakRow(id: string) {
  const { rows } = await w.app.pool.query<{ status: string; adjustment_entry_id: string | null }>(
    'SELECT status, adjustment_entry_id FROM recon_break WHERE id = $1',
    [id],
  );
  return rows[0];
}

async function approvalTaskStatus(workflowId: string, breakId: string) {
  const { rows } = await w.app.pool.query<{ status: string }>(
    'SELECT status FROM task WHERE workflow_id = $1 AND kind = $2',
    [workflowId, `reconciliation.approve_adjustment:${breakId}`],
  );
  return rows.map((r) => r.status);
}

/** A client's transfer out of `quantity` CEA, PENDING_APPROVAL: the certificates are on hold. */
async function transferOutHeld(client: Person, quantity: string) {
  // Test set-up, as in certificate-transfers.test.ts: a VERIFIED account at the Chinese registry.
  const registryAccountId = randomUUID();
  await w.app.pool.query(
    `INSERT INTO registry_account (id, client_id, registry, account_id, holder_name, status)
     VALUES ($1, $2, 'CN', $3, 'Refusal Test Holder', 'VERIFIED')`,
    [registryAccountId, client.id, `CN-HOLD-${randomInt(10_000, 99_999)}`],
  );
  const key = randomUUID();
  const requested = await retryTransient(() =>
    w.as(client, '/certificate-transfers', {
      method: 'POST',
      json: { direction: 'OUT', asset: 'CEA', quantity, registryAccountId },
      idempotencyKey: key,
    }),
  );
  expect(requested.status, requested.text).toBe(201);
  expect(requested.body).toMatchObject({ status: 'PENDING_APPROVAL' });
  return requested.body as { id: string };
}

describe('an internal break’s adjustment the ledger refuses', () => {
  it('answers 422 insufficient_funds, posts nothing, keeps the run and the adjustment waiting; approved once the hold is released', async () => {
    // The books say the client transferred 30 CEA in (the registry never had them) and the client
    // asks to transfer them out: a hold of 30 on registry:omnibus:CEA, before the approval.
    const client = await trader(w, { certificates: { CEA: 30n } });
    const transfer = await transferOutHeld(client, '30');
    // 5 more the registry never delivered: the ledger shows 35, the registry none.
    const { workflowId, handle, breaks } = await internalRunWithDifference(w, 5n);
    expect(breaks).toEqual([expect.objectContaining({ kind: 'registry_positions', asset: 'CEA' })]);
    const breakId = breaks[0]!.id;

    const proposed = await retryTransient(() =>
      post(
        w,
        ops,
        `/ops/reconciliation-breaks/${breakId}/resolve`,
        { resolution: 'adjust', note: 'certificates the registry never had' },
        randomUUID(),
      ),
    );
    expect(proposed.status, proposed.text).toBe(200);
    expect(proposed.body).toMatchObject({ status: 'PENDING_APPROVAL', difference: '-35' });

    // The shortfall of 35 leaves the omnibus account, where the hold leaves only 5 available.
    const before = await ledgerSnapshot();
    const approveId = randomUUID();
    const approve = () => post(w, ops2, `/ops/reconciliation-breaks/${breakId}/approve`, {}, approveId);
    const refused = await retryTransient(approve);
    expectError(refused, 422, 'insufficient_funds');
    // The ledger's words name the account (its details, available and requested, do not reach the
    // answer: workflows/command-slot.ts keeps only the activity failure's type and message).
    expect(refused.body.error.message).toContain('registry:omnibus:CEA');
    // The same request again hears the same refusal (nothing was applied in between).
    expectError(await retryTransient(approve), 422, 'insufficient_funds');

    expect(await ledgerSnapshot()).toEqual(before);
    await expectBooksBalanced(w, auditor);
    expect(await breakRow(breakId)).toEqual({ status: 'PENDING_APPROVAL', adjustment_entry_id: null });
    expect(await approvalTaskStatus(workflowId, breakId)).toEqual(['open']);
    // The run goes on, not failed, and is not retrying the refused activity in the background.
    const described = await handle.describe();
    expect(described.status.name).toBe('RUNNING');
    expect(described.raw.pendingActivities ?? []).toEqual([]);
    const state = await handle.query(internalReconciliationStateQuery);
    expect(state).toMatchObject({ status: 'DIFFERENCES', openBreaks: 1 });
    expect(state.pendingAdjustments[breakId]).toEqual({ proposedBy: ops.id });

    // The client cancels the transfer out: the hold is voided, the same approval now posts.
    const cancelled = await retryTransient(() =>
      post(w, client, `/certificate-transfers/${transfer.id}/cancel`, {}, randomUUID()),
    );
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(cancelled.body.status).toBe('CANCELLED');
    const approved = await approveToResolved(w, ops2, breakId);
    expect(await omnibusCeaCredit(w, approved.body.adjustmentEntryId)).toBe('35');
    expect(await handle.result()).toMatchObject({ status: 'RESOLVED' });
    await expectBooksBalanced(w, auditor);
  }, 120_000);
});
