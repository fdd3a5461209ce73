// Bad input never reaches a workflow and never answers 500 (issue 8). Every free-text field of every
// human action with a NUL or a lone surrogate (text PostgreSQL cannot store) is refused with 400 and
// changes nothing; a bad percent-encoding on every route with a path parameter is 400 naming the
// parameter; a body nested 40,000 levels deep is 400; UTF-8 file names survive the upload; a
// receivedAt of 1970 and an amount of 99,999,999,999 EUR are refused. The real server, a real worker,
// the Temporal dev server and PostgreSQL.
import { randomInt, randomUUID } from 'node:crypto';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { toApiError } from '../../api/errors.js';
import { nestsDeeperThan } from '../../api/middleware/body-limits.js';
import { uploadedFilename } from '../../api/services/kyc.js';
import { startTestApp } from '../../api/testing.js';
import { instantField, textField } from '../../api/validate.js';
import { ensureClientAccounts, ensureSystemAccounts } from '../../db/ledger/index.js';
import { RECEIVED_AT_WINDOW } from '../../domain/deposit.js';
import { assertStorableJson, isStorableText, UnstorableValueError } from '../../domain/text.js';
import { clearedDeposit } from '../support/ledger-funds.js';
import {
  TEST_DEPOSIT_POLICY,
  announce,
  announced,
  expectError,
  post,
  startApiWorld,
  type ApiWorld,
  type Person,
} from './helpers.js';

/** What PostgreSQL cannot store: a NUL, a lone high and a lone low surrogate. */
const UNSTORABLE = {
  nul: 'cash\u0000 received',
  'lone high surrogate': 'cash \ud800 received',
  'lone low surrogate': '\udc00cash received',
};
/** Not storage breakers, but refused all the same: other control characters. */
const CONTROL = { bell: 'ding\u0007', escape: '\u001b[31mred', delete: 'x\u007f', 'C1 NEL': 'x\u0085y' };
const BAD_TEXT: Record<string, string> = { ...UNSTORABLE, ...CONTROL };

// ---- the text rule on its own ----------------------------------------------------------------------

