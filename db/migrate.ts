import pg from 'pg';
import { MikroORM } from '@mikro-orm/postgresql';
import { config, splitDatabaseUrl } from './config.js';
import { ormConfig } from './orm.config.js';

/** A sentence a person can act on, instead of a driver stack trace. */
export class DatabaseUnreachableError extends Error {}

export async function ensureDatabase(url: string = config.databaseUrl): Promise<void> {
  const { name, adminUrl } = splitDatabaseUrl(url);
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  try {
    await admin.connect();
  } catch (error) {
    const where = new URL(adminUrl).host;
    throw new DatabaseUnreachableError(
      `PostgreSQL is not reachable at ${where} (${(error as Error).message}). Start it ` +
        `(e.g. "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start") or set DATABASE_URL.`,
    );
  }
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
}

export async function dropAndCreateDatabase(url: string): Promise<void> {
  const { name, adminUrl } = splitDatabaseUrl(url);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
}

/** Applies every pending migration; returns the names applied. */
export async function migrate(url: string = config.databaseUrl): Promise<string[]> {
  const orm = await MikroORM.init(ormConfig(url));
  try {
    const applied = await orm.getMigrator().up();
    return applied.map((m) => m.name);
  } finally {
    await orm.close(true);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    await ensureDatabase();
    const applied = await migrate();
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'schema up to date');
  } catch (error) {
    console.error(error instanceof DatabaseUnreachableError ? error.message : error);
    process.exit(1);
  }
}
