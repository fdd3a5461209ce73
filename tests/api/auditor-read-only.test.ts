// "Auditors are read-only everywhere": walks every route the Express app really has (the router
// stack, recursively through nested routers — not a hand-written list, so a new route is covered the
// day it is added) and sends each mutating one under /api/v1 as an auditor. Each must answer 403
// `forbidden`, and before anything else: with random ids, a 404 or 400 instead of 403 means the
// route looks the resource up (or validates the body) before it checks the role, which leaks
// existence to a read-only role and is one forgotten check away from a write.
//
// Then the pages: Remix actions call the same services in-process; an auditor posting their forms
// changes nothing either.
import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { closeArchiveTemporalClient } from '../../activities/history-archive.js';
import { createApp } from '../../api/app.js';
import { SESSION_COOKIE } from '../../api/auth/session.js';
import { resolveDeps } from '../../api/deps.js';
import { closeLifecycleNotifications } from '../../api/live-updates.js';
import { buildOpenApiDocument } from '../../api/openapi.js';
import { closeTemporalClient } from '../../api/temporal-client.js';
import { startTestApp } from '../../api/testing.js';
import { mountWeb } from '../../api/pages/mount.js';
import { ensureClientAccounts, ensureSystemAccounts } from '../../db/ledger/index.js';
import { closePool } from '../../db/pool.js';
import { clearedDeposit } from '../support/ledger-funds.js';
import { startTestWorker } from '../support/temporal.js';
import { TEST_DEPOSIT_POLICY, announced, expectError, type ApiWorld, type Person } from './helpers.js';

// ---- the walk ----------------------------------------------------------------------------------

const API_PREFIX = '/api/v1';
const MUTATING = new Set(['post', 'put', 'patch', 'delete']);

/** The parts of Express 4's (untyped) router internals the walk reads. */
interface StackLayer {
  name: string;
  regexp: RegExp & { fast_slash?: boolean };
  keys?: { name: string }[];
  route?: { path: string | RegExp | (string | RegExp)[]; methods: Record<string, boolean> };
  handle: { stack?: StackLayer[] };
}

interface FoundRoute {
  /** Upper-case HTTP method ('POST'); `app.all` routes are listed as POST. */
  method: string;
  /** The full path with Express parameters: '/api/v1/ops/deposits/:id/confirm'. */
  path: string;
}

