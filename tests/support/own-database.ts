// A test file or block with a database of its own, for tests that count rows of shared tables or
// reconcile the whole ledger, where other files' rows in the shared scratch database would count too.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import { splitDatabaseUrl } from '../../db/config.js';
import { dropAndCreateDatabase, migrate } from '../../db/migrate.js';
import { closePool, createPool } from '../../db/pool.js';

/**
 * The file's own database for the shared pool and everything reading DATABASE_URL. The file names it
 * first, in a `vi.hoisted` block that appends `suffix` to DATABASE_URL: that runs before the imports,
 * which would otherwise read the shared database's address (an import cannot do it). This adds the
 * hooks that make the database, empty and migrated, before the file's set-up and close the pool after.
 *
 * Call it at the top level before the file's own hooks: vitest runs beforeAll hooks in order and
 * afterAll hooks in reverse (sequence.hooks 'stack'), so its tear-down closes the pool last.
 */
export function useOwnDatabase(suffix: string): void {
  if (!/^_\w+$/.test(suffix)) throw new Error(`a database suffix is _ and word characters: ${suffix}`);
  beforeAll(async () => {
    const url = process.env.DATABASE_URL!;
    // Never the shared database: that would drop every other file's rows.
    expect(url).toMatch(new RegExp(`${suffix}$`));
    await dropAndCreateDatabase(url);
    await migrate(url);
  });
  afterAll(async () => {
    await closePool();
  });
}

export interface ScratchDatabase {
  url: string;
  pool: pg.Pool;
}

/**
 * A database beside the shared one for the tests of one block: `<shared>_<label>_<random>`, empty
 * and migrated before them with a pool of `max` connections, dropped after them. Answers a function
 * that gives the database once the block's beforeAll hooks run (call it there or in tests).
 */
export function useScratchDatabase(label: string, max = 4): () => ScratchDatabase {
  let url: string | undefined;
  let scratch: ScratchDatabase | undefined;
  beforeAll(async () => {
    const base = new URL(inject('databaseUrl'));
    base.pathname = `/${splitDatabaseUrl(base.toString()).name}_${label}_${randomUUID().slice(0, 8)}`;
    url = base.toString();
    await dropAndCreateDatabase(url);
    await migrate(url);
    scratch = { url, pool: createPool(url, max) };
  });
  afterAll(async () => {
    await scratch?.pool.end();
    // Named before it was made: dropped also when making or migrating it failed half-way.
    if (!url) return;
    const { name, adminUrl } = splitDatabaseUrl(url);
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  });
  return () => {
    if (!scratch) throw new Error('the scratch database is made in beforeAll: ask for it there or in a test');
    return scratch;
  };
}