describe('textField: the one text schema', () => {
  const note = textField({ max: 20, multiline: true });
  const name = textField({ max: 20, required: true });

  it('accepts Unicode text, tabs, and newlines where multi-line; trims', () => {
    expect(note.parse('  pässpört 🛂\tok\r\n2 ')).toBe('pässpört 🛂\tok\r\n2');
    expect(name.parse(' Ada Lovelace ')).toBe('Ada Lovelace');
    expect(note.parse('')).toBe('');
  });

  it.each(Object.entries(BAD_TEXT))('refuses %s', (_label, text) => {
    for (const schema of [note, name]) {
      const result = schema.safeParse(text);
      expect(result.success).toBe(false);
      expect(result.error!.issues[0]!.message).toMatch(/Unicode|control characters/);
    }
  });

  it('refuses newlines in single-line fields, blanks where required, and long text', () => {
    expect(name.safeParse('two\nlines').success).toBe(false);
    expect(name.safeParse('   ').success).toBe(false);
    expect(note.safeParse('x'.repeat(21)).success).toBe(false);
    expect(textField({ max: 5, trim: false }).parse(' pw ')).toBe(' pw ');
  });

  it('domain/text.ts: isStorableText and assertStorableJson, the last line of defence', () => {
    expect(isStorableText('pässpört 🛂 \u0007')).toBe(true);
    for (const text of Object.values(UNSTORABLE)) expect(isStorableText(text)).toBe(false);
    expect(() => assertStorableJson({ a: [1, 'ok', { b: null }], c: new Date() })).not.toThrow();
    expect(() => assertStorableJson({ a: [1, { note: 'x\u0000' }] })).toThrow(UnstorableValueError);
    expect(() => assertStorableJson({ a: [1, { note: 'x\u0000' }] })).toThrow(/\$\.a\[1\]\.note/);
    expect(() => assertStorableJson({ ['k\ud800']: 1 })).toThrow(UnstorableValueError);
    let deep: unknown = 'leaf';
    for (let i = 0; i < 40_000; i++) deep = [deep];
    expect(() => assertStorableJson(deep)).toThrow(/deeper than/);
  });

  it('nestsDeeperThan is iterative and exact', () => {
    expect(nestsDeeperThan('x', 0)).toBe(false);
    expect(nestsDeeperThan([], 0)).toBe(true);
    expect(nestsDeeperThan({ a: [{}] }, 3)).toBe(false);
    expect(nestsDeeperThan({ a: [{ b: 1 }] }, 2)).toBe(true);
    let deep: unknown = 1;
    for (let i = 0; i < 40_000; i++) deep = { a: deep };
    expect(nestsDeeperThan(deep, 32)).toBe(true);
  });

  it('instantField bounds receivedAt to [now − 90 days, now + 5 minutes]', () => {
    const receivedAt = instantField(RECEIVED_AT_WINDOW);
    const issue = (text: string) => receivedAt.safeParse(text).error?.issues[0]?.code;
    expect(issue(new Date(Date.now() - 3_600_000).toISOString())).toBeUndefined();
    expect(issue(new Date(Date.now() - 89 * 86_400_000).toISOString())).toBeUndefined();
    expect(issue('1970-01-01T00:00:00Z')).toBe('too_small');
    expect(issue(new Date(Date.now() - 91 * 86_400_000).toISOString())).toBe('too_small');
    expect(issue(new Date(Date.now() + 3_600_000).toISOString())).toBe('too_big');
    expect(issue('yesterday')).toBe('invalid_format');
  });

  it('KYC file names: path parts and control characters stripped, at most 200 characters', () => {
    expect(uploadedFilename('C:\\fakepath\\pässpört.pdf')).toBe('pässpört.pdf');
    expect(uploadedFilename('../../etc/pass\u0000\u0007port.png')).toBe('passport.png');
    expect(uploadedFilename(`${'ä'.repeat(196)}.pdf`)).toHaveLength(200);
    expect(() => uploadedFilename(`${'ä'.repeat(197)}.pdf`)).toThrow(/at most 200/);
  });
});

// ---- the world -------------------------------------------------------------------------------------

let w: ApiWorld;
let ops: Person;
let ops2: Person;
let aml: Person;
let auditor: Person;

beforeAll(async () => {
  w = await startApiWorld();
  // Holds that do not end by themselves during the test (read on every announcement).
  process.env.DEPOSIT_POLICY_JSON = JSON.stringify({
    ...TEST_DEPOSIT_POLICY,
    shortHoldMs: 600_000,
    longHoldMs: 600_000,
  });
  process.env.KYC_POLICY_JSON = JSON.stringify({ approvalValidityMs: 600_000, reviewDueMs: 60_000 });
  [ops, ops2, aml, auditor] = await Promise.all([
    w.person('operations'),
    w.person('operations'),
    w.person('aml_officer'),
    w.person('auditor'),
  ]);
  await ensureSystemAccounts(w.app.pool);
});

afterAll(async () => {
  delete process.env.KYC_POLICY_JSON;
  await w?.stop();
});

/** What an action could have changed: the projection's status and events, the ledger, the audit log. */
async function footprint(workflowId: string) {
  const { rows } = await w.app.pool.query(
    `SELECT l.status, l.last_seq,
            (SELECT count(*) FROM lifecycle_event e WHERE e.workflow_id = l.workflow_id)::int AS events,
            (SELECT count(*) FROM journal_entry j WHERE j.workflow_id = l.workflow_id)::int AS entries,
            (SELECT count(*) FROM task t WHERE t.workflow_id = l.workflow_id AND t.status <> 'open')::int AS closed_tasks,
            (SELECT count(*) FROM audit_log a
              WHERE a.actor_id = ANY($2::uuid[]) AND a.action NOT LIKE 'auth.%')::int AS audited
       FROM lifecycle l WHERE l.workflow_id = $1`,
    [workflowId, [ops.id, ops2.id, aml.id]],
  );
  expect(rows, `no lifecycle ${workflowId}`).toHaveLength(1);
  return rows[0];
}

