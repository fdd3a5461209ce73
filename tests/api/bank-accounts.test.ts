// Bank accounts over HTTP: the real server, a real worker, the Temporal dev server and PostgreSQL.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, post, startApiWorld, type ApiWorld, type Person } from './helpers.js';

let w: ApiWorld;
let clientA: Person;
let clientB: Person;
let ops: Person;
let admin: Person;
let aml: Person;
let auditor: Person;

beforeAll(async () => {
  w = await startApiWorld();
  [clientA, clientB, ops, admin, aml, auditor] = await Promise.all([
    w.person('client'),
    w.person('client'),
    w.person('operations'),
    w.person('admin'),
    w.person('aml_officer'),
    w.person('auditor'),
  ]);
});

afterAll(async () => {
  await w?.stop();
});

const GOOD = {
  iban: 'de89 3704 0044 0532 0130 00',
  bic: 'coba de ff xxx',
  accountName: 'Ada Lovelace',
  bankName: 'Commerzbank',
  country: 'de',
};

function register(person: Person, body: unknown, key: string = randomUUID()) {
  return w.as(person, '/bank-accounts', { method: 'POST', json: body, idempotencyKey: key });
}

async function registered(person: Person, body: unknown = GOOD) {
  const answer = await register(person, body);
  expect(answer.status, answer.text).toBe(201);
  return answer.body as { id: string; workflowId: string; status: string; [key: string]: unknown };
}

