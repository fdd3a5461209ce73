// The settlement and reconciliation policies among the versioned ones (issue 14: "deposit,
// withdrawal, KYC, trading, settlement, reconciliation policies stored versioned"), on a database of
// this file's own: both listed as version 1 from the environment; a saved settlement version is the
// policy of the next manual batch while a batch started before keeps its own, and it moves the
// Schedule that starts the daily batches.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// Before any module reads DATABASE_URL: this file's own database (created and migrated below).
vi.hoisted(() => {
  process.env.DATABASE_URL = `${process.env.DATABASE_URL}_settlement_policy`;
});

import { randomUUID } from 'node:crypto';
import { ensureSettlementSchedule } from '../../activities/settlement-schedule.js';
import { SETTLEMENT_SCHEDULE_ID, settlementPolicy } from '../../domain/settlement.js';
import { startApiWorld, type ApiWorld, type Person } from './helpers.js';
import { useOwnDatabase } from '../support/own-database.js';

let world: ApiWorld;
let admin: Person;
let ops: Person;

useOwnDatabase('_settlement_policy');

beforeAll(async () => {
  world = await startApiWorld();
  admin = await world.person('admin');
  ops = await world.person('operations');
});

afterAll(async () => {
  await world?.temporal.client.schedule
    .getHandle(SETTLEMENT_SCHEDULE_ID)
    .delete()
    .catch(() => undefined);
  await world?.stop();
});

/** The policy a batch workflow started with (its first event's input). */
async function batchPolicy(workflowId: string): Promise<{ calendar: { cutoffs?: string[] } }> {
  const history = await world.temporal.client.workflow.getHandle(workflowId).fetchHistory();
  const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  expect(payload?.data).toBeDefined();
  return JSON.parse(Buffer.from(payload!.data!).toString('utf8')).policy;
}

async function startBatch(): Promise<string> {
  const answer = await world.as(ops, '/ops/settlement-batches', {
    method: 'POST',
    idempotencyKey: randomUUID(),
    json: {},
  });
  expect(answer.status, answer.text).toBe(201);
  return answer.body.workflowId as string;
}

describe('settlement and reconciliation policies', () => {
  it('are listed as version 1 from their environment variables', async () => {
    const listed = await world.as(admin, '/admin/policies');
    expect(listed.status, listed.text).toBe(200);
    const byName = new Map(listed.body.items.map((p: { name: string }) => [p.name, p]));
    expect(byName.get('settlement')).toMatchObject({
      version: 1,
      source: 'environment',
      variable: 'SETTLEMENT_POLICY_JSON',
      policy: { calendar: settlementPolicy().calendar },
    });
    expect(byName.get('reconciliation')).toMatchObject({
      version: 1,
      source: 'environment',
      variable: 'RECONCILIATION_POLICY_JSON',
    });
    const bad = await world.as(admin, '/admin/policies/settlement', {
      method: 'PUT',
      json: {
        policy: { calendar: { kind: 'daily', timeZone: 'Europe/Brussels', days: [1], cutoffs: ['25:00'] } },
      },
    });
    expect(bad.status).toBe(400);
  });

  it('a saved settlement version starts the next batches, the Schedule’s too; a running batch keeps its own', async () => {
    const defaults = settlementPolicy();
    await ensureSettlementSchedule(world.temporal.client, {
      taskQueue: world.temporal.taskQueue,
      policy: defaults,
    });
    const before = await startBatch();

    const calendar = { ...defaults.calendar, cutoffs: ['17:30'] };
    const saved = await world.as(admin, '/admin/policies/settlement', {
      method: 'PUT',
      json: { policy: { calendar }, reason: 'later cutoff' },
    });
    expect(saved.status, saved.text).toBe(200);
    expect(saved.body.outcome).toBe('saved');
    expect(saved.body.policy).toMatchObject({ version: 2, source: 'stored' });
    expect(saved.body.policy.history[0].diff).toEqual([
      { path: 'calendar.cutoffs', before: ['16:00'], after: ['17:30'] },
    ]);
    const audit = await world.app.pool.query(
      `SELECT before, after FROM audit_log WHERE action = 'admin.policy_update' AND subject_id = 'settlement'`,
    );
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0].after).toMatchObject({ version: 2, reason: 'later cutoff' });

    const after = await startBatch();
    expect((await batchPolicy(before)).calendar.cutoffs).toEqual(['16:00']);
    expect((await batchPolicy(after)).calendar.cutoffs).toEqual(['17:30']);

    const schedule = await world.temporal.client.schedule.getHandle(SETTLEMENT_SCHEDULE_ID).describe();
    expect(schedule.spec.calendars?.[0]).toMatchObject({ hour: [{ start: 17 }], minute: [{ start: 30 }] });
    const action = schedule.action as { args?: { policy: { calendar: { cutoffs: string[] } } }[] };
    expect(action.args?.[0]?.policy.calendar.cutoffs).toEqual(['17:30']);
  });
});
