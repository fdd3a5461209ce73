// The API-key, market-maker and notification lists sorted by a header: the order asked for (ties by
// id), the whitelist refusing any other column, keyset paging under every sort yielding each row
// once, the search (key prefix, name, owner; maker name or email; notification text), the filters
// and the counts. A database of its own: the file counts rows of shared tables.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.DATABASE_URL = `${process.env.DATABASE_URL}_key_lists`;
});

import { InvalidCursorError } from '../lifecycle/cursor.js';
import { getPool } from '../pool.js';
import { API_KEY_SORT, apiKeyCounts, apiKeySortOf, findApiKeys } from './api-key-list.js';
import {
  findMarketMakers,
  MARKET_MAKER_SORT,
  marketMakerSortOf,
  OPEN_ORDER_STATUSES,
} from './market-maker-list.js';
import { findNotifications, NOTIFICATION_SORT, notificationSortOf } from './notification-list.js';
import { UnknownSortError, type Sort } from './sorting.js';
import { useOwnDatabase } from '../../tests/support/own-database.js';

const pool = getPool();
/** The market-maker list's "today" in these tests: fixed, so no test depends on the clock. */
const DAY_START = '2026-06-01T00:00:00.000Z';

interface Client {
  id: string;
  email: string;
  name: string;
}
interface Key {
  id: string;
  ownerId: string;
  name: string;
  prefix: string;
  status: 'active' | 'expired' | 'revoked';
  usedHoursAgo: number | null;
}
const clients: Client[] = [];
const keys: Key[] = [];
let reader: string;
let other: string;
const notes: { id: string; title: string; body: string; read: boolean; type: string }[] = [];

/** Every id a list yields page by page (at most 50 pages). */
async function allIds(
  read: (cursor: string | null) => Promise<{ items: { id: string }[]; nextCursor: string | null }>,
) {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 50; pages++) {
    const page = await read(cursor);
    ids.push(...page.items.map((item) => item.id));
    if (!page.nextCursor) return ids;
    cursor = page.nextCursor;
  }
  throw new Error('the cursor never ended');
}

useOwnDatabase('_key_lists');

