// The tamper-evident audit log: auth events appended to a hash chain, the auditor routes, the
// append-only triggers, concurrent appends, and tamper detection (API, library and CLI).
//
// The shared test database's chain must stay valid for every other test file, so all tampering
// happens in a scratch database of this file alone, created and dropped here.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { AUDIT_TIME_SQL, auditHash } from '../../db/audit/hash.js';
import { recordAudit } from '../../api/audit/log.js';
import { verifyAuditLog } from '../../db/audit/verify.js';
import { withRequestMeta } from '../../api/middleware/request-context.js';
import { startTestApp, type TestApp, type TestUser } from '../../api/testing.js';
import { createPool } from '../../db/pool.js';
import { announced, post, startApiWorld, type ApiWorld, type Person } from './helpers.js';
import { useScratchDatabase } from '../support/own-database.js';

interface Row {
  id: string;
  seq: string;
  actor_id: string | null;
  actor_role: string | null;
  actor_email: string | null;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  before: unknown;
  after: unknown;
  request_id: string | null;
  ip: string | null;
  user_agent: string | null;
  prev_hash: string | null;
  hash: string;
}

async function rowsFor(pool: pg.Pool, where: string, params: unknown[]): Promise<Row[]> {
  const { rows } = await pool.query<Row>(
    `SELECT id, seq::text AS seq, actor_id, actor_role, actor_email, action, subject_type, subject_id,
            before, after, request_id, ip, user_agent, prev_hash, hash
       FROM audit_log WHERE ${where} ORDER BY audit_log.seq`,
    params,
  );
  return rows;
}

/** The row is linked to its predecessor: prev_hash = hash of seq - 1. */
async function expectLinked(pool: pg.Pool, row: Row): Promise<void> {
  const { rows } = await pool.query<{ hash: string }>(
    'SELECT hash FROM audit_log WHERE seq = $1::bigint - 1',
    [row.seq],
  );
  if (row.seq === '1') expect(row.prev_hash).toBeNull();
  else expect(row.prev_hash).toBe(rows[0]!.hash);
  expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
}

const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
const CLI = fileURLToPath(new URL('../../scripts/audit-verify.ts', import.meta.url));

