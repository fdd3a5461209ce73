// Certificate transfers over HTTP: the real server, a real worker (with the simulated registry,
// refusing deliveries to one blocked account), the Temporal dev server and PostgreSQL. KYC approval
// and VERIFIED registry accounts are test set-up (rows written directly); the certificates come from
// transfers in confirmed through the API.
import { randomInt, randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureSystemAccounts } from '../../db/ledger/index.js';
import { certificateTransferReference } from '../../domain/certificate-transfer.js';
import {
  expectBooksBalanced,
  expectError,
  post,
  startApiWorld,
  type ApiWorld,
  type Person,
} from './helpers.js';

const BLOCKED = 'EU-100-6660001-0-13';

let w: ApiWorld;
let ops: Person;
let ops2: Person;
let auditor: Person;

beforeAll(async () => {
  process.env.REGISTRY_SIM_JSON = JSON.stringify({ rejectAccounts: [BLOCKED] });
  process.env.CERTIFICATE_TRANSFER_POLICY_JSON = JSON.stringify({
    fourEyesThreshold: { EUA: '500', CEA: '500' },
  });
  w = await startApiWorld();
  [ops, ops2, auditor] = await Promise.all([
    w.person('operations'),
    w.person('operations'),
    w.person('auditor'),
  ]);
  await ensureSystemAccounts(w.app.pool);
});

afterAll(async () => {
  delete process.env.REGISTRY_SIM_JSON;
  delete process.env.CERTIFICATE_TRANSFER_POLICY_JSON;
  await w?.stop();
});

afterEach(async () => {
  await expectBooksBalanced(w, auditor);
});

interface Holder extends Person {
  accountId: string;
  registryAccountId: string;
}

/** A client with approved KYC and a VERIFIED account at `registry`. */
async function holder(
  options: { registry?: 'EU' | 'CN'; accountId?: string; kyc?: string; status?: string } = {},
) {
  const person = await w.person('client');
  const pool = w.app.pool;
  await pool.query('UPDATE app_user SET kyc_status = $2 WHERE id = $1', [
    person.id,
    options.kyc ?? 'APPROVED',
  ]);
  const registry = options.registry ?? 'EU';
  const accountId =
    options.accountId ??
    (registry === 'EU'
      ? `EU-100-${randomInt(1_000_000, 9_999_999)}-0-42`
      : `CN-HOLD-${randomInt(10_000, 99_999)}`);
  const id = randomUUID();
  await pool.query(
    `INSERT INTO registry_account (id, client_id, registry, account_id, holder_name, status)
     VALUES ($1, $2, $3, $4, 'Test Holder', $5)`,
    [id, person.id, registry, accountId, options.status ?? 'VERIFIED'],
  );
  return { ...person, accountId, registryAccountId: id } satisfies Holder;
}

function request(client: Person, body: unknown, key: string = randomUUID()) {
  return w.as(client, '/certificate-transfers', { method: 'POST', json: body, idempotencyKey: key });
}

async function requested(client: Holder, direction: 'IN' | 'OUT', quantity: string, asset = 'EUA') {
  const answer = await request(client, {
    direction,
    asset,
    quantity,
    registryAccountId: client.registryAccountId,
  });
  expect(answer.status, answer.text).toBe(201);
  return answer.body;
}

/** Certificates received through a transfer in, confirmed by operations. */
async function funded(client: Holder, quantity: string, asset = 'EUA') {
  const transfer = await requested(client, 'IN', quantity, asset);
  const confirmed = await post(w, ops, `/ops/certificate-transfers/${transfer.id}/confirm`, { quantity });
  expect(confirmed.status, confirmed.text).toBe(200);
  return confirmed.body;
}

async function balance(person: Person, asset = 'EUA') {
  const answer = await w.as(auditor, `/balances?clientId=${person.id}`);
  expect(answer.status, answer.text).toBe(200);
  return answer.body.items.find((b: { asset: string }) => b.asset === asset) ?? { available: '0', held: '0' };
}