beforeAll(async () => {
  // One client has no display name: the lists name it by email.
  for (const [email, name] of [
    ['zed@example.test', 'Ada Quant'],
    ['bob@example.test', 'Carl Maker'],
    ['ann@example.test', ''],
    ['dan@example.test', 'Bea Desk'],
  ] as const) {
    const { rows } = await pool.query<{ id: string }>(
      `INSERT INTO app_user (email, password_hash, role, display_name) VALUES ($1, 'x', 'client', $2) RETURNING id`,
      [email, name],
    );
    clients.push({ id: rows[0]!.id, email, name });
  }
  // Owners hold 3, 2, 1 and 0 keys; names repeat (ties), some never used, one revoked, one expired.
  const seeds: [number, string, Key['status'], number | null][] = [
    [0, 'quoting bot', 'active', 5],
    [0, 'hedger', 'revoked', 1],
    [0, 'quoting bot', 'active', null],
    [1, 'arbitrage', 'expired', 30],
    [1, 'quoting bot', 'active', 2],
    [2, 'zeta feed', 'active', null],
  ];
  for (const [i, [owner, name, status, usedHoursAgo]] of seeds.entries()) {
    const prefix = `ch_${String.fromCharCode(97 + ((i * 5) % 6))}${randomUUID().slice(0, 6)}`;
    const { rows } = await pool.query<{ id: string }>(
      `INSERT INTO api_key (owner_id, name, prefix, key_hash, scopes, created_at, expires_at, last_used_at, revoked_at)
       VALUES ($1, $2, $3, $4, ARRAY['orders:read'], now() - $5::int * interval '1 hour',
               CASE WHEN $6::text = 'expired' THEN now() - interval '1 minute' ELSE now() + interval '30 days' END,
               CASE WHEN $7::int IS NULL THEN NULL ELSE now() - $7::int * interval '1 hour' END,
               CASE WHEN $6::text = 'revoked' THEN now() END)
       RETURNING id`,
      [clients[owner]!.id, name, prefix, i.toString(16).padStart(64, '0'), 100 - i, status, usedHoursAgo],
    );
    keys.push({ id: rows[0]!.id, ownerId: clients[owner]!.id, name, prefix, status, usedHoursAgo });
  }

  // Orders straight into the read model, around a fixed day start: Ada 1 today and 2 open, Carl 3
  // today and 2 open (a tie), ann none; a deposit and a keyless client's order count for nobody.
  const orderSeeds: [number, string, string, number][] = [
    [0, 'order', 'FILLED', 1],
    [0, 'order', 'ROUTED', -2],
    [0, 'order', 'VALIDATED', -30],
    [1, 'order', 'NEW', 0],
    [1, 'order', 'PARTIALLY_FILLED', 5],
    [1, 'order', 'CANCELLED', 20],
    [1, 'order', 'EXPIRED', -1],
    [2, 'deposit', 'PENDING', 3],
    [3, 'order', 'NEW', 3],
  ];
  for (const [owner, type, status, hoursAfterDayStart] of orderSeeds) {
    const businessId = randomUUID();
    await pool.query(
      `INSERT INTO lifecycle (workflow_id, type, business_id, owner_id, status, created_at, updated_at, last_seq)
       VALUES ($1, $2, $3, $4, $5, $6::timestamptz + $7::int * interval '1 hour', now(), 1)`,
      [`${type}-${businessId}`, type, businessId, clients[owner]!.id, status, DAY_START, hoursAfterDayStart],
    );
  }

  const staff = await pool.query<{ id: string }>(
    `INSERT INTO app_user (email, password_hash, role) VALUES ('reader@example.test', 'x', 'operations'),
            ('other@example.test', 'x', 'operations') RETURNING id`,
  );
  reader = staff.rows[0]!.id;
  other = staff.rows[1]!.id;
  const event = await pool.query<{ id: string }>(
    `INSERT INTO outbox_event (type, dispatched_at) VALUES ('task.overdue', now()) RETURNING id`,
  );
  const noteSeeds = [
    { title: 'Withdrawal waits', body: 'Approve the EUR payout', read: false, type: 'task.overdue' },
    { title: 'bank account verified', body: 'IBAN DE89 checked', read: true, type: 'bank_account.verified' },
    { title: 'Deposit cleared', body: 'The payout of a client', read: false, type: 'deposit.cleared' },
    { title: 'Deposit cleared', body: 'Another one', read: true, type: 'deposit.cleared' },
  ];
  for (const [i, seed] of noteSeeds.entries()) {
    const own = await pool.query<{ id: string }>(
      `INSERT INTO outbox_event (type, dispatched_at) VALUES ($1, now()) RETURNING id`,
      [seed.type],
    );
    const { rows } = await pool.query<{ id: string }>(
      `INSERT INTO notification (event_id, user_id, type, title, body, created_at, read_at)
       VALUES ($1, $2, $3, $4, $5, now() - $6::int * interval '1 minute', CASE WHEN $7::boolean THEN now() - $6::int * interval '1 second' END)
       RETURNING id`,
      [own.rows[0]!.id, reader, seed.type, seed.title, seed.body, 10 - i, seed.read],
    );
    notes.push({ id: rows[0]!.id, ...seed });
  }
  // Someone else's notification with the same words: never in the reader's list.
  await pool.query(
    `INSERT INTO notification (event_id, user_id, type, title, body) VALUES ($1, $2, 'task.overdue', 'Withdrawal waits', 'Approve the EUR payout')`,
    [event.rows[0]!.id, other],
  );
});