function runCli(databaseUrl: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [CLI], {
      env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('audit log (shared database)', () => {
  let app: TestApp;
  let auditor: TestUser;
  let auditorToken: string;

  beforeAll(async () => {
    app = await startTestApp();
    auditor = await app.createUser('auditor');
    auditorToken = (await app.login(auditor)).accessToken;
  });
  afterAll(async () => {
    await app?.close();
  });

  it('records a sign-in with the request metadata, chained to the previous entry', async () => {
    const user = await app.createUser('operations');
    const requestId = `audit-login-${randomUUID()}`;
    const answer = await app.api('/api/v1/auth/login', {
      method: 'POST',
      json: { email: user.email, password: user.password },
      headers: { 'x-request-id': requestId, 'user-agent': 'vitest-audit/1.0' },
    });
    expect(answer.status).toBe(200);

    const [row, ...more] = await rowsFor(app.pool, 'request_id = $1', [requestId]);
    expect(more).toHaveLength(0);
    expect(row).toMatchObject({
      action: 'auth.login',
      actor_id: user.id,
      actor_role: 'operations',
      actor_email: user.email,
      subject_type: 'user',
      subject_id: user.id,
      user_agent: 'vitest-audit/1.0',
    });
    expect(row!.ip).toContain('127.0.0.1');
    expect((row!.after as { sessionId: string }).sessionId).toMatch(/^[0-9a-f-]{36}$/);
    await expectLinked(app.pool, row!);
  });

  it('records failed sign-ins without an actor, naming the attempted email', async () => {
    const user = await app.createUser('client');
    const wrong = `audit-fail-${randomUUID()}`;
    const answer = await app.api('/api/v1/auth/login', {
      method: 'POST',
      json: { email: user.email.toUpperCase(), password: 'not-the-password' },
      headers: { 'x-request-id': wrong },
    });
    expect(answer.status).toBe(401);
    const unknownId = `audit-fail-${randomUUID()}`;
    const nobody = `nobody-${randomUUID()}@test.example`;
    expect(
      (
        await app.api('/api/v1/auth/login', {
          method: 'POST',
          json: { email: nobody, password: 'whatever' },
          headers: { 'x-request-id': unknownId },
        })
      ).status,
    ).toBe(401);

    const [failed] = await rowsFor(app.pool, 'request_id = $1', [wrong]);
    expect(failed).toMatchObject({
      action: 'auth.login_failed',
      actor_id: null,
      actor_role: null,
      subject_type: 'email',
      subject_id: user.email,
      after: { email: user.email, reason: 'wrong_password' },
    });
    await expectLinked(app.pool, failed!);
    const [unknown] = await rowsFor(app.pool, 'request_id = $1', [unknownId]);
    expect(unknown).toMatchObject({
      action: 'auth.login_failed',
      after: { email: nobody, reason: 'unknown_email' },
    });
  });

  it('records a refresh-token reuse (the family is revoked) and a sign-out', async () => {
    const user = await app.createUser('aml_officer');
    const first = await app.login(user);
    const rotated = await app.api('/api/v1/auth/refresh', {
      method: 'POST',
      json: { refreshToken: first.refreshToken },
    });
    expect(rotated.status).toBe(200);
    const reuseId = `audit-reuse-${randomUUID()}`;
    const reused = await app.api('/api/v1/auth/refresh', {
      method: 'POST',
      json: { refreshToken: first.refreshToken },
      headers: { 'x-request-id': reuseId },
    });
    expect(reused.status).toBe(401);
    const [reuse] = await rowsFor(app.pool, 'request_id = $1', [reuseId]);
    expect(reuse).toMatchObject({
      action: 'auth.refresh_reuse',
      actor_id: null,
      subject_type: 'user',
      subject_id: user.id,
      after: { familyRevoked: true, email: user.email },
    });

    const second = await app.login(user);
    const logoutId = `audit-logout-${randomUUID()}`;
    const out = await app.api('/api/v1/auth/logout', {
      method: 'POST',
      token: second.accessToken,
      headers: { 'x-request-id': logoutId },
    });
    expect(out.status).toBe(204);
    const [logout] = await rowsFor(app.pool, 'request_id = $1', [logoutId]);
    expect(logout).toMatchObject({
      action: 'auth.logout',
      actor_id: user.id,
      actor_role: 'aml_officer',
      actor_email: user.email,
    });
    await expectLinked(app.pool, logout!);
  });

  it('lists the log newest first for auditors and admins, with filters and keyset pages', async () => {
    const user = await app.createUser('client');
    const session = await app.login(user);
    await app.api('/api/v1/auth/logout', { method: 'POST', token: session.accessToken });

    const mine = await app.api(`/api/v1/audit/log?actorId=${user.id}`, { token: auditorToken });
    expect(mine.status).toBe(200);
    expect(mine.body.items.map((e: { action: string }) => e.action)).toEqual(['auth.logout', 'auth.login']);
    expect(mine.body.nextCursor).toBeNull();
    const [logout, login] = mine.body.items;
    expect(BigInt(logout.seq)).toBeGreaterThan(BigInt(login.seq));
    expect(login).toMatchObject({
      actor: { id: user.id, role: 'client', email: user.email },
      subject: { type: 'user', id: user.id },
    });
    expect(Number.isNaN(Date.parse(login.at))).toBe(false);

    const first = await app.api(`/api/v1/audit/log?actorId=${user.id}&limit=1`, { token: auditorToken });
    expect(first.body.items).toHaveLength(1);
    expect(first.body.items[0].action).toBe('auth.logout');
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await app.api(
      `/api/v1/audit/log?actorId=${user.id}&limit=1&cursor=${encodeURIComponent(first.body.nextCursor)}`,
      { token: auditorToken },
    );
    expect(second.body.items.map((e: { action: string }) => e.action)).toEqual(['auth.login']);
    expect(second.body.nextCursor).toBeNull();

    const bySubject = await app.api(`/api/v1/audit/log?subjectId=${user.id}&action=auth.login`, {
      token: auditorToken,
    });
    expect(bySubject.body.items.map((e: { action: string }) => e.action)).toEqual(['auth.login']);
    const byPrefix = await app.api(`/api/v1/audit/log?subjectId=${user.id}&action=auth.*`, {
      token: auditorToken,
    });
    expect(byPrefix.body.items).toHaveLength(2);

    const admin = await app.createUser('admin');
    const adminToken = (await app.login(admin)).accessToken;
    expect((await app.api('/api/v1/audit/log?limit=5', { token: adminToken })).status).toBe(200);

    const badCursor = await app.api('/api/v1/audit/log?cursor=bm9wZQ', { token: auditorToken });
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.error.code).toBe('validation_failed');
    const badActor = await app.api('/api/v1/audit/log?actorId=someone', { token: auditorToken });
    expect(badActor.status).toBe(400);
  });

  it('verifies the shared chain as intact', async () => {
    const answer = await app.api('/api/v1/audit/log/verify', { token: auditorToken });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ valid: true, firstBrokenId: null, reason: null });
    expect(answer.body.entries).toBeGreaterThan(0);
    expect(answer.body.head.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses everyone but auditors and admins', async () => {
    for (const role of ['client', 'operations', 'aml_officer'] as const) {
      const token = (await app.login(await app.createUser(role))).accessToken;
      for (const path of ['/api/v1/audit/log', '/api/v1/audit/log/verify']) {
        const answer = await app.api(path, { token });
        expect(answer.status, `${role} ${path}`).toBe(403);
        expect(answer.body.error.code).toBe('forbidden');
      }
    }
    expect((await app.api('/api/v1/audit/log')).status).toBe(401);
    expect((await app.api('/api/v1/audit/log/verify')).status).toBe(401);
  });

  it('is in the OpenAPI document', async () => {
    const doc = await app.api('/api/v1/openapi.json');
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/audit/log', '/audit/log/verify']));
  });

  it('rejects UPDATE, DELETE and TRUNCATE, and inserts that would fork the chain', async () => {
    const { rows } = await app.pool.query<{ id: string; seq: string; hash: string }>(
      'SELECT id, seq::text AS seq, hash FROM audit_log ORDER BY audit_log.seq DESC LIMIT 1',
    );
    const head = rows[0]!;
    await expect(
      app.pool.query(`UPDATE audit_log SET action = 'auth.nothing' WHERE id = $1`, [head.id]),
    ).rejects.toThrow(/audit log is append-only/);
    await expect(app.pool.query('DELETE FROM audit_log WHERE id = $1', [head.id])).rejects.toThrow(
      /audit log is append-only/,
    );
    await expect(app.pool.query('TRUNCATE audit_log')).rejects.toThrow(/audit log is append-only/);

    // Inside a transaction that is rolled back whatever happens: the shared chain stays untouched.
    const client = await app.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SAVEPOINT s');
      await expect(
        client.query(
          `INSERT INTO audit_log (id, seq, at, action, prev_hash, hash)
           VALUES (gen_random_uuid(), $1, date_trunc('milliseconds', now()), 'test.fork', $2, $2)`,
          [head.seq, head.hash],
        ),
      ).rejects.toThrow(/audit_log_seq_key|does not extend the chain head/);
      await client.query('ROLLBACK TO SAVEPOINT s');
      await expect(
        client.query(
          `INSERT INTO audit_log (id, seq, at, action, prev_hash, hash)
           VALUES (gen_random_uuid(), $1::bigint + 1000000, date_trunc('milliseconds', now()), 'test.fork', $2, $2)`,
          [head.seq, head.hash],
        ),
      ).rejects.toThrow(/does not extend the chain head/);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });

  it('keeps one valid chain under 30 concurrent appends', async () => {
    const pool = createPool(inject('databaseUrl'), 12);
    try {
      const batch = randomUUID();
      const records = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          recordAudit(pool, {
            actor: null,
            action: 'test.concurrent_append',
            subject: { type: 'test', id: `${batch}:${i}` },
            after: { i, big: 12345678901234567890n, nested: { z: 1, a: [true, null, 'é'] } },
            meta: null,
          }),
        ),
      );
      expect(new Set(records.map((r) => r.seq)).size).toBe(30);
      expect(new Set(records.map((r) => r.prevHash)).size).toBe(30);
      const rows = await rowsFor(pool, 'starts_with(subject_id, $1)', [`${batch}:`]);
      expect(rows).toHaveLength(30);
      for (const row of rows) await expectLinked(pool, row);
      const verified = await verifyAuditLog(pool, { batchSize: 7 });
      expect(verified).toMatchObject({ valid: true, firstBrokenId: null });
    } finally {
      await pool.end();
    }
  });

  it('joins a caller transaction and rolls back with it', async () => {
    const subject = { type: 'test', id: randomUUID() };
    const client = await app.pool.connect();
    try {
      await client.query('BEGIN');
      const record = await recordAudit(client, {
        actor: null,
        action: 'test.rolled_back',
        subject,
        meta: null,
      });
      expect(record.hash).toMatch(/^[0-9a-f]{64}$/);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    expect(await rowsFor(app.pool, 'subject_id = $1', [subject.id])).toHaveLength(0);
    // A client in autocommit mode gets a transaction of its own.
    const auto = await app.pool.connect();
    try {
      await recordAudit(auto, { actor: null, action: 'test.autocommit', subject, meta: null });
    } finally {
      auto.release();
    }
    expect(await rowsFor(app.pool, 'subject_id = $1', [subject.id])).toHaveLength(1);
  });
});