async function rowsOf(clientId: string): Promise<number> {
  const { rows } = await w.app.pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM bank_account WHERE client_id = $1`,
    [clientId],
  );
  return Number(rows[0]!.n);
}

/** A fresh client with no accounts yet (the bad-input tests count rows). */
async function freshClient(): Promise<Person> {
  return w.person('client');
}

describe('registering and verifying', () => {
  it('normalises, stores PENDING_VERIFICATION, opens a verify task; operations verify; the owner removes', async () => {
    const key = randomUUID();
    const created = await register(clientA, GOOD, key);
    expect(created.status, created.text).toBe(201);
    const account = created.body;
    expect(account).toMatchObject({
      status: 'PENDING_VERIFICATION',
      clientId: clientA.id,
      iban: 'DE89370400440532013000',
      ibanDisplay: 'DE89 3704 0044 0532 0130 00',
      bic: 'COBADEFFXXX',
      accountName: 'Ada Lovelace',
      bankName: 'Commerzbank',
      country: 'DE',
      verifiedAt: null,
      allowedActions: ['remove'],
    });
    expect(account.workflowId).toBe(`bank-account-${account.id}`);
    expect(account.timeline.map((e: { to: string }) => e.to)).toEqual(['PENDING_VERIFICATION']);
    expect(account).not.toHaveProperty('openTasks');
    const { rows } = await w.app.pool.query(`SELECT iban, bic, status FROM bank_account WHERE id = $1`, [
      account.id,
    ]);
    expect(rows).toEqual([
      { iban: 'DE89370400440532013000', bic: 'COBADEFFXXX', status: 'PENDING_VERIFICATION' },
    ]);

    // A retry with the same key is the same account; another body with that key is a conflict;
    // the same IBAN again under a new key is refused while the first is live.
    const retried = await register(clientA, GOOD, key);
    expect(retried.status).toBe(201);
    expect(retried.body.id).toBe(account.id);
    expectError(
      await register(clientA, { ...GOOD, bankName: 'Other Bank' }, key),
      409,
      'idempotency_conflict',
    );
    expectError(await register(clientA, GOOD), 409, 'bank_account_exists');

    // The inbox shows the verification task to operations.
    const inbox = await w.as(ops, '/tasks?kind=bank_account.verify&limit=200');
    expect(inbox.status).toBe(200);
    const task = inbox.body.items.find((t: { subjectId: string }) => t.subjectId === account.id);
    expect(task).toMatchObject({
      kind: 'bank_account.verify',
      requiredRole: 'operations',
      subject: {
        type: 'bank_account',
        id: account.id,
        status: 'PENDING_VERIFICATION',
        clientEmail: clientA.email,
      },
    });

    const staffView = await w.as(ops, `/bank-accounts/${account.id}`);
    expect(staffView.body).toMatchObject({
      allowedActions: ['verify', 'reject'],
      clientEmail: clientA.email,
    });
    expect(staffView.body.openTasks).toEqual([
      expect.objectContaining({ kind: 'bank_account.verify', status: 'open' }),
    ]);

    const verified = await post(w, ops, `/ops/bank-accounts/${account.id}/verify`, {
      note: 'Statement checked',
    });
    expect(verified.status, verified.text).toBe(200);
    expect(verified.body).toMatchObject({
      status: 'VERIFIED',
      verifiedBy: ops.id,
      verificationNote: 'Statement checked',
      openTasks: [],
    });
    expect(verified.body.verifiedAt).not.toBeNull();
    expectError(await post(w, ops, `/ops/bank-accounts/${account.id}/verify`, {}), 409, 'invalid_state');

    const own = await w.as(clientA, `/bank-accounts/${account.id}`);
    expect(own.body).toMatchObject({ status: 'VERIFIED', allowedActions: ['remove'] });
    expect(own.body).not.toHaveProperty('verificationNote');
    const list = await w.as(clientA, '/bank-accounts');
    expect(list.body.items.map((a: { id: string }) => a.id)).toContain(account.id);
    expect(list.body.items.every((a: { clientId: string }) => a.clientId === clientA.id)).toBe(true);

    const removed = await w.as(clientA, `/bank-accounts/${account.id}`, { method: 'DELETE' });
    expect(removed.status, removed.text).toBe(200);
    expect(removed.body).toMatchObject({ status: 'REMOVED', allowedActions: [] });
    expect(removed.body.timeline.map((e: { to: string }) => e.to)).toEqual([
      'PENDING_VERIFICATION',
      'VERIFIED',
      'REMOVED',
    ]);
    // Once removed, the same IBAN can be registered again.
    await registered(clientA);
  });

  it('operations reject with a reason (required); the client sees it', async () => {
    const client = await freshClient();
    const account = await registered(client, {
      ...GOOD,
      iban: 'GB82 WEST 1234 5698 7654 32',
      bic: 'NWBKGB2L',
      country: 'GB',
    });
    expectError(
      await post(w, ops, `/ops/bank-accounts/${account.id}/reject`, { reason: '  ' }),
      400,
      'validation_failed',
    );
    const rejected = await post(w, admin, `/ops/bank-accounts/${account.id}/reject`, {
      reason: 'Holder name differs',
    });
    expect(rejected.status, rejected.text).toBe(200);
    expect(rejected.body).toMatchObject({ status: 'REJECTED', rejectionReason: 'Holder name differs' });
    const own = await w.as(client, `/bank-accounts/${account.id}`);
    expect(own.body).toMatchObject({
      status: 'REJECTED',
      rejectionReason: 'Holder name differs',
      allowedActions: [],
    });
    expectError(
      await w.as(client, `/bank-accounts/${account.id}`, { method: 'DELETE' }),
      409,
      'invalid_state',
    );
  });

  it('cannot be removed while a withdrawal to it is in flight', async () => {
    const client = await freshClient();
    const account = await registered(client, {
      ...GOOD,
      iban: 'NL91ABNA0417164300',
      bic: 'ABNANL2A',
      country: 'NL',
    });
    expect((await post(w, ops, `/ops/bank-accounts/${account.id}/verify`, {})).status).toBe(200);
    const withdrawalId = randomUUID();
    await w.app.pool.query(
      `INSERT INTO lifecycle (workflow_id, type, business_id, owner_id, status, attributes, created_at, updated_at, last_seq)
       VALUES ($1, 'withdrawal', $2, $3, 'PROCESSING', $4, now(), now(), 1)`,
      [
        `withdrawal-${withdrawalId}`,
        withdrawalId,
        client.id,
        JSON.stringify({ bankAccountId: account.id, amount: '10.00' }),
      ],
    );
    const refused = await w.as(client, `/bank-accounts/${account.id}`, { method: 'DELETE' });
    expectError(refused, 409, 'invalid_state');
    expect(refused.body.error.message).toMatch(/withdrawal/);
    expect(refused.body.error.details.openWithdrawals).toEqual([withdrawalId]);
    expect((await w.as(client, `/bank-accounts/${account.id}`)).body.status).toBe('VERIFIED');

    await w.app.pool.query(
      `UPDATE lifecycle SET status = 'COMPLETED', closed_at = now() WHERE workflow_id = $1`,
      [`withdrawal-${withdrawalId}`],
    );
    const removed = await w.as(client, `/bank-accounts/${account.id}`, { method: 'DELETE' });
    expect(removed.status, removed.text).toBe(200);
    expect(removed.body.status).toBe('REMOVED');
  });
});

describe('bad input: 400 and nothing stored', () => {
  // Real-world mistakes, each with the issue code the API reports on `iban`.
  const BAD_IBANS: [string, string, string][] = [
    ['DE89370400440532013001', 'wrong_check_digits', 'last digit mistyped'],
    ['DE89 3704 0044 0532 0310 00', 'wrong_check_digits', 'two digits swapped'],
    ['DE98370400440532013000', 'wrong_check_digits', 'check digits swapped'],
    ['DE8937040044053201300', 'wrong_length', 'a digit short for Germany (22)'],
    ['DE89 3704 0044 0532 0130 000', 'wrong_length', 'a digit too many for Germany'],
    ['DE89370400440532O13000', 'wrong_format', 'letter O instead of zero'],
    ['DE89370400440532I13000', 'wrong_format', 'letter I instead of one'],
    ['UK89370400440532013000', 'unknown_country', 'UK instead of GB'],
    ['XX89370400440532013000', 'unknown_country', 'no such country'],
    ['370400440532013000', 'unknown_country', 'the national account number without the IBAN prefix'],
    ['DE89-3704-0044-0532-0130-00/', 'invalid_characters', 'a stray slash'],
    ['', 'required', 'empty'],
  ];
  it.each(BAD_IBANS)('IBAN %j (%s: %s)', async (iban, code) => {
    const client = await freshClient();
    const answer = await register(client, { ...GOOD, iban });
    expectError(answer, 400, 'validation_failed');
    expect(answer.body.error.details.issues).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: 'iban', code })]),
    );
    expect(answer.body.error.message.length).toBeGreaterThan(10);
    expect(await rowsOf(client.id)).toBe(0);
    // The same key can be used again once the request is fixed (400 is not stored).
  });

  it.each([
    ['DEUTDEF', 'wrong_format'],
    ['DEU1DEFF', 'wrong_format'],
    ['COBAXXFF', 'unknown_country'],
    ['COBADEF0', 'test_bic'],
    ['BNPAFRPP', 'country_mismatch'],
    ['', 'required'],
  ])('BIC %j (%s)', async (bic, code) => {
    const client = await freshClient();
    const answer = await register(client, { ...GOOD, bic });
    expectError(answer, 400, 'validation_failed');
    expect(answer.body.error.details.issues).toEqual([expect.objectContaining({ path: 'bic', code })]);
    expect(await rowsOf(client.id)).toBe(0);
  });

  it('a country that is not the IBAN’s, missing names, wrong types', async () => {
    const client = await freshClient();
    const country = await register(client, { ...GOOD, country: 'AT' });
    expectError(country, 400, 'validation_failed');
    expect(country.body.error.details.issues).toEqual([
      expect.objectContaining({ path: 'country', code: 'country_mismatch' }),
    ]);
    const names = await register(client, { iban: GOOD.iban, bic: GOOD.bic, country: 'DE' });
    expectError(names, 400, 'validation_failed');
    expect(names.body.error.details.issues.map((i: { path: string }) => i.path).sort()).toEqual([
      'accountName',
      'bankName',
    ]);
    expectError(await register(client, { ...GOOD, iban: 12345 }), 400, 'validation_failed');
    expectError(
      await w.as(client, '/bank-accounts', { method: 'POST', json: GOOD }),
      400,
      'validation_failed',
    ); // no key
    expect(await rowsOf(client.id)).toBe(0);
    const fixedKey = randomUUID();
    expectError(await register(client, { ...GOOD, iban: 'DE00' }, fixedKey), 400, 'validation_failed');
    expect((await register(client, GOOD, fixedKey)).status).toBe(201);
  });
});

describe('who may do what', () => {
  let account: { id: string };
  beforeAll(async () => {
    account = await registered(clientA, {
      ...GOOD,
      iban: 'FR14 2004 1010 0505 0001 3M02 606',
      bic: 'PSSTFRPPXXX',
      country: 'FR',
    });
  });

  it('another client’s account is 404 everywhere, never 403', async () => {
    expectError(await w.as(clientB, `/bank-accounts/${account.id}`), 404, 'not_found');
    expectError(await w.as(clientB, `/bank-accounts/${account.id}`, { method: 'DELETE' }), 404, 'not_found');
    expectError(await w.as(clientB, `/bank-accounts/${randomUUID()}`), 404, 'not_found');
    expectError(await w.as(clientB, '/bank-accounts/not-a-uuid'), 404, 'not_found');
    const list = await w.as(clientB, `/bank-accounts?clientId=${clientA.id}`);
    expect(list.body.items).toEqual([]);
    expectError(await post(w, ops, `/ops/bank-accounts/${randomUUID()}/verify`, {}), 404, 'not_found');
  });

  it('clients cannot verify, staff cannot register or remove, auditors only read', async () => {
    expectError(await post(w, clientA, `/ops/bank-accounts/${account.id}/verify`, {}), 403, 'forbidden');
    expectError(
      await post(w, clientA, `/ops/bank-accounts/${account.id}/reject`, { reason: 'x' }),
      403,
      'forbidden',
    );
    expectError(await post(w, aml, `/ops/bank-accounts/${account.id}/verify`, {}), 403, 'forbidden');
    expectError(await post(w, auditor, `/ops/bank-accounts/${account.id}/verify`, {}), 403, 'forbidden');
    expectError(await register(ops, GOOD), 403, 'forbidden');
    expectError(await register(auditor, GOOD), 403, 'forbidden');
    expectError(await w.as(ops, `/bank-accounts/${account.id}`, { method: 'DELETE' }), 403, 'forbidden');
    expectError(await w.as(auditor, `/bank-accounts/${account.id}`, { method: 'DELETE' }), 403, 'forbidden');
    expectError(await w.as(null, '/bank-accounts'), 401, 'unauthenticated');

    const all = await w.as(auditor, `/bank-accounts?clientId=${clientA.id}&limit=200`);
    expect(all.status).toBe(200);
    expect(all.body.items.map((a: { id: string }) => a.id)).toContain(account.id);
    expect(all.body.items[0].allowedActions).toEqual([]);
    const staffAll = await w.as(ops, '/bank-accounts?status=PENDING_VERIFICATION&limit=200');
    expect(staffAll.body.items.some((a: { clientId: string }) => a.clientId === clientA.id)).toBe(true);
    expect((await w.as(clientA, `/bank-accounts/${account.id}`)).body.status).toBe('PENDING_VERIFICATION');
  });
});
