// The internal reconciliation's breaks over HTTP (split from reconciliations.test.ts, which keeps
// the statements): the real server and worker, the Temporal dev server and PostgreSQL. A run with a
// registry difference keeps its break open as an inbox task until it is adjusted with four eyes or
// dismissed, through the API and through the break's page.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// A database of this file's own, before any module reads DATABASE_URL: an internal run reconciles the
// whole ledger, and other files' certificate holds on the registry omnibus account left too little
// available for this file's adjustment (fresh-clone CI: insufficient funds, retried until the 503s).
vi.hoisted(() => {
  process.env.DATABASE_URL = `${process.env.DATABASE_URL}_recon_internal`;
});

import { expectError, post, type ApiWorld, type Person } from './helpers.js';
import {
  approveToResolved,
  internalRunWithDifference as internalRunWith,
  omnibusCeaCredit,
  startBreakStaff,
  usePages,
} from './reconciliation-helpers.js';
import { useOwnDatabase } from '../support/own-database.js';

let w: ApiWorld;
let ops: Person;
let ops2: Person;
let auditor: Person;

useOwnDatabase('_recon_internal');

beforeAll(async () => {
  ({ w, ops, ops2, auditor } = await startBreakStaff());
});

afterAll(async () => {
  await w?.stop();
});

const internalRunWithDifference = (quantity: bigint) => internalRunWith(w, quantity);

describe('internal reconciliation breaks', () => {
  /** The operator's inbox filtered to break tasks, every page, as the inbox page asks for it. */
  async function inboxBreakTasks(person: Person) {
    const tasks: { id: string; kind: string; subjectId: string; status: string }[] = [];
    let cursor: string | null = null;
    do {
      const answer = await w.as(
        person,
        `/tasks?kind=reconciliation.break&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(answer.status, answer.text).toBe(200);
      tasks.push(...answer.body.items);
      cursor = answer.body.nextCursor;
    } while (cursor);
    return tasks;
  }

  it('keeps a difference open as an inbox task until it is adjusted with four eyes; then the run closes RESOLVED and its tasks are done', async () => {
    const { workflowId, handle, breaks } = await internalRunWithDifference(13n);
    const registry = breaks.find((b) => b.kind === 'registry_positions' && b.asset === 'CEA');
    expect(registry).toBeDefined();
    const inbox = await inboxBreakTasks(ops);
    const task = inbox.find((t) => t.subjectId === registry!.id);
    expect(task).toMatchObject({ kind: `reconciliation.break:${registry!.id}`, status: 'open' });

    // Matching by hand needs statement lines: refused, nothing changes.
    expectError(
      await post(w, ops, `/ops/reconciliation-breaks/${registry!.id}/resolve`, {
        resolution: 'match',
        entryIds: [randomUUID()],
      }),
      400,
      'validation_failed',
    );
    const others = breaks.filter((b) => b.id !== registry!.id);
    // Differences other test files left in the shared ledger are explained too, so the run can close;
    // an omnibus-vs-clients difference cannot be adjusted (a balanced entry would not move it).
    for (const b of others) {
      if (b.kind !== 'registry_positions')
        expectError(
          await post(w, ops, `/ops/reconciliation-breaks/${b.id}/resolve`, {
            resolution: 'adjust',
            note: 'try',
          }),
          409,
          'invalid_state',
        );
      const dismissed = await post(w, ops, `/ops/reconciliation-breaks/${b.id}/resolve`, {
        resolution: 'dismiss',
        reason: 'left by another test file',
      });
      expect(dismissed.status, dismissed.text).toBe(200);
    }

    const requestId = randomUUID();
    const proposed = await post(
      w,
      ops,
      `/ops/reconciliation-breaks/${registry!.id}/resolve`,
      { resolution: 'adjust', note: 'the transfer in was booked twice' },
      requestId,
    );
    expect(proposed.status, proposed.text).toBe(200);
    expect(proposed.body).toMatchObject({ status: 'PENDING_APPROVAL', reconciliationId: null });
    // The same request again is answered, not applied twice.
    const again = await post(
      w,
      ops,
      `/ops/reconciliation-breaks/${registry!.id}/resolve`,
      { resolution: 'adjust', note: 'the transfer in was booked twice' },
      requestId,
    );
    expect(again.status, again.text).toBe(200);
    // The approval is a task of its own, for a second operator; the proposer may not approve.
    const approvalTask = await w.app.pool.query<{ status: string }>(
      `SELECT status FROM task WHERE workflow_id = $1 AND kind = $2`,
      [workflowId, `reconciliation.approve_adjustment:${registry!.id}`],
    );
    expect(approvalTask.rows).toEqual([{ status: 'open' }]);
    expectError(
      await post(w, ops, `/ops/reconciliation-breaks/${registry!.id}/approve`),
      422,
      'self_approval',
    );
    // A loaded machine can answer 503 (the workflow did not answer in time): approveToResolved asks
    // again with the same X-Request-Id, as the answer says, so the approval is applied once.
    const approved = await approveToResolved(w, ops2, registry!.id);
    const credited = await omnibusCeaCredit(w, approved.body.adjustmentEntryId);
    // The registry holds less than the books (other files' differences of CEA add to ours): the
    // shortfall leaves the registry omnibus account for suspense.
    const difference = await w.app.pool.query<{ d: string }>(
      'SELECT difference_minor::text AS d FROM recon_break WHERE id = $1',
      [registry!.id],
    );
    expect(BigInt(difference.rows[0]!.d)).toBeLessThanOrEqual(-13n);
    expect(credited).toBe((-BigInt(difference.rows[0]!.d)).toString());

    expect(await handle.result()).toMatchObject({ status: 'RESOLVED' });
    const lifecycle = await w.app.pool.query<{ status: string; closed: boolean }>(
      'SELECT status, closed_at IS NOT NULL AS closed FROM lifecycle WHERE workflow_id = $1',
      [workflowId],
    );
    expect(lifecycle.rows[0]).toEqual({ status: 'RESOLVED', closed: true });
    const live = await w.app.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM task WHERE workflow_id = $1 AND status IN ('open', 'claimed')`,
      [workflowId],
    );
    expect(live.rows[0]?.n).toBe('0');
    expect((await inboxBreakTasks(ops)).some((t) => t.subjectId === registry!.id)).toBe(false);
    // Nothing changes any more once the run has closed.
    expectError(
      await post(w, ops, `/ops/reconciliation-breaks/${registry!.id}/resolve`, {
        resolution: 'dismiss',
        reason: 'late',
      }),
      409,
      'invalid_state',
    );
    const audit = await w.app.pool.query<{ action: string }>(
      `SELECT action FROM audit_log WHERE subject_type = 'internal_reconciliation' AND subject_id = $1 ORDER BY id`,
      [workflowId],
    );
    expect(audit.rows.map((r) => r.action)).toEqual(
      expect.arrayContaining(['internal_reconciliation.resolve', 'internal_reconciliation.approve']),
    );
  }, 90_000);
});

