// Deposits through HTTP: the real server, a real worker, the Temporal dev server and PostgreSQL.
// Holds last seconds (TEST_DEPOSIT_POLICY), not days.
import { randomUUID } from 'node:crypto';
import { isValidBIC, isValidIBAN } from 'ibantools';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors.js';
import { createDeposit } from '../../api/services/deposits.js';
import {
  announce,
  announced,
  expectBooksBalanced,
  expectError,
  openEvents,
  post,
  startApiWorld,
  transitions,
  waitForDeposit,
  type ApiWorld,
  type Person,
} from './helpers.js';

let w: ApiWorld;
let clientA: Person;
let clientB: Person;
let ops: Person;
let ops2: Person;
let aml: Person;
let auditor: Person;
let admin: Person;

beforeAll(async () => {
  w = await startApiWorld();
  [clientA, clientB, ops, ops2, aml, auditor, admin] = await Promise.all([
    w.person('client'),
    w.person('client'),
    w.person('operations'),
    w.person('operations'),
    w.person('aml_officer'),
    w.person('auditor'),
    w.person('admin'),
  ]);
});

afterAll(async () => {
  await w?.stop();
});

afterEach(async () => {
  await expectBooksBalanced(w, auditor);
});

describe('the whole deposit flow over HTTP', () => {
  it('announce → idempotent retry → inbox → claim → confirm → AML release → balance, timeline, ledger', async () => {
    const key = `announce-${randomUUID()}`;
    const body = { amount: '1250.50', currency: 'EUR', wireReference: 'Invoice 42' };

    // Client A announces: 201 PENDING with wire instructions.
    const created = await announce(w, clientA, body, key);
    expect(created.status, created.text).toBe(201);
    const deposit = created.body;
    expect(deposit).toMatchObject({
      status: 'PENDING',
      clientId: clientA.id,
      amount: '1250.50',
      currency: 'EUR',
      wireReference: 'Invoice 42',
      receivedAmount: null,
      holdUntil: null,
      allowedActions: ['cancel'],
    });
    expect(deposit.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(deposit.workflowId).toBe(`deposit-${deposit.id}`);
    expect(deposit.instructions.reference).toMatch(/^CH-[0-9A-Z]{10}$/);
    expect(deposit.reference).toBe(deposit.instructions.reference);
    expect(isValidIBAN(deposit.instructions.iban)).toBe(true);
    expect(isValidBIC(deposit.instructions.bic)).toBe(true);
    expect(deposit.instructions.beneficiary.length).toBeGreaterThan(0);
    expect(deposit).not.toHaveProperty('screening');
    expect(deposit).not.toHaveProperty('openTasks');
    expect(transitions(deposit)).toEqual(['∅→PENDING']);
    expect(deposit.timeline[0].actor).toEqual({ id: clientA.id, role: 'client' });

    // An immediate GET finds it.
    const read = await w.as(clientA, `/deposits/${deposit.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      id: deposit.id,
      status: 'PENDING',
      instructions: deposit.instructions,
    });

    // Same key, same body: the same deposit and the same status code. Another body: 409.
    const retried = await announce(w, clientA, body, key);
    expect(retried.status).toBe(201);
    expect(retried.body.id).toBe(deposit.id);
    expectError(await announce(w, clientA, { ...body, amount: '99.00' }, key), 409, 'idempotency_conflict');

    // The pages call the service directly (no middleware): the same key still reaches the same
    // deposit, and another body is refused there too.
    const user = { id: clientA.id, email: clientA.email, role: clientA.role };
    expect((await createDeposit(w.deps, user, body, key)).id).toBe(deposit.id);
    const refused = await createDeposit(w.deps, user, { ...body, amount: '1.00' }, key).catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ status: 409, code: 'idempotency_conflict' });

    // Staff see the deposit with its open task.
    const staffView = await w.as(ops, `/deposits/${deposit.id}`);
    expect(staffView.body.allowedActions).toEqual(['confirm']);
    expect(staffView.body.screening).toBeNull();
    expect(staffView.body.openTasks).toEqual([
      expect.objectContaining({
        kind: 'deposit.confirm_receipt',
        status: 'open',
        requiredRole: 'operations',
      }),
    ]);

    // The operations inbox shows the task with its subject; AML officers do not see it.
    const inbox = await w.as(ops, '/tasks?kind=deposit.confirm_receipt&limit=200');
    expect(inbox.status).toBe(200);
    const task = inbox.body.items.find((t: { subjectId: string }) => t.subjectId === deposit.id);
    expect(task).toMatchObject({
      kind: 'deposit.confirm_receipt',
      status: 'open',
      requiredRole: 'operations',
      workflowId: deposit.workflowId,
      overdue: false,
      mine: false,
      subject: {
        type: 'deposit',
        id: deposit.id,
        status: 'PENDING',
        clientId: clientA.id,
        clientEmail: clientA.email,
        amount: '1250.50',
        currency: 'EUR',
        reference: deposit.reference,
      },
    });
    expect(task.ageSeconds).toBeGreaterThanOrEqual(0);
    expect(Date.parse(task.dueAt) - Date.parse(task.createdAt)).toBe(120_000);
    const amlInbox = await w.as(aml, '/tasks?limit=200');
    expect(amlInbox.body.items.some((t: { subjectId: string }) => t.subjectId === deposit.id)).toBe(false);

    // Claim: one winner; the other gets 409 and may not release it.
    const claimed = await post(w, ops, `/tasks/${task.id}/claim`);
    expect(claimed.status, claimed.text).toBe(200);
    expect(claimed.body).toMatchObject({ id: task.id, status: 'claimed', assignee: ops.id, mine: true });
    expectError(await post(w, ops2, `/tasks/${task.id}/claim`), 409, 'task_claimed');
    expectError(await post(w, ops2, `/tasks/${task.id}/release`), 403, 'forbidden');
    expect((await post(w, ops, `/tasks/${task.id}/claim`)).status).toBe(200); // a retried claim
    const mine = await w.as(ops, '/tasks?assignee=me');
    expect(mine.body.items.map((t: { id: string }) => t.id)).toContain(task.id);
    expect(
      (await w.as(ops2, '/tasks?assignee=me')).body.items.map((t: { id: string }) => t.id),
    ).not.toContain(task.id);

    // Operations confirms what actually arrived: 250.50 EUR less than announced.
    const confirmed = await post(w, ops, `/ops/deposits/${deposit.id}/confirm`, {
      receivedAmount: '1000.00',
      note: 'Wire seen on the statement',
    });
    expect(confirmed.status, confirmed.text).toBe(200);
    expect(['ON_HOLD', 'AML_REVIEW']).toContain(confirmed.body.status);
    expect(confirmed.body.receivedAmount).toBe('1000.00');
    expect(confirmed.body.screening.decision).not.toBe('short_hold');
    expect(confirmed.body.screening.reasons.join(' ')).toContain(
      '250.50 EUR less than the announced 1250.50 EUR',
    );
    if (confirmed.body.status === 'ON_HOLD') expect(confirmed.body.holdUntil).not.toBeNull();
    const afterConfirm = confirmed.body.status as string;

    // The confirm task is closed; the AML officer has a review task now.
    expect((await w.as(ops, '/tasks?limit=200')).body.items.map((t: { id: string }) => t.id)).not.toContain(
      task.id,
    );
    const review = (await w.as(aml, '/tasks?kind=deposit.aml_review&limit=200')).body.items.find(
      (t: { subjectId: string }) => t.subjectId === deposit.id,
    );
    expect(review).toMatchObject({
      requiredRole: 'aml_officer',
      status: 'open',
      subject: { receivedAmount: '1000.00' },
    });

    // The client sees the state but not the screening.
    const clientView = await w.as(clientA, `/deposits/${deposit.id}`);
    expect(clientView.body).toMatchObject({ status: afterConfirm, receivedAmount: '1000.00' });
    expect(clientView.body).not.toHaveProperty('screening');
    expect(clientView.body.allowedActions).toEqual([]);

    // Operations may not release; the AML officer does.
    expectError(
      await post(w, ops, `/ops/deposits/${deposit.id}/release`, { note: 'looks fine' }),
      403,
      'forbidden',
    );
    const released = await post(w, aml, `/ops/deposits/${deposit.id}/release`, {
      note: 'Source of funds documented',
    });
    expect(released.status, released.text).toBe(200);
    expect(released.body.status).toBe('CLEARED');
    expect(released.body.openTasks).toEqual([]);

    // The client's available balance rose by the RECEIVED amount.
    const balances = await w.as(clientA, '/balances');
    expect(balances.status).toBe(200);
    expect(balances.body.items).toEqual([
      { asset: 'EUR', available: '1000.00', held: '0.00', pending: '0.00', pendingSettlement: '0.00' },
    ]);
    expect((await w.as(auditor, `/balances?clientId=${clientA.id}`)).body).toEqual(balances.body);

    // The timeline has every transition with its actor; the client does not read the officer's note.
    const final = await w.as(aml, `/deposits/${deposit.id}`);
    expect(transitions(final.body)).toEqual([
      '∅→PENDING',
      `PENDING→${afterConfirm}`,
      `${afterConfirm}→CLEARED`,
    ]);
    expect(final.body.timeline.map((e: { actor: unknown }) => e.actor)).toEqual([
      { id: clientA.id, role: 'client' },
      { id: ops.id, role: 'operations' },
      { id: aml.id, role: 'aml_officer' },
    ]);
    expect(final.body.timeline[2].reason).toBe('Source of funds documented');
    expect(final.body.closedAt).toBe(final.body.timeline[2].at);
    const clientFinal = await w.as(clientA, `/deposits/${deposit.id}`);
    expect(transitions(clientFinal.body)).toEqual(transitions(final.body));
    expect(clientFinal.body.timeline[2].reason).not.toContain('Source of funds');

    // The ledger: a confirm and a clear for this workflow, visible to staff and to the owner only.
    const entries = await w.as(auditor, `/ledger/entries?workflowId=${deposit.workflowId}`);
    expect(entries.status).toBe(200);
    expect(entries.body.items.map((e: { kind: string }) => e.kind).sort()).toEqual([
      'deposit.clear',
      'deposit.confirm',
    ]);
    const confirmEntry = entries.body.items.find((e: { kind: string }) => e.kind === 'deposit.confirm');
    expect(confirmEntry.lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ accountCode: 'bank:omnibus:EUR', debit: '1000.00' }),
        expect.objectContaining({ accountCode: `client:${clientA.id}:EUR:held`, credit: '1000.00' }),
      ]),
    );
    expect((await w.as(clientA, '/ledger/entries')).body.items).toHaveLength(2);
    expect((await w.as(clientB, `/ledger/entries?workflowId=${deposit.workflowId}`)).body.items).toEqual([]);
    expect((await w.as(clientB, `/ledger/entries?clientId=${clientA.id}`)).body.items).toEqual([]);

    // And nothing can change any more.
    expectError(
      await post(w, aml, `/ops/deposits/${deposit.id}/reject`, { reason: 'too late' }),
      409,
      'invalid_state',
    );
  });

  it('a clean confirmation clears by itself when the short hold ends', async () => {
    const deposit = await announced(w, clientB, { amount: '300.00', currency: 'USD' });
    const confirmed = await post(w, admin, `/ops/deposits/${deposit.id}/confirm`, {
      receivedAmount: '300',
      senderCountry: 'de',
      senderReference: `Payment ${deposit.reference}`,
    });
    expect(confirmed.status, confirmed.text).toBe(200);
    expect(confirmed.body).toMatchObject({
      status: 'ON_HOLD',
      receivedAmount: '300.00',
      screening: { score: 0, decision: 'short_hold', reasons: [] },
    });
    expect(Date.parse(confirmed.body.holdUntil) - Date.parse(confirmed.body.timeline[1].at)).toBe(1_500);
    const cleared = await waitForDeposit(w, clientB, deposit.id, (d) => d.status === 'CLEARED');
    expect(transitions(cleared as never)).toEqual(['∅→PENDING', 'PENDING→ON_HOLD', 'ON_HOLD→CLEARED']);
    expect((cleared as { timeline: { actor: unknown }[] }).timeline[2]!.actor).toBeNull();
    const usd = (await w.as(clientB, '/balances')).body.items.find(
      (b: { asset: string }) => b.asset === 'USD',
    );
    expect(usd).toMatchObject({ available: '300.00', held: '0.00' });
  });
});

describe('authorization', () => {
  it('keeps clients to their own deposits, roles to their actions, auditors to reading', async () => {
    const deposit = await announced(w, clientA, { amount: '50.00', currency: 'EUR' });
    const id = deposit.id;

    // Another client: not found, not listed, cannot cancel, cannot follow it.
    expectError(await w.as(clientB, `/deposits/${id}`), 404, 'not_found');
    expectError(await post(w, clientB, `/deposits/${id}/cancel`), 404, 'not_found');
    expect(
      (await w.as(clientB, '/deposits?limit=200')).body.items.map((d: { id: string }) => d.id),
    ).not.toContain(id);
    expect((await w.as(clientB, `/deposits?clientId=${clientA.id}`)).body).toEqual({
      items: [],
      nextCursor: null,
    });
    expectError(await w.as(clientB, `/deposits/${id}/events`), 404, 'not_found');
    expectError(await w.as(clientB, `/balances?clientId=${clientA.id}`), 404, 'not_found');
    // Unknown and malformed ids look the same.
    expectError(await w.as(clientA, `/deposits/${randomUUID()}`), 404, 'not_found');
    expectError(await w.as(clientA, '/deposits/not-a-uuid'), 404, 'not_found');

    // The owner sees it in the list.
    expect(
      (await w.as(clientA, '/deposits?limit=200')).body.items.map((d: { id: string }) => d.id),
    ).toContain(id);

    // Wrong roles for an action: 403 before anything else happens.
    expectError(
      await post(w, clientA, `/ops/deposits/${id}/confirm`, { receivedAmount: '50.00' }),
      403,
      'forbidden',
    );
    expectError(await post(w, ops, `/deposits/${id}/cancel`), 403, 'forbidden');
    for (const [action, body] of [
      ['release', { note: 'x' }],
      ['extend', { until: new Date(Date.now() + 86_400_000).toISOString(), note: 'x' }],
      ['reject', { reason: 'x' }],
    ] as const) {
      expectError(await post(w, ops, `/ops/deposits/${id}/${action}`, body), 403, 'forbidden');
      expectError(await post(w, admin, `/ops/deposits/${id}/${action}`, body), 403, 'forbidden'); // AML stays with AML
      expectError(await post(w, clientA, `/ops/deposits/${id}/${action}`, body), 403, 'forbidden');
    }
    expectError(await w.as(clientA, '/tasks'), 403, 'forbidden');
    expectError(await w.as(clientA, '/ledger/trial-balance'), 403, 'forbidden');

    // The auditor reads everything...
    const audited = await w.as(auditor, `/deposits/${id}`);
    expect(audited.status).toBe(200);
    expect(audited.body).toMatchObject({ id, screening: null, allowedActions: [] });
    expect(
      (await w.as(auditor, `/deposits?clientId=${clientA.id}&limit=200`)).body.items.map(
        (d: { id: string }) => d.id,
      ),
    ).toContain(id);
    expect((await w.as(auditor, `/ledger/entries?clientId=${clientA.id}`)).status).toBe(200);
    // ...and changes nothing.
    expectError(await announce(w, auditor, { amount: '1.00', currency: 'EUR' }), 403, 'forbidden');
    expectError(await post(w, auditor, `/deposits/${id}/cancel`), 403, 'forbidden');
    expectError(
      await post(w, auditor, `/ops/deposits/${id}/confirm`, { receivedAmount: '50.00' }),
      403,
      'forbidden',
    );
    expectError(await post(w, auditor, `/ops/deposits/${id}/release`, { note: 'x' }), 403, 'forbidden');
    expectError(
      await post(w, auditor, `/ops/deposits/${id}/extend`, {
        until: new Date(Date.now() + 86_400_000).toISOString(),
        note: 'x',
      }),
      403,
      'forbidden',
    );
    expectError(await post(w, auditor, `/ops/deposits/${id}/reject`, { reason: 'x' }), 403, 'forbidden');
    expectError(await w.as(auditor, '/tasks'), 403, 'forbidden');
    const task = (await w.as(ops, '/tasks?limit=200')).body.items.find(
      (t: { subjectId: string }) => t.subjectId === id,
    );
    expectError(await post(w, auditor, `/tasks/${task.id}/claim`), 403, 'forbidden');
    expectError(await post(w, auditor, `/tasks/${task.id}/release`), 403, 'forbidden');
    expectError(await post(w, aml, `/tasks/${task.id}/claim`), 403, 'forbidden'); // an operations task

    // Nobody signed in: 401 everywhere.
    for (const [method, path] of [
      ['GET', '/deposits'],
      ['GET', `/deposits/${id}`],
      ['GET', `/deposits/${id}/events`],
      ['POST', '/deposits'],
      ['POST', `/deposits/${id}/cancel`],
      ['POST', `/ops/deposits/${id}/confirm`],
      ['GET', '/tasks'],
      ['POST', `/tasks/${task.id}/claim`],
      ['GET', '/balances'],
      ['GET', '/ledger/entries'],
      ['GET', '/ledger/trial-balance'],
    ] as const) {
      expectError(
        await w.as(null, path, { method, json: method === 'POST' ? {} : undefined, idempotencyKey: 'k' }),
        401,
        'unauthenticated',
      );
    }

    // Still PENDING after all that; the owner cancels it.
    const cancelled = await post(w, clientA, `/deposits/${id}/cancel`);
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'CANCELLED', allowedActions: [] });
    expect(cancelled.body.timeline.at(-1)).toMatchObject({
      from: 'PENDING',
      to: 'CANCELLED',
      actor: { id: clientA.id, role: 'client' },
    });
    expect((await w.as(ops, '/tasks?limit=200')).body.items.map((t: { id: string }) => t.id)).not.toContain(
      task.id,
    );
  });
});

describe('validation', () => {
  it('refuses malformed amounts and non-cash or unknown currencies with 400, creating nothing', async () => {
    const client = await w.person('client');
    const cases: unknown[] = [
      { amount: '-5', currency: 'EUR' },
      { amount: '1e3', currency: 'EUR' },
      { amount: 'abc', currency: 'EUR' },
      { amount: '1.234', currency: 'EUR' },
      { amount: '', currency: 'EUR' },
      { amount: 5, currency: 'EUR' },
      { amount: '0', currency: 'EUR' },
      { amount: '0.00', currency: 'USD' },
      { amount: ' 5', currency: 'EUR' },
      { amount: '10000000000000.01', currency: 'EUR' },
      { amount: '100.00', currency: 'GBP' },
      { amount: '100', currency: 'EUA' },
      { amount: '100', currency: 'CEA' },
      { amount: '100.00', currency: 'eur' },
      { amount: '100.00' },
      { currency: 'EUR' },
      { amount: '100.00', currency: 'EUR', wireReference: 'x'.repeat(141) },
      { amount: '100.00', currency: 'EUR', wireReference: 42 },
    ];
    for (const body of cases) {
      const answer = await announce(w, client, body);
      expectError(answer, 400, 'validation_failed');
      expect(answer.body.error.details.issues.length, JSON.stringify(body)).toBeGreaterThan(0);
      for (const issue of answer.body.error.details.issues) {
        expect(issue).toEqual({
          path: expect.any(String),
          code: expect.any(String),
          message: expect.any(String),
        });
      }
    }
    const scale = await announce(w, client, { amount: '1.234', currency: 'EUR' });
    expect(scale.body.error.details.issues[0]).toMatchObject({ path: 'amount', code: 'invalid_amount' });
    // A missing Idempotency-Key is a 400 too.
    const noKey = await w.as(client, '/deposits', {
      method: 'POST',
      json: { amount: '1.00', currency: 'EUR' },
    });
    expectError(noKey, 400, 'validation_failed');

    expect((await w.as(client, '/deposits')).body).toEqual({ items: [], nextCursor: null });
    const rows = await w.app.pool.query('SELECT count(*)::int AS n FROM lifecycle WHERE owner_id = $1', [
      client.id,
    ]);
    expect(rows.rows[0].n).toBe(0);

    // After a 400 the same key is still free (API.md: 400 answers are not stored).
    const key = randomUUID();
    expectError(
      await announce(w, client, { amount: '1.234', currency: 'EUR' }, key),
      400,
      'validation_failed',
    );
    expect((await announce(w, client, { amount: '1.23', currency: 'EUR' }, key)).status).toBe(201);
  });

  it('validates action bodies: amounts in the deposit’s scale, dates, required notes', async () => {
    const deposit = await announced(w, clientA, { amount: '10.00', currency: 'EUR' });
    const confirmPath = `/ops/deposits/${deposit.id}/confirm`;
    for (const body of [
      {},
      { receivedAmount: '1.234' },
      { receivedAmount: 10 },
      { receivedAmount: '0' },
      { receivedAmount: '10', receivedAt: 'yesterday' },
      { receivedAmount: '10', senderCountry: 'DEU' },
    ]) {
      expectError(await post(w, ops, confirmPath, body), 400, 'validation_failed');
    }
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const refused = await post(w, ops, confirmPath, { receivedAmount: '10', receivedAt: future });
    expectError(refused, 400, 'validation_failed'); // the workflow's validator: receivedAt in the future
    expect(refused.body.error.details.issues[0]).toMatchObject({ path: 'receivedAt', code: 'too_big' });
    expect((await w.as(ops, `/deposits/${deposit.id}`)).body.status).toBe('PENDING');
    expectError(await post(w, clientA, `/ops/deposits/${deposit.id}/release`, {}), 403, 'forbidden');
    expectError(await post(w, aml, `/ops/deposits/${deposit.id}/release`, {}), 400, 'validation_failed');
    expectError(
      await post(w, aml, `/ops/deposits/${deposit.id}/reject`, { reason: '  ' }),
      400,
      'validation_failed',
    );
    expectError(
      await post(w, aml, `/ops/deposits/${deposit.id}/extend`, { until: 'soon', note: 'x' }),
      400,
      'validation_failed',
    );
    expect((await post(w, clientA, `/deposits/${deposit.id}/cancel`)).status).toBe(200);
  });
});

describe('wrong state', () => {
  it('cancel after confirm is 409; a closed deposit refuses everything with 409', async () => {
    const deposit = await announced(w, clientA, { amount: '20.00', currency: 'EUR' });
    const confirmed = await post(w, ops, `/ops/deposits/${deposit.id}/confirm`, {
      receivedAmount: '20.00',
      senderCountry: 'NL',
      senderReference: deposit.reference,
    });
    expect(confirmed.body.status).toBe('ON_HOLD');
    const refused = await post(w, clientA, `/deposits/${deposit.id}/cancel`);
    expectError(refused, 409, 'invalid_state');
    expect(refused.body.error.details).toMatchObject({ status: 'ON_HOLD', action: 'cancel' });
    expectError(
      await post(w, ops, `/ops/deposits/${deposit.id}/confirm`, { receivedAmount: '20.00' }),
      409,
      'invalid_state',
    );

    await waitForDeposit(w, clientA, deposit.id, (d) => d.status === 'CLEARED');
    expectError(await post(w, clientA, `/deposits/${deposit.id}/cancel`), 409, 'invalid_state');
    expectError(
      await post(w, aml, `/ops/deposits/${deposit.id}/release`, { note: 'x' }),
      409,
      'invalid_state',
    );
  });

  it('extend: an earlier date is 400 validation_failed (the workflow’s validator); a later one moves holdUntil; reject returns the funds', async () => {
    // Announced amount, no sender reference, no sender country: a long hold with an AML look.
    const deposit = await announced(w, clientA, { amount: '700.00', currency: 'EUR' });
    const onHold = await post(w, ops, `/ops/deposits/${deposit.id}/confirm`, { receivedAmount: '700.00' });
    expect(onHold.body).toMatchObject({ status: 'ON_HOLD', screening: { decision: 'long_hold' } });
    const holdUntil = Date.parse(onHold.body.holdUntil);

    const earlier = await post(w, aml, `/ops/deposits/${deposit.id}/extend`, {
      until: new Date(holdUntil - 60_000).toISOString(),
      note: 'x',
    });
    expectError(earlier, 400, 'validation_failed');
    expect(earlier.body.error.details.issues[0]).toMatchObject({ path: 'until', code: 'too_small' });
    const tooFar = await post(w, aml, `/ops/deposits/${deposit.id}/extend`, {
      until: new Date(Date.now() + 365 * 86_400_000).toISOString(),
      note: 'x',
    });
    expectError(tooFar, 400, 'validation_failed');

    const until = new Date(holdUntil + 3_600_000).toISOString();
    const extended = await post(w, aml, `/ops/deposits/${deposit.id}/extend`, {
      until,
      note: 'Waiting for the sender’s bank',
    });
    expect(extended.status, extended.text).toBe(200);
    expect(extended.body).toMatchObject({ status: 'ON_HOLD', holdUntil: until });
    expect(transitions(extended.body)).toEqual(['∅→PENDING', 'PENDING→ON_HOLD', 'ON_HOLD→ON_HOLD']);
    expect(extended.body.timeline[2].reason).toBe('Waiting for the sender’s bank');
    expect((await w.as(clientA, `/deposits/${deposit.id}`)).body.timeline[2].reason).toBe('Hold extended');

    const heldBefore = (await w.as(clientA, '/balances')).body.items.find(
      (b: { asset: string }) => b.asset === 'EUR',
    );
    const rejected = await post(w, aml, `/ops/deposits/${deposit.id}/reject`, {
      reason: 'Sender could not be identified',
    });
    expect(rejected.status, rejected.text).toBe(200);
    expect(rejected.body).toMatchObject({ status: 'REJECTED', holdUntil: null });
    const heldAfter = (await w.as(clientA, '/balances')).body.items.find(
      (b: { asset: string }) => b.asset === 'EUR',
    );
    expect(Number(heldBefore.held) - Number(heldAfter.held)).toBeCloseTo(700, 2);
    expect(heldAfter.available).toBe(heldBefore.available);
    const entries = await w.as(ops, `/ledger/entries?workflowId=${deposit.workflowId}`);
    expect(entries.body.items.map((e: { kind: string }) => e.kind).sort()).toEqual([
      'deposit.confirm',
      'deposit.return',
    ]);
  });

  it('the same X-Request-Id applies an action once', async () => {
    const deposit = await announced(w, clientA, { amount: '5.00', currency: 'EUR' });
    const requestId = `retry-${randomUUID()}`;
    const first = await post(
      w,
      ops,
      `/ops/deposits/${deposit.id}/confirm`,
      { receivedAmount: '5.00' },
      requestId,
    );
    const second = await post(
      w,
      ops,
      `/ops/deposits/${deposit.id}/confirm`,
      { receivedAmount: '5.00' },
      requestId,
    );
    expect(first.status, first.text).toBe(200);
    expect(second.status, second.text).toBe(200);
    expect(second.body.timeline).toHaveLength(first.body.timeline.length);
    const entries = await w.as(ops, `/ledger/entries?workflowId=${deposit.workflowId}`);
    expect(entries.body.items).toHaveLength(1);
    expect(
      (await post(w, aml, `/ops/deposits/${deposit.id}/reject`, { reason: 'test clean-up' })).status,
    ).toBe(200);
  });
});

describe('lists and live updates', () => {
  it('pages deposits newest first and filters them; bad cursors and limits are 400', async () => {
    const client = await w.person('client');
    const ids: string[] = [];
    for (const amount of ['1.00', '2.00', '3.00'])
      ids.push((await announced(w, client, { amount, currency: 'EUR' })).id);
    const page1 = await w.as(client, '/deposits?limit=2');
    expect(page1.body.items.map((d: { id: string }) => d.id)).toEqual([ids[2], ids[1]]);
    expect(page1.body.items[0].timeline).toHaveLength(1);
    expect(page1.body.nextCursor).toEqual(expect.any(String));
    const page2 = await w.as(client, `/deposits?limit=2&cursor=${encodeURIComponent(page1.body.nextCursor)}`);
    expect(page2.body).toMatchObject({ items: [expect.objectContaining({ id: ids[0] })], nextCursor: null });

    await post(w, client, `/deposits/${ids[1]}/cancel`);
    const pending = await w.as(ops, `/deposits?clientId=${client.id}&status=PENDING`);
    expect(pending.body.items.map((d: { id: string }) => d.id)).toEqual([ids[2], ids[0]]);
    expect(pending.body.items[0].openTasks).toHaveLength(1);
    expect(
      (await w.as(ops, `/deposits?clientId=${client.id}&status=CANCELLED`)).body.items.map(
        (d: { id: string }) => d.id,
      ),
    ).toEqual([ids[1]]);

    expectError(await w.as(client, '/deposits?cursor=garbage'), 400, 'validation_failed');
    expectError(await w.as(client, '/deposits?limit=201'), 400, 'validation_failed');
    expectError(await w.as(client, '/deposits?limit=0'), 400, 'validation_failed');
    expectError(await w.as(client, '/deposits?status=LOST'), 400, 'validation_failed');
    expectError(await w.as(ops, '/deposits?clientId=nobody'), 400, 'validation_failed');
    for (const id of [ids[0], ids[2]]) await post(w, client, `/deposits/${id}/cancel`);
  });

  it('streams the deposit over SSE to its owner at once and after every transition', async () => {
    const deposit = await announced(w, clientA, { amount: '8.00', currency: 'EUR' });
    const stream = await openEvents(w, clientA, `/deposits/${deposit.id}/events`);
    try {
      expect(stream.response.status).toBe(200);
      expect(stream.response.headers.get('content-type')).toContain('text/event-stream');
      const first = await stream.next();
      expect(first).toMatchObject({ event: 'state', data: { id: deposit.id, status: 'PENDING' } });
      expect(first.data).not.toHaveProperty('screening');
      expect((await post(w, clientA, `/deposits/${deposit.id}/cancel`)).status).toBe(200);
      const next = await stream.next();
      expect(next).toMatchObject({ event: 'state', data: { id: deposit.id, status: 'CANCELLED' } });
    } finally {
      stream.close();
    }
    const staffStream = await openEvents(w, ops, `/deposits/${deposit.id}/events`);
    try {
      expect((await staffStream.next()).data).toMatchObject({
        status: 'CANCELLED',
        screening: null,
        openTasks: [],
      });
    } finally {
      staffStream.close();
    }
  });

  it('documents every deposit, task, balance and ledger route in OpenAPI', async () => {
    const doc = (await w.app.api('/api/v1/openapi.json')).body;
    for (const [path, method] of [
      ['/deposits', 'post'],
      ['/deposits', 'get'],
      ['/deposits/{id}', 'get'],
      ['/deposits/{id}/events', 'get'],
      ['/deposits/{id}/cancel', 'post'],
      ['/ops/deposits/{id}/confirm', 'post'],
      ['/ops/deposits/{id}/release', 'post'],
      ['/ops/deposits/{id}/extend', 'post'],
      ['/ops/deposits/{id}/reject', 'post'],
      ['/tasks', 'get'],
      ['/tasks/{id}/claim', 'post'],
      ['/tasks/{id}/release', 'post'],
      ['/balances', 'get'],
      ['/ledger/entries', 'get'],
      ['/ledger/trial-balance', 'get'],
    ] as const) {
      expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    }
    expect(doc.components.schemas.Deposit).toBeDefined();
    expect(doc.components.schemas.Task).toBeDefined();
  });
});
