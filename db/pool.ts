import pg from 'pg';
import { config } from './config.js';

// bigint columns (ledger amounts) come back as strings; we convert them to BigInt explicitly where
// read, so precision is never lost through JavaScript numbers.

let shared: pg.Pool | undefined;

export function createPool(connectionString: string = config.databaseUrl, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString, max });
  // An idle client losing its connection must not crash the process.
  pool.on('error', () => undefined);
  return pool;
}

/** The process-wide pool, created on first use from DATABASE_URL. */
export function getPool(): pg.Pool {
  shared ??= createPool();
  return shared;
}

export async function closePool(): Promise<void> {
  const pool = shared;
  shared = undefined;
  await pool?.end();
}

/** Runs `work` inside one transaction on one client; rolls back on any throw. */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