async function waitForStatus(workflowId: string, status: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { rows } = await w.app.pool.query(`SELECT status FROM lifecycle WHERE workflow_id = $1`, [
      workflowId,
    ]);
    if (rows[0]?.status === status) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${workflowId} did not reach ${status}`);
}

/** A PENDING deposit and one ON_HOLD (money booked). */
async function deposits(client: Person) {
  const pending = await announced(w, client, { amount: '100.00', currency: 'EUR' });
  const held = await announced(w, client, { amount: '100.00', currency: 'EUR' });
  const confirmed = await post(w, ops, `/ops/deposits/${held.id}/confirm`, {
    receivedAmount: '100.00',
    senderCountry: 'DE',
  });
  expect(confirmed.status, confirmed.text).toBe(200);
  expect(['ON_HOLD', 'AML_REVIEW']).toContain(confirmed.body.status);
  return { pending, held };
}

/** A client with approved KYC, a VERIFIED account and 5,000.00 EUR, and their withdrawal PENDING_APPROVAL. */
async function pendingWithdrawal() {
  const client = await w.person('client');
  const pool = w.app.pool;
  await pool.query(`UPDATE app_user SET kyc_status = 'APPROVED' WHERE id = $1`, [client.id]);
  const iban = `DE89370400440${String(randomInt(0, 1e9)).padStart(9, '0')}`;
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO bank_account (client_id, iban, bic, account_name, bank_name, country, status)
     VALUES ($1, $2, 'COBADEFFXXX', 'Test Client', 'Commerzbank', 'DE', 'VERIFIED') RETURNING id`,
    [client.id, iban],
  );
  await ensureClientAccounts(pool, client.id, 'EUR');
  await clearedDeposit(pool, client.id, 'EUR', 500_000n, `test-fund/${client.id}`);
  const created = await w.as(client, '/withdrawals', {
    method: 'POST',
    json: { amount: '250.00', currency: 'EUR', bankAccountId: rows[0]!.id },
    idempotencyKey: randomUUID(),
  });
  expect(created.status, created.text).toBe(201);
  await waitForStatus(created.body.workflowId, 'PENDING_APPROVAL');
  return { client, withdrawal: created.body, bankAccountId: rows[0]!.id };
}

const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
    '1f15c4890000000d49444154789c63f8ffff3f0005fe02fea7d6a4e00000000049454e44ae426082',
  'hex',
);
const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n',
  'latin1',
);
const unique = (base: Buffer) => Buffer.concat([base, Buffer.from(`\n${randomUUID()}\n`)]);

function upload(person: Person, file: { data: Buffer; name: string; type: string }, docType = 'passport') {
  const form = new FormData();
  form.append('type', docType);
  form.append('file', new Blob([new Uint8Array(file.data)], { type: file.type }), file.name);
  return w.as(person, '/kyc/documents', { method: 'POST', body: form, idempotencyKey: randomUUID() });
}

/** A client whose KYC is PENDING_REVIEW. */
async function kycUnderReview() {
  const client = await w.person('client');
  for (const [docType, file] of [
    ['passport', { data: unique(PNG), name: 'passport.png', type: 'image/png' }],
    ['proof_of_address', { data: unique(PDF), name: 'bill.pdf', type: 'application/pdf' }],
  ] as const) {
    const answer = await upload(client, file, docType);
    expect(answer.status, answer.text).toBe(201);
  }
  const submitted = await post(w, client, '/kyc/submit', {});
  expect(submitted.status, submitted.text).toBe(200);
  await waitForStatus(submitted.body.workflowId, 'PENDING_REVIEW');
  return { client, kyc: submitted.body };
}

const GOOD_ACCOUNT = {
  iban: 'DE89 3704 0044 0532 0130 00',
  bic: 'COBADEFFXXX',
  accountName: 'Ada Lovelace',
  bankName: 'Commerzbank',
  country: 'DE',
};

// ---- every free-text field of every human action ---------------------------------------------------

interface ActionCase {
  name: string;
  who: () => Person;
  path: string;
  /** A body that would be accepted; each text field in turn gets the bad text. */
  body: Record<string, unknown>;
  fields: string[];
  workflowId: string;
}

