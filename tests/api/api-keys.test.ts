// API keys through HTTP: issued by an admin, shown once and stored as a hash, authenticating with
// X-API-Key as the owner within the key's scopes, revoked/expired/disabled owner → 401, each key
// under its own rate limit. No trading here (tests/api/bulk-orders.test.ts and quotes.test.ts trade).
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureInstruments } from '../../db/venue/index.js';
import type { ApiAnswer, ApiInit } from '../../api/testing.js';
import { expectError, startApiWorld, type ApiWorld, type Person } from './helpers.js';

let w: ApiWorld;
let admin: Person;
let ops: Person;

beforeAll(async () => {
  w = await startApiWorld();
  [admin, ops] = await Promise.all([w.person('admin'), w.person('operations')]);
  await ensureInstruments(w.app.pool);
});

afterAll(async () => {
  await w?.stop();
});

function withKey(key: string, path: string, init: ApiInit = {}): Promise<ApiAnswer> {
  const headers = new Headers(init.headers);
  headers.set('x-api-key', key);
  return w.app.api(`/api/v1${path}`, { ...init, headers });
}

async function issue(
  ownerId: string,
  body: Record<string, unknown> = {},
): Promise<{ id: string; key: string; apiKey: Record<string, unknown> }> {
  const answer = await w.as(admin, '/admin/api-keys', {
    method: 'POST',
    json: { ownerId, name: 'bot', scopes: ['orders:read', 'market:read'], ...body },
  });
  expect(answer.status, answer.text).toBe(201);
  return answer.body;
}

