// The stack's scratch database on a PostgreSQL server given by URL: created and migrated at start,
// dropped (connections and all) at stop.
import pg from 'pg';
import { dropAndCreateDatabase, migrate } from '../../../db/migrate.js';
import { createPool } from '../../../db/pool.js';

/** A URL to the same PostgreSQL server with the database name replaced. */
export function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/** The run's database, migrated, and the harness's pool on it. */
export async function createDatabase(databaseUrl: string): Promise<pg.Pool> {
  await dropAndCreateDatabase(databaseUrl);
  await migrate(databaseUrl);
  return createPool(databaseUrl, 4);
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
