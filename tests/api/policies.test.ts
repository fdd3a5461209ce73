// Versioned policies over HTTP, on a database of this file's own (a stored version outranks the
// environment, so it must not reach the other test files' lifecycles): the first defaults come from
// the environment as version 1, a save becomes the next version for new lifecycles while a running
// deposit keeps its policy, a bad policy is 400, a money-moving change waits for a second admin,
// who may read and write, and the audit trail with the diff.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// Before any module reads DATABASE_URL: this file's own database (created and migrated below).
vi.hoisted(() => {
  process.env.DATABASE_URL = `${process.env.DATABASE_URL}_policies`;
});

import { announced, startApiWorld, TEST_DEPOSIT_POLICY, type ApiWorld, type Person } from './helpers.js';
import { useOwnDatabase } from '../support/own-database.js';

let world: ApiWorld;
let admin: Person;
let secondAdmin: Person;

useOwnDatabase('_policies');

beforeAll(async () => {
  world = await startApiWorld();
  admin = await world.person('admin');
  secondAdmin = await world.person('admin');
});

afterAll(async () => {
  await world?.stop();
});

/** How long the deposit's confirm task is due after it opened: its policy's announcementWindowMs. */
async function announcementWindowMsOf(workflowId: string): Promise<number> {
  const { rows } = await world.app.pool.query<{ ms: number }>(
    `SELECT (extract(epoch FROM due_at - created_at) * 1000)::int AS ms FROM task WHERE workflow_id = $1 ORDER BY created_at LIMIT 1`,
    [workflowId],
  );
  expect(rows).toHaveLength(1);
  return rows[0]!.ms;
}

describe('policies', () => {
  it('start as version 1 from the environment, readable by staff and auditors, not clients', async () => {
    const auditor = await world.person('auditor');
    const listed = await world.as(auditor, '/admin/policies');
    expect(listed.status).toBe(200);
    const names = listed.body.items.map((p: { name: string }) => p.name);
    expect(names).toEqual(expect.arrayContaining(['auth', 'deposit', 'kyc', 'trading', 'withdrawal']));
    const deposit = listed.body.items.find((p: { name: string }) => p.name === 'deposit');
    expect(deposit).toMatchObject({ version: 1, source: 'environment', variable: 'DEPOSIT_POLICY_JSON' });
    expect(deposit.policy).toMatchObject(TEST_DEPOSIT_POLICY);
    const client = await world.person('client');
    expect((await world.as(client, '/admin/policies')).status).toBe(403);
    const put = await world.as(auditor, '/admin/policies/deposit', {
      method: 'PUT',
      json: { policy: { shortHoldMs: 1 } },
    });
    expect(put.status).toBe(403);
  });

  it('a save is the next version for new deposits; a running deposit keeps its policy', async () => {
    const client = await world.person('client');
    const before = await announced(world, client);
    const saved = await world.as(admin, '/admin/policies/deposit', {
      method: 'PUT',
      json: { policy: { announcementWindowMs: 300_000 }, reason: 'longer window' },
    });
    expect(saved.status).toBe(200);
    expect(saved.body.outcome).toBe('saved');
    expect(saved.body.policy).toMatchObject({ version: 2, source: 'stored' });
    expect(saved.body.policy.policy.announcementWindowMs).toBe(300_000);
    expect(saved.body.policy.policy.shortHoldMs).toBe(TEST_DEPOSIT_POLICY.shortHoldMs);
    expect(saved.body.policy.history.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect(saved.body.policy.history[0].diff).toEqual([
      { path: 'announcementWindowMs', before: TEST_DEPOSIT_POLICY.announcementWindowMs, after: 300_000 },
    ]);

    const after = await announced(world, client);
    expect(await announcementWindowMsOf(before.workflowId)).toBe(TEST_DEPOSIT_POLICY.announcementWindowMs);
    expect(await announcementWindowMsOf(after.workflowId)).toBe(300_000);

    // The environment no longer matters once a version is stored.
    process.env.DEPOSIT_POLICY_JSON = JSON.stringify({ ...TEST_DEPOSIT_POLICY, announcementWindowMs: 5_000 });
    const later = await announced(world, client);
    expect(await announcementWindowMsOf(later.workflowId)).toBe(300_000);

    const same = await world.as(admin, '/admin/policies/deposit', {
      method: 'PUT',
      json: { policy: { announcementWindowMs: 300_000 } },
    });
    expect(same.body.outcome).toBe('unchanged');
    expect(same.body.policy.version).toBe(2);

    const { rows } = await world.app.pool.query(
      `SELECT before, after FROM audit_log WHERE action = 'admin.policy_update' AND subject_id = 'deposit'`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].before).toMatchObject({ version: 1 });
    expect(rows[0].after).toMatchObject({ version: 2, reason: 'longer window' });
  });

  it('refuses a policy its lifecycle’s check refuses (400), keeping the version', async () => {
    const bad = await world.as(admin, '/admin/policies/deposit', {
      method: 'PUT',
      json: { policy: { shortHoldMs: -5, maxHoldMs: 'soon' } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    expect((await world.as(admin, '/admin/policies/deposit')).body.version).toBe(2);
    expect((await world.as(admin, '/admin/policies/nonsense')).status).toBe(404);
  });

  it('a money-moving change waits for a second admin', async () => {
    const asked = await world.as(admin, '/admin/policies/withdrawal', {
      method: 'PUT',
      json: { policy: { fourEyesThreshold: { EUR: '5000.00', USD: '10000.00' } }, reason: 'tighter' },
    });
    expect(asked.status).toBe(202);
    expect(asked.body.outcome).toBe('pending_approval');
    expect(asked.body.policy.version).toBe(1);
    const change = asked.body.change;
    expect(change.diff).toEqual([{ path: 'fourEyesThreshold.EUR', before: '10000.00', after: '5000.00' }]);
    expect(change.requestedBy).toMatchObject({ id: admin.id, email: admin.email });

    const own = await world.as(admin, `/admin/policies/withdrawal/changes/${change.id}/approve`, {
      method: 'POST',
      json: {},
    });
    expect(own.status).toBe(403);
    const approved = await world.as(secondAdmin, `/admin/policies/withdrawal/changes/${change.id}/approve`, {
      method: 'POST',
      json: {},
    });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ version: 2, source: 'stored', pending: [] });
    expect(approved.body.policy.fourEyesThreshold.EUR).toBe('5000.00');
    expect(approved.body.history[0].approvedBy).toMatchObject({ id: secondAdmin.id });
    const twice = await world.as(secondAdmin, `/admin/policies/withdrawal/changes/${change.id}/approve`, {
      method: 'POST',
      json: {},
    });
    expect(twice.status).toBe(409);

    // A non-money field of the same policy applies at once.
    const sla = await world.as(admin, '/admin/policies/withdrawal', {
      method: 'PUT',
      json: { policy: { approvalSlaMs: 7_200_000 } },
    });
    expect(sla.status).toBe(200);
    expect(sla.body.policy.version).toBe(3);
  });

  it('a rejected change leaves the policy as it was', async () => {
    const asked = await world.as(admin, '/admin/policies/trading', {
      method: 'PUT',
      json: { policy: { maxOrderQuantity: 5 } },
    });
    expect(asked.status).toBe(202);
    const rejected = await world.as(
      secondAdmin,
      `/admin/policies/trading/changes/${asked.body.change.id}/reject`,
      {
        method: 'POST',
        json: {},
      },
    );
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ version: 1, source: 'environment', pending: [] });
  });
});