describe('the API-key list (db/lists/api-key-list.ts)', () => {
  const read = (sort: Sort, limit: number, input: Parameters<typeof findApiKeys>[1] = {}) =>
    allIds((cursor) => findApiKeys(pool, { ...input, sort, cursor, limit }));
  const keyOf = (id: string) => keys.find((k) => k.id === id)!;

  it('orders by name, owner, last use and status, ties by id, and every sort pages to the same rows', async () => {
    const byName = await read({ column: 'name', dir: 'asc' }, 200);
    expect(byName.map((id) => keyOf(id).name)).toEqual([
      'arbitrage',
      'hedger',
      'quoting bot',
      'quoting bot',
      'quoting bot',
      'zeta feed',
    ]);
    const bots = byName.filter((id) => keyOf(id).name === 'quoting bot');
    expect(bots).toEqual([...bots].sort());
    // Owners by name, the one without a name by its email: Ada, ann@, Carl.
    const byOwner = await read({ column: 'owner', dir: 'asc' }, 200);
    expect([...new Set(byOwner.map((id) => keyOf(id).ownerId))]).toEqual([
      clients[0]!.id,
      clients[2]!.id,
      clients[1]!.id,
    ]);
    const byUse = await read({ column: 'used', dir: 'desc' }, 200);
    expect(byUse.map((id) => keyOf(id).usedHoursAgo)).toEqual([1, 2, 5, 30, null, null]);
    const byStatus = await read({ column: 'status', dir: 'asc' }, 200);
    expect(byStatus.map((id) => keyOf(id).status)).toEqual([
      'active',
      'active',
      'active',
      'active',
      'expired',
      'revoked',
    ]);
    const all = keys.map((k) => k.id).sort();
    for (const column of Object.keys(API_KEY_SORT.columns)) {
      for (const dir of ['asc', 'desc'] as const) {
        const whole = await read({ column, dir }, 200);
        expect([...whole].sort(), `${column} ${dir}`).toEqual(all);
        expect(await read({ column, dir }, 2), `${column} ${dir} by 2`).toEqual(whole);
      }
    }
  });

  it('finds keys by prefix, name and owner, filters by status and owner, and counts per status', async () => {
    const created = { column: 'created', dir: 'desc' } as const;
    const target = keys[3]!;
    expect(await read(created, 50, { text: target.prefix.toUpperCase() })).toEqual([target.id]);
    expect((await read(created, 50, { text: 'ARBIT' })).map((id) => keyOf(id).name)).toEqual(['arbitrage']);
    const ada = keys.filter((k) => k.ownerId === clients[0]!.id).map((k) => k.id);
    expect((await read(created, 50, { text: 'ada qu' })).sort()).toEqual([...ada].sort());
    expect((await read(created, 50, { text: 'zed@example' })).sort()).toEqual([...ada].sort());
    // LIKE's wildcards are the characters themselves.
    expect(await read(created, 50, { text: 'ch_%' })).toEqual([]);
    expect((await read(created, 50, { status: 'revoked' })).map((id) => keyOf(id).name)).toEqual(['hedger']);
    expect((await read(created, 50, { ownerId: clients[1]!.id })).sort()).toEqual(
      keys
        .filter((k) => k.ownerId === clients[1]!.id)
        .map((k) => k.id)
        .sort(),
    );
    expect(await apiKeyCounts(pool)).toEqual({ active: 4, expired: 1, revoked: 1 });
    expect(() => apiKeySortOf('key_hash', null)).toThrow(UnknownSortError);
    await expect(
      findApiKeys(pool, { sort: { column: 'created', dir: 'asc' }, cursor: 'bm90LWEtY3Vyc29y' }),
    ).rejects.toBeInstanceOf(InvalidCursorError);
  });
});

