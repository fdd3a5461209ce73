// The internal reconciliation on the real dev server: its Schedule (seconds here, nightly in
// production) starts runs; a ledger movement of the registry omnibus account that the registry never
// saw is found as a registry_positions break, and the run waits at DIFFERENCES, its break tasks open,
// until every break is explained (here dismissed) → RESOLVED, its tasks done.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { ensureInternalReconciliationSchedule } from '../activities/internal-reconciliation-schedule.js';
import { ensureSystemAccounts, postEntry } from '../db/ledger/index.js';
import { closePool, getPool } from '../db/pool.js';
import { startTestWorker, type TestTemporal } from '../tests/support/temporal.js';
import {
  internalReconciliationStateQuery,
  resolveInternalBreakUpdate,
  type internalReconciliation,
} from './internal-reconciliation.js';

const pool = getPool();
let t: TestTemporal;
const scheduleId = `internal-recon-test-${randomUUID()}`;

beforeAll(async () => {
  t = await startTestWorker();
  await ensureSystemAccounts(pool);
});

afterAll(async () => {
  await t?.client.schedule
    .getHandle(scheduleId)
    .delete()
    .catch(() => undefined);
  await t?.stop();
  await closePool();
});

describe('internal reconciliation', () => {
  it('runs on its Schedule and opens a break for a registry position the ledger disagrees with', async () => {
    await postEntry(pool, {
      idempotencyKey: `test-internal/${randomUUID()}`,
      kind: 'recon.adjust',
      description: 'certificates the registry never delivered',
      transfers: [{ debit: 'registry:omnibus:CEA', credit: 'suspense:CEA', amount: 3n }],
    });
    const options = { taskQueue: t.taskQueue, scheduleId, spec: { intervals: [{ every: 2000 }] } };
    expect(await ensureInternalReconciliationSchedule(t.client, options)).toBe('created');
    // Idempotent: a second worker start updates it.
    expect(await ensureInternalReconciliationSchedule(t.client, options)).toBe('updated');

    const deadline = Date.now() + 30_000;
    let workflowId: string | null = null;
    while (!workflowId && Date.now() < deadline) {
      const description = await t.client.schedule.getHandle(scheduleId).describe();
      workflowId = description.info.recentActions[0]?.action.workflow.workflowId ?? null;
      if (!workflowId) await new Promise((r) => setTimeout(r, 250));
    }
    expect(workflowId).not.toBeNull();
    // One run is enough here: the Schedule would start another every two seconds.
    await t.client.schedule.getHandle(scheduleId).delete();
    const handle = t.client.workflow.getHandle<typeof internalReconciliation>(workflowId!);
    let state = await handle.query(internalReconciliationStateQuery);
    while (state.status === 'RUNNING' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      state = await handle.query(internalReconciliationStateQuery);
    }
    expect(state.status).toBe('DIFFERENCES');
    expect(state.differences).toBeGreaterThan(0);

    const run = await pool.query<{ differences: number; checks: Record<string, number> }>(
      'SELECT differences, checks FROM recon_internal_run WHERE id = $1',
      [workflowId],
    );
    expect(run.rows[0]?.differences).toBe(state.differences);
    expect(run.rows[0]?.checks.registry_positions).toBe(2);
    const breaksOfRun = () =>
      pool.query<{ id: string; kind: string; asset: string; difference_minor: string; task: string }>(
        `SELECT b.id, b.kind, b.asset, b.difference_minor::text, t.status AS task FROM recon_break b
           JOIN task t ON t.subject_id = b.id::text AND t.workflow_id = b.workflow_id WHERE b.internal_run_id = $1`,
        [workflowId],
      );
    const breaks = await breaksOfRun();
    const registry = breaks.rows.find((b) => b.kind === 'registry_positions' && b.asset === 'CEA');
    expect(registry).toBeDefined();
    expect(BigInt(registry!.difference_minor)).toBeLessThan(0n);
    // A difference is work with an owner: the run stays open, and so do its tasks.
    expect(breaks.rows.every((b) => b.task === 'open')).toBe(true);
    const open = await pool.query<{ status: string; closed_at: Date | null }>(
      'SELECT status, closed_at FROM lifecycle WHERE workflow_id = $1',
      [workflowId],
    );
    expect(open.rows[0]).toEqual({ status: 'DIFFERENCES', closed_at: null });

    // The run has no statement lines: matching by hand is refused before anything is recorded.
    const ops = { id: randomUUID(), role: 'operations' as const };
    const refused = await handle
      .executeUpdate(resolveInternalBreakUpdate, {
        args: [{ actor: ops, breakId: registry!.id, resolution: 'match', entryIds: [randomUUID()] }],
      })
      .then(
        () => null,
        (error: unknown) => (error as WorkflowUpdateFailedError).cause as ApplicationFailure,
      );
    expect(refused?.type).toBe('validation_failed');
    expect(refused?.message).toMatch(/no statement lines to match/);
    for (const b of breaks.rows)
      await handle.executeUpdate(resolveInternalBreakUpdate, {
        args: [{ actor: ops, breakId: b.id, resolution: 'dismiss', note: 'explained by the test' }],
      });
    const result = await handle.result();
    expect(result).toEqual({ status: 'RESOLVED', differences: breaks.rows.length });
    expect((await breaksOfRun()).rows.every((b) => b.task === 'done')).toBe(true);
    const closed = await pool.query<{ status: string; closed_at: Date | null }>(
      'SELECT status, closed_at FROM lifecycle WHERE workflow_id = $1',
      [workflowId],
    );
    expect(closed.rows[0]?.status).toBe('RESOLVED');
    expect(closed.rows[0]?.closed_at).not.toBeNull();
  }, 60_000);
});