describe('audit log tampering (scratch database of this file)', () => {
  let databaseUrl: string;
  let pool: pg.Pool;
  const ids: string[] = [];

  /** What a rogue DBA does: run SQL with the append-only triggers out of the way. */
  async function asRogueDba(sql: string, params: unknown[] = [], how: 'replica' | 'disable' = 'replica') {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      if (how === 'replica') {
        await client.query('SET session_replication_role = replica');
        await client.query(sql, params);
        await client.query('RESET session_replication_role');
      } else {
        await client.query('ALTER TABLE audit_log DISABLE TRIGGER ALL');
        await client.query(sql, params);
        await client.query('ALTER TABLE audit_log ENABLE TRIGGER ALL');
      }
    } finally {
      await client.end();
    }
  }

  const scratch = useScratchDatabase('audit', 4);
  beforeAll(async () => {
    ({ url: databaseUrl, pool } = scratch());
    const actor = { id: randomUUID(), role: 'operations', email: 'ops@test.example' };
    for (let i = 1; i <= 8; i++) {
      const record = await withRequestMeta({ requestId: `req-${i}`, ip: '10.0.0.1', userAgent: 'test' }, () =>
        recordAudit(pool, {
          actor,
          action: 'deposit.confirm',
          subject: { type: 'deposit', id: `dep-${i}` },
          before: { status: 'PENDING' },
          after: { status: 'ON_HOLD', amount: '1250.50' },
        }),
      );
      ids.push(record.id);
    }
  });

  it('finds an untouched chain intact, and the CLI exits 0', async () => {
    expect(await verifyAuditLog(pool)).toMatchObject({ valid: true, entries: 8, firstBrokenId: null });
    const { rows } = await pool.query<{ request_id: string; ip: string }>(
      'SELECT request_id, ip FROM audit_log WHERE seq = 1',
    );
    expect(rows[0]).toEqual({ request_id: 'req-1', ip: '10.0.0.1' });
    const cli = await runCli(databaseUrl);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toContain('8 entries verified');
  });

  it('detects a removed entry (the next one is out of sequence)', async () => {
    await asRogueDba('DELETE FROM audit_log WHERE seq = 7');
    expect(await verifyAuditLog(pool, { batchSize: 3 })).toMatchObject({
      valid: false,
      firstBrokenId: ids[7],
      reason: 'sequence',
      entries: 7,
    });
  });

  it('detects a forged entry whose hash was recomputed (the next link breaks)', async () => {
    const { rows } = await pool.query(
      `SELECT id, seq::text AS seq, ${AUDIT_TIME_SQL} AS at, actor_id, actor_role, actor_email, action, subject_type,
              subject_id, before, after, request_id, ip, user_agent, prev_hash FROM audit_log WHERE seq = 5`,
    );
    const r = rows[0]!;
    const forgedAfter = { status: 'CLEARED', amount: '9999.00' };
    const forgedHash = auditHash({
      id: r.id,
      seq: r.seq,
      at: r.at,
      actorId: r.actor_id,
      actorRole: r.actor_role,
      actorEmail: r.actor_email,
      action: r.action,
      subjectType: r.subject_type,
      subjectId: r.subject_id,
      before: r.before,
      after: forgedAfter,
      requestId: r.request_id,
      ip: r.ip,
      userAgent: r.user_agent,
      prevHash: r.prev_hash,
    });
    await asRogueDba('UPDATE audit_log SET after = $1::jsonb, hash = $2 WHERE seq = 5', [
      JSON.stringify(forgedAfter),
      forgedHash,
    ]);
    expect(await verifyAuditLog(pool)).toMatchObject({ valid: false, firstBrokenId: ids[5], reason: 'link' });
  });

  it('detects a shifted timestamp', async () => {
    await asRogueDba(`UPDATE audit_log SET at = at + interval '1 millisecond' WHERE seq = 4`);
    expect(await verifyAuditLog(pool)).toMatchObject({ valid: false, firstBrokenId: ids[3], reason: 'hash' });
  });

  it('detects an edited `after`, names that entry, and the CLI exits 1', async () => {
    await asRogueDba(
      `UPDATE audit_log SET after = jsonb_set(after, '{status}', '"CLEARED"') WHERE id = $1`,
      [ids[1]],
      'disable',
    );
    const result = await verifyAuditLog(pool);
    expect(result).toMatchObject({ valid: false, entries: 2, firstBrokenId: ids[1], reason: 'hash' });
    expect(result.head?.seq).toBe('1');

    // The triggers are back on after the rogue session.
    await expect(pool.query('DELETE FROM audit_log WHERE seq = 1')).rejects.toThrow(/append-only/);

    const cli = await runCli(databaseUrl);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain(ids[1]);
    expect(JSON.parse(cli.stdout.trim())).toMatchObject({ valid: false, firstBrokenId: ids[1] });
  });
});

