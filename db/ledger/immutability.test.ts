import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientAccountCode, fee } from '../../domain/postings.js';
import { ensureSystemAccounts, postEntry, type Db, type Entry } from './index.js';
import { accountOf, fundedClient, testPool, uniqueKey } from './test-support.js';

// The database itself refuses to rewrite history, whatever the application code does.

let db: Db;
let entry: Entry;
let clientId: string;

beforeAll(async () => {
  db = testPool(4);
  await ensureSystemAccounts(db);
  clientId = await fundedClient(db, 'EUR', 1000n);
  entry = await postEntry(db, { idempotencyKey: uniqueKey('fee'), ...fee(clientId, 'EUR', 10n, 'x') });
});

afterAll(async () => {
  await db.end();
});

describe('append-only journal', () => {
  it.each([
    ['UPDATE journal_entry SET description = $2 WHERE id = $1', 'UPDATE', 'journal_entry'],
    [
      'UPDATE journal_entry SET idempotency_key = idempotency_key WHERE id = $1 AND $2::text IS NOT NULL',
      'UPDATE',
      'journal_entry',
    ],
    ['DELETE FROM journal_entry WHERE id = $1 AND $2::text IS NOT NULL', 'DELETE', 'journal_entry'],
    [
      'UPDATE journal_line SET debit = debit + 1 WHERE entry_id = $1 AND debit > 0 AND $2::text IS NOT NULL',
      'UPDATE',
      'journal_line',
    ],
    [
      'UPDATE journal_line SET pending = NOT pending WHERE entry_id = $1 AND $2::text IS NOT NULL',
      'UPDATE',
      'journal_line',
    ],
    ['DELETE FROM journal_line WHERE entry_id = $1 AND $2::text IS NOT NULL', 'DELETE', 'journal_line'],
  ])('%s is refused', async (sql, operation, table) => {
    await expect(db.query(sql, [entry.id, 'rewritten'])).rejects.toThrow(
      `journal is append-only: ${operation} on ${table} is not allowed`,
    );
  });

  it('refuses TRUNCATE', async () => {
    const client = await db.connect();
    try {
      await client.query(`SET lock_timeout = '5s'`);
      await expect(client.query('TRUNCATE journal_line')).rejects.toThrow(
        /journal is append-only: TRUNCATE on journal_line/,
      );
      await expect(client.query('TRUNCATE journal_entry, journal_line')).rejects.toThrow(
        /journal is append-only: TRUNCATE/,
      );
    } finally {
      client.release();
    }
  });

  it('left the entry as it was', async () => {
    const stored = await db.query<{ description: string; lines: string }>(
      `SELECT e.description, (SELECT count(*) FROM journal_line l WHERE l.entry_id = e.id) AS lines FROM journal_entry e WHERE e.id = $1`,
      [entry.id],
    );
    expect(stored.rows).toEqual([{ description: entry.description, lines: '2' }]);
  });
});

