// Sorted staff lists over the lifecycle read model: the order asked for (ties broken by id), the
// whitelist refusing any other column, and keyset paging under every sort yielding each row once,
// also when rows share a key across a page boundary. A database of its own: the file counts rows.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.DATABASE_URL = `${process.env.DATABASE_URL}_lists`;
});

import { InvalidCursorError } from '../lifecycle/cursor.js';
import { getPool } from '../pool.js';
import { findLifecycles, LIFECYCLE_SORTS, lifecycleSortOf, searchLifecycles } from './lifecycle-lists.js';
import { UnknownSortError, type Sort } from './sorting.js';
import { useOwnDatabase } from '../../tests/support/own-database.js';

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

useOwnDatabase('_lists');

beforeAll(async () => {
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

describe('the reconciliation list sorted and searched (statement and breaks in their own tables)', () => {
  interface Recon {
    businessId: string;
    accountCode: string;
    from: string;
    lines: number;
    openBreaks: number;
    iban: string;
    statementRef: string;
  }
  const recons: Recon[] = [];

  beforeAll(async () => {
    const { rows } = await pool.query<{ id: string }>(
      `INSERT INTO app_user (email, password_hash, role) VALUES ('recon-ops@example.test', 'x', 'operations') RETURNING id`,
    );
    const importer = rows[0]!.id;
    // Open breaks repeat (ties), and the attributes record a stale count the sort must not use.
    const seeds = [
      { accountCode: 'bank:omnibus:EUR', from: '2026-11-03', lines: 12, openBreaks: 2 },
      { accountCode: 'bank:omnibus:CHF', from: '2026-11-01', lines: 3, openBreaks: 0 },
      { accountCode: 'bank:omnibus:USD', from: '2026-11-02', lines: 120, openBreaks: 5 },
      { accountCode: 'bank:omnibus:EUR', from: '2026-10-30', lines: 7, openBreaks: 2 },
      { accountCode: 'bank:fees:EUR', from: '2026-11-04', lines: 40, openBreaks: 1 },
    ];
    for (const [i, seed] of seeds.entries()) {
      const businessId = randomUUID();
      const recon: Recon = {
        ...seed,
        businessId,
        iban: `DE8937040044053201300${i}`,
        statementRef: `STMT-${randomUUID().slice(0, 8)}`,
      };
      recons.push(recon);
      const hex = (n: number) => n.toString(16).padStart(2, '0').repeat(32);
      const file = await pool.query<{ id: string }>(
        `INSERT INTO recon_file (sha256, format, size_bytes, content, uploaded_by)
         VALUES ($1, 'csv', 1, '\\x00', $2) RETURNING id`,
        [hex(i + 1), importer],
      );
      await pool.query(
        `INSERT INTO recon_statement (id, file_id, position, statement_key, source, format, account_code,
                                      account_ref, statement_ref, currency, from_on, to_on, line_count,
                                      consistent, imported_by)
         VALUES ($1, $2, 0, $3, 'bank', 'csv', $4, $5, $6, 'EUR', $7, $7, $8, true, $9)`,
        [
          businessId,
          file.rows[0]!.id,
          hex(i + 101),
          seed.accountCode,
          recon.iban,
          recon.statementRef,
          seed.from,
          seed.lines,
          importer,
        ],
      );
      const workflowId = `reconciliation-${businessId}`;
      // Resolved breaks are not open: they must not count.
      const statuses = [...Array(seed.openBreaks).fill('OPEN'), 'RESOLVED'];
      for (const [j, status] of statuses.entries()) {
        await pool.query(
          `INSERT INTO recon_break (id, statement_id, workflow_id, kind, asset, status)
           VALUES ($1, $2, $3, 'unmatched_line', 'EUR', $4)`,
          [randomUUID(), businessId, workflowId, j === 0 && status === 'OPEN' ? 'PENDING_APPROVAL' : status],
        );
      }
      await pool.query(
        `INSERT INTO lifecycle (workflow_id, type, business_id, owner_id, status, attributes, created_at, updated_at, last_seq)
         VALUES ($1, 'reconciliation', $2, NULL, 'BREAKS_OPEN', $3, $4, $4, 1)`,
        [
          workflowId,
          businessId,
          JSON.stringify({ ...seed, currency: 'EUR', to: seed.from, openBreaks: 99 - i }),
          new Date(Date.UTC(2026, 10, 10, i)).toISOString(),
        ],
      );
    }
  });

  async function reconPages(sort: Sort, limit: number, text?: string) {
    const ids: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 50; pages++) {
      const page = await findLifecycles(pool, { type: 'reconciliation', sort, cursor, limit, text });
      ids.push(...page.items.map((item) => item.businessId));
      if (!page.nextCursor) return ids;
      cursor = page.nextCursor;
    }
    throw new Error('the cursor never ended');
  }
  const byWorkflow = (a: Recon, b: Recon) =>
    a.businessId < b.businessId ? -1 : a.businessId > b.businessId ? 1 : 0;

  it('orders by open breaks counted from the breaks, by account, by period and by lines', async () => {
    const breaks = await reconPages({ column: 'breaks', dir: 'desc' }, 200);
    const expected = [...recons].sort((a, b) => b.openBreaks - a.openBreaks || -byWorkflow(a, b));
    expect(breaks).toEqual(expected.map((r) => r.businessId));
    expect(recons.find((r) => r.businessId === breaks[0])!.openBreaks).toBe(5);

    const accounts = await reconPages({ column: 'account', dir: 'asc' }, 200);
    expect(accounts.map((id) => recons.find((r) => r.businessId === id)!.accountCode)).toEqual([
      'bank:fees:EUR',
      'bank:omnibus:CHF',
      'bank:omnibus:EUR',
      'bank:omnibus:EUR',
      'bank:omnibus:USD',
    ]);
    const periods = await reconPages({ column: 'period', dir: 'desc' }, 200);
    expect(periods.map((id) => recons.find((r) => r.businessId === id)!.from)).toEqual([
      '2026-11-04',
      '2026-11-03',
      '2026-11-02',
      '2026-11-01',
      '2026-10-30',
    ]);
    const lines = await reconPages({ column: 'lines', dir: 'asc' }, 200);
    expect(lines.map((id) => recons.find((r) => r.businessId === id)!.lines)).toEqual([3, 7, 12, 40, 120]);
  });

  it('pages under every sort of its whitelist yield every row once; it offers no client column', async () => {
    const all = recons.map((r) => r.businessId).sort();
    for (const column of Object.keys(LIFECYCLE_SORTS.reconciliation.columns)) {
      for (const dir of ['asc', 'desc'] as const) {
        const whole = await reconPages({ column, dir }, 200);
        expect([...whole].sort(), `${column} ${dir}`).toEqual(all);
        expect(await reconPages({ column, dir }, 2), `${column} ${dir} by 2`).toEqual(whole);
      }
    }
    expect(() => lifecycleSortOf('reconciliation', 'client', null)).toThrow(UnknownSortError);
  });

  it('finds a reconciliation by its statement IBAN (typed in groups), its statement id, its account and id', async () => {
    const target = recons[2]!;
    const grouped = target.iban.replace(/(.{4})/g, '$1 ').trim();
    expect(await reconPages({ column: 'created', dir: 'desc' }, 50, grouped)).toEqual([target.businessId]);
    expect(
      await reconPages({ column: 'created', dir: 'desc' }, 50, target.statementRef.toLowerCase()),
    ).toEqual([target.businessId]);
    expect(await reconPages({ column: 'created', dir: 'desc' }, 50, target.businessId)).toEqual([
      target.businessId,
    ]);
    const eur = await reconPages({ column: 'breaks', dir: 'asc' }, 1, 'omnibus:EUR');
    expect([...eur].sort()).toEqual(
      recons
        .filter((r) => r.accountCode === 'bank:omnibus:EUR')
        .map((r) => r.businessId)
        .sort(),
    );
    // The deposits' search does not reach into the statements.
    expect(await searchLifecycles(pool, { type: 'deposit', text: target.statementRef, limit: 10 })).toEqual(
      [],
    );
  });
});
