// LIFECYCLE_START_ANSWER=started (api/lifecycle-kit/started-unrecorded.ts): POST /deposits answers
// once Temporal holds the new workflow, without waiting for the worker; the deposit is readable and
// actionable at once from the workflow's start, the same key reaches the same deposit (409 with
// another body), and lists show it once the workflow recorded it. The worker is down for the first
// part, so nothing here can be the read model answering.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../api/testing.js';
import { closeTemporalClient } from '../../api/temporal-client.js';
import { closeLifecycleNotifications } from '../../api/live-updates.js';
import { closePool } from '../../db/pool.js';
import type { Role } from '../../domain/roles.js';
import { startTestWorker, type TestTemporal } from '../support/temporal.js';
import { TEST_DEPOSIT_POLICY, expectError, transitions, type Person } from './helpers.js';

let app: TestApp;
let worker: TestTemporal | null = null;

beforeAll(async () => {
  process.env.DEPOSIT_POLICY_JSON = JSON.stringify(TEST_DEPOSIT_POLICY);
  process.env.TEMPORAL_CALL_TIMEOUT_MS = '2000';
  process.env.LIFECYCLE_START_ANSWER = 'started';
  app = await startTestApp({ apiRateLimitPerMinute: 0 });
});

afterAll(async () => {
  delete process.env.LIFECYCLE_START_ANSWER;
  await worker?.stop();
  await app?.close();
  await closeTemporalClient();
  await closeLifecycleNotifications();
  await closePool();
});

async function person(role: Role): Promise<Person> {
  const user = await app.createUser(role);
  const { accessToken } = await app.login(user);
  return { ...user, token: accessToken };
}

const api = (who: Person, path: string, init: Parameters<TestApp['api']>[1] = {}) =>
  app.api(`/api/v1${path}`, { ...init, token: who.token });

/** The client's list until it has `count` deposits (the worker records them in its own time). */
async function listedOnce(client: Person, count: number): Promise<{ id: string; status: string }[]> {
  for (let attempt = 0; attempt < 150; attempt += 1) {
    const items = (await api(client, '/deposits')).body.items as { id: string; status: string }[];
    if (items.length >= count) return items;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the list never showed ${count} deposits`);
}

describe('a start answered once Temporal holds the workflow', () => {
  it('201 without a worker, readable and cancellable at once; the same key reaches it; lists follow', async () => {
    const client = await person('client');
    const other = await person('client');
    const ops = await person('operations');
    const body = { amount: '250.00', currency: 'EUR', wireReference: 'Early 1' };
    const key = randomUUID();

    // No worker polls yet: the answer cannot come from the read model.
    const created = await api(client, '/deposits', { method: 'POST', json: body, idempotencyKey: key });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({
      status: 'PENDING',
      clientId: client.id,
      amount: '250.00',
      currency: 'EUR',
      wireReference: 'Early 1',
      allowedActions: ['cancel'],
    });
    expect(transitions(created.body)).toEqual(['∅→PENDING']);
    expect(created.body.timeline[0]).toMatchObject({
      actor: { id: client.id, role: 'client' },
      reason: 'Deposit of 250.00 EUR announced',
    });
    const id = created.body.id as string;

    // Readable by its owner and staff from the workflow's start; another client gets 404.
    const read = await api(client, `/deposits/${id}`);
    expect(read.status, read.text).toBe(200);
    expect(read.body).toMatchObject({ id, status: 'PENDING', instructions: created.body.instructions });
    expect((await api(ops, `/deposits/${id}`)).body.allowedActions).toEqual(['confirm']);
    expectError(await api(other, `/deposits/${id}`), 404, 'not_found');
    expectError(await api(client, `/deposits/${randomUUID()}`), 404, 'not_found');
    // Lists are the read model's: not there yet.
    expect((await api(client, '/deposits')).body.items).toHaveLength(0);

    // A second deposit, cancelled before the worker ever ran it: the Update waits for the workflow.
    const second = await api(client, '/deposits', {
      method: 'POST',
      json: { amount: '5.00', currency: 'EUR' },
      idempotencyKey: randomUUID(),
    });
    expect(second.status, second.text).toBe(201);
    worker = await startTestWorker();
    // (A worker just started may take longer than the call deadline: 503, and the same request again.)
    const requestId = randomUUID();
    const cancel = () =>
      api(client, `/deposits/${second.body.id}/cancel`, {
        method: 'POST',
        json: {},
        headers: { 'x-request-id': requestId },
      });
    let cancelled = await cancel();
    for (let attempt = 0; attempt < 20 && cancelled.headers.get('retry-after'); attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      cancelled = await cancel();
    }
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(cancelled.body.status).toBe('CANCELLED');
    expect(transitions(cancelled.body)).toEqual(['∅→PENDING', 'PENDING→CANCELLED']);

    // The same key: the same deposit (now from what the workflow recorded); another body: 409.
    const again = await api(client, '/deposits', { method: 'POST', json: body, idempotencyKey: key });
    expect(again.status, again.text).toBe(201);
    expect(again.body.id).toBe(id);
    expectError(
      await api(client, '/deposits', {
        method: 'POST',
        json: { ...body, amount: '1.00' },
        idempotencyKey: key,
      }),
      409,
      'idempotency_conflict',
    );
    const listed = await listedOnce(client, 2);
    // (Listed by the time each workflow recorded its start: the worker took them in either order.)
    expect(new Map(listed.map((d) => [d.id, d.status]))).toEqual(
      new Map([
        [second.body.id, 'CANCELLED'],
        [id, 'PENDING'],
      ]),
    );
    // The creation is audited once, however many times the key came.
    const auditor = await person('auditor');
    const audit = await api(auditor, `/audit/log?subjectType=deposit&subjectId=${id}&limit=50`);
    expect(audit.status, audit.text).toBe(200);
    expect(
      (audit.body.items as { action: string }[]).filter((e) => e.action === 'deposit.create'),
    ).toHaveLength(1);
  });
});
