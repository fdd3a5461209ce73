import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Router } from 'express';
import { z } from 'zod';
import { asyncHandler, unprocessable } from './errors.js';
import { idempotent, idempotentUuid, requestHash } from './idempotency.js';
import { requireRole } from './middleware/auth.js';
import { startTestApp, type TestApp, type TestUser } from './testing.js';
import { cashCurrencySchema, decimalAmountSchema, parseAmountField, parseBody } from './validate.js';

// A creating POST like the real ones: validated body, business rejections, a slow mode for races.
let executions = 0;
const ThingBody = z.object({
  amount: decimalAmountSchema,
  currency: cashCurrencySchema,
  mode: z.enum(['ok', 'business', 'crash', 'slow']).default('ok'),
});
const things = () => {
  const router = Router();
  router.post(
    '/test/things',
    requireRole('client'),
    idempotent(),
    asyncHandler(async (req, res) => {
      const body = parseBody(ThingBody, req);
      const minor = parseAmountField(body.currency, body.amount);
      executions++;
      if (body.mode === 'business') throw unprocessable('insufficient_funds', 'not enough money');
      if (body.mode === 'crash') throw new Error('boom');
      if (body.mode === 'slow') await new Promise((resolve) => setTimeout(resolve, 500));
      res.status(201).json({
        id: idempotentUuid(req.user!.id, req.idempotencyKey!, 'thing'),
        minor: minor.toString(),
        execution: executions,
      });
    }),
  );
  return router;
};

let t: TestApp;
let client: TestUser;
let token: string;

beforeAll(async () => {
  t = await startTestApp({ extraRouters: [things] });
  client = await t.createUser('client');
  token = (await t.login(client)).accessToken;
});
afterAll(async () => {
  await t?.close();
});

const post = (json: unknown, idempotencyKey?: string, as = token) =>
  t.api('/api/v1/test/things', { method: 'POST', token: as, json, idempotencyKey });

