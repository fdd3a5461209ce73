import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './testing.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({
    temporal: () => Promise.reject(new Error('Temporal is not running in this test')),
    corsOrigins: ['https://allowed.example'],
  });
});
afterAll(async () => {
  await t?.close();
});

describe('health', () => {
  it('/healthz answers 200 without auth', async () => {
    const answer = await t.api('/healthz');
    expect(answer.status).toBe(200);
    expect(answer.body.status).toBe('ok');
  });

  it('/readyz reports each check and answers 503 when Temporal is unreachable', async () => {
    const answer = await t.api('/readyz');
    expect(answer.status).toBe(503);
    expect(answer.body.status).toBe('unavailable');
    expect(answer.body.checks.postgres.ok).toBe(true);
    expect(answer.body.checks.temporal.ok).toBe(false);
    expect(answer.body.checks.worker.ok).toBe(false);
  });
});

describe('API conventions', () => {
  it('serves an OpenAPI 3.1 document with the auth routes', async () => {
    const answer = await t.api('/api/v1/openapi.json');
    expect(answer.status).toBe(200);
    expect(answer.body.openapi).toMatch(/^3\.1\./);
    expect(answer.body.servers).toEqual([{ url: '/api/v1' }]);
    expect(Object.keys(answer.body.paths)).toEqual(
      expect.arrayContaining(['/auth/login', '/auth/refresh', '/auth/logout', '/me']),
    );
    expect(answer.body.paths['/auth/login'].post.responses['200']).toBeDefined();
    expect(answer.body.components.schemas.Error).toBeDefined();
    expect(answer.body.components.securitySchemes.bearerAuth).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
  });

  it('answers malformed JSON with 400 validation_failed', async () => {
    const answer = await t.api('/api/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"email": "a@b.c", ',
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'validation_failed', details: null });
    expect(typeof answer.body.error.message).toBe('string');
  });

  it('answers unknown routes under /api/v1 with 404 not_found', async () => {
    const answer = await t.api('/api/v1/does-not-exist');
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe('not_found');
    expect((await t.api('/api/v1/me', { method: 'DELETE' })).status).toBe(404);
  });

  it('answers an oversized body with 413', async () => {
    const answer = await t.api('/api/v1/auth/login', {
      method: 'POST',
      json: { email: 'x'.repeat(200_000), password: 'y' },
    });
    expect(answer.status).toBe(413);
    expect(answer.body.error.code).toBe('payload_too_large');
  });

  it('echoes a sane X-Request-Id and makes one up otherwise', async () => {
    const given = await t.api('/healthz', { headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers.get('x-request-id')).toBe('abc-123');
    const made = await t.api('/healthz', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sets security headers and keeps CORS closed except for listed origins', async () => {
    const plain = await t.api('/api/v1/openapi.json', { headers: { origin: 'https://evil.example' } });
    expect(plain.headers.get('x-content-type-options')).toBe('nosniff');
    expect(plain.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(plain.headers.get('access-control-allow-origin')).toBeNull();
    expect(plain.headers.get('x-powered-by')).toBeNull();

    const preflight = await t.api('/api/v1/auth/login', {
      method: 'OPTIONS',
      headers: { origin: 'https://allowed.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://allowed.example');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('Idempotency-Key');
  });
});

describe('generic API rate limit', () => {
  it('answers 429 rate_limited past the per-minute limit', async () => {
    const limited = await startTestApp({ apiRateLimitPerMinute: 3 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await limited.api('/api/v1/openapi.json')).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const blocked = await limited.api('/api/v1/openapi.json');
      expect(blocked.body.error.code).toBe('rate_limited');
      expect((await limited.api('/healthz')).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
