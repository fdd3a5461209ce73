// A lost PostgreSQL connection (pg_terminate_backend, as when the server restarts or an operator
// kills sessions) is retried once where that cannot apply anything twice, and reaches the caller as
// a connection error otherwise; the pool never hands out a dead client again.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { config } from './config.js';
import { isConnectionError } from './connection-errors.js';
import { CommitOutcomeUnknownError, createPool, inTransaction, isReadOnlyStatement } from './pool.js';
import { freePort } from '../tests/support/dev-server.js';

const admin = new pg.Pool({ connectionString: config.databaseUrl, max: 1 });
const table = `pool_test_${randomUUID().replaceAll('-', '')}`;

/** A pool whose connections carry a name of their own, so a test can terminate exactly them. */
function namedPool(): { pool: pg.Pool; name: string } {
  const name = `pool-test-${randomUUID()}`.slice(0, 60);
  const url = new URL(config.databaseUrl);
  url.searchParams.set('application_name', name);
  return { pool: createPool(url.toString(), 3), name };
}

/** Terminates the pool's backends (all of them, or those running a statement matching `like`). */
async function terminate(name: string, like = '%'): Promise<number> {
  const { rows } = await admin.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND query LIKE $2`,
    [name, like],
  );
  for (const { pid } of rows) await admin.query('SELECT pg_terminate_backend($1)', [pid]);
  return rows.length;
}

/** Waits until one of the pool's backends runs a statement matching `like`, then terminates it. */
async function terminateWhenRunning(name: string, like: string): Promise<void> {
  for (let tries = 0; tries < 100; tries += 1) {
    const { rows } = await admin.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND state = 'active' AND query LIKE $2`,
      [name, like],
    );
    if (rows.length > 0) {
      for (const { pid } of rows) await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no backend of ${name} ran ${like}`);
}

beforeAll(async () => {
  await admin.query(`CREATE TABLE ${table} (id serial PRIMARY KEY, note text NOT NULL)`);
});
afterAll(async () => {
  await admin.query(`DROP TABLE IF EXISTS ${table}`);
  await admin.end();
});

describe('isReadOnlyStatement', () => {
  it('accepts plain reads and refuses anything that writes, locks or signals', () => {
    expect(isReadOnlyStatement('SELECT 1')).toBe(true);
    expect(isReadOnlyStatement('  -- a comment\n with x AS (SELECT 1) SELECT * FROM x')).toBe(true);
    expect(isReadOnlyStatement('INSERT INTO t VALUES (1)')).toBe(false);
    expect(isReadOnlyStatement('WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x')).toBe(false);
    expect(isReadOnlyStatement('SELECT pg_notify($1, $2)')).toBe(false);
    expect(isReadOnlyStatement("SELECT nextval('s')")).toBe(false);
    expect(isReadOnlyStatement('SELECT * FROM t FOR UPDATE')).toBe(false);
  });
});

describe('a terminated connection', () => {
  it('is retried once for a read-only statement', async () => {
    const { pool, name } = namedPool();
    try {
      const reading = pool.query<{ n: number }>('SELECT 7 AS n FROM pg_sleep(0.5)');
      await terminateWhenRunning(name, '%pg_sleep(0.5)%');
      expect((await reading).rows[0]?.n).toBe(7);
    } finally {
      await pool.end();
    }
  });

  it('reaches the caller as a connection error for a write (its outcome is unknown)', async () => {
    const { pool, name } = namedPool();
    try {
      // The handler is attached at once: the write may fail before terminateWhenRunning returns, and a
      // rejection without a handler by then is an unhandled rejection (vitest fails the run for it).
      const writing = pool.query(`INSERT INTO ${table} (note) SELECT 'w' FROM pg_sleep(0.5)`).then(
        () => undefined,
        (e: unknown) => e,
      );
      await terminateWhenRunning(name, '%pg_sleep(0.5)%');
      const error = await writing;
      expect(isConnectionError(error)).toBe(true);
      expect((error as { code?: string }).code).toBe('57P01');
      // The pool goes on with a new connection.
      expect((await pool.query('SELECT 1 AS one')).rows[0]?.one).toBe(1);
    } finally {
      await pool.end();
    }
  });

  it('reruns a whole inTransaction unit that broke before COMMIT, which commits once', async () => {
    const { pool, name } = namedPool();
    try {
      const note = `t-${randomUUID()}`;
      let runs = 0;
      const done = inTransaction(pool, async (client) => {
        runs += 1;
        await client.query(`INSERT INTO ${table} (note) VALUES ($1)`, [note]);
        await client.query('SELECT pg_sleep(0.3)');
        return runs;
      });
      await terminateWhenRunning(name, '%pg_sleep(0.3)%');
      expect(await done).toBe(2);
      const { rows } = await admin.query(`SELECT count(*)::int AS n FROM ${table} WHERE note = $1`, [note]);
      expect(rows[0].n).toBe(1);
    } finally {
      await pool.end();
    }
  });

  it('between two statements of a transaction does not crash the process and is rerun', async () => {
    const { pool, name } = namedPool();
    try {
      let runs = 0;
      const result = await inTransaction(pool, async (client) => {
        runs += 1;
        await client.query('SELECT 1');
        if (runs === 1) {
          await terminate(name);
          await new Promise((resolve) => setTimeout(resolve, 200)); // the 'error' event arrives now
        }
        return (await client.query<{ n: number }>('SELECT 2 AS n')).rows[0]?.n;
      });
      expect(result).toBe(2);
      expect(runs).toBe(2);
    } finally {
      await pool.end();
    }
  });

  it('of idle clients does not reach the next queries: the pool drops them', async () => {
    const { pool, name } = namedPool();
    try {
      await Promise.all([1, 2, 3].map(() => pool.query('SELECT pg_sleep(0.05)')));
      expect(pool.idleCount).toBe(3);
      expect(await terminate(name)).toBe(3);
      await new Promise((resolve) => setTimeout(resolve, 200));
      for (let i = 0; i < 5; i += 1) {
        await pool.query(`INSERT INTO ${table} (note) VALUES ('after')`);
      }
      expect(pool.totalCount).toBeLessThanOrEqual(3);
    } finally {
      await pool.end();
    }
  });

  it('during COMMIT is never retried: the unit ran once, and the error says the outcome is unknown', async () => {
    // A connection that breaks exactly while COMMIT is on the wire, faked: no timing can hit it reliably.
    const lost = Object.assign(new Error('terminating connection due to administrator command'), {
      code: '57P01',
    });
    const released: unknown[] = [];
    const fakeClient = {
      query: async (text: string) => {
        if (text === 'COMMIT') throw lost;
        return { rows: [] };
      },
      on: () => fakeClient,
      removeListener: () => fakeClient,
      release: (error?: unknown) => released.push(error),
    };
    const fakePool = { connect: async () => fakeClient } as unknown as pg.Pool;
    let runs = 0;
    const error = await inTransaction(fakePool, async () => (runs += 1)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(runs).toBe(1);
    expect(error).toBeInstanceOf(CommitOutcomeUnknownError);
    expect((error as Error).cause).toBe(lost);
    expect(isConnectionError(error)).toBe(true); // so the API still answers 503
    expect(released).toEqual([error]); // and the client is discarded
  });
});

describe('PostgreSQL down', () => {
  it('rejects with a connection error (ECONNREFUSED), after the one retry', async () => {
    const pool = createPool(`postgres://postgres@127.0.0.1:${await freePort()}/nothing`, 1);
    try {
      const error = await pool.query('INSERT INTO t VALUES (1)').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isConnectionError(error)).toBe(true);
      expect(JSON.stringify((error as { code?: string }).code ?? error)).toMatch(/ECONNREFUSED/);
      const failed = await inTransaction(pool, async () => 1).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isConnectionError(failed)).toBe(true);
    } finally {
      await pool.end();
    }
  });
});
