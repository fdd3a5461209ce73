import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Router } from 'express';
import { SignJWT, UnsecuredJWT } from 'jose';
import { authConfig, jwtKey } from './auth/config.js';
import { sessionFromFetchRequest } from './auth/session.js';
import { webLogin, webLogout } from './pages/sign-in.js';
import { requireAuth, requireRole } from './middleware/auth.js';
import { startTestApp, type TestApp } from './testing.js';

const probes = () => {
  const router = Router();
  router.get('/test/whoami', requireAuth, (req, res) => {
    res.json({ user: req.user });
  });
  router.get('/test/ops-only', requireRole('operations'), (req, res) => {
    res.json({ ok: true, role: req.user?.role });
  });
  router.get('/test/aml-only', requireRole('aml_officer'), (_req, res) => {
    res.json({ ok: true });
  });
  return router;
};

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ extraRouters: [probes] });
});
afterAll(async () => {
  await t?.close();
});

function cookiesOf(headers: Headers): Record<string, string> {
  const jar: Record<string, string> = {};
  for (const line of headers.getSetCookie()) {
    const [pair] = line.split(';');
    const eq = pair!.indexOf('=');
    jar[pair!.slice(0, eq)] = decodeURIComponent(pair!.slice(eq + 1));
  }
  return jar;
}

describe('login', () => {
  it('signs in with the right password and returns tokens, user and httpOnly cookies', async () => {
    const user = await t.createUser('client');
    const answer = await t.api('/api/v1/auth/login', {
      method: 'POST',
      json: { email: `  ${user.email.toUpperCase()} `, password: user.password },
    });
    expect(answer.status).toBe(200);
    expect(answer.body.user).toEqual({ id: user.id, email: user.email, role: 'client' });
    expect(typeof answer.body.accessToken).toBe('string');
    expect(typeof answer.body.refreshToken).toBe('string');
    const setCookies = answer.headers.getSetCookie();
    expect(
      setCookies.some((c) => c.startsWith('ch_session=') && /HttpOnly/.test(c) && /SameSite=Lax/.test(c)),
    ).toBe(true);
    expect(setCookies.some((c) => c.startsWith('ch_refresh=') && /HttpOnly/.test(c))).toBe(true);

    const me = await t.api('/api/v1/me', { token: answer.body.accessToken });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      id: user.id,
      email: user.email,
      role: 'client',
      kycStatus: 'NOT_STARTED',
    });
  });

  it('answers the same 401 for a wrong password and an unknown email', async () => {
    const user = await t.createUser('client');
    const wrong = await t.api('/api/v1/auth/login', {
      method: 'POST',
      json: { email: user.email, password: 'nope' },
    });
    const unknown = await t.api('/api/v1/auth/login', {
      method: 'POST',
      json: { email: `nobody-${user.id}@test.example`, password: 'nope' },
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual({
      error: { code: 'unauthenticated', message: expect.any(String), details: null },
    });
    expect(unknown.body.error.message).toBe(wrong.body.error.message);
  });

  it('refuses disabled accounts with the same 401', async () => {
    const user = await t.createUser('operations', { disabled: true });
    const answer = await t.api('/api/v1/auth/login', {
      method: 'POST',
      json: { email: user.email, password: user.password },
    });
    expect(answer.status).toBe(401);
  });

  it('throttles after 5 failures for one email and IP (429), counting failures only', async () => {
    const user = await t.createUser('client');
    // Successes do not count and reset the count.
    for (let i = 0; i < 4; i++) {
      const answer = await t.api('/api/v1/auth/login', {
        method: 'POST',
        json: { email: user.email, password: 'bad' },
      });
      expect(answer.status).toBe(401);
    }
    await t.login(user);
    for (let i = 0; i < 5; i++) {
      const answer = await t.api('/api/v1/auth/login', {
        method: 'POST',
        json: { email: user.email, password: 'bad' },
      });
      expect(answer.status).toBe(401);
    }
    const blocked = await t.api('/api/v1/auth/login', {
      method: 'POST',
      json: { email: user.email, password: user.password },
    });
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe('rate_limited');
    // Another account from the same IP is not affected.
    const other = await t.createUser('client');
    expect(
      (
        await t.api('/api/v1/auth/login', {
          method: 'POST',
          json: { email: other.email, password: other.password },
        })
      ).status,
    ).toBe(200);
  });

  it('validates the body in the contract shape', async () => {
    const answer = await t.api('/api/v1/auth/login', { method: 'POST', json: { email: 42 } });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('validation_failed');
    const paths = answer.body.error.details.issues.map((i: { path: string }) => i.path).sort();
    expect(paths).toEqual(['email', 'password']);
  });
});

