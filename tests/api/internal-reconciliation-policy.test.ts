// The internal reconciliation's Schedule follows the stored `reconciliation` policy (issue 14: "new
// lifecycles start with the current version, running ones keep theirs"), on a database of this
// file's own: the worker's start builds the action's breakDueMs from the stored version, a saved
// version moves it at once, and a run the Schedule started before keeps its own input.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// Before any module reads DATABASE_URL: this file's own database (created and migrated below).
vi.hoisted(() => {
  process.env.DATABASE_URL = `${process.env.DATABASE_URL}_internal_recon_policy`;
  // A Schedule of this file's own: the browser tests' workers create the shared one on the same server.
  process.env.INTERNAL_RECONCILIATION_SCHEDULE_ID = `internal-reconciliation-policy-test-${process.pid}`;
});

import {
  ensureInternalReconciliationSchedule,
  storedReconciliationPolicy,
} from '../../activities/internal-reconciliation-schedule.js';
import { DEFAULT_RECONCILIATION_POLICY } from '../../domain/reconciliation/policy.js';
import { startApiWorld, type ApiWorld, type Person } from './helpers.js';
import { useOwnDatabase } from '../support/own-database.js';

/** An hourly spec: nothing starts on its own while the test runs; the run below is triggered. */
const HOURLY = { intervals: [{ every: 60 * 60 * 1000 }] };
const FOUR_HOURS_MS = 4 * 60 * 60 * 1000;

let world: ApiWorld;
let admin: Person;

useOwnDatabase('_internal_recon_policy');

beforeAll(async () => {
  world = await startApiWorld();
  admin = await world.person('admin');
});

afterAll(async () => {
  await world?.temporal.client.schedule
    .getHandle(process.env.INTERNAL_RECONCILIATION_SCHEDULE_ID!)
    .delete()
    .catch(() => undefined);
  await world?.stop();
});

function schedule() {
  return world.temporal.client.schedule.getHandle(process.env.INTERNAL_RECONCILIATION_SCHEDULE_ID!);
}

/** The breakDueMs the Schedule gives its next runs. */
async function scheduledBreakDueMs(): Promise<number | undefined> {
  const action = (await schedule().describe()).action as { args?: { breakDueMs: number }[] };
  return action.args?.[0]?.breakDueMs;
}

/** Starts one run through the Schedule now and answers its workflow id. */
async function triggeredRun(): Promise<string> {
  await schedule().trigger();
  for (;;) {
    const [recent] = (await schedule().describe()).info.recentActions;
    if (recent) return recent.action.workflow.workflowId;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The breakDueMs a run started with (its first event's input). */
async function runBreakDueMs(workflowId: string): Promise<number> {
  const history = await world.temporal.client.workflow.getHandle(workflowId).fetchHistory();
  const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  expect(payload?.data).toBeDefined();
  return JSON.parse(Buffer.from(payload!.data!).toString('utf8')).breakDueMs;
}

async function startWorkerSchedule(): Promise<'created' | 'updated'> {
  return ensureInternalReconciliationSchedule(world.temporal.client, {
    taskQueue: world.temporal.taskQueue,
    policy: await storedReconciliationPolicy(world.app.pool),
    spec: HOURLY,
  });
}

describe('the internal reconciliation Schedule and the reconciliation policy', () => {
  it('takes a saved breakDueMs at once and at the next worker start; a run started before keeps its own', async () => {
    expect(await startWorkerSchedule()).toBe('created');
    expect(await scheduledBreakDueMs()).toBe(DEFAULT_RECONCILIATION_POLICY.breakDueMs);
    const before = await triggeredRun();

    const saved = await world.as(admin, '/admin/policies/reconciliation', {
      method: 'PUT',
      json: { policy: { breakDueMs: FOUR_HOURS_MS }, reason: 'breaks due the same day' },
    });
    expect(saved.status, saved.text).toBe(200);
    expect(saved.body.outcome).toBe('saved');
    expect(saved.body.policy).toMatchObject({ version: 2, source: 'stored' });

    expect(await scheduledBreakDueMs()).toBe(FOUR_HOURS_MS);
    const described = await schedule().describe();
    expect(described.spec.intervals?.[0]?.every).toBe(HOURLY.intervals[0]!.every);
    expect(await runBreakDueMs(before)).toBe(DEFAULT_RECONCILIATION_POLICY.breakDueMs);

    // A worker starting later (the Schedule gone meanwhile) builds it from the stored version.
    await schedule().delete();
    expect((await storedReconciliationPolicy(world.app.pool)).breakDueMs).toBe(FOUR_HOURS_MS);
    expect(await startWorkerSchedule()).toBe('created');
    expect(await scheduledBreakDueMs()).toBe(FOUR_HOURS_MS);
  });
});