describe('database backstops behind the engine', () => {
  async function insertRaw(lines: Array<{ code: string; debit: bigint; credit: bigint; asset?: string }>) {
    const client = await db.connect();
    try {
      await client.query('BEGIN');
      const created = await client.query<{ id: string }>(
        `INSERT INTO journal_entry (idempotency_key, payload_hash, kind, description, status)
         VALUES ($1, repeat('0', 64), 'raw', 'raw', 'posted') RETURNING id`,
        [uniqueKey('raw')],
      );
      for (const line of lines) {
        const account = await accountOf(db, line.code);
        await client.query(
          `INSERT INTO journal_line (entry_id, account_id, asset, debit, credit, pending) VALUES ($1, $2, $3, $4, $5, false)`,
          [created.rows[0]!.id, account.id, line.asset ?? account.asset, line.debit, line.credit],
        );
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  }

  it('refuses an unbalanced entry', async () => {
    await expect(insertRaw([{ code: 'bank:omnibus:EUR', debit: 5n, credit: 0n }])).rejects.toThrow(
      /unbalanced in EUR/,
    );
  });

  it('refuses a line in another asset than its account', async () => {
    await expect(
      insertRaw([
        { code: 'bank:omnibus:EUR', debit: 5n, credit: 0n, asset: 'USD' },
        { code: 'bank:omnibus:USD', debit: 0n, credit: 5n },
      ]),
    ).rejects.toThrow(/journal_line_account_asset_fkey/);
  });

  it('refuses a two-sided or empty line', async () => {
    await expect(insertRaw([{ code: 'bank:omnibus:EUR', debit: 5n, credit: 5n }])).rejects.toThrow(
      /journal_line_one_side/,
    );
    await expect(insertRaw([{ code: 'bank:omnibus:EUR', debit: 0n, credit: 0n }])).rejects.toThrow(
      /journal_line_one_side/,
    );
  });

  /**
   * Runs `body` in a transaction that is always rolled back: raw rows written behind the engine
   * (entries without totals moved) must not stay in the database other test files share.
   */
  async function rolledBack(body: (q: pg.PoolClient) => Promise<void>): Promise<void> {
    const client = await db.connect();
    try {
      await client.query('BEGIN');
      await body(client);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  }

  async function rawEntry(q: pg.PoolClient): Promise<string> {
    const created = await q.query<{ id: string }>(
      `INSERT INTO journal_entry (idempotency_key, payload_hash, kind, description, status)
       VALUES ($1, repeat('0', 64), 'raw', 'raw', 'posted') RETURNING id`,
      [uniqueKey('raw')],
    );
    return created.rows[0]!.id;
  }

  /** One INSERT of several lines (the statement trigger checks them together). */
  async function insertLines(
    q: pg.PoolClient,
    lines: Array<{ entryId: string; code: string; debit: bigint; credit: bigint }>,
  ): Promise<void> {
    const accounts = await Promise.all(lines.map((line) => accountOf(db, line.code)));
    await q.query(
      `INSERT INTO journal_line (entry_id, account_id, asset, debit, credit, pending)
       SELECT l.entry_id, l.account_id, l.asset, l.debit, l.credit, false
         FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::bigint[], $5::bigint[])
              AS l(entry_id, account_id, asset, debit, credit)`,
      [
        lines.map((line) => line.entryId),
        accounts.map((account) => account.id),
        accounts.map((account) => account.asset),
        lines.map((line) => line.debit),
        lines.map((line) => line.credit),
      ],
    );
  }

  it('names an unbalanced entry with its debits and credits', async () => {
    await rolledBack(async (q) => {
      const id = await rawEntry(q);
      await expect(
        insertLines(q, [
          { entryId: id, code: 'bank:omnibus:EUR', debit: 5n, credit: 0n },
          { entryId: id, code: 'fees:revenue:EUR', debit: 0n, credit: 3n },
        ]),
      ).rejects.toThrow(`journal entry ${id} is unbalanced in EUR: debits 5 <> credits 3`);
    });
  });

  it('refuses lines of an entry that does not exist before an unbalanced entry', async () => {
    await rolledBack(async (q) => {
      const id = await rawEntry(q);
      const missing = '00000000-0000-7000-8000-000000000000';
      await expect(
        insertLines(q, [
          { entryId: id, code: 'bank:omnibus:EUR', debit: 5n, credit: 0n },
          { entryId: missing, code: 'bank:omnibus:EUR', debit: 5n, credit: 0n },
          { entryId: missing, code: 'fees:revenue:EUR', debit: 0n, credit: 5n },
        ]),
      ).rejects.toMatchObject({ code: '23503', constraint: 'journal_line_entry_id_fkey' });
    });
  });

  it('takes balanced lines of several entries in one statement, read back by entry in line order', async () => {
    await rolledBack(async (q) => {
      const [first, second] = [await rawEntry(q), await rawEntry(q)];
      await insertLines(q, [
        { entryId: first, code: 'bank:omnibus:EUR', debit: 7n, credit: 0n },
        { entryId: second, code: 'bank:omnibus:EUR', debit: 0n, credit: 4n },
        { entryId: first, code: 'fees:revenue:EUR', debit: 0n, credit: 7n },
        { entryId: second, code: 'fees:revenue:EUR', debit: 4n, credit: 0n },
      ]);
      const stored = await q.query<{ debit: string; credit: string }>(
        `SELECT debit::text, credit::text FROM journal_line WHERE entry_id = $1 ORDER BY id`,
        [second],
      );
      expect(stored.rows).toEqual([
        { debit: '0', credit: '4' },
        { debit: '4', credit: '0' },
      ]);
    });
  });

  it('refuses totals that break an account flag', async () => {
    await expect(
      db.query(`UPDATE ledger_account SET debits_posted = credits_posted + 1 WHERE code = $1`, [
        clientAccountCode(clientId, 'EUR', 'available'),
      ]),
    ).rejects.toThrow(/ledger_account_debits_within_credits/);
  });
});
