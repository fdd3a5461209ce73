// The access matrix (issue 16), generated from the router (tests/support/access-matrix/routes.ts), not
// a hand-written list: every API route × {no token, an expired token, a tampered signature,
// `alg: none`, a disabled user's token} is 401 unless the route is public; every staff route
// (/ops, /audit, /admin) refuses a client with 403 before any lookup; every route on a client's
// resource answers another client 404 (never the data, never a change) while the owner reads it.
// Beside it: the session cookie's flags, CORS closed by default, the security headers, sign-in
// throttling and refresh-token reuse revocation.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SESSION_CHECK_TTL_MS } from '../../api/auth/live-session.js';
import { signAccessToken } from '../../api/auth/tokens.js';
import { createApp } from '../../api/app.js';
import type { Role } from '../../domain/roles.js';
import { fill, keyOf, routesOf, type Route } from '../support/access-matrix/routes.js';
import { startApiWorld, type ApiWorld, type Person } from './helpers.js';

/** Routes that answer without a session (each must exist: a stale entry fails the test). */
const PUBLIC: Record<string, string> = {
  'POST /api/v1/auth/login': 'signing in',
  'POST /api/v1/auth/refresh': 'a refresh token is its own credential',
  'GET /api/v1/openapi.json': 'the contract is public',
};
/** Public when present (routes other helpers are adding; listed so they join without an edit). */
const PUBLIC_IF_PRESENT = [
  'GET /api/v1/docs',
  'POST /api/v1/auth/password-reset',
  'POST /api/v1/auth/password-reset/request',
  'POST /api/v1/auth/password-reset/confirm',
  'POST /api/v1/auth/invitations/accept',
  'POST /api/v1/auth/login/totp',
  'POST /api/v1/auth/two-factor/verify',
];
const STAFF_PREFIXES = ['/api/v1/ops/', '/api/v1/audit/', '/api/v1/admin/'];
/** Event streams stay open for their owner; only the refusals are asserted on them. */
const isStream = (r: Route) => /\/events$|\/stream$/.test(r.path);

const routes = routesOf(createApp({ apiRateLimitPerMinute: 0 }));
let world: ApiWorld;
let clientA: Person;
let clientB: Person;
let disabled: Person;
const previousBundle = process.env.WORKFLOW_BUNDLE_PATH;

beforeAll(async () => {
  process.env.WORKFLOW_BUNDLE_PATH = inject('workflowBundlePath');
  world = await startApiWorld();
  [clientA, clientB, disabled] = await Promise.all([
    world.person('client'),
    world.person('client'),
    world.person('operations'),
  ]);
  await world.app.pool.query(`UPDATE app_user SET disabled = true WHERE id = $1`, [disabled.id]);
  await new Promise((resolve) => setTimeout(resolve, SESSION_CHECK_TTL_MS + 300));
});

afterAll(async () => {
  if (previousBundle === undefined) delete process.env.WORKFLOW_BUNDLE_PATH;
  else process.env.WORKFLOW_BUNDLE_PATH = previousBundle;
  await world?.stop();
});

function isPublic(route: Route): boolean {
  return keyOf(route) in PUBLIC || PUBLIC_IF_PRESENT.includes(keyOf(route));
}

/** The bad credentials every protected route must refuse with 401. */
async function badTokens(): Promise<Record<string, string>> {
  const { token: expired } = await signAccessToken(
    { id: clientA.id, email: clientA.email, role: 'client' },
    randomUUID(),
    -60,
  );
  const [header, payload, signature] = clientA.token.split('.');
  const flipped = `${signature!.slice(0, -2)}${signature!.endsWith('AA') ? 'BB' : 'AA'}`;
  const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
  // An admin's claims, unsigned: the classic forgery.
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
  const forged = Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url');
  return {
    expired,
    'tampered signature': `${header}.${payload}.${flipped}`,
    'tampered claims': `${header}.${forged}.${signature}`,
    'alg none': `${none}.${forged}.`,
    'disabled user': disabled.token,
  };
}

async function send(route: Route, path: string, token: string | null) {
  const mutating = route.method !== 'GET';
  return world.app.api(path, {
    method: route.method,
    token: token ?? undefined,
    // A body every action accepts in shape (amend needs a quantity or a price), so what answers is
    // the lookup and the permission, not the body's validation.
    ...(mutating ? { json: { quantity: '1' }, idempotencyKey: randomUUID() } : {}),
  });
}

describe('access matrix: every route without valid credentials', () => {
  it('the walk found the whole API and every public entry exists', () => {
    expect(routes.length).toBeGreaterThanOrEqual(60);
    const keys = new Set(routes.map(keyOf));
    for (const key of Object.keys(PUBLIC)) expect(keys, 'stale PUBLIC entry').toContain(key);
    expect(routes.filter((r) => STAFF_PREFIXES.some((p) => r.path.startsWith(p))).length).toBeGreaterThan(10);
  });

  const protectedRoutes = routes.filter((r) => !isPublic(r));
  it.each(protectedRoutes.map((r) => [keyOf(r), r] as const))(
    '%s: 401 for no token and every bad one',
    async (_k, route) => {
      const path = fill(route.path);
      const cases: Record<string, string | null> = { 'no token': null, ...(await badTokens()) };
      for (const [name, token] of Object.entries(cases)) {
        const answer = await send(route, path, token);
        expect(answer.status, `${name}: ${answer.text}`).toBe(401);
        expect(answer.body?.error?.code, name).toBe('unauthenticated');
      }
    },
  );
});