/** The path a router was mounted at, recovered from the layer's regexp (Express 4 keeps no string). */
function mountPathOf(layer: StackLayer): string {
  if (layer.regexp.fast_slash) return '';
  if (layer.keys && layer.keys.length > 0) {
    throw new Error(`a router mounted at a parameterised path (${layer.regexp}); teach the walk about it`);
  }
  // e.g. /^\/api\/v1\/?(?=\/|$)/i → /api/v1
  const path = layer.regexp.source
    .replace(/^\^/, '')
    .replace(/\\\/\?\(\?=\\\/\|\$\)$/, '')
    .replace(/\\\//g, '/');
  if (!/^(\/[A-Za-z0-9._-]+)+$/.test(path)) throw new Error(`cannot read the mount path of ${layer.regexp}`);
  return path;
}

function walkStack(stack: StackLayer[], prefix: string, found: FoundRoute[]): FoundRoute[] {
  for (const layer of stack) {
    if (layer.route) {
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      for (const path of paths) {
        if (typeof path !== 'string') throw new Error(`a route with a RegExp path (${path}); teach the walk`);
        for (const [method, on] of Object.entries(layer.route.methods)) {
          if (!on) continue;
          if (method === '_all') found.push({ method: 'POST', path: prefix + path });
          else if (MUTATING.has(method)) found.push({ method: method.toUpperCase(), path: prefix + path });
        }
      }
    } else if (layer.name === 'router' && layer.handle.stack) {
      walkStack(layer.handle.stack, prefix + mountPathOf(layer), found);
    }
  }
  return found;
}

/** Every mutating route of `app` under /api/v1, one entry per method and path, sorted. */
function mutatingApiRoutes(app: Express): FoundRoute[] {
  const router = (app as unknown as { _router?: { stack: StackLayer[] } })._router;
  if (!router) throw new Error('the app has no router yet');
  const seen = new Set<string>();
  return walkStack(router.stack, '', [])
    .filter((r) => r.path.startsWith(`${API_PREFIX}/`))
    .filter((r) => {
      const key = `${r.method} ${r.path}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`));
}

/**
 * POSTs the auditor may call. Each is read-only in business terms; every entry must still exist
 * (the test fails on a stale entry), and anything not listed here must answer 403.
 */
const AUDITOR_MAY_CALL: Record<string, string> = {
  // Replays a history against the current code in a throw-away replayer: reads the history (from
  // the archive or Temporal), writes nothing, starts nothing.
  'POST /api/v1/audit/workflows/:workflowId/replay': 'replay is read-only (API.md "Audit")',
  // Session routes, not business mutations: every role signs in, rotates its tokens and signs out.
  'POST /api/v1/auth/login': 'session',
  'POST /api/v1/auth/refresh': 'session',
  'POST /api/v1/auth/logout': 'session',
  'POST /api/v1/auth/password-reset': 'session: anyone may ask for a reset link (202 always)',
  'POST /api/v1/auth/password-reset/confirm': 'session: sets one’s own password from a mailed token',
  'POST /api/v1/auth/totp/enrol': 'session: one’s own second factor',
  'POST /api/v1/auth/totp/confirm': 'session: one’s own second factor',
  // The auditor's own inbox: marking their notifications read and choosing how they hear of events
  // changes no business data (API.md "Notifications and webhooks").
  'POST /api/v1/notifications/:id/read': 'own notification state',
  'POST /api/v1/notifications/read-all': 'own notification state',
  'PUT /api/v1/notification-preferences': 'own notification preferences',
};

/** Express path parameters (':id', ':clientId?', ':id(\\d+)') filled with fresh random UUIDs. */
function fillParams(path: string): string {
  return path.replace(/:[A-Za-z0-9_]+(\([^)]*\))?\??/g, () => randomUUID());
}

/** ':id' → '{id}', the OpenAPI spelling, to find a route's documented request body. */
function openApiPath(path: string): string {
  return path.slice(API_PREFIX.length).replace(/:([A-Za-z0-9_]+)(\([^)]*\))?\??/g, '{$1}');
}

type OpenApiOperation = { requestBody?: { content?: Record<string, unknown> } };

function takesMultipart(route: FoundRoute): boolean {
  const doc = buildOpenApiDocument() as { paths?: Record<string, Record<string, OpenApiOperation>> };
  const operation = doc.paths?.[openApiPath(route.path)]?.[route.method.toLowerCase()];
  return Boolean(operation?.requestBody?.content?.['multipart/form-data']);
}

// ---- the world -----------------------------------------------------------------------------------

const previousBundle = process.env.WORKFLOW_BUNDLE_PATH;
let world: ApiWorld;
let auditor: Person;
let ops: Person;
let client: Person;

beforeAll(async () => {
  process.env.WORKFLOW_BUNDLE_PATH = inject('workflowBundlePath');
  process.env.DEPOSIT_POLICY_JSON = JSON.stringify(TEST_DEPOSIT_POLICY);
  const temporal = await startTestWorker();
  const app = await startTestApp({ apiRateLimitPerMinute: 0, mountWeb });
  world = {
    app,
    temporal,
    deps: resolveDeps({ pool: app.pool }),
    async person(role) {
      const user = await app.createUser(role);
      const { accessToken } = await app.login(user);
      return { ...user, token: accessToken };
    },
    as(person, path, init = {}) {
      return app.api(`${API_PREFIX}${path}`, { ...init, token: person?.token });
    },
    async stop() {
      await app.close();
      await temporal.stop();
      await closeTemporalClient();
      await closeLifecycleNotifications();
      await closePool();
    },
  };
  [auditor, ops, client] = await Promise.all([
    world.person('auditor'),
    world.person('operations'),
    world.person('client'),
  ]);
});

