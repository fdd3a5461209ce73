// Sorted staff lists over the lifecycle read model: the order asked for (ties broken by id), the
// whitelist refusing any other column, and keyset paging under every sort yielding each row once,
// also when rows share a key across a page boundary. A database of its own: the file counts rows.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.DATABASE_URL = `${process.env.DATABASE_URL}_lists`;
});

import { InvalidCursorError } from '../lifecycle/cursor.js';
import { dropAndCreateDatabase, migrate } from '../migrate.js';
import { closePool, getPool } from '../pool.js';
import { findLifecycles, LIFECYCLE_SORTS, lifecycleSortOf, searchLifecycles } from './lifecycle-lists.js';
import { UnknownSortError, type Sort } from './sorting.js';

const pool = getPool();

interface Seeded {
  businessId: string;
  workflowId: string;
  email: string;
  amount: string | null;
  status: string;
  createdAt: string;
}
const deposits: Seeded[] = [];

// Amounts repeat (ties at a page boundary), one is missing (sorts below every amount), and they
// compare as numbers, not text ("9.00" < "10.00" < "100000.00").
const AMOUNTS = [
  '10.00',
  '9.00',
  '100000.00',
  '10.00',
  '10.00',
  null,
  '250.50',
  '9.00',
  '10.00',
  '1234567.89',
];

beforeAll(async () => {
  expect(process.env.DATABASE_URL).toMatch(/_lists$/);
  await dropAndCreateDatabase(process.env.DATABASE_URL!);
  await migrate(process.env.DATABASE_URL!);
  const emails = ['carol@example.test', 'alice@example.test', 'bob@example.test'];
  const users: string[] = [];
  for (const email of emails) {
    const { rows } = await pool.query<{ id: string }>(
      `INSERT INTO app_user (email, password_hash, role, display_name) VALUES ($1, 'x', 'client', $2) RETURNING id`,
      [email, email.split('@')[0]],
    );
    users.push(rows[0]!.id);
  }
  for (const [i, amount] of AMOUNTS.entries()) {
    const businessId = randomUUID();
    // Two rows share each creation instant: the id alone orders them.
    const createdAt = new Date(Date.UTC(2026, 0, 1, 0, Math.floor(i / 2))).toISOString();
    const row: Seeded = {
      businessId,
      workflowId: `deposit-${businessId}`,
      email: emails[i % 3]!.toLowerCase(),
      amount,
      status: i % 4 === 0 ? 'CLEARED' : 'PENDING',
      createdAt,
    };
    deposits.push(row);
    await pool.query(
      `INSERT INTO lifecycle (workflow_id, type, business_id, owner_id, status, attributes, created_at, updated_at, last_seq)
       VALUES ($1, 'deposit', $2, $3, $4, $5, $6, $6, 1)`,
      [
        row.workflowId,
        businessId,
        users[i % 3],
        row.status,
        JSON.stringify({ amount, currency: 'EUR', reference: `CH-REF-${String(i).padStart(2, '0')}` }),
        createdAt,
      ],
    );
  }
});

afterAll(async () => {
  await closePool();
});

/** Every page of the list, following the cursors. */
async function everyPage(sort: Sort, limit: number, extra: { status?: string; text?: string } = {}) {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 50; pages++) {
    const page = await findLifecycles(pool, { type: 'deposit', sort, cursor, limit, ...extra });
    ids.push(...page.items.map((item) => item.businessId));
    if (!page.nextCursor) return ids;
    cursor = page.nextCursor;
  }
  throw new Error('the cursor never ended');
}

const byId = (a: Seeded, b: Seeded) =>
  a.workflowId < b.workflowId ? -1 : a.workflowId > b.workflowId ? 1 : 0;
const amountOf = (d: Seeded) => (d.amount === null ? -1 : Number(d.amount));