describe('access matrix: roles', () => {
  const staffRoutes = routes.filter((r) => STAFF_PREFIXES.some((p) => r.path.startsWith(p)));
  it.each(staffRoutes.map((r) => [keyOf(r), r] as const))(
    '%s: a client gets 403 before any lookup',
    async (_k, route) => {
      const answer = await send(route, fill(route.path), clientA.token);
      expect(answer.status, answer.text).toBe(403);
      expect(answer.body.error.code).toBe('forbidden');
    },
  );

  it("another client's resources are 404 on every route of theirs, and nothing changes", async () => {
    // Client A's resources, one of each kind a client creates on its own.
    const deposit = await world.as(clientA, '/deposits', {
      method: 'POST',
      idempotencyKey: randomUUID(),
      json: { amount: '25.00', currency: 'EUR' },
    });
    expect(deposit.status, deposit.text).toBe(201);
    const account = await world.as(clientA, '/bank-accounts', {
      method: 'POST',
      idempotencyKey: randomUUID(),
      json: {
        iban: 'DE89370400440532013000',
        bic: 'COBADEFFXXX',
        accountName: 'A',
        bankName: 'Commerzbank',
        country: 'DE',
      },
    });
    expect(account.status, account.text).toBe(201);
    const order = await world.as(clientA, '/orders', {
      method: 'POST',
      idempotencyKey: randomUUID(),
      json: { symbol: 'EUA', side: 'BUY', type: 'LIMIT', quantity: '1', price: '70.00' },
    });
    expect(order.status, order.text).toBe(422); // no KYC: kept as REJECTED
    const owned: Record<string, string> = {
      '/api/v1/deposits/:id': deposit.body.id,
      '/api/v1/bank-accounts/:id': account.body.id,
      '/api/v1/orders/:id': order.body.error.details.orderId,
    };
    const theirs = routes.filter((r) =>
      Object.keys(owned).some((base) => r.path === base || r.path.startsWith(`${base}/`)),
    );
    expect(theirs.length).toBeGreaterThanOrEqual(8);
    // Client A's lifecycles only: other test files change theirs in the same database meanwhile.
    const before = await world.app.pool.query(
      `SELECT count(*)::int AS n FROM lifecycle_event WHERE workflow_id IN (SELECT workflow_id FROM lifecycle WHERE owner_id = $1)`,
      [clientA.id],
    );
    for (const route of theirs) {
      const base = Object.keys(owned).find((b) => route.path === b || route.path.startsWith(`${b}/`))!;
      const path = fill(route.path, { id: owned[base]! });
      const answer = await send(route, path, clientB.token);
      expect(answer.status, `${keyOf(route)} as another client: ${answer.text}`).toBe(404);
      if (route.method === 'GET' && !isStream(route)) {
        const mine = await send(route, path, clientA.token);
        expect(mine.status, `${keyOf(route)} as the owner: ${mine.text}`).toBe(200);
      }
    }
    const after = await world.app.pool.query(
      `SELECT count(*)::int AS n FROM lifecycle_event WHERE workflow_id IN (SELECT workflow_id FROM lifecycle WHERE owner_id = $1)`,
      [clientA.id],
    );
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });
});

describe('session and transport hardening', () => {
  it('the session cookie is HttpOnly, SameSite and path-scoped; CORS is closed; security headers are set', async () => {
    const user = await world.app.createUser('client' as Role);
    const login = await world.app.api('/api/v1/auth/login', {
      method: 'POST',
      json: { email: user.email, password: user.password },
    });
    expect(login.status).toBe(200);
    const cookies = login.headers.getSetCookie();
    const session = cookies.find((c) => c.startsWith('ch_session='));
    expect(session, cookies.join('\n')).toBeDefined();
    expect(session).toMatch(/;\s*HttpOnly/i);
    expect(session).toMatch(/;\s*SameSite=(Lax|Strict)/i);
    expect(session).toMatch(/;\s*Path=\//i);

    const preflight = await fetch(`${world.app.url}/api/v1/deposits`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const me = await world.as(clientA, '/me', { headers: { origin: 'https://evil.example' } });
    expect(me.headers.get('access-control-allow-origin')).toBeNull();
    expect(me.headers.get('x-content-type-options')).toBe('nosniff');
    expect(me.headers.get('content-security-policy')).toBeTruthy();
    expect(me.headers.get('strict-transport-security') ?? me.headers.get('x-frame-options')).toBeTruthy();
    expect(me.headers.get('x-powered-by')).toBeNull();
  });

  it('sign-in is throttled per email', async () => {
    const user = await world.app.createUser('client' as Role);
    const statuses: number[] = [];
    for (let i = 0; i < 30 && !statuses.includes(429); i += 1) {
      const answer = await world.app.api('/api/v1/auth/login', {
        method: 'POST',
        json: { email: user.email, password: 'wrong-password' },
      });
      statuses.push(answer.status);
    }
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
  });

  it('a reused refresh token revokes its family', async () => {
    const user = await world.app.createUser('client' as Role);
    const first = await world.app.login(user);
    const rotated = await world.app.api('/api/v1/auth/refresh', {
      method: 'POST',
      json: { refreshToken: first.refreshToken },
    });
    expect(rotated.status, rotated.text).toBe(200);
    const reuse = await world.app.api('/api/v1/auth/refresh', {
      method: 'POST',
      json: { refreshToken: first.refreshToken },
    });
    expect(reuse.status).toBe(401);
    const after = await world.app.api('/api/v1/auth/refresh', {
      method: 'POST',
      json: { refreshToken: rotated.body.refreshToken },
    });
    expect(after.status, 'the rotated token died with its family').toBe(401);
  });
});
