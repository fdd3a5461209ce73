// Process configuration shared by the server, the worker and the scripts. Read once, from the
// environment, with defaults that work on a fresh development machine.

export const config = {
  databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/clearhouse',
  temporalAddress: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
  temporalNamespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
  taskQueue: process.env.TEMPORAL_TASK_QUEUE ?? 'clearhouse',
  port: Number(process.env.PORT ?? 3000),
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  logLevel: process.env.LOG_LEVEL ?? 'info',
};

/** The database name and a URL to the maintenance database `postgres` on the same server. */
export function splitDatabaseUrl(url: string): { name: string; adminUrl: string } {
  const parsed = new URL(url);
  const name = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`unsupported database name in DATABASE_URL: "${name}"`);
  parsed.pathname = '/postgres';
  return { name, adminUrl: parsed.toString() };
}
