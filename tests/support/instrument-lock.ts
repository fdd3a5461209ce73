// Test files run in parallel against one database, and EUA's and CEA's books are shared by every
// file that trades them. A file (or a scenario) that trades an instrument holds a session advisory
// lock on it, so crossing scenarios of different files take turns instead of trading against each
// other's orders. Whoever holds the lock leaves nothing resting when it lets go.
import pg from 'pg';
import { config } from '../../db/config.js';

/** Holds the locks of `symbols` (taken in sorted order: no deadlock) until the returned release. */
export async function lockInstruments(symbols: readonly string[]): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: config.databaseUrl });
  await client.connect();
  try {
    for (const symbol of [...new Set(symbols)].sort()) {
      await client.query(`SELECT pg_advisory_lock(hashtext('test-instrument:' || $1))`, [symbol]);
    }
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  // Ending the session releases its advisory locks.
  return () => client.end().catch(() => undefined);
}

/** Runs `work` holding the lock on `symbol`. */
export async function withInstrument<T>(symbol: string, work: () => Promise<T>): Promise<T> {
  const release = await lockInstruments([symbol]);
  try {
    return await work();
  } finally {
    await release();
  }
}