async function waitFor(id: string, done: (t: { status: string }) => boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await w.as(ops, `/certificate-transfers/${id}`);
    expect(answer.status, answer.text).toBe(200);
    if (done(answer.body) || Date.now() > deadline) return answer.body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function deliveries(reference: string): Promise<number> {
  const { rows } = await w.app.pool.query(
    'SELECT count(*)::int AS n FROM simulated_registry_transfer WHERE transfer_id = $1',
    [reference],
  );
  return rows[0].n;
}

describe('transfers in', () => {
  it('announced → the receipt task → operations confirm what arrived → available', async () => {
    const client = await holder();
    const key = randomUUID();
    const body = {
      direction: 'IN',
      asset: 'EUA',
      quantity: '300',
      registryAccountId: client.registryAccountId,
    };
    const created = await request(client, body, key);
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({
      status: 'PENDING_RECEIPT',
      direction: 'IN',
      asset: 'EUA',
      quantity: '300',
      receivedQuantity: null,
      approvalsRequired: 0,
      registryAccount: { id: client.registryAccountId, registry: 'EU', accountId: client.accountId },
      allowedActions: ['cancel'],
    });
    expect(created.body.workflowId).toBe(`certificate-transfer-${created.body.id}`);
    expect(created.body.reference).toBe(certificateTransferReference(created.body.id));
    const again = await request(client, body, key);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(created.body.id);
    expectError(await request(client, { ...body, quantity: '301' }, key), 409, 'idempotency_conflict');

    const inbox = await w.as(ops, '/tasks?kind=certificate_transfer.confirm_receipt&limit=200');
    expect(inbox.body.items.map((t: { subjectId: string }) => t.subjectId)).toContain(created.body.id);

    expectError(
      await post(w, ops, `/ops/certificate-transfers/${created.body.id}/confirm`, { quantity: '2.5' }),
      400,
      'validation_failed',
    );
    expectError(
      await post(w, client, `/ops/certificate-transfers/${created.body.id}/confirm`, { quantity: '1' }),
      403,
      'forbidden',
    );
    const confirmed = await post(w, ops, `/ops/certificate-transfers/${created.body.id}/confirm`, {
      quantity: '290',
      note: 'Only 290 arrived',
    });
    expect(confirmed.status, confirmed.text).toBe(200);
    expect(confirmed.body).toMatchObject({ status: 'COMPLETED', receivedQuantity: '290', openTasks: [] });
    expect(await balance(client)).toMatchObject({ available: '290' });

    const entries = await w.as(auditor, `/ledger/entries?workflowId=${created.body.workflowId}`);
    expect(entries.body.items.map((e: { kind: string }) => e.kind)).toEqual(['registry.transfer_in']);
    // The client reads facts, not the staff note.
    const own = await w.as(client, `/certificate-transfers/${created.body.id}`);
    expect(JSON.stringify(own.body.timeline)).not.toContain('Only 290 arrived');
    expectError(
      await post(w, ops, `/ops/certificate-transfers/${created.body.id}/confirm`, { quantity: '1' }),
      409,
      'invalid_state',
    );
  });

  it('refuses what the contract refuses, creating nothing', async () => {
    const client = await holder();
    const other = await holder();
    const base = {
      direction: 'IN',
      asset: 'EUA',
      quantity: '10',
      registryAccountId: client.registryAccountId,
    };
    expectError(await request(client, { ...base, asset: 'CEA' }), 422, 'registry_mismatch');
    expectError(await request(client, { ...base, quantity: '1.5' }), 400, 'validation_failed');
    expectError(await request(client, { ...base, asset: 'EUR' }), 400, 'validation_failed');
    expectError(
      await request(client, { ...base, registryAccountId: other.registryAccountId }),
      404,
      'not_found',
    );
    expectError(await request(ops, base), 403, 'forbidden');
    const unverified = await holder({ status: 'PENDING_VERIFICATION' });
    expectError(
      await request(unverified, { ...base, registryAccountId: unverified.registryAccountId }),
      422,
      'registry_account_unverified',
    );
    const noKyc = await holder({ kyc: 'PENDING_REVIEW' });
    expectError(
      await request(noKyc, { ...base, registryAccountId: noKyc.registryAccountId }),
      422,
      'kyc_required',
    );
    const list = await w.as(client, '/certificate-transfers');
    expect(list.body.items).toEqual([]);
  });
});

describe('transfers out', () => {
  it('below the threshold: held, one approval, delivered once, the hold posted', async () => {
    const client = await holder();
    await funded(client, '400');
    const created = await requested(client, 'OUT', '150');
    expect(created).toMatchObject({ status: 'PENDING_APPROVAL', approvalsRequired: 1, approvalsMissing: 1 });
    expect(await balance(client)).toMatchObject({ available: '250' });
    const cancelOffered = await w.as(client, `/certificate-transfers/${created.id}`);
    expect(cancelOffered.body.allowedActions).toEqual(['cancel']);
    expectError(
      await post(w, client, `/ops/certificate-transfers/${created.id}/approve`, {}),
      403,
      'forbidden',
    );

    const approved = await post(w, ops, `/ops/certificate-transfers/${created.id}/approve`, { note: 'ok' });
    expect(approved.status, approved.text).toBe(200);
    const done = await waitFor(created.id, (t) => t.status === 'COMPLETED');
    expect(done.status).toBe('COMPLETED');
    expect(done.registryReference).toMatch(/^SIMREG-EU-/);
    expect(done.timeline.map((e: { to: string }) => e.to)).toEqual([
      'PENDING_APPROVAL',
      'PROCESSING',
      'COMPLETED',
    ]);
    expect(await deliveries(created.reference)).toBe(1);
    expect(await balance(client)).toMatchObject({ available: '250' });
    const entries = await w.as(auditor, `/ledger/entries?workflowId=${created.workflowId}`);
    expect(entries.body.items.map((e: { kind: string }) => e.kind).sort()).toEqual([
      'certificate_transfer.hold',
      'certificate_transfer.post',
    ]);
  });

  it('at the threshold: four eyes, nobody twice', async () => {
    const client = await holder();
    await funded(client, '800');
    const created = await requested(client, 'OUT', '500');
    expect(created.approvalsRequired).toBe(2);
    const first = await post(w, ops, `/ops/certificate-transfers/${created.id}/approve`, {});
    expect(first.status, first.text).toBe(200);
    expect(first.body).toMatchObject({ status: 'PENDING_APPROVAL', approvalsMissing: 1 });
    expect(first.body.allowedActions).not.toContain('approve');
    expectError(
      await post(w, ops, `/ops/certificate-transfers/${created.id}/approve`, {}),
      409,
      'already_approved_by_you',
    );
    const second = await post(w, ops2, `/ops/certificate-transfers/${created.id}/approve`, {});
    expect(second.status, second.text).toBe(200);
    const done = await waitFor(created.id, (t) => t.status === 'COMPLETED');
    expect(done.approvals.map((a: { actor: { id: string } }) => a.actor.id)).toEqual([ops.id, ops2.id]);
    expect(await deliveries(created.reference)).toBe(1);
    expect(await balance(client)).toMatchObject({ available: '300' });
  });

  it('more than is available is 422 insufficient_position and no transfer exists', async () => {
    const client = await holder();
    await funded(client, '100');
    const key = randomUUID();
    const body = {
      direction: 'OUT',
      asset: 'EUA',
      quantity: '101',
      registryAccountId: client.registryAccountId,
    };
    expectError(await request(client, body, key), 422, 'insufficient_position');
    // The same key hears the same decline.
    expectError(await request(client, body, key), 422, 'insufficient_position');
    const list = await w.as(client, '/certificate-transfers?status=PENDING_APPROVAL');
    expect(list.body.items).toEqual([]);
    expect(await balance(client)).toMatchObject({ available: '100' });
  });

  it('rejected or cancelled: the hold is voided', async () => {
    const client = await holder();
    await funded(client, '100');
    const rejectedOne = await requested(client, 'OUT', '60');
    expect(await balance(client)).toMatchObject({ available: '40' });
    const rejected = await post(w, ops, `/ops/certificate-transfers/${rejectedOne.id}/reject`, {
      reason: 'Unusual',
    });
    expect(rejected.status, rejected.text).toBe(200);
    expect(rejected.body).toMatchObject({ status: 'REJECTED', failureReason: 'Unusual' });
    expect(await balance(client)).toMatchObject({ available: '100' });

    const cancelledOne = await requested(client, 'OUT', '70');
    const cancelled = await post(w, client, `/certificate-transfers/${cancelledOne.id}/cancel`, {});
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(cancelled.body.status).toBe('CANCELLED');
    expect(await balance(client)).toMatchObject({ available: '100' });
  });

  it('the registry refuses the delivery: FAILED, the hold voided, one refused transfer at the registry', async () => {
    const client = await holder({ accountId: BLOCKED });
    await funded(client, '50');
    const created = await requested(client, 'OUT', '20');
    const approved = await post(w, ops, `/ops/certificate-transfers/${created.id}/approve`, {});
    expect(approved.status, approved.text).toBe(200);
    const done = await waitFor(created.id, (t) => t.status === 'FAILED');
    expect(done.status).toBe('FAILED');
    expect(done.failureReason).toContain('account_blocked');
    expect(await balance(client)).toMatchObject({ available: '50' });
    const { rows } = await w.app.pool.query(
      'SELECT status FROM simulated_registry_transfer WHERE transfer_id = $1',
      [created.reference],
    );
    expect(rows).toEqual([{ status: 'REJECTED' }]);
  });

  it('CEA goes through the Chinese registry', async () => {
    const client = await holder({ registry: 'CN' });
    await funded(client, '30', 'CEA');
    const created = await requested(client, 'OUT', '30', 'CEA');
    await post(w, ops, `/ops/certificate-transfers/${created.id}/approve`, {});
    const done = await waitFor(created.id, (t) => t.status === 'COMPLETED');
    expect(done.registryReference).toMatch(/^SIMREG-CN-/);
    expect(await balance(client, 'CEA')).toMatchObject({ available: '0' });
  });
});
