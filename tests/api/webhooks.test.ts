// Webhooks against the real app, PostgreSQL and Redis (no Temporal needed: events are committed to the
// outbox as recordTransition does). A receiver on 127.0.0.1 checks every delivery's signature with its
// own HMAC code (not ours), fails N times, redirects, and so on.
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, type TestUser } from '../../api/testing.js';
import { SESSION_COOKIE } from '../../api/auth/session.js';
import { closeNotificationConnections } from '../../api/services/notifications.js';
import { config } from '../../db/config.js';
import { inTransaction } from '../../db/pool.js';
import { insertEndpoint } from '../../db/notifications/index.js';
import { createRedis, insertOutboxEvent } from '../../db/outbox/index.js';
import { startNotifications, type RunningNotifications } from '../../activities/notifications/run.js';
import { webhookPolicy } from '../../domain/notifications.js';

const prefix = `test-webhooks-${randomUUID()}`;
process.env.QUEUE_PREFIX = prefix; // the server's redeliver and bull-board use the same queues

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A receiver whose answer per request is decided by `answer` (status, optional Location). */
async function startReceiver(answer: (n: number) => { status: number; location?: string }) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const { status, location } = answer(received.length);
      if (location) res.setHeader('location', location);
      res.statusCode = status;
      res.end(status < 300 ? 'ok' : 'x'.repeat(100_000)); // a long error body is cut short
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** The receiver's check, written from API.md alone: t=…,v1=… over "<t>.<raw body>". */
function independentlyVerified(secret: string, header: string | undefined, body: string): boolean {
  if (!header) return false;
  const fields = header.split(',').map((field) => field.split('='));
  const t = fields.find(([k]) => k === 't')?.[1];
  if (!t || Math.abs(Date.now() / 1000 - Number(t)) > 300) return false;
  const mac = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  return fields.some(
    ([k, v]) => k === 'v1' && v && v.length === 64 && timingSafeEqual(Buffer.from(v, 'hex'), mac),
  );
}

/** The people of this file: its dispatcher takes only their events. */
const owners = new Set<string>();
let app: TestApp;
let notifications: RunningNotifications;
const redis = createRedis();

beforeAll(async () => {
  app = await startTestApp({ apiRateLimitPerMinute: 0 });
  notifications = startNotifications({
    pool: app.pool,
    databaseUrl: config.databaseUrl,
    connection: redis,
    prefix,
    policy: webhookPolicy({
      attempts: 3,
      backoffFirstMs: 50,
      backoffMaxMs: 200,
      timeoutMs: 2000,
      responseBodyMaxBytes: 64,
    }),
    allowedHosts: new Set(['127.0.0.1']),
    // A name whose DNS answer changed after registration to a private address (rebinding).
    resolve: async (host) =>
      host === 'rebound.example' ? [{ address: '10.0.0.1', family: 4 }] : [{ address: host, family: 4 }],
    pollMs: 100,
    ownerIds: () => [...owners], // this file's people only: other files share the database
  });
});

afterAll(async () => {
  await notifications.stop();
  for (const queue of Object.values(notifications.queues))
    await queue.obliterate({ force: true }).catch(() => undefined);
  await redis.quit();
  await closeNotificationConnections();
  await app.close();
});

async function signedIn(role: 'client' | 'admin' | 'operations') {
  const user = await app.createUser(role);
  const { accessToken } = await app.login(user);
  owners.add(user.id);
  return { ...user, token: accessToken };
}

function as(person: { token: string } | null, path: string, init: Parameters<TestApp['api']>[1] = {}) {
  return app.api(`/api/v1${path}`, { ...init, token: person?.token });
}

/** Registers with 127.0.0.1 allowed (as WEBHOOK_ALLOWED_HOSTS would), then takes the allow-list away. */
async function register(person: { token: string }, url: string, events: string[]) {
  process.env.WEBHOOK_ALLOWED_HOSTS = '127.0.0.1';
  try {
    const answer = await as(person, '/webhooks', { method: 'POST', json: { url, events } });
    expect(answer.status, answer.text).toBe(201);
    return answer.body as { id: string; secret: string };
  } finally {
    delete process.env.WEBHOOK_ALLOWED_HOSTS;
  }
}

async function commitEvent(ownerId: string | null, type = 'deposit.cleared'): Promise<string> {
  return inTransaction(app.pool, (client) =>
    insertOutboxEvent(client, {
      type,
      ownerId,
      data: { id: `D-${randomUUID()}`, amount: '1250.50', currency: 'EUR' },
    }),
  );
}

