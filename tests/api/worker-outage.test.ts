// With the only worker down, the API answers in seconds with a retryable 503 (never hangs, never
// a 201 it cannot back up with a readable resource), and the same request retried once the worker
// is back succeeds exactly once, with one audit entry.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../api/testing.js';
import { closeTemporalClient } from '../../api/temporal-client.js';
import { closeLifecycleNotifications } from '../../api/live-updates.js';
import { closePool } from '../../db/pool.js';
import type { Role } from '../../domain/roles.js';
import { startTestWorker, type TestTemporal } from '../support/temporal.js';
import { TEST_DEPOSIT_POLICY, expectError, type Person } from './helpers.js';

let app: TestApp;
let worker: TestTemporal | null = null;

beforeAll(async () => {
  process.env.DEPOSIT_POLICY_JSON = JSON.stringify(TEST_DEPOSIT_POLICY);
  process.env.TEMPORAL_CALL_TIMEOUT_MS = '2000';
  worker = await startTestWorker();
  app = await startTestApp({ apiRateLimitPerMinute: 0 });
});

afterAll(async () => {
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

async function workerDown(): Promise<void> {
  await worker?.stop();
  worker = null;
}

async function workerBack(): Promise<void> {
  worker = await startTestWorker();
}

/** Retries `send` as API.md tells a client to: the same request again after Retry-After. */
async function untilAnswered(send: () => ReturnType<TestApp['api']>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await send();
    const retryAfter = answer.headers.get('retry-after');
    if (!retryAfter || Date.now() > deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('the only worker is down', () => {
  it('a new deposit is 503 with Retry-After within seconds, then the same key gives 201 readable at once', async () => {
    const client = await person('client');
    const key = randomUUID();
    const body = { amount: '300.00', currency: 'EUR' };
    await workerDown();
    const started = Date.now();
    const first = await api(client, '/deposits', { method: 'POST', json: body, idempotencyKey: key });
    expect(Date.now() - started).toBeLessThan(10_000);
    expectError(first, 503, 'temporarily_unavailable');
    expect(Number(first.headers.get('retry-after'))).toBeGreaterThan(0);
    // Nothing half-visible meanwhile: the client's list does not show a deposit it was not given.
    expect((await api(client, '/deposits')).body.items).toHaveLength(0);

    await workerBack();
    const created = await untilAnswered(() =>
      api(client, '/deposits', { method: 'POST', json: body, idempotencyKey: key }),
    );
    expect(created.status, created.text).toBe(201);
    const read = await api(client, `/deposits/${created.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body.status).toBe('PENDING');
    // And the first 503 was not stored as the key's answer: the same key replays the 201.
    const again = await api(client, '/deposits', { method: 'POST', json: body, idempotencyKey: key });
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(created.body.id);
    expect((await api(client, '/deposits')).body.items).toHaveLength(1);
  });

  it('an action is 503 within seconds; retried with the same X-Request-Id it is applied once, audited once', async () => {
    const client = await person('client');
    const ops = await person('operations');
    const auditor = await person('auditor');
    const created = await api(client, '/deposits', {
      method: 'POST',
      json: { amount: '120.00', currency: 'EUR' },
      idempotencyKey: randomUUID(),
    });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id as string;
    const requestId = randomUUID();
    const confirm = () =>
      api(ops, `/ops/deposits/${id}/confirm`, {
        method: 'POST',
        json: { receivedAmount: '120.00', senderCountry: 'DE', senderReference: created.body.reference },
        headers: { 'x-request-id': requestId },
      });

    await workerDown();
    const started = Date.now();
    const first = await confirm();
    expect(Date.now() - started).toBeLessThan(10_000);
    expectError(first, 503, 'temporarily_unavailable');
    expect(first.headers.get('retry-after')).not.toBeNull();

    await workerBack();
    const applied = await untilAnswered(confirm);
    expect(applied.status, applied.text).toBe(200);
    expect(applied.body.status).toBe('ON_HOLD');
    const replayed = await confirm();
    expect(replayed.status).toBe(200);

    const timeline = (await api(client, `/deposits/${id}`)).body.timeline as { to: string }[];
    expect(timeline.filter((e) => e.to === 'ON_HOLD')).toHaveLength(1);
    const audit = await api(auditor, `/audit/log?subjectType=deposit&subjectId=${id}&limit=50`);
    expect(audit.status, audit.text).toBe(200);
    const confirms = (audit.body.items as { action: string; before: { status: string } }[]).filter(
      (e) => e.action === 'deposit.confirm',
    );
    expect(confirms).toHaveLength(1);
    expect(confirms[0]!.before.status).toBe('PENDING');
  });

  it('an action applied after its caller gave up answers 200 when retried, even once the lifecycle has ended', async () => {
    const client = await person('client');
    const ops = await person('operations');
    const aml = await person('aml_officer');
    const created = await api(client, '/deposits', {
      method: 'POST',
      json: { amount: '5000.00', currency: 'EUR' },
      idempotencyKey: randomUUID(),
    });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id as string;
    const flagged = await api(ops, `/ops/deposits/${id}/confirm`, {
      method: 'POST',
      json: { receivedAmount: '5000.00', senderCountry: 'IR', senderReference: 'x' },
    });
    expect(flagged.body.status).toBe('AML_REVIEW');

    const requestId = randomUUID();
    const release = () =>
      api(aml, `/ops/deposits/${id}/release`, {
        method: 'POST',
        json: { note: 'documents seen' },
        headers: { 'x-request-id': requestId },
      });
    await workerDown();
    expectError(await release(), 503, 'temporarily_unavailable');
    // The Update waits at Temporal; the returning worker applies it with nobody listening, and the
    // deposit ends (CLEARED, its workflow closes).
    await workerBack();
    for (const deadline = Date.now() + 20_000; Date.now() < deadline;) {
      if ((await api(client, `/deposits/${id}`)).body.status === 'CLEARED') break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect((await api(client, `/deposits/${id}`)).body.status).toBe('CLEARED');
    const retried = await release();
    expect(retried.status, retried.text).toBe(200);
    expect(retried.body.status).toBe('CLEARED');
    // Another request to do it again is a real wrong-state refusal.
    const another = await api(aml, `/ops/deposits/${id}/release`, {
      method: 'POST',
      json: { note: 'again' },
    });
    expectError(another, 409, 'invalid_state');
  });
});
