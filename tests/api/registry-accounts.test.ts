// Registry accounts over HTTP: the real server, a real worker (with the simulated registry, told by
// REGISTRY_SIM_JSON which accounts it does not know and whose holder it names), the Temporal dev
// server and PostgreSQL.
import { randomInt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, post, startApiWorld, type ApiWorld, type Person } from './helpers.js';

const UNKNOWN_AT_REGISTRY = 'EU-120-9999991-0-17';
const NAMED_AT_REGISTRY = 'DE-100-7000001-0-44';

let w: ApiWorld;
let clientA: Person;
let clientB: Person;
let ops: Person;
let auditor: Person;

beforeAll(async () => {
  process.env.REGISTRY_SIM_JSON = JSON.stringify({
    unknownAccounts: [UNKNOWN_AT_REGISTRY],
    holders: { [NAMED_AT_REGISTRY]: 'Lovelace Carbon GmbH' },
  });
  w = await startApiWorld();
  [clientA, clientB, ops, auditor] = await Promise.all([
    w.person('client'),
    w.person('client'),
    w.person('operations'),
    w.person('auditor'),
  ]);
});

afterAll(async () => {
  delete process.env.REGISTRY_SIM_JSON;
  await w?.stop();
});

const euId = () =>
  `EU-100-${randomInt(1_000_000, 9_999_999)}-0-${String(randomInt(0, 100)).padStart(2, '0')}`;

function register(person: Person, body: unknown, key: string = randomUUID()) {
  return w.as(person, '/registry-accounts', { method: 'POST', json: body, idempotencyKey: key });
}

async function registered(person: Person, body: Record<string, unknown>) {
  const answer = await register(person, body);
  expect(answer.status, answer.text).toBe(201);
  return answer.body as { id: string; workflowId: string; status: string; [key: string]: unknown };
}

describe('registering and verifying', () => {
  it('normalises, stores PENDING_VERIFICATION, opens a task; operations verify after the registry confirms', async () => {
    const key = randomUUID();
    const body = {
      registry: 'EU',
      accountId: ` de-100-7000001-0-44 `,
      holderName: '  Lovelace   Carbon GmbH ',
    };
    const created = await register(clientA, body, key);
    expect(created.status, created.text).toBe(201);
    const account = created.body;
    expect(account).toMatchObject({
      status: 'PENDING_VERIFICATION',
      clientId: clientA.id,
      registry: 'EU',
      accountId: NAMED_AT_REGISTRY,
      holderName: 'Lovelace Carbon GmbH',
      verifiedAt: null,
      allowedActions: [],
    });
    expect(account.workflowId).toBe(`registry-account-${account.id}`);
    expect(account).not.toHaveProperty('openTasks');

    // The same key is the same account; another body under it a conflict; the same account again
    // under a new key is refused while the first is live.
    const retried = await register(clientA, body, key);
    expect(retried.status).toBe(201);
    expect(retried.body.id).toBe(account.id);
    expectError(
      await register(clientA, { ...body, holderName: 'Someone Else' }, key),
      409,
      'idempotency_conflict',
    );
    expectError(await register(clientA, body), 409, 'registry_account_exists');

    const inbox = await w.as(ops, '/tasks?kind=registry_account.verify&limit=200');
    expect(inbox.status, inbox.text).toBe(200);
    const task = inbox.body.items.find((t: { subjectId: string }) => t.subjectId === account.id);
    expect(task).toMatchObject({ kind: 'registry_account.verify', requiredRole: 'operations' });

    const staffView = await w.as(ops, `/registry-accounts/${account.id}`);
    expect(staffView.body).toMatchObject({
      allowedActions: ['verify', 'reject'],
      clientEmail: clientA.email,
    });
    expect(staffView.body.openTasks).toEqual([
      expect.objectContaining({ kind: 'registry_account.verify', status: 'open' }),
    ]);

    // Only operations verify; another client does not even see it.
    expectError(await post(w, clientA, `/ops/registry-accounts/${account.id}/verify`, {}), 403, 'forbidden');
    expectError(await w.as(clientB, `/registry-accounts/${account.id}`), 404, 'not_found');

    const verified = await post(w, ops, `/ops/registry-accounts/${account.id}/verify`, {
      note: 'Registry checked',
    });
    expect(verified.status, verified.text).toBe(200);
    expect(verified.body).toMatchObject({
      status: 'VERIFIED',
      verifiedBy: ops.id,
      verificationNote: 'Registry checked',
      registryHolderName: 'Lovelace Carbon GmbH',
      openTasks: [],
      allowedActions: [],
    });
    expect(verified.body.timeline.map((e: { to: string }) => e.to)).toEqual([
      'PENDING_VERIFICATION',
      'VERIFIED',
    ]);
    expectError(await post(w, ops, `/ops/registry-accounts/${account.id}/verify`, {}), 409, 'invalid_state');

    const own = await w.as(clientA, `/registry-accounts/${account.id}`);
    expect(own.body).toMatchObject({ status: 'VERIFIED' });
    expect(own.body).not.toHaveProperty('verificationNote');
    expect(own.body).not.toHaveProperty('registryHolderName');
    const list = await w.as(clientA, '/registry-accounts?status=VERIFIED');
    expect(list.body.items.map((a: { id: string }) => a.id)).toContain(account.id);
    const others = await w.as(clientB, '/registry-accounts');
    expect(others.body.items.map((a: { id: string }) => a.id)).not.toContain(account.id);

    // Every staff action is in the audit log.
    const audit = await w.as(auditor, `/audit/log?limit=200`);
    expect(audit.status, audit.text).toBe(200);
    const actions = audit.body.items
      .filter((e: { subject?: { id?: string }; subjectId?: string }) =>
        JSON.stringify(e).includes(account.id),
      )
      .map((e: { action: string }) => e.action);
    expect(actions).toContain('registry_account.verify');
  });

  it('an account the registry does not know is 422 and stays pending; operations then reject it', async () => {
    const account = await registered(clientA, {
      registry: 'EU',
      accountId: UNKNOWN_AT_REGISTRY,
      holderName: 'Nobody',
    });
    expectError(
      await post(w, ops, `/ops/registry-accounts/${account.id}/verify`, {}),
      422,
      'registry_account_not_found',
    );
    const still = await w.as(ops, `/registry-accounts/${account.id}`);
    expect(still.body.status).toBe('PENDING_VERIFICATION');
    expectError(
      await post(w, ops, `/ops/registry-accounts/${account.id}/reject`, {}),
      400,
      'validation_failed',
    );
    const rejected = await post(w, ops, `/ops/registry-accounts/${account.id}/reject`, {
      reason: 'Unknown at the Union Registry',
    });
    expect(rejected.status, rejected.text).toBe(200);
    expect(rejected.body).toMatchObject({
      status: 'REJECTED',
      rejectionReason: 'Unknown at the Union Registry',
    });
    // A rejected account no longer blocks registering it again.
    await registered(clientA, { registry: 'EU', accountId: UNKNOWN_AT_REGISTRY, holderName: 'Nobody' });
  });

  it('a Chinese registry account has its own shape', async () => {
    const account = await registered(clientB, {
      registry: 'CN',
      accountId: `cn-hold-${randomInt(10_000_000, 99_999_999)}`,
      holderName: 'Babbage Trading Co',
    });
    expect(account.accountId).toMatch(/^CN-HOLD-\d{8}$/);
    const verified = await post(w, ops, `/ops/registry-accounts/${account.id}/verify`, {});
    expect(verified.status, verified.text).toBe(200);
    expect(verified.body.status).toBe('VERIFIED');
  });
});