describe('a NUL, a lone surrogate or a control character in any free-text field: 400, nothing changes', () => {
  const cases: ActionCase[] = [];

  beforeAll(async () => {
    const depositor = await w.person('client');
    const { pending, held } = await deposits(depositor);
    const until = new Date(Date.now() + 86_400_000).toISOString();
    const { withdrawal } = await pendingWithdrawal();
    const { client: kycClient, kyc } = await kycUnderReview();
    const owner = await w.person('client');
    const created = await w.as(owner, '/bank-accounts', {
      method: 'POST',
      json: GOOD_ACCOUNT,
      idempotencyKey: randomUUID(),
    });
    expect(created.status, created.text).toBe(201);
    const account = created.body;
    await waitForStatus(account.workflowId, 'PENDING_VERIFICATION');
    const opsPerson = () => ops;
    const amlPerson = () => aml;
    cases.push(
      {
        name: 'deposit confirm',
        who: opsPerson,
        path: `/ops/deposits/${pending.id}/confirm`,
        body: { receivedAmount: '100.00', note: 'ok', senderReference: 'REF 1' },
        fields: ['note', 'senderReference'],
        workflowId: pending.workflowId,
      },
      {
        name: 'deposit release',
        who: amlPerson,
        path: `/ops/deposits/${held.id}/release`,
        body: { note: 'ok' },
        fields: ['note'],
        workflowId: held.workflowId,
      },
      {
        name: 'deposit extend',
        who: amlPerson,
        path: `/ops/deposits/${held.id}/extend`,
        body: { until, note: 'ok' },
        fields: ['note'],
        workflowId: held.workflowId,
      },
      {
        name: 'deposit reject',
        who: amlPerson,
        path: `/ops/deposits/${held.id}/reject`,
        body: { reason: 'ok' },
        fields: ['reason'],
        workflowId: held.workflowId,
      },
      {
        name: 'withdrawal approve',
        who: opsPerson,
        path: `/ops/withdrawals/${withdrawal.id}/approve`,
        body: { note: 'ok' },
        fields: ['note'],
        workflowId: withdrawal.workflowId,
      },
      {
        name: 'withdrawal reject',
        who: () => ops2,
        path: `/ops/withdrawals/${withdrawal.id}/reject`,
        body: { reason: 'ok' },
        fields: ['reason'],
        workflowId: withdrawal.workflowId,
      },
      {
        name: 'KYC approve',
        who: opsPerson,
        path: `/ops/kyc/${kycClient.id}/approve`,
        body: { note: 'ok' },
        fields: ['note'],
        workflowId: kyc.workflowId,
      },
      {
        name: 'KYC reject',
        who: opsPerson,
        path: `/ops/kyc/${kycClient.id}/reject`,
        body: { reason: 'ok' },
        fields: ['reason'],
        workflowId: kyc.workflowId,
      },
      {
        name: 'KYC request changes',
        who: opsPerson,
        path: `/ops/kyc/${kycClient.id}/request-changes`,
        body: { comments: 'ok' },
        fields: ['comments'],
        workflowId: kyc.workflowId,
      },
      {
        name: 'bank account verify',
        who: opsPerson,
        path: `/ops/bank-accounts/${account.id}/verify`,
        body: { note: 'ok' },
        fields: ['note'],
        workflowId: account.workflowId,
      },
      {
        name: 'bank account reject',
        who: opsPerson,
        path: `/ops/bank-accounts/${account.id}/reject`,
        body: { reason: 'ok' },
        fields: ['reason'],
        workflowId: account.workflowId,
      },
    );
  });

  it('covers the 11 human actions that take text', () => {
    expect(cases.map((c) => c.name)).toHaveLength(11);
  });

  it('refuses every bad text in every field of every action, before anything changes', async () => {
    for (const action of cases) {
      const before = await footprint(action.workflowId);
      for (const field of action.fields) {
        for (const [label, text] of Object.entries(BAD_TEXT)) {
          const answer = await post(w, action.who(), action.path, { ...action.body, [field]: text });
          const what = `${action.name} with ${label} in ${field}`;
          expect(answer.status, `${what}: ${answer.text}`).toBe(400);
          expectError(answer, 400, 'validation_failed');
          expect(
            answer.body.error.details.issues.map((i: { path: string }) => i.path),
            what,
          ).toContain(field);
        }
      }
      expect(await footprint(action.workflowId), action.name).toEqual(before);
    }
  });

  it('creating: wireReference and bank-account fields refuse bad text and create nothing', async () => {
    const client = await w.person('client');
    for (const [label, text] of Object.entries(BAD_TEXT)) {
      const deposit = await announce(w, client, { amount: '10.00', currency: 'EUR', wireReference: text });
      expectError(deposit, 400, 'validation_failed');
      expect(deposit.body.error.details.issues[0].path, label).toBe('wireReference');
      for (const field of ['accountName', 'bankName', 'iban', 'bic', 'country']) {
        const account = await w.as(client, '/bank-accounts', {
          method: 'POST',
          json: { ...GOOD_ACCOUNT, [field]: text },
          idempotencyKey: randomUUID(),
        });
        expectError(account, 400, 'validation_failed');
        expect(
          account.body.error.details.issues.map((i: { path: string }) => i.path),
          `${field} ${label}`,
        ).toContain(field);
      }
    }
    const { rows } = await w.app.pool.query(
      `SELECT (SELECT count(*) FROM lifecycle WHERE owner_id = $1)::int AS lifecycles,
              (SELECT count(*) FROM bank_account WHERE client_id = $1)::int AS accounts`,
      [client.id],
    );
    expect(rows[0]).toEqual({ lifecycles: 0, accounts: 0 });
  });

  it('login, refresh and query-string filters: 400, not 401 or 500', async () => {
    for (const text of Object.values(UNSTORABLE)) {
      for (const json of [
        { email: text, password: 'pw' },
        { email: 'a@example.com', password: text },
      ]) {
        expectError(await w.as(null, '/auth/login', { method: 'POST', json }), 400, 'validation_failed');
      }
      expectError(
        await w.as(null, '/auth/refresh', { method: 'POST', json: { refreshToken: text } }),
        400,
        'validation_failed',
      );
    }
    // A lone surrogate has no percent-encoding (its UTF-8 bytes do not exist); NUL and controls do.
    for (const [label, text] of Object.entries({ nul: UNSTORABLE.nul, ...CONTROL })) {
      const q = encodeURIComponent(text);
      for (const [who, path] of [
        [ops, `/tasks?kind=${q}`],
        [auditor, `/audit/log?subjectType=${q}`],
        [auditor, `/audit/log?subjectId=${q}`],
        [auditor, `/ledger/entries?workflowId=${q}`],
        [auditor, `/ledger/entries?accountCode=${q}`],
        [ops, `/deposits?cursor=${q}`],
      ] as const) {
        const answer = await w.as(who, path);
        expect(answer.status, `${path} (${label}): ${answer.text}`).toBe(400);
        expectError(answer, 400, 'validation_failed');
      }
    }
  });
});