afterAll(async () => {
  if (previousBundle === undefined) delete process.env.WORKFLOW_BUNDLE_PATH;
  else process.env.WORKFLOW_BUNDLE_PATH = previousBundle;
  await world?.stop();
  await closeArchiveTemporalClient();
});

/** Audit-log rows written on behalf of `person` (their sign-in aside). */
async function auditedActionsOf(person: Person): Promise<string[]> {
  const { rows } = await world.app.pool.query<{ action: string }>(
    `SELECT action FROM audit_log WHERE actor_id = $1 AND action NOT LIKE 'auth.%' ORDER BY seq`,
    [person.id],
  );
  return rows.map((r) => r.action);
}

// ---- the API -------------------------------------------------------------------------------------

describe('auditors are read-only: every mutating API route', () => {
  // The same app the server runs (createApp), built here only to read its router stack.
  const routes = mutatingApiRoutes(createApp({ apiRateLimitPerMinute: 0 }));
  const guarded = routes.filter((r) => !AUDITOR_MAY_CALL[`${r.method} ${r.path}`]);

  it('the walk finds the whole API, including every allow-listed route', () => {
    // A walk that silently found nothing would let every assertion below pass vacuously.
    expect(routes.length, routes.map((r) => `${r.method} ${r.path}`).join('\n')).toBeGreaterThanOrEqual(20);
    const keys = new Set(routes.map((r) => `${r.method} ${r.path}`));
    for (const allowed of Object.keys(AUDITOR_MAY_CALL))
      expect(keys, `stale allow-list entry`).toContain(allowed);
    // Spot checks that nested routers and every method were walked.
    for (const expected of [
      'POST /api/v1/deposits',
      'POST /api/v1/ops/deposits/:id/confirm',
      'POST /api/v1/kyc/documents',
      'POST /api/v1/ops/kyc/:clientId/approve',
      'DELETE /api/v1/bank-accounts/:id',
      'POST /api/v1/tasks/:id/claim',
      'POST /api/v1/ops/withdrawals/:id/approve',
    ]) {
      expect(keys).toContain(expected);
    }
    expect(
      routes.some((r) => takesMultipart(r)),
      'the KYC upload is documented as multipart',
    ).toBe(true);
  });

  it.each(guarded.map((r) => [`${r.method} ${r.path}`, r] as const))(
    '%s answers 403 forbidden to an auditor, before any lookup or validation',
    async (_name, route) => {
      const path = fillParams(route.path).slice(API_PREFIX.length);
      const headers = { 'idempotency-key': randomUUID() };
      const answer = takesMultipart(route)
        ? // An empty multipart body: the role check must come before the upload is read.
          await world.as(auditor, path, { method: route.method, headers, body: new FormData() })
        : await world.as(auditor, path, { method: route.method, headers, json: {} });
      expectError(answer, 403, 'forbidden');
    },
  );

  it('the allow-listed replay really is open to auditors (and reads, not writes)', async () => {
    const answer = await world.as(auditor, `/audit/workflows/deposit-${randomUUID()}/replay`, {
      method: 'POST',
      json: {},
    });
    // Nothing to replay: a 404, not a 403 — the auditor is allowed here.
    expectError(answer, 404, 'not_found');
  });

  it('left no trace of an auditor action', async () => {
    expect(await auditedActionsOf(auditor)).toEqual([]);
    const { rows } = await world.app.pool.query(
      `SELECT 1 FROM idempotency_record WHERE user_id = $1 AND status_code IS NOT NULL`,
      [auditor.id],
    );
    expect(rows).toEqual([]);
  });
});

// ---- the pages -----------------------------------------------------------------------------------