describe('access tokens', () => {
  it('rejects a missing or garbage token with 401', async () => {
    expect((await t.api('/api/v1/me')).status).toBe(401);
    const garbage = await t.api('/api/v1/me', { token: 'not-a-jwt' });
    expect(garbage.status).toBe(401);
    expect(garbage.body.error.code).toBe('unauthenticated');
  });

  it('rejects a tampered token', async () => {
    const user = await t.createUser('client');
    const { accessToken } = await t.login(user);
    const [header, payload, signature] = accessToken.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url');
    expect((await t.api('/api/v1/me', { token: `${header}.${forged}.${signature}` })).status).toBe(401);
    const flipped = signature!.slice(0, -2) + (signature!.endsWith('AA') ? 'BB' : 'AA');
    expect((await t.api('/api/v1/me', { token: `${header}.${payload}.${flipped}` })).status).toBe(401);
  });

  it('rejects an expired token', async () => {
    const user = await t.createUser('client');
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ email: user.email, role: 'client', sid: crypto.randomUUID() })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user.id)
      .setIssuer(authConfig.issuer)
      .setAudience(authConfig.audience)
      .setIssuedAt(now - 3600)
      .setExpirationTime(now - 60)
      .sign(jwtKey());
    expect((await t.api('/api/v1/me', { token: expired })).status).toBe(401);
  });

  it('rejects alg:none, wrong issuer/audience and other keys', async () => {
    const user = await t.createUser('admin');
    const claims = { email: user.email, role: 'admin', sid: crypto.randomUUID() };
    const unsecured = new UnsecuredJWT(claims)
      .setSubject(user.id)
      .setIssuer(authConfig.issuer)
      .setAudience(authConfig.audience)
      .setIssuedAt()
      .setExpirationTime('10m')
      .encode();
    expect((await t.api('/api/v1/me', { token: unsecured })).status).toBe(401);

    const sign = (issuer: string, audience: string, key: Uint8Array) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(user.id)
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(key);
    expect(
      (await t.api('/api/v1/me', { token: await sign('someone-else', authConfig.audience, jwtKey()) }))
        .status,
    ).toBe(401);
    expect(
      (await t.api('/api/v1/me', { token: await sign(authConfig.issuer, 'other-api', jwtKey()) })).status,
    ).toBe(401);
    const otherKey = new TextEncoder().encode('x'.repeat(48));
    expect(
      (await t.api('/api/v1/me', { token: await sign(authConfig.issuer, authConfig.audience, otherKey) }))
        .status,
    ).toBe(401);
    // The same token with our key is fine (the checks above fail for the stated reason only).
    expect(
      (await t.api('/api/v1/me', { token: await sign(authConfig.issuer, authConfig.audience, jwtKey()) }))
        .status,
    ).toBe(200);
  });
});