// ---- path parameters that are not valid percent-encoding ---------------------------------------------

/** The parts of Express 4's router internals the walk reads (as tests/api/auditor-read-only.test.ts). */
interface StackLayer {
  name: string;
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: StackLayer[] };
}

/** Every route under the API router with a path parameter: method, path, parameter name. */
function routesWithParams(app: Express): { method: string; path: string; param: string }[] {
  const found: { method: string; path: string; param: string }[] = [];
  const walk = (stack: StackLayer[]) => {
    for (const layer of stack) {
      if (layer.route && typeof layer.route.path === 'string') {
        const param = /:(\w+)/.exec(layer.route.path)?.[1];
        if (!param) continue;
        for (const [method, on] of Object.entries(layer.route.methods)) {
          if (on) found.push({ method: method.toUpperCase(), path: layer.route.path, param });
        }
      } else if (layer.handle.stack) walk(layer.handle.stack);
    }
  };
  walk((app as unknown as { _router: { stack: StackLayer[] } })._router.stack);
  return found;
}

describe('a path parameter that is not valid percent-encoding: 400 naming it, on every route', () => {
  const routes = routesWithParams(createApp({ apiRateLimitPerMinute: 0 }));

  it('the walk finds every route with an id', () => {
    expect(routes.length, routes.map((r) => `${r.method} ${r.path}`).join('\n')).toBeGreaterThanOrEqual(20);
    expect(routes.map((r) => r.param)).toEqual(expect.arrayContaining(['id', 'clientId', 'workflowId']));
  });

  it('answers 400 validation_failed with the parameter as the issue path', async () => {
    for (const route of routes) {
      for (const bad of ['%', '%zz', '%C3%28', 'abc%E0%A4%A']) {
        const url = route.path.replace(`:${route.param}`, bad);
        const answer = await w.as(ops, url, {
          method: route.method,
          ...(route.method === 'GET' ? {} : { json: {} }),
        });
        const what = `${route.method} ${url}`;
        expect(answer.status, `${what}: ${answer.text}`).toBe(400);
        expectError(answer, 400, 'validation_failed');
        expect(answer.body.error.details.issues[0], what).toMatchObject({
          path: route.param,
          code: 'invalid_encoding',
        });
      }
    }
  });

  it('pages (a catch-all route outside /api/v1) answer 400, not 500', async () => {
    const pages = await startTestApp({
      apiRateLimitPerMinute: 0,
      mountWeb: (app) => app.all('*', (_req, res) => void res.send('page')),
    });
    try {
      const ok = await pages.api('/app/deposits/abc');
      expect(ok.status).toBe(200);
      const bad = await pages.api('/app/deposits/%zz');
      expect(bad.status, bad.text).toBe(400);
      expect(bad.body.error).toMatchObject({ code: 'validation_failed' });
    } finally {
      await pages.close();
    }
    // The mapping on its own: Express's decode error as toApiError sees it.
    const decodeError = Object.assign(new URIError("Failed to decode param '%zz'"), { status: 400 });
    expect(toApiError(decodeError).status).toBe(400);
    expect(toApiError(new URIError('elsewhere')).status).toBe(500);
  });
});

