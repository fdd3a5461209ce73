// The chaos run's client retries exactly what API.md calls transient, with the same keys, and nothing
// else: a harness that retried invalid_state would hide the defects the run is there to find.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiClient, RequestStats, isTransient, type RetryPolicy } from '../../scripts/chaos/client.js';
import { seededRandom } from '../../scripts/chaos/random.js';

type Step = { status: number; code?: string; retryAfter?: string } | 'drop';

const FAST: RetryPolicy = {
  budgetMs: 5_000,
  maxAttempts: 10,
  attemptTimeoutMs: 2_000,
  baseDelayMs: 10,
  maxDelayMs: 50,
  maxRetryAfterMs: 100,
};

let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** A server answering `steps` in order (the last one again and again); records every request's headers. */
async function scripted(steps: Step[]): Promise<{ url: string; seen: IncomingHttpHeaders[] }> {
  const seen: IncomingHttpHeaders[] = [];
  server = createServer((req, res) => {
    seen.push(req.headers);
    const step = steps[Math.min(seen.length - 1, steps.length - 1)]!;
    if (step === 'drop') {
      req.socket.destroy();
      return;
    }
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (step.retryAfter !== undefined) headers['retry-after'] = step.retryAfter;
    res.writeHead(step.status, headers);
    res.end(
      JSON.stringify(
        step.code
          ? { error: { code: step.code, message: 'scripted', details: null } }
          : { id: 'x', status: 'OK' },
      ),
    );
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, seen };
}

const session = { id: 'u', role: 'client', token: 't', email: 'e', password: 'p' };

describe('the chaos client', () => {
  it('retries network errors, 5xx, 429 and 409 busy / request_in_progress with the same Idempotency-Key and X-Request-Id', async () => {
    const { url, seen } = await scripted([
      { status: 503, code: 'temporarily_unavailable', retryAfter: '0' },
      'drop',
      { status: 429, code: 'rate_limited' },
      { status: 409, code: 'busy', retryAfter: '0' },
      { status: 409, code: 'request_in_progress', retryAfter: '0' },
      { status: 201 },
    ]);
    const stats = new RequestStats();
    const api = new ApiClient(url, stats, FAST, seededRandom(1));
    const answer = await api.send(session, {
      method: 'POST',
      path: '/deposits',
      json: { amount: '1.00' },
      idempotencyKey: 'key-1',
      requestId: 'req-1',
    });
    expect(answer).toMatchObject({ status: 201, attempts: 6, gaveUp: false });
    expect(seen.map((h) => [h['idempotency-key'], h['x-request-id']])).toEqual(
      Array.from({ length: 6 }, () => ['key-1', 'req-1']),
    );
    expect(stats.retries).toBe(5);
    expect(Object.fromEntries(stats.answers)).toEqual({
      '503 temporarily_unavailable': 1,
      network_error: 1,
      '429 rate_limited': 1,
      '409 busy': 1,
      '409 request_in_progress': 1,
      '201': 1,
    });
  });

  it('takes every other 4xx as final, invalid_state included', async () => {
    for (const code of ['invalid_state', 'idempotency_conflict']) {
      const { url, seen } = await scripted([{ status: 409, code, retryAfter: '0' }, { status: 200 }]);
      const api = new ApiClient(url, new RequestStats(), FAST, seededRandom(1));
      const answer = await api.send(session, { method: 'POST', path: '/x', json: {}, requestId: 'r' });
      expect(answer).toMatchObject({ status: 409, code, attempts: 1, gaveUp: false });
      expect(seen).toHaveLength(1);
      server?.closeAllConnections();
      await new Promise((resolve) => server?.close(resolve));
      server = undefined;
    }
    expect(isTransient({ status: 404, code: 'not_found' })).toBe(false);
    expect(isTransient({ status: 422, code: 'insufficient_funds' })).toBe(false);
  });

  it('gives up when the budget runs out and says so', async () => {
    const { url } = await scripted([{ status: 503, code: 'temporarily_unavailable', retryAfter: '1' }]);
    const stats = new RequestStats();
    const api = new ApiClient(url, stats, { ...FAST, budgetMs: 400, maxRetryAfterMs: 150 }, seededRandom(1));
    const answer = await api.send(session, { method: 'GET', path: '/deposits/x' });
    expect(answer.status).toBe(503);
    expect(answer.gaveUp).toBe(true);
    expect(answer.attempts).toBeGreaterThanOrEqual(2);
    expect(answer.attempts).toBeLessThanOrEqual(4);
    expect(stats.gaveUp).toBe(1);
  });
});