describe.skipIf(!inject('temporalAddress'))('staff and client actions are audited (needs Temporal)', () => {
  let w: ApiWorld;
  let client: Person;
  let ops: Person;
  let auditor: Person;

  beforeAll(async () => {
    w = await startApiWorld();
    [client, ops, auditor] = await Promise.all([
      w.person('client'),
      w.person('operations'),
      w.person('auditor'),
    ]);
  });
  afterAll(async () => {
    await w?.stop();
  });

  const actionsAbout = async (subjectId: string) => {
    const answer = await w.as(auditor, `/audit/log?subjectId=${subjectId}`);
    expect(answer.status, answer.text).toBe(200);
    return [...answer.body.items].reverse() as {
      action: string;
      actor: { id: string; role: string } | null;
      before: { status?: string } | null;
      after: { status?: string } | null;
      requestId: string | null;
    }[];
  };

  it('records announce, claim, release, confirm and cancel after they succeed, and nothing for refusals', async () => {
    const deposit = await announced(w, client, { amount: '75.00', currency: 'EUR' });
    const inbox = await w.as(ops, '/tasks?limit=200');
    const task = inbox.body.items.find((t: { subjectId: string }) => t.subjectId === deposit.id);
    expect(task).toBeDefined();
    expect((await post(w, ops, `/tasks/${task.id}/claim`)).status).toBe(200);
    expect((await post(w, ops, `/tasks/${task.id}/release`)).status).toBe(200);
    expect((await post(w, ops, `/tasks/${task.id}/claim`)).status).toBe(200);
    const requestId = `audit-confirm-${randomUUID()}`;
    const confirmed = await post(
      w,
      ops,
      `/ops/deposits/${deposit.id}/confirm`,
      { receivedAmount: '75.00' },
      requestId,
    );
    expect(confirmed.status, confirmed.text).toBe(200);
    // A refused action (409: no longer PENDING) leaves no entry.
    expect((await post(w, client, `/deposits/${deposit.id}/cancel`)).status).toBe(409);

    const depositEntries = await actionsAbout(deposit.id);
    expect(depositEntries.map((e) => e.action)).toEqual(['deposit.create', 'deposit.confirm']);
    expect(depositEntries[0]).toMatchObject({
      actor: { id: client.id, role: 'client' },
      after: { status: 'PENDING' },
    });
    expect(depositEntries[1]).toMatchObject({
      actor: { id: ops.id, role: 'operations' },
      before: { status: 'PENDING' },
      after: { status: confirmed.body.status },
      requestId,
    });
    const taskEntries = await actionsAbout(task.id);
    expect(taskEntries.map((e) => [e.action, e.before?.status, e.after?.status])).toEqual([
      ['task.claim', 'open', 'claimed'],
      ['task.release', 'claimed', 'open'],
      ['task.claim', 'open', 'claimed'],
    ]);

    const other = await announced(w, client, { amount: '10.00', currency: 'EUR' });
    expect((await post(w, client, `/deposits/${other.id}/cancel`)).status).toBe(200);
    expect((await actionsAbout(other.id)).map((e) => [e.action, e.before?.status, e.after?.status])).toEqual([
      ['deposit.create', undefined, 'PENDING'],
      ['deposit.cancel', 'PENDING', 'CANCELLED'],
    ]);

    expect((await w.as(auditor, '/audit/log/verify')).body.valid).toBe(true);
  });
});