// ---- deep JSON -------------------------------------------------------------------------------------

describe('a JSON body nested 40,000 levels deep', () => {
  const deepArray = `${'['.repeat(40_000)}${']'.repeat(40_000)}`;

  it.each([
    ['POST /deposits (idempotent: hashed before the handler)', '/deposits'],
    ['POST /auth/login', '/auth/login'],
    ['a human action', `/ops/deposits/${randomUUID()}/confirm`],
  ])('%s: 400 validation_failed, not 500', async (_label, path) => {
    const client = await w.person('client');
    const who = path.startsWith('/ops') ? ops : client;
    for (const body of [deepArray, `{"amount":"1.00","currency":"EUR","x":${deepArray}}`]) {
      const answer = await w.as(who, path, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
        idempotencyKey: randomUUID(),
      });
      expectError(answer, 400, 'validation_failed');
      expect(answer.body.error.details.issues[0].code).toBe('too_deep');
    }
    const { rows } = await w.app.pool.query(`SELECT count(*)::int AS n FROM lifecycle WHERE owner_id = $1`, [
      client.id,
    ]);
    expect(rows[0].n).toBe(0);
  });

  it('32 levels are still fine (the limit, not JSON, refuses)', async () => {
    const client = await w.person('client');
    let extra: unknown = 'x';
    for (let i = 0; i < 31; i++) extra = [extra];
    const answer = await announce(w, client, { amount: '1.00', currency: 'EUR', extra });
    expect(answer.status, answer.text).toBe(201);
  });
});

// ---- file names, times, amounts ----------------------------------------------------------------------

