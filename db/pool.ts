import pg from 'pg';
import { config } from './config.js';
import { isConnectionError, isNeverSentError } from './connection-errors.js';

// bigint columns (ledger amounts) come back as strings; we convert them to BigInt explicitly where
// read, so precision is never lost through JavaScript numbers.
//
// A lost connection (PostgreSQL restarted, pg_terminate_backend, a dropped socket) is retried once
// on a new connection where that cannot apply anything twice: a statement that never reached the
// server, a read-only statement, or a whole inTransaction unit that failed before COMMIT was sent.
// Anything else reaches the caller, and the API answers 503 (api/errors.ts toApiError).

/** How long getting a connection may take, queueing for a busy pool included (PG_CONNECT_TIMEOUT_MS). */
const CONNECT_TIMEOUT_MS = Number(process.env.PG_CONNECT_TIMEOUT_MS ?? 5000);
/** A pause before the one retry, so a server that is restarting has a moment. */
const RETRY_DELAY_MS = 50;

let shared: pg.Pool | undefined;

export function createPool(connectionString: string = config.databaseUrl, max = 10): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    // TCP keep-alive notices a silently dropped connection instead of waiting on it for hours.
    keepAlive: true,
  });
  // An idle client losing its connection must not crash the process; pg-pool has already dropped it.
  pool.on('error', () => undefined);
  // Nor a checked-out one (pg-pool listens only while a client is idle): its next statement fails
  // with the connection error, and pg-pool drops it when it is released.
  pool.on('connect', (client) => client.on('error', () => undefined));
  pool.query = retryingQuery(pool.query.bind(pool));
  return pool;
}

const READ_ONLY_START = /^(SELECT|SHOW|VALUES|TABLE|WITH)\b/i;
/** Words that make a statement starting as above write, lock or signal anyway. */
const WRITES = /\b(INSERT|UPDATE|DELETE|MERGE|INTO|TRUNCATE|pg_notify|nextval|setval|pg_advisory\w*)\b/i;

/** True for a statement that only reads, so running it twice is harmless. Conservative. */
export function isReadOnlyStatement(text: string): boolean {
  const statement = text.replace(/^(\s|--[^\n]*\n)+/, '');
  return READ_ONLY_START.test(statement) && !WRITES.test(statement);
}

function statementText(queryTextOrConfig: unknown): string | undefined {
  if (typeof queryTextOrConfig === 'string') return queryTextOrConfig;
  const text = (queryTextOrConfig as { text?: unknown } | null)?.text;
  return typeof text === 'string' ? text : undefined;
}

/** `pool.query` that retries once after a connection error, where that is safe (see above). */
function retryingQuery(query: pg.Pool['query']): pg.Pool['query'] {
  const wrapped = (...args: unknown[]): unknown => {
    const call = () => (query as (...a: unknown[]) => unknown)(...args);
    // The callback and Submittable (stream) forms are passed through unchanged.
    const text = statementText(args[0]);
    if (text === undefined || args.some((arg) => typeof arg === 'function')) return call();
    return (call() as Promise<unknown>).catch(async (error: unknown) => {
      const safe = isNeverSentError(error) || isReadOnlyStatement(text);
      if (!(safe && isConnectionError(error))) throw error;
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
      return call();
    });
  };
  return wrapped as pg.Pool['query'];
}

/** The process-wide pool, created on first use from DATABASE_URL. */
export function getPool(): pg.Pool {
  shared ??= createPool();
  return shared;
}

/** Does PostgreSQL answer on `pool`? Resolves when it does (`SELECT 1`), throws otherwise (the readiness check). */
export async function pingDatabase(pool: pg.Pool): Promise<void> {
  await pool.query('SELECT 1');
}

export async function closePool(): Promise<void> {
  const pool = shared;
  shared = undefined;
  await pool?.end();
}

/** Thrown when the connection broke while COMMIT was on its way: it may or may not have applied. */
export class CommitOutcomeUnknownError extends Error {
  constructor(cause: unknown) {
    super('the connection broke during COMMIT; the transaction may or may not have been applied', {
      cause,
    });
    this.name = 'CommitOutcomeUnknownError';
  }
}

/**
 * Runs `work` inside one transaction on one client; rolls back on any throw. When the connection
 * is lost before COMMIT is sent, nothing was applied, so the whole unit runs once more on a new
 * connection: `work` must only touch the database through `client` (or be safe to run twice).
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  try {
    return await transactionOnce(pool, work);
  } catch (error) {
    if (error instanceof CommitOutcomeUnknownError || !isConnectionError(error)) throw error;
    await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
    return await transactionOnce(pool, work);
  }
}

async function transactionOnce<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A connection dying between two statements is emitted as 'error' on the client; without a
  // listener that would crash the process. The next statement then fails and says so.
  let lost: unknown;
  const onError = (error: unknown) => (lost ??= error);
  client.on('error', onError);
  let broken: unknown;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    // Lost before COMMIT was sent: nothing was applied, and inTransaction may run the unit again.
    if (lost !== undefined) throw lost;
    try {
      await client.query('COMMIT');
    } catch (error) {
      if (isConnectionError(error)) throw new CommitOutcomeUnknownError(error);
      throw error;
    }
    return result;
  } catch (error) {
    if (error instanceof CommitOutcomeUnknownError || isConnectionError(error) || lost !== undefined) {
      broken = error;
    } else {
      await client.query('ROLLBACK').catch((rollbackError: unknown) => (broken = rollbackError));
    }
    throw error;
  } finally {
    client.removeListener('error', onError);
    // A client whose connection broke is discarded, never handed out again.
    client.release(broken === undefined ? undefined : (broken as Error));
  }
}
