// Withdrawals through HTTP: the real server, a real worker (with the simulated bank), the Temporal dev
// server and PostgreSQL. KYC approval and a VERIFIED bank account are test set-up (rows written
// directly); the funds come from deposit postings in the ledger.
import { randomInt, randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors.js';
import { cancelWithdrawal, createWithdrawal } from '../../api/services/withdrawals.js';
import { ensureClientAccounts, ensureSystemAccounts } from '../../db/ledger/index.js';
import { withdrawalPayoutId } from '../../domain/withdrawal.js';
import { clearedDeposit } from '../support/ledger-funds.js';
import {
  expectBooksBalanced,
  expectError,
  openEvents,
  post,
  startApiWorld,
  transitions,
  type ApiWorld,
  type Person,
} from './helpers.js';

let w: ApiWorld;
let ops: Person;
let ops2: Person;
let aml: Person;
let auditor: Person;
let admin: Person;

beforeAll(async () => {
  w = await startApiWorld();
  [ops, ops2, aml, auditor, admin] = await Promise.all([
    w.person('operations'),
    w.person('operations'),
    w.person('aml_officer'),
    w.person('auditor'),
    w.person('admin'),
  ]);
  await ensureSystemAccounts(w.app.pool);
});

afterAll(async () => {
  await w?.stop();
});

afterEach(async () => {
  await expectBooksBalanced(w, auditor);
});

interface Withdrawer extends Person {
  bankAccountId: string;
  iban: string;
}

/** A client with approved KYC, a VERIFIED account and `funds` (minor units of EUR) available. */
async function withdrawer(
  options: { funds?: bigint; kyc?: string; accountStatus?: string } = {},
): Promise<Withdrawer> {
  const person = await w.person('client');
  const pool = w.app.pool;
  await pool.query('UPDATE app_user SET kyc_status = $2 WHERE id = $1', [
    person.id,
    options.kyc ?? 'APPROVED',
  ]);
  const iban = `DE89370400440${String(randomInt(0, 1e9)).padStart(9, '0')}`;
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO bank_account (client_id, iban, bic, account_name, bank_name, country, status)
     VALUES ($1, $2, 'COBADEFFXXX', 'Test Client', 'Commerzbank', 'DE', $3) RETURNING id`,
    [person.id, iban, options.accountStatus ?? 'VERIFIED'],
  );
  await ensureClientAccounts(pool, person.id, 'EUR');
  const funds = options.funds ?? 5_000_000n;
  if (funds > 0n) {
    await clearedDeposit(pool, person.id, 'EUR', funds, `test-fund/${person.id}`);
  }
  return { ...person, bankAccountId: rows[0]!.id, iban };
}

function request(client: Person, body: unknown, key: string = randomUUID()) {
  return w.as(client, '/withdrawals', { method: 'POST', json: body, idempotencyKey: key });
}

async function requested(client: Withdrawer, amount: string) {
  const answer = await request(client, { amount, currency: 'EUR', bankAccountId: client.bankAccountId });
  expect(answer.status, answer.text).toBe(201);
  return answer.body;
}

async function eur(person: Person, reader: Person = person) {
  const answer = await w.as(reader, `/balances${reader.id === person.id ? '' : `?clientId=${person.id}`}`);
  expect(answer.status, answer.text).toBe(200);
  return answer.body.items.find((b: { asset: string }) => b.asset === 'EUR');
}

async function waitFor(
  reader: Person,
  id: string,
  done: (w: { status: string }) => boolean,
  timeoutMs = 20_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await w.as(reader, `/withdrawals/${id}`);
    expect(answer.status, answer.text).toBe(200);
    if (done(answer.body) || Date.now() > deadline) return answer.body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('withdrawals over HTTP', () => {
  it('request → reserved → inbox → approve → paid: balance, timeline, ledger, bank', async () => {
    const client = await withdrawer({ funds: 100_000n });
    const created = await requested(client, '250.5');
    expect(created).toMatchObject({
      status: 'PENDING_APPROVAL',
      clientId: client.id,
      amount: '250.50',
      currency: 'EUR',
      bankAccountId: client.bankAccountId,
      bankAccount: { id: client.bankAccountId, iban: client.iban, bic: 'COBADEFFXXX' },
      approvalsRequired: 1,
      approvals: [],
      approvalsMissing: 1,
      secondApproverNeeded: false,
      allowedActions: ['cancel'],
    });
    expect(created.workflowId).toBe(`withdrawal-${created.id}`);
    expect(created).not.toHaveProperty('openTasks');
    expect(created).not.toHaveProperty('approvalDueAt');
    expect(transitions(created)).toEqual(['∅→PENDING_APPROVAL']);
    // Reserved at once: available fell, pending shows the hold.
    expect(await eur(client)).toMatchObject({ available: '749.50', pending: '250.50' });

    // Visibility: the owner and staff see it; another client gets 404; lists follow the same rule.
    const stranger = await withdrawer();
    expectError(await w.as(stranger, `/withdrawals/${created.id}`), 404, 'not_found');
    expect((await w.as(stranger, '/withdrawals')).body.items).toEqual([]);
    expect((await w.as(client, '/withdrawals')).body.items.map((x: { id: string }) => x.id)).toEqual([
      created.id,
    ]);
    const staffList = await w.as(ops, `/withdrawals?clientId=${client.id}&status=PENDING_APPROVAL`);
    expect(staffList.body.items.map((x: { id: string }) => x.id)).toEqual([created.id]);
    const staffView = (await w.as(ops, `/withdrawals/${created.id}`)).body;
    expect(staffView.allowedActions).toEqual(['approve', 'reject']);
    expect(staffView.openTasks).toMatchObject([{ kind: 'withdrawal.approve', status: 'open' }]);
    expect((await w.as(auditor, `/withdrawals/${created.id}`)).body.allowedActions).toEqual([]);

    // The inbox has the approval task.
    const inbox = await w.as(ops, '/tasks?kind=withdrawal.approve');
    expect(inbox.body.items.map((t: { subjectId: string }) => t.subjectId)).toContain(created.id);

    const approved = await post(w, ops, `/ops/withdrawals/${created.id}/approve`, { note: 'Checked' });
    expect(approved.status, approved.text).toBe(200);
    expect(approved.body).toMatchObject({
      status: 'PROCESSING',
      approvals: [{ actor: { id: ops.id }, note: 'Checked' }],
    });

    const done = await waitFor(client, created.id, (x) => x.status === 'COMPLETED');
    expect(done.status).toBe('COMPLETED');
    expect(transitions(done)).toEqual([
      '∅→PENDING_APPROVAL',
      'PENDING_APPROVAL→PROCESSING',
      'PROCESSING→COMPLETED',
    ]);
    expect(done.bankReference).toBe(`SIMBANK-${withdrawalPayoutId(created.id)}`);
    // Clients see the fact of an approval, not the staff note.
    expect(done.timeline[1].reason).toBe('Approved; the payout is under way');
    expect(done.approvals[0]).not.toHaveProperty('note');
    expect(await eur(client)).toMatchObject({ available: '749.50', pending: '0.00' });
    const payouts = await w.app.pool.query(
      'SELECT count(*)::int AS n FROM simulated_bank_payout WHERE payout_id = $1',
      [withdrawalPayoutId(created.id)],
    );
    expect(payouts.rows[0].n).toBe(1);
    const entries = await w.as(auditor, `/ledger/entries?workflowId=${created.workflowId}`);
    expect(entries.body.items.map((e: { kind: string }) => e.kind).sort()).toEqual([
      'withdrawal.hold',
      'withdrawal.post',
    ]);
    // Over: nothing more to do.
    expectError(await post(w, client, `/withdrawals/${created.id}/cancel`), 409, 'invalid_state');
  });

  it('refuses requests by the contract: KYC, account, funds, shape, role — and keeps nothing', async () => {
    const client = await withdrawer({ funds: 10_000n });
    const body = (extra: Record<string, unknown> = {}) => ({
      amount: '10.00',
      currency: 'EUR',
      bankAccountId: client.bankAccountId,
      ...extra,
    });

    const noKyc = await withdrawer({ kyc: 'PENDING_REVIEW' });
    expectError(await request(noKyc, { ...body(), bankAccountId: noKyc.bankAccountId }), 422, 'kyc_required');
    const unverified = await withdrawer({ accountStatus: 'PENDING_VERIFICATION' });
    expectError(
      await request(unverified, { ...body(), bankAccountId: unverified.bankAccountId }),
      422,
      'bank_account_unverified',
    );
    const other = await withdrawer();
    expectError(await request(client, body({ bankAccountId: other.bankAccountId })), 404, 'not_found');
    expectError(await request(client, body({ bankAccountId: randomUUID() })), 404, 'not_found');

    const poor = await request(client, body({ amount: '100.01' }));
    expectError(poor, 422, 'insufficient_funds');
    expect(poor.body.error.message).toContain('available balance');

    for (const bad of [
      body({ amount: '1.234' }),
      body({ amount: '-5' }),
      body({ amount: '1e3' }),
      body({ amount: '' }),
      body({ amount: 10 }),
      body({ amount: '0' }),
      body({ currency: 'EUA' }),
      body({ bankAccountId: 'acc-1' }),
      { amount: '10.00', currency: 'EUR' },
    ]) {
      expectError(await request(client, bad), 400, 'validation_failed');
    }
    const noKey = await w.as(client, '/withdrawals', { method: 'POST', json: body() });
    expectError(noKey, 400, 'validation_failed');
    expectError(await request(auditor, body()), 403, 'forbidden');
    expectError(await request(ops, body()), 403, 'forbidden');
    expectError(await w.as(null, '/withdrawals'), 401, 'unauthenticated');

    expect((await w.as(client, '/withdrawals')).body.items).toEqual([]);
    expect(await eur(client)).toMatchObject({ available: '100.00', pending: '0.00' });
  });

  it('the same Idempotency-Key returns the same withdrawal; another body with it is 409', async () => {
    const client = await withdrawer({ funds: 100_000n });
    const key = `withdraw-${randomUUID()}`;
    const body = { amount: '30.00', currency: 'EUR', bankAccountId: client.bankAccountId };
    const first = await request(client, body, key);
    expect(first.status, first.text).toBe(201);
    const again = await request(client, body, key);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expectError(await request(client, { ...body, amount: '31.00' }, key), 409, 'idempotency_conflict');
    // A declined request stays declined under its key.
    const declinedKey = `withdraw-${randomUUID()}`;
    expectError(
      await request(client, { ...body, amount: '5000.00' }, declinedKey),
      422,
      'insufficient_funds',
    );
    expectError(
      await request(client, { ...body, amount: '5000.00' }, declinedKey),
      422,
      'insufficient_funds',
    );
    expect((await w.as(client, '/withdrawals')).body.items).toHaveLength(1);
    expect(await eur(client)).toMatchObject({ available: '970.00', pending: '30.00' });
    expect((await post(w, client, `/withdrawals/${first.body.id}/cancel`)).status).toBe(200);
  });

  it('four eyes: the second approval must come from someone else; the page data says so', async () => {
    const client = await withdrawer();
    const created = await requested(client, '10000.00');
    expect(created).toMatchObject({ approvalsRequired: 2, approvalsMissing: 2, secondApproverNeeded: false });

    const first = await post(w, ops, `/ops/withdrawals/${created.id}/approve`, { note: 'first look' });
    expect(first.status, first.text).toBe(200);
    expect(first.body).toMatchObject({
      status: 'PENDING_APPROVAL',
      approvals: [{ actor: { id: ops.id, role: 'operations' }, note: 'first look' }],
      approvalsMissing: 1,
      secondApproverNeeded: true,
      allowedActions: ['reject'], // this approver may not approve again
    });
    expect((await w.as(ops2, `/withdrawals/${created.id}`)).body.allowedActions).toEqual([
      'approve',
      'reject',
    ]);

    const twice = await post(w, ops, `/ops/withdrawals/${created.id}/approve`, {});
    expectError(twice, 409, 'already_approved_by_you');
    expectError(await post(w, aml, `/ops/withdrawals/${created.id}/approve`, {}), 403, 'forbidden');
    expectError(await post(w, auditor, `/ops/withdrawals/${created.id}/approve`, {}), 403, 'forbidden');
    expectError(await post(w, client, `/ops/withdrawals/${created.id}/approve`, {}), 403, 'forbidden');

    const second = await post(w, admin, `/ops/withdrawals/${created.id}/approve`, { note: 'second look' });
    expect(second.status, second.text).toBe(200);
    expect(second.body).toMatchObject({
      status: 'PROCESSING',
      approvalsMissing: 0,
      secondApproverNeeded: false,
    });
    const done = await waitFor(ops, created.id, (x) => x.status === 'COMPLETED');
    expect(done.approvals.map((a: { actor: { id: string } }) => a.actor.id)).toEqual([ops.id, admin.id]);
    expect(await eur(client)).toMatchObject({ available: '40000.00', pending: '0.00' });
  });

  it('cancel after a first approval releases the funds; only the owner may cancel', async () => {
    const client = await withdrawer({ funds: 2_000_000n });
    const created = await requested(client, '12000.00');
    expect((await post(w, ops, `/ops/withdrawals/${created.id}/approve`, {})).status).toBe(200);
    expect(await eur(client)).toMatchObject({ available: '8000.00', pending: '12000.00' });

    const stranger = await withdrawer();
    expectError(await post(w, stranger, `/withdrawals/${created.id}/cancel`), 404, 'not_found');
    expectError(await post(w, ops, `/withdrawals/${created.id}/cancel`), 403, 'forbidden');
    expectError(await post(w, auditor, `/withdrawals/${created.id}/cancel`), 403, 'forbidden');

    const cancelled = await post(w, client, `/withdrawals/${created.id}/cancel`);
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(cancelled.body.status).toBe('CANCELLED');
    expect(transitions(cancelled.body)).toEqual([
      '∅→PENDING_APPROVAL',
      'PENDING_APPROVAL→PENDING_APPROVAL',
      'PENDING_APPROVAL→CANCELLED',
    ]);
    expect(cancelled.body.timeline[1].reason).toBe('First approval given; a second approver is needed');
    expect(await eur(client)).toMatchObject({ available: '20000.00', pending: '0.00' });
    expectError(await post(w, ops2, `/ops/withdrawals/${created.id}/approve`, {}), 409, 'invalid_state');
    expectError(await post(w, client, `/withdrawals/${created.id}/cancel`), 409, 'invalid_state');
  });

  it('reject needs a reason and operations; the reason reaches the client; funds are released', async () => {
    const client = await withdrawer({ funds: 100_000n });
    const created = await requested(client, '400.00');
    expectError(await post(w, ops, `/ops/withdrawals/${created.id}/reject`, {}), 400, 'validation_failed');
    expectError(
      await post(w, ops, `/ops/withdrawals/${created.id}/reject`, { reason: '  ' }),
      400,
      'validation_failed',
    );
    expectError(
      await post(w, aml, `/ops/withdrawals/${created.id}/reject`, { reason: 'x' }),
      403,
      'forbidden',
    );
    expectError(
      await post(w, ops, `/ops/withdrawals/${randomUUID()}/reject`, { reason: 'x' }),
      404,
      'not_found',
    );

    const rejected = await post(w, ops, `/ops/withdrawals/${created.id}/reject`, {
      reason: 'Name does not match',
    });
    expect(rejected.status, rejected.text).toBe(200);
    expect(rejected.body).toMatchObject({ status: 'REJECTED', failureReason: 'Name does not match' });
    const seen = (await w.as(client, `/withdrawals/${created.id}`)).body;
    expect(seen.timeline.at(-1)).toMatchObject({ to: 'REJECTED', reason: 'Name does not match' });
    expect(await eur(client)).toMatchObject({ available: '1000.00', pending: '0.00' });
  });

  it('streams the timeline over SSE as it moves', async () => {
    const client = await withdrawer({ funds: 100_000n });
    const created = await requested(client, '20.00');
    const events = await openEvents(w, client, `/withdrawals/${created.id}/events`);
    try {
      expect(events.response.headers.get('content-type')).toContain('text/event-stream');
      const first = await events.next();
      expect(first).toMatchObject({ event: 'state', data: { id: created.id, status: 'PENDING_APPROVAL' } });
      expect((await post(w, ops, `/ops/withdrawals/${created.id}/approve`, {})).status).toBe(200);
      let last = first;
      while ((last.data as { status: string }).status !== 'COMPLETED') last = await events.next();
      expect(transitions(last.data as never).at(-1)).toBe('PROCESSING→COMPLETED');
    } finally {
      events.close();
    }
    const stranger = await withdrawer();
    expectError(await w.as(stranger, `/withdrawals/${created.id}/events`), 404, 'not_found');
  });

  it('documents every route in the OpenAPI document', async () => {
    const doc = (await w.as(null, '/openapi.json')).body;
    for (const path of [
      '/withdrawals',
      '/withdrawals/{id}',
      '/withdrawals/{id}/events',
      '/withdrawals/{id}/cancel',
      '/ops/withdrawals/{id}/approve',
      '/ops/withdrawals/{id}/reject',
    ]) {
      expect(doc.paths[path], path).toBeDefined();
    }
    expect(doc.components.schemas.Withdrawal).toBeDefined();
  });
});

describe('the service the pages call', () => {
  it('a retried key reaches the same workflow even after it ended: declined stays declined, done stays done', async () => {
    const client = await withdrawer({ funds: 10_000n });
    const user = { id: client.id, email: client.email, role: client.role };
    const body = { amount: '500.00', currency: 'EUR', bankAccountId: client.bankAccountId };
    const declinedKey = randomUUID();
    for (let i = 0; i < 2; i++) {
      const error = await createWithdrawal(w.deps, user, body, declinedKey).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiError);
      expect(error).toMatchObject({ status: 422, code: 'insufficient_funds' });
    }
    const key = randomUUID();
    const first = await createWithdrawal(w.deps, user, { ...body, amount: '5.00' }, key);
    await cancelWithdrawal(w.deps, user, first.id, randomUUID());
    await waitFor(client, first.id, (x) => x.status === 'CANCELLED');
    await expect
      .poll(
        async () =>
          (
            await w.app.pool.query(`SELECT closed_at FROM lifecycle WHERE workflow_id = $1`, [
              first.workflowId,
            ])
          ).rows[0].closed_at,
      )
      .not.toBeNull();
    const again = await createWithdrawal(w.deps, user, { ...body, amount: '5.00' }, key);
    expect(again).toMatchObject({ id: first.id, status: 'CANCELLED' });
    const conflict = await createWithdrawal(w.deps, user, { ...body, amount: '6.00' }, key).catch(
      (e: unknown) => e,
    );
    expect(conflict).toMatchObject({ status: 409, code: 'idempotency_conflict' });
  });
});
