// Reproductions from the outside security run (issue 8), each against the real app and PostgreSQL:
// sessions that outlived sign-out, disabling and refresh-token reuse; simultaneous refreshes that
// ended the session; password spraying from one IP; cross-site (CSRF) mutations and non-JSON bodies;
// pages without no-store, with 'unsafe-inline' scripts, and a 500 for every form posted without JS.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Router, type Request, type Response } from 'express';
import { webLogin } from '../../api/pages/sign-in.js';
import { SESSION_CHECK_TTL_MS } from '../../api/auth/live-session.js';
import { requireAuth, requireRole } from '../../api/middleware/auth.js';
import { startTestApp, type TestApp, type TestUser } from '../../api/testing.js';
import { mountWeb, webBuildExists } from '../../api/pages/mount.js';
import { webLoadContext } from '../../api/pages/load-context.js';
import { resolveDeps } from '../../api/deps.js';
import { expectError } from './helpers.js';

const probes = () => {
  const router = Router();
  router.get('/test/whoami', requireAuth, (req, res) => {
    res.json({ user: req.user });
  });
  router.get('/test/ops-only', requireRole('operations'), (req, res) => {
    res.json({ ok: true, role: req.user?.role });
  });
  router.post('/test/change', requireAuth, (req, res) => {
    res.json({ changed: true, body: req.body ?? null });
  });
  return router;
};

let t: TestApp;
const previousTrustProxy = process.env.TRUST_PROXY;