describe('the market-maker list (db/lists/market-maker-list.ts)', () => {
  const read = (sort: Sort, limit: number, text?: string) =>
    allIds(async (cursor) => {
      const page = await findMarketMakers(pool, { sort, cursor, limit, text, dayStart: new Date(DAY_START) });
      return { items: page.items.map((m) => ({ ...m, id: m.clientId })), nextCursor: page.nextCursor };
    });

  it('is one row per key owner with its counts, sorted by name, keys, active keys and last use', async () => {
    const page = await findMarketMakers(pool, { sort: { column: 'keys', dir: 'desc' } });
    expect(page.items.map((m) => [m.email, m.keys, m.activeKeys])).toEqual([
      ['zed@example.test', 3, 2],
      ['bob@example.test', 2, 1],
      ['ann@example.test', 1, 1],
    ]);
    expect(page.items[0]!.lastUsedAt!.getTime()).toBeGreaterThan(page.items[1]!.lastUsedAt!.getTime());
    expect(page.items[2]!.lastUsedAt).toBeNull();
    // A client without a key is no market maker.
    expect(page.items.map((m) => m.clientId)).not.toContain(clients[3]!.id);
    expect(await read({ column: 'name', dir: 'asc' }, 200)).toEqual([
      clients[0]!.id,
      clients[2]!.id,
      clients[1]!.id,
    ]);
    expect(await read({ column: 'used', dir: 'desc' }, 200)).toEqual([
      clients[0]!.id,
      clients[1]!.id,
      clients[2]!.id,
    ]);
    for (const column of Object.keys(MARKET_MAKER_SORT.columns)) {
      for (const dir of ['asc', 'desc'] as const) {
        const whole = await read({ column, dir }, 200);
        expect(whole, `${column} ${dir}`).toHaveLength(3);
        expect(await read({ column, dir }, 1), `${column} ${dir} by 1`).toEqual(whole);
      }
    }
    expect(() => marketMakerSortOf('owner_id', null)).toThrow(UnknownSortError);
  });

  it('counts orders today and open orders in its SQL, sorts by them (ties by id) and pages along', async () => {
    const page = await findMarketMakers(pool, {
      sort: { column: 'today', dir: 'desc' },
      dayStart: new Date(DAY_START),
    });
    expect(page.items.map((m) => [m.email, m.ordersToday, m.openOrders])).toEqual([
      ['bob@example.test', 3, 2],
      ['zed@example.test', 1, 2],
      ['ann@example.test', 0, 0],
    ]);
    expect(await read({ column: 'today', dir: 'asc' }, 1)).toEqual([
      clients[2]!.id,
      clients[0]!.id,
      clients[1]!.id,
    ]);
    const tied = [clients[0]!.id, clients[1]!.id].sort();
    expect(await read({ column: 'open', dir: 'desc' }, 1)).toEqual([...tied.reverse(), clients[2]!.id]);
    expect(await read({ column: 'open', dir: 'asc' }, 1)).toEqual([clients[2]!.id, ...tied.reverse()]);
    // A later day start leaves today's counts at zero; the open ones do not depend on the day.
    const later = await findMarketMakers(pool, { dayStart: new Date(Date.parse(DAY_START) + 86_400_000) });
    expect(later.items.map((m) => [m.ordersToday, m.openOrders])).toEqual([
      [0, 2],
      [0, 0],
      [0, 2],
    ]);
    expect(OPEN_ORDER_STATUSES).toEqual(['NEW', 'VALIDATED', 'ROUTED', 'PARTIALLY_FILLED']);
  });

  it('finds a market maker by name or email', async () => {
    expect(await read({ column: 'name', dir: 'asc' }, 50, 'carl')).toEqual([clients[1]!.id]);
    expect(await read({ column: 'name', dir: 'asc' }, 50, 'ANN@')).toEqual([clients[2]!.id]);
    expect(await read({ column: 'name', dir: 'asc' }, 50, 'dan@')).toEqual([]);
  });
});

describe('the notification list (db/lists/notification-list.ts)', () => {
  const read = (sort: Sort, limit: number, input: Parameters<typeof findNotifications>[2] = {}) =>
    allIds((cursor) => findNotifications(pool, reader, { ...input, sort, cursor, limit }));
  const titleOf = (id: string) => notes.find((n) => n.id === id)!.title;

  it('lists only the person’s own, sorted by when, title and type, and pages to the same rows', async () => {
    const newest = await read({ column: 'created', dir: 'desc' }, 200);
    expect(newest).toEqual([...notes].reverse().map((n) => n.id));
    expect((await read({ column: 'title', dir: 'asc' }, 200)).map(titleOf)).toEqual([
      'bank account verified',
      'Deposit cleared',
      'Deposit cleared',
      'Withdrawal waits',
    ]);
    const byType = await read({ column: 'type', dir: 'asc' }, 200);
    expect(byType.map((id) => notes.find((n) => n.id === id)!.type)).toEqual([
      'bank_account.verified',
      'deposit.cleared',
      'deposit.cleared',
      'task.overdue',
    ]);
    for (const column of Object.keys(NOTIFICATION_SORT.columns)) {
      for (const dir of ['asc', 'desc'] as const) {
        const whole = await read({ column, dir }, 200);
        expect([...whole].sort(), `${column} ${dir}`).toEqual(notes.map((n) => n.id).sort());
        expect(await read({ column, dir }, 1), `${column} ${dir} by 1`).toEqual(whole);
      }
    }
    expect(() => notificationSortOf('user_id', null)).toThrow(UnknownSortError);
  });

  it('finds by the text of the title or body, and filters by read state', async () => {
    const created = { column: 'created', dir: 'desc' } as const;
    expect((await read(created, 50, { text: 'PAYOUT' })).map(titleOf)).toEqual([
      'Deposit cleared',
      'Withdrawal waits',
    ]);
    expect((await read(created, 50, { text: 'de89' })).map(titleOf)).toEqual(['bank account verified']);
    expect((await read(created, 50, { read: 'unread' })).map(titleOf)).toEqual([
      'Deposit cleared',
      'Withdrawal waits',
    ]);
    expect(await read(created, 50, { read: 'read', text: 'payout' })).toEqual([]);
  });
});