describe('roles', () => {
  it('answers 403 forbidden for the wrong role and lets the right one (and admin for operations) through', async () => {
    const client = await t.login(await t.createUser('client'));
    const ops = await t.login(await t.createUser('operations'));
    const admin = await t.login(await t.createUser('admin'));
    const auditor = await t.login(await t.createUser('auditor'));

    const denied = await t.api('/api/v1/test/ops-only', { token: client.accessToken });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('forbidden');
    expect((await t.api('/api/v1/test/ops-only', { token: auditor.accessToken })).status).toBe(403);
    expect((await t.api('/api/v1/test/ops-only', { token: ops.accessToken })).status).toBe(200);
    expect((await t.api('/api/v1/test/ops-only', { token: admin.accessToken })).status).toBe(200);
    expect((await t.api('/api/v1/test/aml-only', { token: admin.accessToken })).status).toBe(403);
    expect((await t.api('/api/v1/test/ops-only')).status).toBe(401);
  });
});

describe('refresh tokens', () => {
  it('rotates: each refresh returns a new pair and the old refresh token is spent', async () => {
    const user = await t.createUser('client');
    const first = await t.login(user);
    const second = await t.api('/api/v1/auth/refresh', {
      method: 'POST',
      json: { refreshToken: first.refreshToken },
    });
    expect(second.status).toBe(200);
    expect(second.body.refreshToken).not.toBe(first.refreshToken);
    expect(second.body.user).toEqual({ id: user.id, email: user.email, role: 'client' });
    expect((await t.api('/api/v1/me', { token: second.body.accessToken })).status).toBe(200);

    const third = await t.api('/api/v1/auth/refresh', {
      method: 'POST',
      json: { refreshToken: second.body.refreshToken },
    });
    expect(third.status).toBe(200);
  });

  it('reusing a spent refresh token revokes the whole family, newest token included', async () => {
    const user = await t.createUser('client');
    const first = await t.login(user);
    const second = await t.api('/api/v1/auth/refresh', {
      method: 'POST',
      json: { refreshToken: first.refreshToken },
    });
    expect(second.status).toBe(200);

    const replayed = await t.api('/api/v1/auth/refresh', {
      method: 'POST',
      json: { refreshToken: first.refreshToken },
    });
    expect(replayed.status).toBe(401);
    expect(replayed.body.error.code).toBe('unauthenticated');

    const newest = await t.api('/api/v1/auth/refresh', {
      method: 'POST',
      json: { refreshToken: second.body.refreshToken },
    });
    expect(newest.status).toBe(401);

    // Other sessions of the same user are untouched.
    const other = await t.login(user);
    expect(
      (await t.api('/api/v1/auth/refresh', { method: 'POST', json: { refreshToken: other.refreshToken } }))
        .status,
    ).toBe(200);
  });

  it('rejects unknown refresh tokens and validates the body', async () => {
    expect(
      (await t.api('/api/v1/auth/refresh', { method: 'POST', json: { refreshToken: 'made-up' } })).status,
    ).toBe(401);
    expect((await t.api('/api/v1/auth/refresh', { method: 'POST', json: {} })).status).toBe(401);
    expect((await t.api('/api/v1/auth/refresh', { method: 'POST', json: { refreshToken: 5 } })).status).toBe(
      400,
    );
  });

  it('logout answers 204 and ends the session (its refresh token no longer works)', async () => {
    const user = await t.createUser('client');
    const session = await t.login(user);
    const out = await t.api('/api/v1/auth/logout', { method: 'POST', token: session.accessToken });
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie().some((c) => c.startsWith('ch_session=;') && /Max-Age=0/.test(c))).toBe(
      true,
    );
    expect(
      (await t.api('/api/v1/auth/refresh', { method: 'POST', json: { refreshToken: session.refreshToken } }))
        .status,
    ).toBe(401);
    expect((await t.api('/api/v1/auth/logout', { method: 'POST' })).status).toBe(401);
  });
});

