// The task inbox, balances and the ledger over HTTP, against the real stack.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  announced,
  expectBooksBalanced,
  expectError,
  post,
  startApiWorld,
  type ApiWorld,
  type Person,
} from './helpers.js';

let w: ApiWorld;
let client: Person;
let ops: Person;
let ops2: Person;
let admin: Person;
let aml: Person;
let auditor: Person;

beforeAll(async () => {
  w = await startApiWorld();
  [client, ops, ops2, admin, aml, auditor] = await Promise.all([
    w.person('client'),
    w.person('operations'),
    w.person('operations'),
    w.person('admin'),
    w.person('aml_officer'),
    w.person('auditor'),
  ]);
});

afterAll(async () => {
  await w?.stop();
});

afterEach(async () => {
  await expectBooksBalanced(w, admin);
});

async function taskFor(person: Person, depositId: string) {
  const inbox = await w.as(person, '/tasks?limit=200');
  expect(inbox.status, inbox.text).toBe(200);
  return inbox.body.items.find((t: { subjectId: string }) => t.subjectId === depositId);
}

describe('task inbox', () => {
  it('claim, release by the claimant only, claim again; filters; closed tasks cannot be claimed', async () => {
    const deposit = await announced(w, client, { amount: '42.00', currency: 'EUR' });
    const task = await taskFor(ops, deposit.id);
    expect(task).toMatchObject({ status: 'open', assignee: null, kind: 'deposit.confirm_receipt' });
    // An admin covers operations: the same task is in the admin's inbox.
    expect(await taskFor(admin, deposit.id)).toMatchObject({ id: task.id });

    const claimed = await post(w, ops, `/tasks/${task.id}/claim`);
    expect(claimed.body).toMatchObject({ status: 'claimed', assignee: ops.id, mine: true });
    expect(claimed.body.claimedAt).toEqual(expect.any(String));
    expect(
      (await w.as(ops2, '/tasks?status=claimed&limit=200')).body.items.find(
        (t: { id: string }) => t.id === task.id,
      ),
    ).toMatchObject({
      mine: false,
      assignee: ops.id,
    });
    expect(
      (await w.as(ops2, '/tasks?status=open&limit=200')).body.items.map((t: { id: string }) => t.id),
    ).not.toContain(task.id);
    expectError(await post(w, admin, `/tasks/${task.id}/claim`), 409, 'task_claimed');
    expectError(await post(w, ops2, `/tasks/${task.id}/release`), 403, 'forbidden');

    const released = await post(w, ops, `/tasks/${task.id}/release`);
    expect(released.status, released.text).toBe(200);
    expect(released.body).toMatchObject({ status: 'open', assignee: null, mine: false });
    expect((await post(w, ops2, `/tasks/${task.id}/claim`)).body).toMatchObject({
      status: 'claimed',
      assignee: ops2.id,
    });

    // Acting on the deposit closes the task, whoever holds it; a closed task is 409.
    expect(
      (await post(w, ops, `/ops/deposits/${deposit.id}/confirm`, { receivedAmount: '42.00' })).status,
    ).toBe(200);
    expect(await taskFor(ops, deposit.id)).toBeUndefined();
    const done = await w.as(ops2, '/tasks?status=done&kind=deposit.confirm_receipt&limit=200');
    expect(done.body.items.find((t: { id: string }) => t.id === task.id)).toMatchObject({
      status: 'done',
      outcome: 'confirmed',
      completedBy: ops.id,
      overdue: false,
    });
    expectError(await post(w, ops, `/tasks/${task.id}/claim`), 409, 'invalid_state');
    expectError(await post(w, ops2, `/tasks/${task.id}/release`), 409, 'invalid_state');

    // The AML look at a long hold goes to the officer.
    const review = await taskFor(aml, deposit.id);
    expect(review).toMatchObject({
      kind: 'deposit.aml_review',
      requiredRole: 'aml_officer',
      subject: { status: 'ON_HOLD' },
    });
    expect(await taskFor(admin, deposit.id)).toBeUndefined();
    expect(
      (await post(w, aml, `/ops/deposits/${deposit.id}/reject`, { reason: 'test clean-up' })).status,
    ).toBe(200);
  });

  it('answers unknown tasks with 404 and bad filters or cursors with 400', async () => {
    expectError(await post(w, ops, `/tasks/${randomUUID()}/claim`), 404, 'not_found');
    expectError(await post(w, ops, '/tasks/nope/release'), 404, 'not_found');
    expectError(await w.as(ops, '/tasks?assignee=someone'), 400, 'validation_failed');
    expectError(await w.as(ops, '/tasks?status=lost'), 400, 'validation_failed');
    expectError(await w.as(ops, '/tasks?cursor=garbage'), 400, 'validation_failed');
    const forged = Buffer.from(JSON.stringify(['task', 0, 'not a time', 'nor this', randomUUID()])).toString(
      'base64url',
    );
    expectError(await w.as(ops, `/tasks?cursor=${forged}`), 400, 'validation_failed');
    expectError(await w.as(ops, '/tasks?limit=500'), 400, 'validation_failed');
  });

  it('pages the inbox', async () => {
    const someone = await w.person('client');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push((await announced(w, someone, { amount: `${i + 1}.00`, currency: 'USD' })).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { subjectId: string }[]; nextCursor: string | null } } = await w.as(
        ops,
        `/tasks?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((t) => t.subjectId));
      cursor = page.body.nextCursor;
    } while (cursor);
    for (const id of ids) expect(seen.filter((s) => s === id)).toHaveLength(1);
    for (const id of ids) await post(w, someone, `/deposits/${id}/cancel`);
  });
});

describe('balances and ledger', () => {
  it('balances: clients their own, staff and auditors name the client', async () => {
    const fresh = await w.person('client');
    expect((await w.as(fresh, '/balances')).body).toEqual({ items: [] });
    await announced(w, fresh, { amount: '10.00', currency: 'USD' });
    expect((await w.as(fresh, '/balances')).body.items).toEqual([
      { asset: 'USD', available: '0.00', held: '0.00', pending: '0.00', pendingSettlement: '0.00' },
    ]);
    expect((await w.as(fresh, `/balances?clientId=${fresh.id}`)).status).toBe(200);
    expectError(await w.as(ops, '/balances'), 400, 'validation_failed');
    expectError(await w.as(auditor, '/balances?clientId=x'), 400, 'validation_failed');
    expect((await w.as(aml, `/balances?clientId=${fresh.id}`)).body.items).toHaveLength(1);
  });

  it('entries: filters, paging, a client sees only their own; trial balance for staff and auditors', async () => {
    const deposit = await announced(w, client, { amount: '77.70', currency: 'EUR' });
    await post(w, ops, `/ops/deposits/${deposit.id}/confirm`, { receivedAmount: '77.70' });

    const byAccount = await w.as(
      auditor,
      `/ledger/entries?accountCode=${encodeURIComponent(`client:${client.id}:EUR:held`)}`,
    );
    expect(byAccount.status).toBe(200);
    expect(byAccount.body.items.map((e: { workflowId: string }) => e.workflowId)).toContain(
      deposit.workflowId,
    );
    const entry = byAccount.body.items.find(
      (e: { workflowId: string }) => e.workflowId === deposit.workflowId,
    );
    expect(entry).toMatchObject({ kind: 'deposit.confirm', status: 'posted' });
    expect(entry.lines).toEqual(
      expect.arrayContaining([
        { accountCode: 'bank:omnibus:EUR', asset: 'EUR', debit: '77.70', credit: '0.00', pending: false },
        {
          accountCode: `client:${client.id}:EUR:held`,
          asset: 'EUR',
          debit: '0.00',
          credit: '77.70',
          pending: false,
        },
      ]),
    );

    const all = await w.as(ops, '/ledger/entries?limit=1');
    expect(all.body.items).toHaveLength(1);
    expect(all.body.nextCursor).toEqual(expect.any(String));
    const next = await w.as(ops, `/ledger/entries?limit=1&cursor=${encodeURIComponent(all.body.nextCursor)}`);
    expect(next.body.items[0].id).not.toBe(all.body.items[0].id);
    expectError(await w.as(ops, '/ledger/entries?cursor=garbage'), 400, 'validation_failed');
    expectError(await w.as(ops, '/ledger/entries?limit=1000'), 400, 'validation_failed');

    const own = await w.as(client, '/ledger/entries?limit=200');
    expect(own.body.items.length).toBeGreaterThan(0);
    for (const e of own.body.items as { lines: { accountCode: string }[] }[]) {
      for (const line of e.lines)
        expect(
          line.accountCode.startsWith('client:') ? line.accountCode.startsWith(`client:${client.id}:`) : true,
        ).toBe(true);
    }
    // A client asking for the omnibus account still only gets entries touching their own accounts.
    const omnibus = await w.as(client, '/ledger/entries?accountCode=bank:omnibus:EUR&limit=200');
    expect(omnibus.body.items.map((e: { id: string }) => e.id).sort()).toEqual(
      (own.body.items as { id: string; lines: { accountCode: string }[] }[])
        .filter((e) => e.lines.some((l) => l.accountCode === 'bank:omnibus:EUR'))
        .map((e) => e.id)
        .sort(),
    );

    const trial = await w.as(auditor, '/ledger/trial-balance');
    expect(trial.body).toEqual({
      balanced: true,
      accountsMatchLines: true,
      assets: expect.arrayContaining([expect.objectContaining({ asset: 'EUR' })]),
    });
    expect(Object.keys(trial.body).sort()).toEqual(['accountsMatchLines', 'assets', 'balanced']);
    expectError(await w.as(client, '/ledger/trial-balance'), 403, 'forbidden');
    expect((await post(w, aml, `/ops/deposits/${deposit.id}/release`, { note: 'fine' })).body.status).toBe(
      'CLEARED',
    );
  });
});