// ---- the pages (they need the built web app: TEST_WEB=0 skips them) --------------------------------

describe.skipIf(process.env.TEST_WEB === '0')('the pages', () => {
  const page = usePages();

  it('shows an internal run’s break with its actions and dismisses it by a plain form post', async () => {
    const { handle, breaks } = await internalRunWithDifference(2n);
    for (const b of breaks) {
      const shown = await page(ops, `/ops/reconciliation-breaks/${b.id}`);
      expect(shown.status, await shown.clone().text()).toBe(200);
      const html = await shown.text();
      expect(html).toContain('Internal reconciliation');
      expect(html).toContain('Dismiss…');
      expect(html).toContain(`/workflows/${encodeURIComponent(handle.workflowId)}"`);
      expect(html).not.toContain('Match by hand');
      // Only a registry position is adjusted; the others are explained and dismissed.
      expect(html.includes('Adjust…')).toBe(b.kind === 'registry_positions');
      const dismissed = await page(ops, `/ops/reconciliation-breaks/${b.id}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ intent: 'dismiss', breakId: b.id, reason: 'page test' }).toString(),
      });
      expect(dismissed.status).toBe(200);
      expect(await dismissed.text()).toContain('Break dismissed.');
    }
    expect(await handle.result()).toMatchObject({ status: 'RESOLVED' });
    // An auditor reads it, without the actions.
    const read = await (await page(auditor, `/ops/reconciliation-breaks/${breaks[0]!.id}`)).text();
    expect(read).toContain('page test');
    expect(read).not.toContain('Dismiss…');
  }, 60_000);
});