/** POSTs a page form as `person` (their session cookie, as the login page would have set it). */
async function postForm(person: Person, path: string, fields: Record<string, string>) {
  const response = await fetch(`${world.app.url}${path}`, {
    method: 'POST',
    headers: {
      cookie: `${SESSION_COOKIE}=${person.token}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
  const text = await response.text();
  const json =
    (response.headers.get('content-type') ?? '').includes('json') && text ? JSON.parse(text) : null;
  return { status: response.status, location: response.headers.get('location'), json };
}

describe('auditors are read-only: page actions', () => {
  it('confirming a real deposit from its ops page changes nothing', async () => {
    const deposit = await announced(world, client, { amount: '40.00', currency: 'EUR' });
    const answer = await postForm(auditor, `/ops/deposits/${deposit.id}`, {
      intent: 'confirm',
      receivedAmount: '40.00',
      senderCountry: 'DE',
      senderReference: deposit.reference,
    });
    // The action refuses the role outright and sends the auditor home.
    expect(answer.status).toBe(302);
    expect(answer.location).toBe('/audit');
    const after = await world.as(ops, `/deposits/${deposit.id}`);
    expect(after.status).toBe(200);
    expect(after.body.status).toBe('PENDING');
    expect(after.body.timeline).toHaveLength((deposit.timeline as unknown[]).length);
  });

  it('verifying a real bank account from its ops page changes nothing', async () => {
    const created = await world.as(client, '/bank-accounts', {
      method: 'POST',
      idempotencyKey: randomUUID(),
      json: {
        iban: 'DE89 3704 0044 0532 0130 00',
        bic: 'COBADEFFXXX',
        accountName: 'Test Client',
        bankName: 'Commerzbank',
        country: 'DE',
      },
    });
    expect(created.status, created.text).toBe(201);
    const answer = await postForm(auditor, `/ops/bank-accounts/${created.body.id}`, { intent: 'verify' });
    expect(answer.status).toBe(302);
    expect(answer.location).toBe('/audit');
    const after = await world.as(ops, `/bank-accounts/${created.body.id}`);
    expect(after.body.status).toBe('PENDING_VERIFICATION');
  });

  it('approving a real withdrawal from its ops page changes nothing', async () => {
    // A client who may withdraw: approved KYC, a VERIFIED account, funds (test set-up, rows written
    // directly as tests/api/withdrawals.test.ts does).
    const owner = await world.person('client');
    const pool = world.app.pool;
    await pool.query(`UPDATE app_user SET kyc_status = 'APPROVED' WHERE id = $1`, [owner.id]);
    const account = await pool.query<{ id: string }>(
      `INSERT INTO bank_account (client_id, iban, bic, account_name, bank_name, country, status)
       VALUES ($1, 'DE89370400440532013000', 'COBADEFFXXX', 'Test Client', 'Commerzbank', 'DE', 'VERIFIED')
       RETURNING id`,
      [owner.id],
    );
    await ensureSystemAccounts(pool);
    await ensureClientAccounts(pool, owner.id, 'EUR');
    await clearedDeposit(pool, owner.id, 'EUR', 10_000n, `test-fund/${owner.id}`);
    const created = await world.as(owner, '/withdrawals', {
      method: 'POST',
      idempotencyKey: randomUUID(),
      json: { amount: '40.00', currency: 'EUR', bankAccountId: account.rows[0]!.id },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body.status).toBe('PENDING_APPROVAL');

    // Reading the page stays open to auditors (its loader admits them).
    const page = await fetch(`${world.app.url}/ops/withdrawals/${created.body.id}`, {
      headers: { cookie: `${SESSION_COOKIE}=${auditor.token}` },
      redirect: 'manual',
    });
    expect(page.status).toBe(200);
    await page.text();

    const answer = await postForm(auditor, `/ops/withdrawals/${created.body.id}`, {
      intent: 'approve',
      note: 'looks fine',
    });
    // The page lets auditors read it, but its action refuses the role outright and sends them home.
    expect(answer.status).toBe(302);
    expect(answer.location).toBe('/audit');
    const after = await world.as(ops, `/withdrawals/${created.body.id}`);
    expect(after.status).toBe(200);
    expect(after.body.status).toBe('PENDING_APPROVAL');
    expect(after.body.approvals).toEqual([]);
    expect(after.body.timeline).toHaveLength((created.body.timeline as unknown[]).length);
  });

  it('left no trace of an auditor action', async () => {
    expect(await auditedActionsOf(auditor)).toEqual([]);
  });
});