describe('sorted lifecycle lists (db/lists)', () => {
  it('orders by amount as a number, ties by id, the missing amount lowest', async () => {
    const asc = await everyPage({ column: 'amount', dir: 'asc' }, 200);
    const expected = [...deposits].sort((a, b) => amountOf(a) - amountOf(b) || byId(a, b));
    expect(asc).toEqual(expected.map((d) => d.businessId));
    expect(deposits.find((d) => d.businessId === asc[0])!.amount).toBeNull();

    const desc = await everyPage({ column: 'amount', dir: 'desc' }, 200);
    expect(desc).toEqual([...asc].reverse());
  });

  it('orders by client email and by creation time, newest first by default', async () => {
    const byClient = await everyPage({ column: 'client', dir: 'asc' }, 200);
    const emailOf = (id: string) => deposits.find((d) => d.businessId === id)!.email;
    expect(byClient.map(emailOf)).toEqual([...byClient.map(emailOf)].sort());
    expect(emailOf(byClient[0]!)).toBe('alice@example.test');

    const newest = await everyPage(LIFECYCLE_SORTS.deposit.default, 200);
    const expected = [...deposits].sort((a, b) =>
      a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : -byId(a, b),
    );
    expect(newest).toEqual(expected.map((d) => d.businessId));
  });

  it('pages under every sort of the whitelist yield every row exactly once, ties across page ends included', async () => {
    const all = deposits.map((d) => d.businessId).sort();
    for (const column of Object.keys(LIFECYCLE_SORTS.deposit.columns)) {
      for (const dir of ['asc', 'desc'] as const) {
        const whole = await everyPage({ column, dir }, 200);
        for (const limit of [1, 2, 3, 4]) {
          const paged = await everyPage({ column, dir }, limit);
          expect(paged, `${column} ${dir} by ${limit}`).toEqual(whole);
        }
        expect([...whole].sort()).toEqual(all);
      }
    }
  });

  it('filters (status, search) combine with the sort and its paging', async () => {
    const pending = await everyPage({ column: 'amount', dir: 'desc' }, 2, { status: 'PENDING' });
    const expected = deposits
      .filter((d) => d.status === 'PENDING')
      .sort((a, b) => amountOf(b) - amountOf(a) || -byId(a, b));
    expect(pending).toEqual(expected.map((d) => d.businessId));

    const bob = await everyPage({ column: 'reference', dir: 'asc' }, 1, { text: 'BOB@example' });
    expect(bob).toHaveLength(deposits.filter((d) => d.email === 'bob@example.test').length);
    expect(await searchLifecycles(pool, { type: 'deposit', text: 'CH-REF-07', limit: 10 })).toEqual([
      deposits[7]!.businessId,
    ]);
  });

  it('refuses a column outside the whitelist, a bad direction and a cursor of another sort', async () => {
    expect(() => lifecycleSortOf('deposit', 'amount; DROP TABLE lifecycle', 'asc')).toThrow(UnknownSortError);
    expect(() => lifecycleSortOf('deposit', 'attributes', null)).toThrow(UnknownSortError);
    expect(() => lifecycleSortOf('deposit', 'amount', 'sideways')).toThrow(UnknownSortError);
    expect(() => lifecycleSortOf('withdrawal', 'received', null)).toThrow(UnknownSortError);
    expect(lifecycleSortOf('deposit', 'amount', null)).toEqual({ column: 'amount', dir: 'asc' });
    expect(lifecycleSortOf('deposit', null, null)).toEqual({ column: 'created', dir: 'desc' });

    const first = await findLifecycles(pool, {
      type: 'deposit',
      sort: { column: 'amount', dir: 'asc' },
      limit: 2,
    });
    expect(first.nextCursor).not.toBeNull();
    await expect(
      findLifecycles(pool, {
        type: 'deposit',
        sort: { column: 'amount', dir: 'desc' },
        cursor: first.nextCursor,
      }),
    ).rejects.toBeInstanceOf(InvalidCursorError);
    const forged = Buffer.from(JSON.stringify(['lifecycle-deposit:amount:asc', 'abc', 'x'])).toString(
      'base64url',
    );
    await expect(
      findLifecycles(pool, { type: 'deposit', sort: { column: 'amount', dir: 'asc' }, cursor: forged }),
    ).rejects.toBeInstanceOf(InvalidCursorError);
  });
});
