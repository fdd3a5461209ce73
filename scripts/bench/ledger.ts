// Ledger throughput in pgledger's `performance_check` shape:
//
//   npm run bench:ledger -- --accounts 50 --workers 20 --duration 10s [--batch 1000]
//
// A scratch database (BENCH_DATABASE_URL, default: DATABASE_URL's server, database
// clearhouse_bench_ledger) is dropped, created and migrated; `--accounts` client-style accounts
// (debits_must_not_exceed_credits, so every transfer runs the full flag check) get a large opening
// balance; `--workers` async workers then post, until `--duration` is over, one transfer between a
// random pair of distinct accounts per call:
//   - `--batch 1` (default): `postEntry`, one entry of one transfer per call (pgledger's workload;
//     concurrent calls share transactions through the group commit);
//   - `--batch N`: `postEntries` of N such entries per call (the set-based batched path).
// Prints `Transfers/second: <n>` and the p50/p99 latency of one call, then checks the trial balance.
// The figures are for comparison between runs on one machine, never asserted anywhere.

import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { config, splitDatabaseUrl } from '../../db/config.js';
import { dropAndCreateDatabase, migrate } from '../../db/migrate.js';
import { createPool } from '../../db/pool.js';
import { setLedgerObserver } from '../../db/ledger/observer.js';
import {
  ensureAccount,
  postEntries,
  postEntry,
  trialBalance,
  type Db,
  type EntryInput,
} from '../../db/ledger/index.js';

const OPENING_BALANCE_MINOR = 10n ** 15n;
const POOL_SIZE = Number(process.env.BENCH_POOL ?? 10);

function options() {
  const { values } = parseArgs({
    options: {
      accounts: { type: 'string', default: '50' },
      workers: { type: 'string', default: '20' },
      duration: { type: 'string', default: '10s' },
      batch: { type: 'string', default: '1' },
    },
  });
  const accounts = Number(values.accounts);
  const workers = Number(values.workers);
  const batch = Number(values.batch);
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(values.duration);
  if (!match) throw new Error(`--duration like 10s, 500ms or 1m, not ${values.duration}`);
  const durationMs =
    Number(match[1]) * ({ ms: 1, s: 1000, m: 60_000 } as const)[match[2] as 'ms' | 's' | 'm'];
  if (!(accounts >= 2) || !(workers >= 1) || !(batch >= 1))
    throw new Error('--accounts ≥ 2, --workers ≥ 1, --batch ≥ 1');
  return { accounts, workers, batch, durationMs };
}

function benchDatabaseUrl(): string {
  if (process.env.BENCH_DATABASE_URL) return process.env.BENCH_DATABASE_URL;
  const url = new URL(config.databaseUrl);
  url.pathname = '/clearhouse_bench_ledger';
  return url.toString();
}

function percentile(sortedMs: number[], p: number): number {
  if (sortedMs.length === 0) return Number.NaN;
  const index = Math.min(sortedMs.length - 1, Math.ceil((p / 100) * sortedMs.length) - 1);
  return sortedMs[Math.max(0, index)]!;
}

/** Two distinct accounts, uniformly at random (pgledger: the first two of a random permutation). */
function randomPair(accounts: string[]): [string, string] {
  const debit = accounts[Math.floor(Math.random() * accounts.length)]!;
  for (;;) {
    const credit = accounts[Math.floor(Math.random() * accounts.length)]!;
    if (credit !== debit) return [debit, credit];
  }
}

async function openAccounts(db: Db, count: number): Promise<string[]> {
  const funding = 'bench:funding:EUR';
  await ensureAccount(db, { code: funding, asset: 'EUR', kind: 'equity' });
  const codes = Array.from({ length: count }, (_, i) => `bench:client:${i}:EUR`);
  for (const code of codes) {
    await ensureAccount(db, { code, asset: 'EUR', kind: 'liability', debitsMustNotExceedCredits: true });
  }
  for (let i = 0; i < codes.length; i += 100) {
    await postEntries(
      db,
      codes.slice(i, i + 100).map((code) => ({
        idempotencyKey: `bench:open:${code}`,
        kind: 'bench.open',
        description: 'opening balance',
        transfers: [{ debit: funding, credit: code, amount: OPENING_BALANCE_MINOR }],
      })),
    );
  }
  return codes;
}