async function deliveryOf(
  person: { token: string },
  endpointId: string,
  eventId: string,
  done: (d: any) => boolean,
) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const answer = await as(person, `/webhooks/${endpointId}/deliveries`);
    expect(answer.status, answer.text).toBe(200);
    const delivery = answer.body.items.find((d: { eventId: string }) => d.eventId === eventId);
    if (delivery && done(delivery)) return delivery;
    if (Date.now() > deadline) throw new Error(`delivery not as expected: ${JSON.stringify(delivery)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('webhooks', () => {
  it('retries a receiver that fails twice, then records one delivery DELIVERED after 3 attempts, each signed', async () => {
    const client = await signedIn('client');
    const receiver = await startReceiver((n) => ({ status: n <= 2 ? 500 : 200 }));
    try {
      const endpoint = await register(client, receiver.url, ['deposit.cleared']);
      expect(endpoint.secret).toMatch(/^whsec_/);
      const listed = await as(client, '/webhooks');
      expect(JSON.stringify(listed.body)).not.toContain(endpoint.secret); // shown once only

      const eventId = await commitEvent(client.id);
      await commitEvent(client.id, 'deposit.rejected'); // not subscribed: never delivered
      const delivery = await deliveryOf(client, endpoint.id, eventId, (d) => d.status === 'DELIVERED');
      expect(delivery).toMatchObject({
        status: 'DELIVERED',
        attempts: 3,
        lastStatusCode: 200,
        event: 'deposit.cleared',
      });
      expect(receiver.received).toHaveLength(3);
      for (const request of receiver.received) {
        expect(
          independentlyVerified(
            endpoint.secret,
            request.headers['clearhouse-signature'] as string,
            request.body,
          ),
        ).toBe(true);
        expect(
          independentlyVerified(
            'whsec_wrong',
            request.headers['clearhouse-signature'] as string,
            request.body,
          ),
        ).toBe(false);
        const body = JSON.parse(request.body);
        expect(Object.keys(body).sort()).toEqual(['createdAt', 'data', 'id', 'type']);
        expect(body).toMatchObject({ id: eventId, type: 'deposit.cleared', data: { amount: '1250.50' } });
      }
      // The same event id, the same body every time.
      expect(new Set(receiver.received.map((r) => r.body)).size).toBe(1);
      // Another client sees nothing of it.
      const other = await signedIn('client');
      expect((await as(other, `/webhooks/${endpoint.id}/deliveries`)).status).toBe(404);
    } finally {
      await receiver.close();
    }
  });

  it('dead-letters after the policy’s attempts, and redeliver starts a new round', async () => {
    const client = await signedIn('client');
    let failing = true;
    const receiver = await startReceiver(() => ({ status: failing ? 503 : 204 }));
    try {
      const endpoint = await register(client, receiver.url, ['deposit.*']);
      const eventId = await commitEvent(client.id);
      const dead = await deliveryOf(client, endpoint.id, eventId, (d) => d.status === 'DEAD');
      expect(dead).toMatchObject({ attempts: 3, lastStatusCode: 503 });
      expect(dead.lastError.length).toBeLessThan(200); // the receiver's 100 kB body was cut short
      const letters = await notifications.queues.deadLetter.getJobs(['waiting', 'completed', 'delayed']);
      expect(letters.map((job) => job.data.deliveryId)).toContain(dead.id);

      failing = false;
      const redeliver = await as(client, `/webhooks/${endpoint.id}/deliveries/${dead.id}/redeliver`, {
        method: 'POST',
      });
      expect(redeliver.status, redeliver.text).toBe(202);
      const delivered = await deliveryOf(client, endpoint.id, eventId, (d) => d.status === 'DELIVERED');
      expect(delivered).toMatchObject({ attempts: 1, lastStatusCode: 204 });
      expect(receiver.received).toHaveLength(4);
    } finally {
      await receiver.close();
    }
  });

  it('signs with both secrets during a rotation’s overlap', async () => {
    const client = await signedIn('client');
    const receiver = await startReceiver(() => ({ status: 200 }));
    try {
      const endpoint = await register(client, receiver.url, ['*']);
      const rotated = await as(client, `/webhooks/${endpoint.id}/rotate-secret`, { method: 'POST' });
      expect(rotated.status, rotated.text).toBe(200);
      expect(rotated.body.secret).not.toBe(endpoint.secret);
      expect(rotated.body.previousSecretExpiresAt).not.toBeNull();
      const eventId = await commitEvent(client.id);
      await deliveryOf(client, endpoint.id, eventId, (d) => d.status === 'DELIVERED');
      const [request] = receiver.received;
      const header = request!.headers['clearhouse-signature'] as string;
      expect(header.match(/v1=/g)).toHaveLength(2);
      expect(independentlyVerified(rotated.body.secret, header, request!.body)).toBe(true);
      expect(independentlyVerified(endpoint.secret, header, request!.body)).toBe(true);
    } finally {
      await receiver.close();
    }
  });

  it('does not follow a redirect (to the metadata service): the attempt fails', async () => {
    const client = await signedIn('client');
    const receiver = await startReceiver(() => ({
      status: 302,
      location: 'http://169.254.169.254/latest/meta-data/',
    }));
    try {
      const endpoint = await register(client, receiver.url, ['deposit.cleared']);
      const eventId = await commitEvent(client.id);
      const dead = await deliveryOf(client, endpoint.id, eventId, (d) => d.status === 'DEAD');
      expect(dead).toMatchObject({ lastStatusCode: 302, attempts: 3 });
      expect(receiver.received).toHaveLength(3);
    } finally {
      await receiver.close();
    }
  });

  it('refuses private, loopback and link-local targets (SSRF), also when DNS changed after registration', async () => {
    const client = await signedIn('client');
    for (const url of [
      'http://169.254.169.254/latest/meta-data/',
      'http://127.0.0.1:9/hook',
      'http://localhost:9/hook',
      'http://[::1]/hook',
      'http://10.0.0.1/hook',
      'ftp://example.com/hook',
    ]) {
      const answer = await as(client, '/webhooks', {
        method: 'POST',
        json: { url, events: ['deposit.cleared'] },
      });
      expect(answer.status, `${url}: ${answer.text}`).toBe(422);
      expect(answer.body.error.code).toBe('webhook_target_refused');
    }
    // A name that resolved to a public address when it was registered now resolves to 10.0.0.1.
    const endpoint = await insertEndpoint(app.pool, {
      ownerId: client.id,
      system: false,
      url: 'http://rebound.example/hook',
      events: ['deposit.cleared'],
      secret: 'whsec_test',
    });
    const eventId = await commitEvent(client.id);
    const dead = await deliveryOf(client, endpoint.id, eventId, (d) => d.status === 'DEAD');
    expect(dead.attempts).toBe(1); // refused at once, never sent
    expect(dead.lastError).toMatch(/10\.0\.0\.1/);
  });

  it('admin system hooks get every client’s events; other staff may not register', async () => {
    const admin = await signedIn('admin');
    const operations = await signedIn('operations');
    const refused = await as(operations, '/webhooks', {
      method: 'POST',
      json: { url: 'https://hooks.example.com/x', events: ['*'] },
    });
    expect(refused.status).toBe(403);
    const receiver = await startReceiver(() => ({ status: 200 }));
    try {
      const endpoint = await register(admin, receiver.url, ['deposit.cleared']);
      const client = await signedIn('client');
      const eventId = await commitEvent(client.id);
      await deliveryOf(admin, endpoint.id, eventId, (d) => d.status === 'DELIVERED');
      const deleted = await as(admin, `/webhooks/${endpoint.id}`, { method: 'DELETE' });
      expect(deleted.status).toBe(204);
      expect((await as(admin, '/webhooks')).body.items.map((e: { id: string }) => e.id)).not.toContain(
        endpoint.id,
      );
    } finally {
      await receiver.close();
    }
  });
});

describe('bull-board at /ops/queues', () => {
  const page = (cookie?: string) =>
    fetch(`${app.url}/ops/queues`, { headers: cookie ? { cookie } : {}, redirect: 'manual' });

  it('is for admins on the page session only', async () => {
    const signedOut = await page();
    expect(signedOut.status).toBe(303);
    expect(signedOut.headers.get('location')).toMatch(/^\/login\?next=/);
    for (const role of ['client', 'operations'] as const) {
      const person = await signedIn(role);
      expect((await page(`${SESSION_COOKIE}=${person.token}`)).status).toBe(403);
    }
    const admin = await signedIn('admin');
    // A Bearer token is not the page session.
    const bearer = await fetch(`${app.url}/ops/queues`, {
      headers: { authorization: `Bearer ${admin.token}` },
      redirect: 'manual',
    });
    expect(bearer.status).toBe(303);
    const board = await page(`${SESSION_COOKIE}=${admin.token}`);
    expect(board.status).toBe(200);
    expect(await board.text()).toContain('clearhouse queues');
    const queues = await fetch(`${app.url}/ops/queues/api/queues`, {
      headers: { cookie: `${SESSION_COOKIE}=${admin.token}` },
    });
    expect(queues.status).toBe(200);
    const names = ((await queues.json()) as { queues: { name: string }[] }).queues.map((q) => q.name).sort();
    expect(names).toEqual(['dead-letter', 'email', 'events', 'webhooks']);
  });
});
