// The demo scenario the screenshots show, played through the HTTP API by the seeded demo people
// (db/seed.ts), so every page shows real lifecycles with their timelines: a cleared deposit that
// funds the client, a deposit on hold, a withdrawal waiting for its second approver (four eyes), an
// EUA book with resting orders on both sides and a trade, a settlement batch of that trade, and a
// bank statement whose reconciliation has a break.
import { randomUUID } from 'node:crypto';
import type { TestApp } from '../../api/testing.js';
import { DEMO_PASSWORD } from '../../db/seed.js';

export interface Scenario {
  /** The deposit on hold (client and staff detail pages, the auditor's workflow history). */
  heldDepositId: string;
  heldDepositWorkflowId: string;
  withdrawalId: string;
  reconciliationId: string;
}

interface Actor {
  token: string;
  id: string;
}

/** Retries a transient answer (a worker that is not polling yet, a busy machine) as the same request. */
async function call(app: TestApp, actor: Actor, path: string, json?: unknown, body?: FormData) {
  const key = randomUUID();
  for (let attempt = 1; attempt <= 20; attempt++) {
    const answer = await app.api(`/api/v1${path}`, {
      method: json === undefined && body === undefined ? 'GET' : 'POST',
      token: actor.token,
      json,
      body,
      idempotencyKey: json === undefined && body === undefined ? undefined : key,
      headers: { 'x-request-id': key },
    });
    if (answer.status !== 503) {
      if (answer.status >= 300) throw new Error(`${path}: ${answer.status} ${answer.text}`);
      return answer.body;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error(`${path}: still 503`);
}

async function waitUntil<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen in 30 s: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function signIn(app: TestApp, email: string): Promise<Actor> {
  const { accessToken, user } = await app.login({ email, password: DEMO_PASSWORD });
  return { token: accessToken, id: user.id };
}

/** Announced and receipt confirmed: the deposit ON_HOLD (released too when `release`). */
async function deposit(app: TestApp, people: Record<string, Actor>, amount: string, release: boolean) {
  const announced = await call(app, people.client!, '/deposits', { amount, currency: 'EUR' });
  await call(app, people.ops!, `/ops/deposits/${announced.id}/confirm`, {
    receivedAmount: amount,
    senderCountry: 'DE',
    note: 'Matched on the bank statement',
  });
  if (release)
    await call(app, people.aml!, `/ops/deposits/${announced.id}/release`, {
      note: 'Known customer, usual source of funds',
    });
  await waitUntil(
    `deposit ${announced.id}`,
    () => call(app, people.client!, `/deposits/${announced.id}`),
    (d: { status: string }) => d.status === (release ? 'CLEARED' : 'ON_HOLD'),
  );
  return announced as { id: string; workflowId: string; reference: string };
}

async function book(app: TestApp, people: Record<string, Actor>): Promise<void> {
  const order = (side: 'BUY' | 'SELL', quantity: string, price: string) => ({
    symbol: 'EUA',
    side,
    type: 'LIMIT',
    quantity,
    price,
  });
  for (const [quantity, price] of [
    ['50', '70.50'],
    ['40', '71.00'],
    ['30', '72.25'],
  ] as const)
    await call(app, people.client2!, '/orders', order('SELL', quantity, price));
  await call(app, people.client!, '/orders', order('BUY', '20', '70.50'));
  for (const [quantity, price] of [
    ['25', '69.50'],
    ['15', '68.75'],
  ] as const)
    await call(app, people.client!, '/orders', order('BUY', quantity, price));
}

/** A statement of the omnibus account: the cleared deposit's line matches, a stray credit does not. */
async function statement(app: TestApp, ops: Actor, matched: { reference: string; amount: string }) {
  const day = new Date().toISOString().slice(0, 10);
  const rows = [
    ['type', 'currency', 'booking_date', 'amount', 'reference', 'description'],
    ['opening', 'EUR', day, '0.00', '', ''],
    ['entry', 'EUR', day, matched.amount, matched.reference, 'Wire from Clara Client'],
    ['entry', 'EUR', day, '740.00', 'UNKNOWN-4471', 'Wire without a reference we know'],
    ['closing', 'EUR', day, (Number(matched.amount) + 740).toFixed(2), '', ''],
  ];
  const form = new FormData();
  form.append('source', 'bank');
  form.append('accountCode', 'bank:omnibus:EUR');
  form.append('file', new Blob([rows.map((r) => r.join(',')).join('\n')]), 'statement.csv');
  const imported = await call(app, ops, '/ops/reconciliations', undefined, form);
  // One statement answers the reconciliation itself; a file of several, `items`.
  const id = ((imported.items as { id: string }[] | undefined)?.[0] ?? imported).id as string;
  await waitUntil(
    `reconciliation ${id}`,
    () => call(app, ops, `/ops/reconciliations/${id}`),
    (r: { status: string }) => r.status !== 'IMPORTED' && r.status !== 'MATCHING',
  );
  return id;
}

export async function playScenario(app: TestApp): Promise<Scenario> {
  const people: Record<string, Actor> = {};
  for (const [name, email] of Object.entries({
    client: 'client@example.com',
    client2: 'client2@example.com',
    ops: 'ops@example.com',
    ops2: 'ops2@example.com',
    aml: 'aml@example.com',
  }))
    people[name] = await signIn(app, email);

  // The small one first: a clean screening holds it; the large one after it is flagged for review
  // (amount and velocity) and released by the AML officer.
  const held = await deposit(app, people, '2500.00', false);
  const funded = await deposit(app, people, '50000.00', true);

  // A verified account to pay out to (the bank-account check itself is another page's subject).
  const { rows } = await app.pool.query<{ id: string }>(
    `INSERT INTO bank_account (client_id, iban, bic, account_name, bank_name, country, status)
     VALUES ($1, 'DE89370400440532013000', 'COBADEFFXXX', 'Clara Client', 'Commerzbank', 'DE', 'VERIFIED')
     RETURNING id`,
    [people.client!.id],
  );
  const withdrawal = await call(app, people.client!, '/withdrawals', {
    amount: '15000.00',
    currency: 'EUR',
    bankAccountId: rows[0]!.id,
  });
  await call(app, people.ops!, `/ops/withdrawals/${withdrawal.id}/approve`, { note: 'First approval' });

  await book(app, people);
  await call(app, people.ops!, '/ops/settlement-batches', {});
  const reconciliationId = await statement(app, people.ops!, {
    reference: funded.reference,
    amount: '50000.00',
  });

  return {
    heldDepositId: held.id,
    heldDepositWorkflowId: held.workflowId,
    withdrawalId: withdrawal.id,
    reconciliationId,
  };
}