interface Run {
  transfers: number;
  seconds: number;
  latenciesMs: number[];
  /** CPU time of this process (building calls, the ledger's JavaScript, the driver) during the run. */
  clientCpuMs: number;
}

async function run(
  db: Db,
  accounts: string[],
  setup: { workers: number; batch: number; durationMs: number; tag: string },
): Promise<Run> {
  const latenciesMs: number[] = [];
  let transfers = 0;
  let calls = 0;
  const entry = (call: number, j: number): EntryInput => {
    const [debit, credit] = randomPair(accounts);
    return {
      idempotencyKey: `bench:${setup.tag}:${call}:${j}`,
      kind: 'bench.transfer',
      description: 'benchmark transfer',
      transfers: [{ debit, credit, amount: BigInt(1 + Math.floor(Math.random() * 10_000)) }],
    };
  };
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const deadline = started + setup.durationMs;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const call = calls;
      calls += 1;
      const callStarted = performance.now();
      if (setup.batch === 1) await postEntry(db, entry(call, 0));
      else
        await postEntries(
          db,
          Array.from({ length: setup.batch }, (_, j) => entry(call, j)),
        );
      latenciesMs.push(performance.now() - callStarted);
      transfers += setup.batch;
    }
  };
  await Promise.all(Array.from({ length: setup.workers }, () => worker()));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  latenciesMs.sort((a, b) => a - b);
  return { transfers, seconds, latenciesMs, clientCpuMs: (cpu.user + cpu.system) / 1000 };
}

async function main(): Promise<void> {
  const { accounts: accountCount, workers, batch, durationMs } = options();
  const url = benchDatabaseUrl();
  const { name } = splitDatabaseUrl(url);
  await dropAndCreateDatabase(url);
  await migrate(url);
  const db = createPool(url, POOL_SIZE);
  try {
    const version = await db.query<{ server_version: string }>('SHOW server_version');
    console.log(
      `ledger benchmark: database ${name}, PostgreSQL ${version.rows[0]?.server_version}, Node ${process.version}, ` +
        `pool ${POOL_SIZE}, ${accountCount} accounts, ${workers} workers, batch ${batch}, ${durationMs / 1000} s`,
    );
    const accounts = await openAccounts(db, accountCount);
    // Warm-up: connections, plans, caches.
    await run(db, accounts, { workers, batch, durationMs: Math.min(1000, durationMs), tag: 'warmup' });

    // Group sizes of the timed run: how many postings shared each statement and commit.
    let groups = 0;
    let grouped = 0;
    setLedgerObserver((group) => {
      groups += 1;
      grouped += group.size;
    });
    const result = await run(db, accounts, { workers, batch, durationMs, tag: 'timed' });
    setLedgerObserver(null);
    console.log(`Completed transfers: ${result.transfers}`);
    console.log(`Elapsed time in seconds: ${result.seconds.toFixed(1)}`);
    console.log(`Transfers/second: ${(result.transfers / result.seconds).toFixed(1)}`);
    console.log(`p50 latency ms/call: ${percentile(result.latenciesMs, 50).toFixed(2)}`);
    console.log(`p99 latency ms/call: ${percentile(result.latenciesMs, 99).toFixed(2)}`);
    // Where the time goes on a machine of two cores: this process's share of the CPU per call.
    console.log(`client CPU ms/call: ${(result.clientCpuMs / result.latenciesMs.length).toFixed(2)}`);
    if (groups > 0) console.log(`postings per group commit: ${(grouped / groups).toFixed(1)}`);

    const trial = await trialBalance(db);
    console.log(
      `trial balance: balanced=${trial.balanced}, accountsMatchLines=${trial.accountsMatchLines}, ` +
        trial.assets.map((a) => `${a.asset} ${a.debits}/${a.credits}`).join(', '),
    );
    if (!trial.balanced) process.exitCode = 1;
  } finally {
    await db.end();
  }
}

await main();