describe('page sessions (cookies)', () => {
  it('authenticates API calls with the ch_session cookie', async () => {
    const user = await t.createUser('operations');
    const login = await t.api('/api/v1/auth/login', {
      method: 'POST',
      json: { email: user.email, password: user.password },
    });
    const jar = cookiesOf(login.headers);
    const answer = await t.api('/api/v1/test/whoami', {
      headers: { cookie: `ch_session=${jar.ch_session}` },
    });
    expect(answer.status).toBe(200);
    expect(answer.body.user).toEqual({ id: user.id, email: user.email, role: 'operations' });
  });

  it('refreshes transparently when only ch_refresh is left, and tolerates a parallel request with the same cookie', async () => {
    const user = await t.createUser('client');
    const login = await t.api('/api/v1/auth/login', {
      method: 'POST',
      json: { email: user.email, password: user.password },
    });
    const jar = cookiesOf(login.headers);
    const cookie = `ch_refresh=${encodeURIComponent(jar.ch_refresh!)}`;

    const first = await t.api('/api/v1/test/whoami', { headers: { cookie } });
    expect(first.status).toBe(200);
    const renewed = cookiesOf(first.headers);
    expect(renewed.ch_session).toBeTruthy();
    expect(renewed.ch_refresh).toBeTruthy();
    expect(renewed.ch_refresh).not.toBe(jar.ch_refresh);

    // A second tab firing with the old cookie right away still gets in (grace), without a new refresh token.
    const parallel = await t.api('/api/v1/test/whoami', { headers: { cookie } });
    expect(parallel.status).toBe(200);
    expect(cookiesOf(parallel.headers).ch_refresh).toBeUndefined();
    // The rotated refresh token still works: the family was not revoked.
    const next = await t.api('/api/v1/test/whoami', {
      headers: { cookie: `ch_refresh=${encodeURIComponent(renewed.ch_refresh!)}` },
    });
    expect(next.status).toBe(200);
  });

  it('sessionFromFetchRequest resolves a Fetch Request for Remix loaders', async () => {
    const user = await t.createUser('auditor');
    const login = await t.api('/api/v1/auth/login', {
      method: 'POST',
      json: { email: user.email, password: user.password },
    });
    const jar = cookiesOf(login.headers);

    const withSession = await sessionFromFetchRequest(
      new Request('http://x/app', { headers: { cookie: `other=1; ch_session=${jar.ch_session}` } }),
      { pool: t.pool },
    );
    expect(withSession.user).toEqual({ id: user.id, email: user.email, role: 'auditor' });
    expect(withSession.headers.getSetCookie()).toEqual([]);

    const refreshed = await sessionFromFetchRequest(
      new Request('http://x/app', {
        headers: { cookie: `ch_refresh=${encodeURIComponent(jar.ch_refresh!)}` },
      }),
      { pool: t.pool },
    );
    expect(refreshed.user?.id).toBe(user.id);
    expect(refreshed.headers.getSetCookie().length).toBe(2);

    const nobody = await sessionFromFetchRequest(
      new Request('http://x/app', { headers: { cookie: 'ch_refresh=bogus; ch_session=bogus' } }),
      { pool: t.pool },
    );
    expect(nobody.user).toBeNull();
    expect(nobody.headers.getSetCookie().every((c) => /Max-Age=0/.test(c))).toBe(true);
  });

  it('webLogin / webLogout serve the Remix login and logout actions', async () => {
    const user = await t.createUser('client');
    const deps = { pool: t.pool };
    const bad = await webLogin(deps, user.email, 'wrong', { ip: '10.0.0.1' });
    expect(bad).toMatchObject({ ok: false, status: 401, code: 'unauthenticated' });
    const good = await webLogin(deps, user.email, user.password, { ip: '10.0.0.1' });
    if (!good.ok) throw new Error('expected success');
    expect(good.user.id).toBe(user.id);
    const cookieHeader = good.setCookies.map((c) => c.split(';')[0]).join('; ');
    const cleared = await webLogout(deps, cookieHeader);
    expect(cleared.every((c) => /Max-Age=0/.test(c))).toBe(true);
    const jar = Object.fromEntries(
      good.setCookies.map((c) => c.split(';')[0]!.split('=') as [string, string]),
    );
    expect(
      (
        await t.api('/api/v1/auth/refresh', {
          method: 'POST',
          json: { refreshToken: decodeURIComponent(jar.ch_refresh!) },
        })
      ).status,
    ).toBe(401);
  });
});