describe('malformed registrations create nothing', () => {
  it.each([
    [{ registry: 'EU', accountId: 'EU-100-5012345-0', holderName: 'A' }, 'wrong_format', 'no check digits'],
    [{ registry: 'EU', accountId: 'EU-10-5012345-0-61', holderName: 'A' }, 'wrong_format', 'two-digit type'],
    [
      { registry: 'EU', accountId: 'EU-100-50A2345-0-61', holderName: 'A' },
      'wrong_format',
      'a letter in the number',
    ],
    [
      { registry: 'EU', accountId: 'EU-100-5012345-00-61', holderName: 'A' },
      'wrong_format',
      'two-digit period',
    ],
    [
      { registry: 'EU', accountId: 'US-100-5012345-0-61', holderName: 'A' },
      'unknown_registry_code',
      'not a member state',
    ],
    [{ registry: 'EU', accountId: 'CN-HOLD-00012345', holderName: 'A' }, 'wrong_format', 'a CN id at EU'],
    [{ registry: 'CN', accountId: 'EU-100-5012345-0-61', holderName: 'A' }, 'wrong_format', 'an EU id at CN'],
    [{ registry: 'CN', accountId: 'CN-HOLD-123', holderName: 'A' }, 'wrong_format', 'CN number too short'],
    [
      { registry: 'US', accountId: 'EU-100-5012345-0-61', holderName: 'A' },
      'invalid_value',
      'unknown registry',
    ],
    [{ registry: 'EU', accountId: euId(), holderName: '   ' }, 'required', 'no holder'],
  ])('%j → 400 %s (%s)', async (body, code) => {
    const client = await w.person('client');
    const answer = await register(client, body);
    expectError(answer, 400, 'validation_failed');
    expect(JSON.stringify(answer.body.error.details)).toContain(code);
    const { rows } = await w.app.pool.query(
      'SELECT count(*)::int AS n FROM registry_account WHERE client_id = $1',
      [client.id],
    );
    expect(rows[0].n).toBe(0);
  });

  it('only clients register', async () => {
    expectError(
      await register(ops, { registry: 'EU', accountId: euId(), holderName: 'A' }),
      403,
      'forbidden',
    );
  });
});