describe('KYC file names', () => {
  it('a UTF-8 name round-trips: stored, listed and served as sent', async () => {
    const client = await w.person('client');
    const answer = await upload(client, {
      data: unique(PDF),
      name: 'pässpört ✓.pdf',
      type: 'application/pdf',
    });
    expect(answer.status, answer.text).toBe(201);
    expect(answer.body.filename).toBe('pässpört ✓.pdf');
    const read = await w.as(client, `/kyc/documents/${answer.body.id}`);
    expect(read.body.filename).toBe('pässpört ✓.pdf');
    const content = await w.as(client, `/kyc/documents/${answer.body.id}/content`);
    expect(content.headers.get('content-disposition')).toContain(
      `filename*=UTF-8''${encodeURIComponent('pässpört ✓.pdf')}`,
    );
  });

  it('path parts are dropped; a name longer than 200 characters is 400 and stores nothing', async () => {
    const client = await w.person('client');
    const nested = await upload(client, {
      data: unique(PNG),
      name: '../../tmp/passport.png',
      type: 'image/png',
    });
    expect(nested.status, nested.text).toBe(201);
    expect(nested.body.filename).toBe('passport.png');
    const long = await upload(client, {
      data: unique(PNG),
      name: `${'ö'.repeat(300)}.png`,
      type: 'image/png',
    });
    expectError(long, 400, 'validation_failed');
    expect(long.body.error.details.issues[0]).toMatchObject({ path: 'file', code: 'invalid_filename' });
    const { rows } = await w.app.pool.query(
      `SELECT count(*)::int AS n FROM kyc_document WHERE client_id = $1`,
      [client.id],
    );
    expect(rows[0].n).toBe(1);
  });
});

describe('client-supplied times and amounts', () => {
  it('receivedAt of 1970 (or 91 days ago, or tomorrow) is 400 naming receivedAt; the deposit stays PENDING', async () => {
    const client = await w.person('client');
    const deposit = await announced(w, client, { amount: '10.00', currency: 'EUR' });
    const before = await footprint(deposit.workflowId);
    for (const [receivedAt, code] of [
      ['1970-01-01T00:00:00Z', 'too_small'],
      [new Date(Date.now() - 91 * 86_400_000).toISOString(), 'too_small'],
      [new Date(Date.now() + 86_400_000).toISOString(), 'too_big'],
    ]) {
      const answer = await post(w, ops, `/ops/deposits/${deposit.id}/confirm`, {
        receivedAmount: '10.00',
        receivedAt,
      });
      expectError(answer, 400, 'validation_failed');
      expect(answer.body.error.details.issues[0]).toMatchObject({ path: 'receivedAt', code });
    }
    expect(await footprint(deposit.workflowId)).toEqual(before);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString();
    const confirmed = await post(w, ops, `/ops/deposits/${deposit.id}/confirm`, {
      receivedAmount: '10.00',
      receivedAt: yesterday,
    });
    expect(confirmed.status, confirmed.text).toBe(200);
  });

  it('amounts above 10^9 units are 400 too_big: deposits, received amounts, withdrawals', async () => {
    const client = await w.person('client');
    for (const amount of ['99999999999.00', '1000000000.01']) {
      const answer = await announce(w, client, { amount, currency: 'EUR' });
      expectError(answer, 400, 'validation_failed');
      expect(answer.body.error.details.issues[0]).toMatchObject({ path: 'amount', code: 'too_big' });
    }
    expect((await announce(w, client, { amount: '1000000000.00', currency: 'USD' })).status).toBe(201);

    const deposit = await announced(w, client, { amount: '10.00', currency: 'EUR' });
    const before = await footprint(deposit.workflowId);
    const received = await post(w, ops, `/ops/deposits/${deposit.id}/confirm`, {
      receivedAmount: '99999999999.00',
    });
    expectError(received, 400, 'validation_failed');
    expect(received.body.error.details.issues[0]).toMatchObject({ path: 'receivedAmount', code: 'too_big' });
    expect(await footprint(deposit.workflowId)).toEqual(before);

    const { client: withdrawer, bankAccountId } = await pendingWithdrawal();
    const withdrawal = await w.as(withdrawer, '/withdrawals', {
      method: 'POST',
      json: { amount: '99999999999.00', currency: 'EUR', bankAccountId },
      idempotencyKey: randomUUID(),
    });
    expectError(withdrawal, 400, 'validation_failed');
    expect(withdrawal.body.error.details.issues[0]).toMatchObject({ path: 'amount', code: 'too_big' });
  });
});