describe('Idempotency-Key', () => {
  it('replays the first answer for the same key and body, without running the handler again', async () => {
    const key = randomUUID();
    const first = await post({ amount: '12.50', currency: 'EUR' }, key);
    expect(first.status).toBe(201);
    expect(first.body.minor).toBe('1250');
    const before = executions;
    // Same body with keys in another order is the same request.
    const again = await post({ currency: 'EUR', amount: '12.50' }, key);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(executions).toBe(before);
  });

  it('answers 409 idempotency_conflict for the same key with a different body', async () => {
    const key = randomUUID();
    expect((await post({ amount: '1.00', currency: 'EUR' }, key)).status).toBe(201);
    const conflicting = await post({ amount: '2.00', currency: 'EUR' }, key);
    expect(conflicting.status).toBe(409);
    expect(conflicting.body.error.code).toBe('idempotency_conflict');
  });

  it('requires the header (1 to 200 characters): 400 validation_failed', async () => {
    const missing = await post({ amount: '1.00', currency: 'EUR' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('validation_failed');
    expect(missing.body.error.details.issues[0].path).toBe('Idempotency-Key');
    expect((await post({ amount: '1.00', currency: 'EUR' }, 'k'.repeat(201))).status).toBe(400);
    expect((await post({ amount: '1.00', currency: 'EUR' }, 'k'.repeat(200))).status).toBe(201);
  });

  it('keys are per user', async () => {
    const key = randomUUID();
    const other = await t.createUser('client');
    const otherToken = (await t.login(other)).accessToken;
    const mine = await post({ amount: '3.00', currency: 'USD' }, key);
    const theirs = await post({ amount: '3.00', currency: 'USD' }, key, otherToken);
    expect(mine.status).toBe(201);
    expect(theirs.status).toBe(201);
    expect(theirs.body.id).not.toBe(mine.body.id);
  });

  it('stores business rejections (422) but not validation errors (400) or crashes (500)', async () => {
    const businessKey = randomUUID();
    const rejected = await post({ amount: '5.00', currency: 'EUR', mode: 'business' }, businessKey);
    expect(rejected.status).toBe(422);
    const before = executions;
    const replayed = await post({ amount: '5.00', currency: 'EUR', mode: 'business' }, businessKey);
    expect(replayed.status).toBe(422);
    expect(replayed.body).toEqual(rejected.body);
    expect(executions).toBe(before);

    // A 400 leaves the key usable: fix the request, retry with the same key.
    const fixKey = randomUUID();
    const invalid = await post({ amount: '1.234', currency: 'EUR' }, fixKey);
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.details.issues[0].path).toBe('amount');
    expect((await post({ amount: '1.23', currency: 'EUR' }, fixKey)).status).toBe(201);

    const crashKey = randomUUID();
    const crashed = await post({ amount: '1.00', currency: 'EUR', mode: 'crash' }, crashKey);
    expect(crashed.status).toBe(500);
    expect(crashed.body.error.code).toBe('internal_error');
    const { rows } = await t.pool.query('SELECT 1 FROM idempotency_record WHERE user_id = $1 AND key = $2', [
      client.id,
      crashKey,
    ]);
    expect(rows).toHaveLength(0);
  });

  it('rejects amounts the contract forbids with 400', async () => {
    for (const amount of ['-5', '1e3', 'abc', '1.234', '', 12, '0']) {
      const answer = await post({ amount, currency: 'EUR' }, randomUUID());
      expect(answer.status, `amount ${JSON.stringify(amount)}`).toBe(400);
      expect(answer.body.error.code).toBe('validation_failed');
    }
  });

  it('lets only one of two concurrent first requests run; the other gets 409 request_in_progress', async () => {
    const key = randomUUID();
    const body = { amount: '7.00', currency: 'EUR', mode: 'slow' };
    const [a, b] = await Promise.all([post(body, key), post(body, key)]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([201, 409]);
    const loser = a.status === 409 ? a : b;
    expect(loser.body.error.code).toBe('request_in_progress');
    const later = await post(body, key);
    expect(later.status).toBe(201);
    expect(later.body).toEqual((a.status === 201 ? a : b).body);
  });

  it('takes over a placeholder abandoned by a dead request', async () => {
    const key = randomUUID();
    const body = { amount: '8.00', currency: 'EUR' };
    const first = await post(body, key);
    // Simulate a crash mid-request: the row is back to a placeholder from long ago.
    await t.pool.query(
      `UPDATE idempotency_record SET status_code = NULL, response_body = NULL, completed_at = NULL,
              created_at = now() - interval '1 hour' WHERE user_id = $1 AND key = $2`,
      [client.id, key],
    );
    const retried = await post(body, key);
    expect(retried.status).toBe(201);
    expect(retried.body.id).toBe(first.body.id);
  });

  it('hashes a request exactly as before the shared canonical JSON (stored request_hash rows still match)', () => {
    // The hash the former api/idempotency.ts canonicalJson gave this request.
    const req = {
      method: 'POST',
      originalUrl: '/api/v1/test/things?ignored=1',
      body: { currency: 'EUR', amount: '12.50', note: 'pässpört 🛂', nested: [1, null, { b: true, a: 1.5 }] },
    } as unknown as Parameters<typeof requestHash>[0];
    expect(requestHash(req)).toBe('4fad3bdd4209004f85d4b2475efe24cc7c97a85de22171142bd401f87239fc69');
  });

  it('answers a body nested 40,000 levels deep with 400 before hashing it, and keeps the key usable', async () => {
    const key = randomUUID();
    const deep = `${'['.repeat(40_000)}${']'.repeat(40_000)}`;
    const answer = await t.api('/api/v1/test/things', {
      method: 'POST',
      token,
      idempotencyKey: key,
      headers: { 'content-type': 'application/json' },
      body: `{"amount":"1.00","currency":"EUR","deep":${deep}}`,
    });
    expect(answer.status, answer.text).toBe(400);
    expect(answer.body.error).toMatchObject({
      code: 'validation_failed',
      details: { issues: [{ code: 'too_deep' }] },
    });
    expect((await post({ amount: '1.00', currency: 'EUR' }, key)).status).toBe(201);
  });
});
