// With a part down, the API answers fast and clearly: 503 temporarily_unavailable with Retry-After
// (never a 500, never a request hanging for the SDK's retries), and the same request succeeds once
// the part is back.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startTestApp, type ApiAnswer, type TestApp } from '../../api/testing.js';
import {
  closeTemporalClient,
  getTemporalClient,
  temporalCallTimeoutMs,
  TEMPORAL_CONNECT_TIMEOUT_MS,
  withTemporalDeadline,
} from '../../api/temporal-client.js';
import { closeLifecycleNotifications } from '../../api/live-updates.js';
import { config } from '../../db/config.js';
import { closePool, createPool } from '../../db/pool.js';
import { freePort, startDevServer } from '../support/dev-server.js';
import { startTestWorker, type TestTemporal } from '../support/temporal.js';
import { TEST_DEPOSIT_POLICY, expectError } from './helpers.js';

/** The app's pool, its connections named so that only they are terminated (other files share the database). */
const appName = `degraded-${randomUUID()}`.slice(0, 60);
let app: TestApp;
let temporal: TestTemporal;
let token: string;
const admin = new pg.Pool({ connectionString: config.databaseUrl, max: 1 });

beforeAll(async () => {
  process.env.DEPOSIT_POLICY_JSON = JSON.stringify(TEST_DEPOSIT_POLICY);
  temporal = await startTestWorker();
  const url = new URL(config.databaseUrl);
  url.searchParams.set('application_name', appName);
  app = await startTestApp({ pool: createPool(url.toString(), 5), apiRateLimitPerMinute: 0 });
  const user = await app.createUser('client');
  token = (await app.login(user)).accessToken;
});
afterAll(async () => {
  await app?.close();
  await app?.pool.end();
  await temporal?.stop();
  await closeTemporalClient();
  await closeLifecycleNotifications();
  await closePool();
  await admin.end();
});

const announce = (key: string) =>
  app.api('/api/v1/deposits', {
    method: 'POST',
    token,
    idempotencyKey: key,
    json: { amount: '10.00', currency: 'EUR' },
  });

function expectRetryable(answer: ApiAnswer): void {
  expectError(answer, 503, 'temporarily_unavailable');
  expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
}

describe('Temporal unreachable', () => {
  it('answers 503 with Retry-After within seconds, and the same request succeeds once it is back', async () => {
    const reachable = config.temporalAddress;
    await closeTemporalClient();
    config.temporalAddress = `127.0.0.1:${await freePort()}`; // read on every (re)connect
    try {
      const key = randomUUID();
      for (let attempt = 0; attempt < 2; attempt += 1) {
        const started = Date.now();
        const answer = await announce(key);
        expectRetryable(answer);
        // Not 18-20 s as before: one connect attempt, and a failed one is not kept.
        expect(Date.now() - started).toBeLessThan(TEMPORAL_CONNECT_TIMEOUT_MS + 3000);
      }
      config.temporalAddress = reachable;
      const answer = await announce(key);
      expect(answer.status, answer.text).toBe(201);
      expect(answer.body.status).toBe('PENDING');
    } finally {
      config.temporalAddress = reachable;
    }
  });
});

describe('Temporal going away after the client connected', () => {
  it(
    'fails a call within seconds, and withTemporalDeadline at its deadline',
    { timeout: 60_000 },
    async () => {
      const reachable = config.temporalAddress;
      const server = await startDevServer(await freePort());
      await closeTemporalClient();
      config.temporalAddress = server.address;
      try {
        const client = await getTemporalClient();
        await client.workflowService.getSystemInfo({});
        await server.stop();

        let started = Date.now();
        await expect(client.workflowService.getSystemInfo({})).rejects.toThrow();
        // The SDK's default retries would take ~20 s; the server's client gives up after ~3 s.
        expect(Date.now() - started).toBeLessThan(6000);

        started = Date.now();
        const call = withTemporalDeadline(client, 800, () =>
          client.workflow.start('ping', { taskQueue: 'nobody', workflowId: `gone-${randomUUID()}` }),
        );
        await expect(call).rejects.toThrow();
        expect(Date.now() - started).toBeLessThan(800 + 1000);
        expect(temporalCallTimeoutMs()).toBeGreaterThan(0);
      } finally {
        config.temporalAddress = reachable;
        await closeTemporalClient();
        await server.stop();
      }
    },
  );
});

describe('PostgreSQL connections terminated while requests run', () => {
  it('gives 2xx or 503 with Retry-After, never 500, and all is well afterwards', async () => {
    expect((await announce(randomUUID())).status).toBe(201); // warm: connections in the pool
    let terminating = true;
    let terminated = 0;
    const killer = (async () => {
      while (terminating) {
        const { rows } = await admin.query(
          'SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE application_name = $1',
          [appName],
        );
        terminated += rows.length;
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
    })();
    const answers: ApiAnswer[] = [];
    const until = Date.now() + 3000;
    while (Date.now() < until) {
      answers.push(
        ...(await Promise.all([
          announce(randomUUID()),
          app.api('/api/v1/deposits', { token }),
          app.api('/api/v1/me', { token }),
        ])),
      );
    }
    terminating = false;
    await killer;
    expect(terminated).toBeGreaterThan(5);

    const statuses = answers.map((answer) => answer.status);
    const unexpected = answers.filter((a) => !(a.status < 300 || a.status === 503));
    expect(unexpected.map((a) => `${a.status} ${a.text}`)).toEqual([]);
    for (const answer of answers.filter((a) => a.status === 503)) expectRetryable(answer);
    expect(statuses.some((status) => status < 300)).toBe(true);

    // Afterwards, no dead connection is handed out: every request succeeds.
    const after = await Promise.all([
      announce(randomUUID()),
      announce(randomUUID()),
      app.api('/api/v1/deposits', { token }),
      app.api('/api/v1/me', { token }),
    ]);
    expect(after.map((answer) => answer.status)).toEqual([201, 201, 200, 200]);
  });
});

describe('PostgreSQL down', () => {
  it('answers 503 temporarily_unavailable with Retry-After, not 500', async () => {
    const down = await startTestApp({
      pool: createPool(`postgres://postgres@127.0.0.1:${await freePort()}/clearhouse`, 2),
      temporal: () => Promise.reject(new Error('not needed')),
    });
    try {
      const login = await down.api('/api/v1/auth/login', {
        method: 'POST',
        json: { email: 'someone@test.example', password: 'whatever-it-is' },
      });
      expectRetryable(login);
      const list = await down.api('/api/v1/deposits', { token });
      expectRetryable(list);
    } finally {
      await down.close();
      await down.pool.end();
    }
  });
});
