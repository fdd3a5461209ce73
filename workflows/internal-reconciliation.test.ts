// The internal reconciliation on the real dev server: its Schedule (seconds here, nightly in
// production) starts runs; a ledger movement of the registry omnibus account that the registry never
// saw is found as a registry_positions break the run ends DIFFERENCES.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureInternalReconciliationSchedule } from '../activities/internal-reconciliation-schedule.js';
import { ensureSystemAccounts, postEntry } from '../db/ledger/index.js';
import { closePool, getPool } from '../db/pool.js';
import { startTestWorker, type TestTemporal } from '../tests/support/temporal.js';

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
    const result = await t.client.workflow.getHandle(workflowId!).result();
    expect(result.status).toBe('DIFFERENCES');
    expect(result.differences).toBeGreaterThan(0);

    const run = await pool.query<{ differences: number; checks: Record<string, number> }>(
      'SELECT differences, checks FROM recon_internal_run WHERE id = $1',
      [workflowId],
    );
    expect(run.rows[0]?.differences).toBe(result.differences);
    expect(run.rows[0]?.checks.registry_positions).toBe(2);
    const breaks = await pool.query<{ kind: string; asset: string; difference_minor: string; task: string }>(
      `SELECT b.kind, b.asset, b.difference_minor::text, t.status AS task FROM recon_break b
         JOIN task t ON t.subject_id = b.id::text AND t.workflow_id = b.workflow_id WHERE b.internal_run_id = $1`,
      [workflowId],
    );
    const registry = breaks.rows.find((b) => b.kind === 'registry_positions' && b.asset === 'CEA');
    expect(registry).toBeDefined();
    expect(BigInt(registry!.difference_minor)).toBeLessThan(0n);
    // Known gap: the run's lifecycle closes at DIFFERENCES, which cancels its live tasks; the breaks
    // stay OPEN in recon_break (see the report of issue 12).
    expect(registry!.task).toBe('cancelled');
    const lifecycle = await pool.query<{ status: string }>(
      'SELECT status FROM lifecycle WHERE workflow_id = $1',
      [workflowId],
    );
    expect(lifecycle.rows[0]?.status).toBe('DIFFERENCES');
  }, 60_000);
});
