// pgledger (https://github.com/pgr0ss/pgledger) beside our ledger, on the same PostgreSQL: its
// database set up as its README says, its own check (`perfcheck`, built from go/performance_check.go)
// run as it is, its tables emptied between runs, its database and role dropped at the end. Nothing of
// it is vendored here: `--pgledger <dir>` points at a clone.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { withDatabase } from '../../chaos/stack/database.js';
import { runChild, type ChildResult } from './child.js';
import { FIGURE_LINES } from './parse.js';

/** perfcheck's own connection string is fixed (postgres://pgledger:pgledger@localhost:5432/pgledger). */
const NAME = 'pgledger';
const SQL_FILES = [
  'vendor/scoville-pgsql-ulid/ulid-to-uuid.sql',
  'vendor/scoville-pgsql-ulid/uuid-to-ulid.sql',
  'pgledger.sql',
];

export interface Pgledger {
  run(accounts: number, workers: number, durationS: number): Promise<ChildResult>;
}

async function query(url: string, work: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}

/** Refuses a clone without its check built, and a server where perfcheck's fixed URL cannot reach. */
export function checkPgledger(dir: string, adminUrl: string): void {
  for (const file of ['perfcheck', ...SQL_FILES]) {
    if (!existsSync(join(dir, file)))
      throw new Error(`--pgledger ${dir}: no ${file} (clone pgr0ss/pgledger, build go/performance_check.go)`);
  }
  const { hostname, port } = new URL(adminUrl);
  if (!['localhost', '127.0.0.1', '[::1]'].includes(hostname) || (port || '5432') !== '5432')
    throw new Error(`pgledger's check connects to localhost:5432 only, not ${hostname}:${port}`);
}

/**
 * Runs `work` with pgledger's database set up on the server of `adminUrl` (a superuser's), and drops
 * its database and role afterwards, also when `work` fails. A database or role of that name that was
 * there before is someone else's: refused, left alone.
 */
export async function withPgledger<T>(
  dir: string,
  adminUrl: string,
  work: (pgledger: Pgledger) => Promise<T>,
): Promise<T> {
  checkPgledger(dir, adminUrl);
  const dbUrl = withDatabase(adminUrl, NAME);
  let created = false;
  try {
    await query(adminUrl, async (admin) => {
      const there = await admin.query(
        `SELECT (SELECT count(*) FROM pg_database WHERE datname = $1)
              + (SELECT count(*) FROM pg_roles WHERE rolname = $1) AS n`,
        [NAME],
      );
      if (Number(there.rows[0].n) > 0)
        throw new Error(`a database or role "${NAME}" exists already (another run?); drop both to go on`);
      created = true;
      await admin.query(`CREATE ROLE ${NAME} LOGIN PASSWORD '${NAME}'`);
      await admin.query(`CREATE DATABASE ${NAME} OWNER ${NAME}`);
    });
    // Loaded as its owner, in one transaction, as the README's `psql --single-transaction` does.
    await query(dbUrl, async (db) => {
      await db.query('BEGIN');
      await db.query(`SET LOCAL ROLE ${NAME}`);
      for (const file of SQL_FILES) await db.query(readFileSync(join(dir, file), 'utf8'));
      await db.query('COMMIT');
    });
    console.log(`[pgledger] database ${NAME} set up from ${dir}`);
    return await work({
      run: async (accounts, workers, durationS) => {
        await query(dbUrl, (db) =>
          db.query('TRUNCATE pgledger_entries, pgledger_transfers, pgledger_accounts CASCADE'),
        );
        return runChild(
          'pgledger',
          join(dir, 'perfcheck'),
          ['--accounts', String(accounts), '--workers', String(workers), '--duration', `${durationS}s`],
          { env: process.env, figures: FIGURE_LINES.pgledger },
        );
      },
    });
  } finally {
    if (created) {
      // Said, not thrown: a failed drop must not hide the error that brought us here.
      await query(adminUrl, async (admin) => {
        await admin.query(`DROP DATABASE IF EXISTS ${NAME} WITH (FORCE)`);
        await admin.query(`DROP ROLE IF EXISTS ${NAME}`);
      }).then(
        () => console.log(`[pgledger] database and role ${NAME} dropped`),
        (error: Error) => console.log(`[pgledger] could not drop ${NAME}: ${error.message}`),
      );
    }
  }
}