beforeAll(async () => {
  // The throttle tests speak for distinct client IPs through X-Forwarded-For from loopback, so the
  // per-IP budget they exhaust is not the one every other test file signs in from.
  process.env.TRUST_PROXY = 'loopback';
  t = await startTestApp({ extraRouters: [probes], apiRateLimitPerMinute: 0, mountWeb });
});
afterAll(async () => {
  await t?.close();
  if (previousTrustProxy === undefined) delete process.env.TRUST_PROXY;
  else process.env.TRUST_PROXY = previousTrustProxy;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Longer than the per-process session cache keeps an answer. */
const pastSessionCache = () => sleep(SESSION_CHECK_TTL_MS + 300);

function cookiesOf(headers: Headers): Record<string, string> {
  const jar: Record<string, string> = {};
  for (const line of headers.getSetCookie()) {
    const [pair] = line.split(';');
    const eq = (pair ?? '').indexOf('=');
    jar[(pair ?? '').slice(0, eq)] = decodeURIComponent((pair ?? '').slice(eq + 1));
  }
  return jar;
}

async function cookieLogin(user: TestUser): Promise<{ session: string; refresh: string; cookie: string }> {
  const answer = await t.api('/api/v1/auth/login', {
    method: 'POST',
    json: { email: user.email, password: user.password },
  });
  expect(answer.status, answer.text).toBe(200);
  const jar = cookiesOf(answer.headers);
  const session = jar.ch_session ?? '';
  const refresh = jar.ch_refresh ?? '';
  return {
    session,
    refresh,
    cookie: `ch_session=${encodeURIComponent(session)}; ch_refresh=${encodeURIComponent(refresh)}`,
  };
}

const whoami = (token: string) => t.api('/api/v1/test/whoami', { token });

describe('every request checks the session and the user in the database', () => {
  it('logout ends the access token on the very next request (Bearer and cookie)', async () => {
    const user = await t.createUser('operations');
    const pair = await t.login(user);
    const cookies = await cookieLogin(user);
    expect((await whoami(pair.accessToken)).status).toBe(200);
    expect((await t.api('/api/v1/test/whoami', { headers: { cookie: cookies.cookie } })).status).toBe(200);

    expect((await t.api('/api/v1/auth/logout', { method: 'POST', token: pair.accessToken })).status).toBe(
      204,
    );
    expectError(await whoami(pair.accessToken), 401, 'unauthenticated');

    const out = await t.api('/api/v1/auth/logout', { method: 'POST', headers: { cookie: cookies.cookie } });
    expect(out.status).toBe(204);
    const after = await t.api('/api/v1/test/whoami', {
      headers: { cookie: `ch_session=${encodeURIComponent(cookies.session)}` },
    });
    expectError(after, 401, 'unauthenticated');
  });

  it('disabling a user ends their sessions within the cache time, and re-enabling does not revive them', async () => {
    const user = await t.createUser('operations');
    const pair = await t.login(user);
    expect((await whoami(pair.accessToken)).status).toBe(200);
    await t.pool.query('UPDATE app_user SET disabled = true WHERE id = $1', [user.id]);
    await pastSessionCache();
    expectError(await whoami(pair.accessToken), 401, 'unauthenticated');
    expectError(await t.api('/api/v1/test/ops-only', { token: pair.accessToken }), 401, 'unauthenticated');

    // The trigger revoked the refresh tokens too: turning the flag back does not bring the session back.
    await t.pool.query('UPDATE app_user SET disabled = false WHERE id = $1', [user.id]);
    await pastSessionCache();
    expect((await whoami(pair.accessToken)).status).toBe(401);
    const refresh = await t.api('/api/v1/auth/refresh', {
      method: 'POST',
      json: { refreshToken: pair.refreshToken },
    });
    expect(refresh.status).toBe(401);
    // Signing in again works.
    expect((await whoami((await t.login(user)).accessToken)).status).toBe(200);
  });

  it('a role change refuses tokens that claim the old role; a page session refreshes into the new one', async () => {
    const user = await t.createUser('operations');
    const pair = await t.login(user);
    const cookies = await cookieLogin(user);
    expect((await t.api('/api/v1/test/ops-only', { token: pair.accessToken })).status).toBe(200);
    await t.pool.query(`UPDATE app_user SET role = 'client' WHERE id = $1`, [user.id]);
    await pastSessionCache();
    expectError(await t.api('/api/v1/test/ops-only', { token: pair.accessToken }), 401, 'unauthenticated');

    // The refresh token still works and yields a token with the role the database has now.
    const refreshed = await t.api('/api/v1/auth/refresh', {
      method: 'POST',
      json: { refreshToken: pair.refreshToken },
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.user.role).toBe('client');
    expectError(
      await t.api('/api/v1/test/ops-only', { token: refreshed.body.accessToken }),
      403,
      'forbidden',
    );

    const page = await t.api('/api/v1/test/whoami', { headers: { cookie: cookies.cookie } });
    expect(page.status).toBe(200);
    expect(page.body.user).toEqual({ id: user.id, email: user.email, role: 'client' });
    expect(cookiesOf(page.headers).ch_session).toBeTruthy();
  });

  it('refresh-token reuse ends the access tokens of the family at once', async () => {
    const user = await t.createUser('client');
    const first = await t.login(user);
    const second = await t.api('/api/v1/auth/refresh', {
      method: 'POST',
      json: { refreshToken: first.refreshToken },
    });
    expect(second.status).toBe(200);
    expect((await whoami(second.body.accessToken)).status).toBe(200);
    expect((await whoami(first.accessToken)).status).toBe(200);

    // A replay long after the rotation (past every grace window) is theft: the family ends.
    await t.pool.query(
      `UPDATE refresh_token SET used_at = now() - interval '1 minute' WHERE used_at IS NOT NULL AND user_id = $1`,
      [user.id],
    );
    const replay = await t.api('/api/v1/auth/refresh', {
      method: 'POST',
      json: { refreshToken: first.refreshToken },
    });
    expectError(replay, 401, 'unauthenticated');
    expectError(await whoami(second.body.accessToken), 401, 'unauthenticated');
    expectError(await whoami(first.accessToken), 401, 'unauthenticated');
  });

  it('the pages’ load context goes through the same check', async () => {
    const user = await t.createUser('client');
    const cookies = await cookieLogin(user);
    const deps = resolveDeps({ pool: t.pool });
    const contextFor = async (cookie: string) => {
      const appended: string[] = [];
      const req = { cookies: { ch_session: cookie }, ip: '127.0.0.1' } as unknown as Request;
      const res = {
        locals: { cspNonce: 'n' },
        append: (_name: string, value: string) => appended.push(value),
        getHeader: () => 'request-id',
      } as unknown as Response;
      return { context: await webLoadContext(deps, req, res), appended };
    };
    expect((await contextFor(cookies.session)).context.user?.id).toBe(user.id);
    expect(
      (await t.api('/api/v1/auth/logout', { method: 'POST', headers: { cookie: cookies.cookie } })).status,
    ).toBe(204);
    const after = await contextFor(cookies.session);
    expect(after.context.user).toBeNull();
    expect(after.appended.every((c) => /Max-Age=0/.test(c))).toBe(true);
  });
});

describe('simultaneous refreshes of one refresh token', () => {
  /** Waits until `count` refreshes queue for the token row's lock the test holds. */
  async function waitForQueuedRefreshes(count: number): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const { rows } = await t.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE wait_event_type = 'Lock' AND query LIKE '%FROM refresh_token rt JOIN app_user%'`,
      );
      if ((rows[0]?.n ?? 0) >= count) return;
      await sleep(50);
    }
    throw new Error(`fewer than ${count} refreshes queued for the lock`);
  }

  const refresh = (refreshToken: string) =>
    t.api('/api/v1/auth/refresh', { method: 'POST', json: { refreshToken } });

  it('both get a working pair of the same session; neither is treated as reuse', async () => {
    const user = await t.createUser('client');
    const first = await t.login(user);
    // Hold the token's row so both refreshes are certainly under way at once.
    const holder = await t.pool.connect();
    let answers: Awaited<ReturnType<typeof refresh>>[];
    try {
      await holder.query('BEGIN');
      await holder.query(
        `SELECT 1 FROM refresh_token WHERE token_hash = encode(sha256(convert_to($1, 'UTF8')), 'hex') FOR UPDATE`,
        [first.refreshToken],
      );
      const both = Promise.all([refresh(first.refreshToken), refresh(first.refreshToken)]);
      await waitForQueuedRefreshes(2);
      await holder.query('COMMIT');
      answers = await both;
    } finally {
      holder.release();
    }
    for (const answer of answers) expect(answer.status, answer.text).toBe(200);
    const [a, b] = answers.map((answer) => answer.body);
    expect(a.refreshToken).not.toBe(b.refreshToken);
    expect((await whoami(a.accessToken)).status).toBe(200);
    expect((await whoami(b.accessToken)).status).toBe(200);
    // Each successor rotates on normally: the family was not revoked.
    expect((await refresh(a.refreshToken)).status).toBe(200);
    expect((await refresh(b.refreshToken)).status).toBe(200);
  });

  it('without any help from the test (a plain race)', async () => {
    const user = await t.createUser('client');
    const first = await t.login(user);
    const answers = await Promise.all([refresh(first.refreshToken), refresh(first.refreshToken)]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    for (const answer of answers) expect((await refresh(answer.body.refreshToken)).status).toBe(200);
  });

  it('a refresh that starts after the rotation is reuse and ends the session', async () => {
    const user = await t.createUser('client');
    const first = await t.login(user);
    const second = await refresh(first.refreshToken);
    expect(second.status).toBe(200);
    expectError(await refresh(first.refreshToken), 401, 'unauthenticated');
    expect((await refresh(second.body.refreshToken)).status).toBe(401);
    expect((await whoami(second.body.accessToken)).status).toBe(401);
  });
});

describe('sign-in throttling and odd emails', () => {
  const loginFrom = (ip: string, email: string, password: string) =>
    t.api('/api/v1/auth/login', {
      method: 'POST',
      json: { email, password },
      headers: { 'x-forwarded-for': ip },
    });

  it('30 different emails from one IP meet a 429 (per-IP budget); other IPs are unaffected', async () => {
    const ip = `198.51.100.${Math.floor(Math.random() * 250) + 1}`;
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++)
      statuses.push((await loginFrom(ip, `spray-${randomUUID()}@test.example`, 'x')).status);
    expect(statuses.slice(0, 20).every((status) => status === 401)).toBe(true);
    expect(statuses.slice(20).every((status) => status === 429)).toBe(true);
    // Even the right password is not checked from that IP any more...
    const user = await t.createUser('client');
    expectError(await loginFrom(ip, user.email, user.password), 429, 'rate_limited');
    // ...while the same person elsewhere signs in.
    expect(
      (await loginFrom(`203.0.113.${Math.floor(Math.random() * 250) + 1}`, user.email, user.password)).status,
    ).toBe(200);
  });

  it('the per email+IP budget still applies on its own', async () => {
    const ip = `192.0.2.${Math.floor(Math.random() * 250) + 1}`;
    const user = await t.createUser('client');
    for (let i = 0; i < 5; i++) expect((await loginFrom(ip, user.email, 'wrong')).status).toBe(401);
    expectError(await loginFrom(ip, user.email, user.password), 429, 'rate_limited');
    expect((await loginFrom(ip, `other-${randomUUID()}@test.example`, 'wrong')).status).toBe(401);
  });

  it.each([
    ['a NUL character', 'ab\u0000c@test.example'],
    ['a lone high surrogate', 'ab\uD800c@test.example'],
    ['a lone low surrogate', '\uDC00@test.example'],
  ])('an email with %s is 400 validation_failed, not 500 (API and login page)', async (_name, email) => {
    const answer = await t.api('/api/v1/auth/login', { method: 'POST', json: { email, password: 'x' } });
    expectError(answer, 400, 'validation_failed');
    expect(answer.body.error.details.issues[0].path).toBe('email');
    const deps = { pool: t.pool };
    expect(await webLogin(deps, email, 'x', { ip: '127.0.0.1' })).toMatchObject({
      ok: false,
      status: 400,
      code: 'validation_failed',
    });
  });
});

describe('cross-site requests and request bodies under /api/v1', () => {
  let cookie: string;
  let token: string;
  beforeAll(async () => {
    const user = await t.createUser('client');
    cookie = (await cookieLogin(user)).cookie;
    token = (await t.login(user)).accessToken;
  });
  const own = () => new URL(t.url).origin;
  const change = (headers: Record<string, string>, json: unknown = { a: 1 }) =>
    t.api('/api/v1/test/change', { method: 'POST', json, headers: { cookie, ...headers } });

  it('a cookie-authenticated change from a foreign origin is 403 forbidden, with a message', async () => {
    const answer = await change({ origin: 'https://evil.example' });
    expectError(answer, 403, 'forbidden');
    expect(answer.body.error.message).toContain('https://evil.example');
    expectError(await change({ 'sec-fetch-site': 'cross-site' }), 403, 'forbidden');
    expectError(await change({ 'sec-fetch-site': 'same-site' }), 403, 'forbidden');
    expectError(await change({ origin: 'null' }), 403, 'forbidden');
    expectError(await change({ origin: 'null', 'sec-fetch-site': 'cross-site' }), 403, 'forbidden');
    // Garbage is refused too, never a 500.
    expectError(await change({ origin: 'not a url' }), 403, 'forbidden');
    expectError(
      await t.api('/api/v1/auth/logout', {
        method: 'POST',
        headers: { cookie, origin: 'https://evil.example' },
      }),
      403,
      'forbidden',
    );
  });

  it('same-origin changes pass: our Origin, Origin: null from our own page, Sec-Fetch-Site, no browser at all', async () => {
    expect((await change({ origin: own() })).status).toBe(200);
    expect((await change({ origin: 'null', 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    expect((await change({ 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    expect((await change({})).status).toBe(200);
  });

  it('a Bearer request is not cookie-authenticated: a foreign Origin does not matter', async () => {
    const answer = await t.api('/api/v1/test/change', {
      method: 'POST',
      token,
      json: {},
      headers: { origin: 'https://partner.example' },
    });
    expect(answer.status).toBe(200);
  });

  it('a body must be JSON: text/plain and forms are 415 unsupported_media_type; no body is fine', async () => {
    const plain = await t.api('/api/v1/test/change', {
      method: 'POST',
      headers: { cookie, 'content-type': 'text/plain' },
      body: '{"a":1}',
    });
    expectError(plain, 415, 'unsupported_media_type');
    const form = await t.api('/api/v1/test/change', {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=1',
    });
    expectError(form, 415, 'unsupported_media_type');
    const multipart = new FormData();
    multipart.append('a', '1');
    expectError(
      await t.api('/api/v1/test/change', { method: 'POST', token, body: multipart }),
      415,
      'unsupported_media_type',
    );
    expect((await t.api('/api/v1/test/change', { method: 'POST', token })).status).toBe(200);
    const json = await t.api('/api/v1/test/change', {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: '{"a":1}',
    });
    expect(json.body).toEqual({ changed: true, body: { a: 1 } });
  });

  it('the KYC upload (documented as multipart) still takes multipart', async () => {
    const form = new FormData();
    form.append('type', 'passport');
    form.append('file', new Blob([new Uint8Array([1, 2, 3])]), 'x.png');
    const answer = await t.api('/api/v1/kyc/documents', {
      method: 'POST',
      token,
      body: form,
      idempotencyKey: randomUUID(),
    });
    // The upload route itself answers (the bytes are no PNG), not the content-type check.
    expectError(answer, 400, 'validation_failed');
  });
});

describe.skipIf(!webBuildExists())('pages', () => {
  const own = () => new URL(t.url).origin;
  const page = (path: string, init: RequestInit = {}) =>
    fetch(`${t.url}${path}`, { redirect: 'manual', ...init });
  const loginForm = (user: TestUser) =>
    new URLSearchParams({ email: user.email, password: user.password, next: '' }).toString();
  const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' };

  it('a login form posted without JavaScript (Origin: null, same-origin) signs in instead of a 500', async () => {
    const user = await t.createUser('client');
    const answer = await page('/login', {
      method: 'POST',
      headers: { ...formHeaders, origin: 'null', 'sec-fetch-site': 'same-origin' },
      body: loginForm(user),
    });
    expect(answer.status).toBe(302);
    expect(answer.headers.get('location')).toBe('/app/balances');
    expect(cookiesOf(answer.headers).ch_session).toBeTruthy();
    // With our own Origin too.
    const again = await page('/login', {
      method: 'POST',
      headers: { ...formHeaders, origin: own() },
      body: loginForm(user),
    });
    expect(again.status).toBe(302);
  });

  it('a form posted from a foreign site gets a readable 403 page', async () => {
    const user = await t.createUser('client');
    const foreign: Record<string, string>[] = [
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { origin: 'null', 'sec-fetch-site': 'cross-site' },
      { origin: '%%%' },
    ];
    for (const headers of foreign) {
      const answer = await page('/login', {
        method: 'POST',
        headers: { ...formHeaders, ...headers },
        body: loginForm(user),
      });
      expect(answer.status).toBe(403);
      expect(answer.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await answer.text();
      expect(html).toContain('nothing was done');
      expect(html).not.toContain('<script');
      expect(answer.headers.getSetCookie()).toEqual([]);
    }
  });

  it('pages send Referrer-Policy same-origin, no-store, and a nonce CSP without unsafe-inline scripts', async () => {
    const user = await t.createUser('client');
    const { cookie } = await cookieLogin(user);
    const answer = await page('/app/balances', { headers: { cookie } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('referrer-policy')).toBe('same-origin');
    expect(answer.headers.get('cache-control')).toBe('no-store');
    const csp = answer.headers.get('content-security-policy') ?? '';
    const scriptSrc = csp.split(';').find((d) => d.trim().startsWith('script-src')) ?? '';
    expect(scriptSrc).not.toContain('unsafe-inline');
    const nonce = /'nonce-([A-Za-z0-9+/=]+)'/.exec(scriptSrc)?.[1];
    expect(nonce).toBeTruthy();
    const html = await answer.text();
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
    // A new answer, a new nonce.
    const next = await page('/app/balances', { headers: { cookie } });
    expect(next.headers.get('content-security-policy')).not.toContain(nonce);
  });

  it('a signed-out page session is refused on the next page load', async () => {
    const user = await t.createUser('client');
    const cookies = await cookieLogin(user);
    expect((await page('/app/balances', { headers: { cookie: cookies.cookie } })).status).toBe(200);
    const out = await page('/logout', {
      method: 'POST',
      headers: { ...formHeaders, cookie: cookies.cookie, origin: own() },
      body: '',
    });
    expect(out.status).toBe(302);
    const after = await page('/app/balances', {
      headers: { cookie: `ch_session=${encodeURIComponent(cookies.session)}` },
    });
    expect(after.status).toBe(302);
    expect(after.headers.get('location')).toMatch(/^\/login/);
  });
});