describe('issuing and listing', () => {
  it('shows the key once, stores only its SHA-256, lists the prefix and never the key', async () => {
    const maker = await w.person('client');
    const created = await issue(maker.id, { name: 'quoting bot' });
    expect(created.key).toMatch(/^chk_[A-Za-z0-9_-]{43}$/);
    expect(created.apiKey).toMatchObject({
      id: created.id,
      ownerId: maker.id,
      name: 'quoting bot',
      scopes: ['orders:read', 'market:read'],
      status: 'active',
      lastUsedAt: null,
      revokedAt: null,
      expiresAt: null,
      prefix: created.key.slice(0, 12),
    });

    const stored = await w.app.pool.query('SELECT key_hash FROM api_key WHERE id = $1', [created.id]);
    expect(stored.rows[0].key_hash).toBe(createHash('sha256').update(created.key).digest('hex'));
    const anywhere = await w.app.pool.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE after::text LIKE '%' || $1 || '%'`,
      [created.key.slice(12)],
    );
    expect(anywhere.rows[0].n).toBe(0);

    const list = await w.as(admin, `/admin/api-keys?ownerId=${maker.id}`);
    expect(list.status, list.text).toBe(200);
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0]).toMatchObject({ id: created.id, prefix: created.key.slice(0, 12) });
    expect(list.text).not.toContain(created.key.slice(12));
  });

  it('pages the list with a cursor', async () => {
    const maker = await w.person('client');
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await issue(maker.id, { name: `bot ${i}` })).id);
    const first = await w.as(admin, `/admin/api-keys?ownerId=${maker.id}&limit=2`);
    expect(first.body.items.map((k: { id: string }) => k.id)).toEqual([ids[2], ids[1]]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await w.as(
      admin,
      `/admin/api-keys?ownerId=${maker.id}&limit=2&cursor=${first.body.nextCursor}`,
    );
    expect(second.body.items.map((k: { id: string }) => k.id)).toEqual([ids[0]]);
    expect(second.body.nextCursor).toBeNull();
    expectError(await w.as(admin, '/admin/api-keys?cursor=nonsense'), 400, 'validation_failed');
  });

  it('only admins issue, and only to enabled clients, with known scopes and a future expiry', async () => {
    const maker = await w.person('client');
    const asOps = await w.as(ops, '/admin/api-keys', {
      method: 'POST',
      json: { ownerId: maker.id, name: 'x', scopes: ['orders:read'] },
    });
    expectError(asOps, 403, 'forbidden');
    expectError(await w.as(ops, '/admin/api-keys'), 403, 'forbidden');
    const bad = (body: Record<string, unknown>) =>
      w.as(admin, '/admin/api-keys', {
        method: 'POST',
        json: { ownerId: maker.id, name: 'x', scopes: ['orders:read'], ...body },
      });
    expectError(await bad({ ownerId: ops.id }), 400, 'validation_failed');
    expectError(await bad({ scopes: ['orders:admin'] }), 400, 'validation_failed');
    expectError(await bad({ scopes: [] }), 400, 'validation_failed');
    expectError(await bad({ expiresAt: '2001-01-01T00:00:00Z' }), 400, 'validation_failed');
    expectError(await bad({ expiresAt: 'tomorrow' }), 400, 'validation_failed');
    expectError(await bad({ ownerId: '00000000-0000-4000-8000-000000000000' }), 404, 'not_found');
  });
});

describe('authenticating with X-API-Key', () => {
  it('acts as the owner within its scopes; outside them 403; lastUsedAt is recorded', async () => {
    const maker = await w.person('client');
    const { id, key } = await issue(maker.id, { scopes: ['orders:read', 'market:read'] });

    const orders = await withKey(key, '/orders');
    expect(orders.status, orders.text).toBe(200);
    expect(orders.body.items).toEqual([]);
    expect((await withKey(key, '/instruments')).status).toBe(200);
    expect((await withKey(key, '/market/EUA/book')).status).toBe(200);

    // A scope it lacks, and routes no key may call at all.
    const place = await withKey(key, '/orders', {
      method: 'POST',
      idempotencyKey: 'k-1',
      json: { symbol: 'EUA', side: 'BUY', type: 'LIMIT', quantity: '1', price: '70.00' },
    });
    expectError(place, 403, 'forbidden');
    expect(place.body.error.message).toContain('orders:write');
    expectError(await withKey(key, '/me'), 403, 'forbidden');
    expectError(await withKey(key, '/admin/api-keys'), 403, 'forbidden');

    const listed = await w.as(admin, `/admin/api-keys?ownerId=${maker.id}`);
    expect(listed.body.items[0]).toMatchObject({ id, lastUsedAt: expect.any(String) });
  });

  it('a key only reads its owner’s things, like the owner signed in', async () => {
    const maker = await w.person('client');
    const other = await w.person('client');
    const { key } = await issue(maker.id);
    const balances = await withKey(key, `/balances?clientId=${other.id}`);
    // A client asking for another client's is given their own or nothing, never the other's.
    expect([200, 403, 404]).toContain(balances.status);
    expect(balances.text).not.toContain(other.id);
  });

  it('unknown, malformed, revoked and expired keys, and a disabled owner, are 401', async () => {
    const maker = await w.person('client');
    const revoked = await issue(maker.id);
    const expiring = await issue(maker.id);
    const disabled = await w.person('client');
    const ofDisabled = await issue(disabled.id);

    expectError(await withKey('chk_' + 'x'.repeat(43), '/orders'), 401, 'unauthenticated');
    expectError(await withKey('not-a-key', '/orders'), 401, 'unauthenticated');

    expect((await withKey(revoked.key, '/orders')).status).toBe(200);
    const deleted = await w.as(admin, `/admin/api-keys/${revoked.id}`, { method: 'DELETE' });
    expect(deleted.status, deleted.text).toBe(200);
    expect(deleted.body).toMatchObject({ id: revoked.id, status: 'revoked', revokedAt: expect.any(String) });
    expectError(await withKey(revoked.key, '/orders'), 401, 'unauthenticated');
    // Revoking again answers the same key, still revoked at the first time.
    const again = await w.as(admin, `/admin/api-keys/${revoked.id}`, { method: 'DELETE' });
    expect(again.body.revokedAt).toBe(deleted.body.revokedAt);
    expectError(
      await w.as(admin, '/admin/api-keys/00000000-0000-4000-8000-000000000000', { method: 'DELETE' }),
      404,
      'not_found',
    );
    const audit = await w.app.pool.query(`SELECT action FROM audit_log WHERE subject_id = $1 ORDER BY seq`, [
      revoked.id,
    ]);
    expect(audit.rows.map((r) => r.action)).toEqual(['admin.api_key_create', 'admin.api_key_revoke']);

    expect((await withKey(expiring.key, '/orders')).status).toBe(200);
    await w.app.pool.query(`UPDATE api_key SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      expiring.id,
    ]);
    expectError(await withKey(expiring.key, '/orders'), 401, 'unauthenticated');

    expect((await withKey(ofDisabled.key, '/orders')).status).toBe(200);
    await w.app.pool.query('UPDATE app_user SET disabled = true WHERE id = $1', [disabled.id]);
    expectError(await withKey(ofDisabled.key, '/orders'), 401, 'unauthenticated');
  });

  it('each key has its own rate limit: one key at its limit does not stop another', async () => {
    const maker = await w.person('client');
    const slow = await issue(maker.id, { rateLimitPerMinute: 3 });
    const other = await issue(maker.id, { rateLimitPerMinute: 3 });
    for (let i = 0; i < 3; i++) expect((await withKey(slow.key, '/orders')).status).toBe(200);
    expectError(await withKey(slow.key, '/orders'), 429, 'rate_limited');
    expect((await withKey(other.key, '/orders')).status).toBe(200);
  });
});
