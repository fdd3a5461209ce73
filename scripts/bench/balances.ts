// Read latency against the size of the journal: `npm run bench:balances`.
//
// A scratch database (BENCH_DATABASE_URL, default: DATABASE_URL's server, database
// clearhouse_bench_balances) with BENCH_CLIENTS (default 1000) clients' EUR accounts. The journal is
// grown to about 1 thousand lines through the engine, the reads are timed, then it is grown to
// BENCH_LINES_LARGE lines (default 1 000 000) with set-based bulk inserts (entries, lines and the
// accounts' totals in one statement per chunk, under the ledger's own constraints and triggers) and
// the same reads are timed again:
//   - a client's balances (getClientBalances, what GET /balances reads), BENCH_READS calls;
//   - the trial balance from running totals (trialBalanceTotals), BENCH_READS / 10 calls.
// Prints per size `balances p50/p99` and `trial balance p50/p99` lines, and once per size the time of
// the full verification (trialBalance: every account against its lines, O(lines)) for contrast.
import { performance } from 'node:perf_hooks';
import { config, splitDatabaseUrl } from '../../db/config.js';
import { dropAndCreateDatabase, migrate } from '../../db/migrate.js';
import { createPool } from '../../db/pool.js';
import {
  clientAccountCode,
  ensureClientAccounts,
  ensureSystemAccounts,
  getClientBalances,
  postEntries,
  trialBalance,
  trialBalanceTotals,
  type Db,
} from '../../db/ledger/index.js';
import { randomUUID } from 'node:crypto';
import { depositConfirm } from '../../domain/postings.js';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 1000);
const LARGE_LINES = Number(process.env.BENCH_LINES_LARGE ?? 1_000_000);
const READS = Number(process.env.BENCH_READS ?? 2000);
const CONCURRENCY = 4;
/** Entries per bulk statement (two lines each). */
const BULK_CHUNK = 50_000;

function benchDatabaseUrl(): string {
  if (process.env.BENCH_DATABASE_URL) return process.env.BENCH_DATABASE_URL;
  const url = new URL(config.databaseUrl);
  url.pathname = '/clearhouse_bench_balances';
  return url.toString();
}

function percentile(sortedMs: number[], p: number): number {
  const index = Math.min(sortedMs.length - 1, Math.max(0, Math.ceil((p / 100) * sortedMs.length) - 1));
  return sortedMs[index]!;
}

async function timed(count: number, read: (i: number) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        const i = next++;
        const started = performance.now();
        await read(i);
        samples.push(performance.now() - started);
      }
    }),
  );
  return samples.sort((a, b) => a - b);
}

async function lineCount(db: Db): Promise<number> {
  const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM journal_line');
  return Number(rows[0]!.n);
}

/**
 * Deposit confirmations (Dr bank:omnibus:EUR, Cr client held) of 1 minor unit each, spread over the
 * clients, until the journal holds `target` lines: entries, lines and totals in one statement.
 */
async function bulkGrow(db: Db, clients: string[], target: number): Promise<void> {
  const heldIds = await db.query<{ id: string }>(
    `SELECT id FROM ledger_account WHERE code = ANY($1::text[]) ORDER BY id`,
    [clients.map((c) => clientAccountCode(c, 'EUR', 'held'))],
  );
  const omnibus = await db.query<{ id: string }>(
    `SELECT id FROM ledger_account WHERE code = 'bank:omnibus:EUR'`,
  );
  const ids = heldIds.rows.map((r) => r.id);
  for (let have = await lineCount(db); have < target; have = await lineCount(db)) {
    const entries = Math.min(BULK_CHUNK, Math.ceil((target - have) / 2));
    await db.query(
      `WITH e AS (
         INSERT INTO journal_entry (idempotency_key, payload_hash, kind, description, status)
         SELECT 'bulk:' || $1::text || ':' || g, repeat('0', 64), 'bench.bulk', 'bulk deposit', 'posted'
           FROM generate_series(1, $2::int) g
         RETURNING id, seq
       ), picked AS (
         SELECT e.id, ($3::bigint[])[1 + (e.seq % cardinality($3::bigint[]))] AS client FROM e
       ), l AS (
         INSERT INTO journal_line (entry_id, account_id, asset, debit, credit, pending)
         SELECT p.id, s.account, 'EUR', s.debit, s.credit, false
           FROM picked p
           CROSS JOIN LATERAL (VALUES ($4::bigint, 1, 0), (p.client, 0, 1)) AS s(account, debit, credit)
         RETURNING account_id, debit, credit
       ), moved AS (
         SELECT account_id, sum(debit) AS d, sum(credit) AS c FROM l GROUP BY account_id
       )
       UPDATE ledger_account a
          SET debits_posted = a.debits_posted + m.d, credits_posted = a.credits_posted + m.c
         FROM moved m WHERE a.id = m.account_id`,
      [randomUUID(), entries, ids, omnibus.rows[0]!.id],
    );
  }
}

async function measure(db: Db, clients: string[]): Promise<void> {
  const lines = await lineCount(db);
  const balances = await timed(READS, (i) => getClientBalances(db, clients[(i * 7919) % clients.length]!));
  const trial = await timed(Math.max(10, READS / 10), () => trialBalanceTotals(db));
  const label = lines >= 1_000_000 ? `${(lines / 1_000_000).toFixed(2)}M` : `${(lines / 1000).toFixed(1)}k`;
  console.log(
    `balances at ${label} lines: p50 ${percentile(balances, 50).toFixed(2)} ms, p99 ${percentile(balances, 99).toFixed(2)} ms`,
  );
  console.log(
    `trial balance (running totals) at ${label} lines: p50 ${percentile(trial, 50).toFixed(2)} ms, p99 ${percentile(trial, 99).toFixed(2)} ms`,
  );
  const started = performance.now();
  const full = await trialBalance(db);
  console.log(
    `full verification (accounts against lines) at ${label} lines: ${(performance.now() - started).toFixed(0)} ms, ` +
      `balanced=${full.balanced} accountsMatchLines=${full.accountsMatchLines}`,
  );
  if (!full.balanced) process.exitCode = 1;
}

async function main(): Promise<void> {
  const url = benchDatabaseUrl();
  await dropAndCreateDatabase(url);
  await migrate(url);
  const db = createPool(url, 8);
  try {
    console.log(
      `balances benchmark: database ${splitDatabaseUrl(url).name}, ${CLIENTS} clients, ${READS} reads, ` +
        `${CONCURRENCY} concurrent, Node ${process.version}`,
    );
    await ensureSystemAccounts(db);
    const clients = Array.from({ length: CLIENTS }, () => randomUUID());
    for (const client of clients) await ensureClientAccounts(db, client, 'EUR');
    // About 1 thousand lines, through the engine.
    for (let i = 0; i < 500; i += 250) {
      await postEntries(
        db,
        clients.slice(i, i + 250).map((client) => ({
          idempotencyKey: `bench:deposit:${client}`,
          ...depositConfirm(client, 'EUR', 100_00n),
        })),
      );
    }
    await db.query('ANALYZE');
    await measure(db, clients);
    await bulkGrow(db, clients, LARGE_LINES);
    await db.query('ANALYZE');
    await measure(db, clients);
  } finally {
    await db.end();
  }
}

await main();
