// Ledger throughput and latency: `npm run bench:ledger` (BENCH_N postings per mode, default 5000).
//
// Creates a scratch database (BENCH_DATABASE_URL, default: DATABASE_URL's server with database
// clearhouse_bench), migrates it, opens BENCH_ACCOUNTS funded client-style accounts (flagged
// debits_must_not_exceed_credits, so every posting runs the full flag check) and posts balanced
// two-line transfers between random pairs of them:
//   - one entry per transaction (postEntry) and BENCH_BATCH entries per transaction (postEntries),
//   - with 1 and 8 concurrent clients (async workers sharing one pool),
//   - plus a "hot account" mode where every transfer credits the same account (row-lock contention).
// Latency is per call, i.e. per transaction. The numbers are for comparison between runs on one
// machine, never asserted anywhere.

import { performance } from 'node:perf_hooks';
import { config, splitDatabaseUrl } from '../../db/config.js';
import { dropAndCreateDatabase, migrate } from '../../db/migrate.js';
import { createPool } from '../../db/pool.js';
import {
  ensureAccount,
  postEntries,
  postEntry,
  trialBalance,
  type Db,
  type EntryInput,
} from '../../db/ledger/index.js';

const POSTINGS_PER_MODE = Number(process.env.BENCH_N ?? 5000);
const BATCH_SIZE = Number(process.env.BENCH_BATCH ?? 10);
const ACCOUNT_COUNT = Number(process.env.BENCH_ACCOUNTS ?? 1000);
const OPENING_BALANCE_MINOR = 10n ** 12n;

function benchDatabaseUrl(): string {
  if (process.env.BENCH_DATABASE_URL) return process.env.BENCH_DATABASE_URL;
  const url = new URL(config.databaseUrl);
  url.pathname = '/clearhouse_bench';
  return url.toString();
}

interface Mode {
  name: string;
  clients: number;
  entriesPerTransaction: number;
  hotAccount: boolean;
}

interface Result {
  mode: Mode;
  postings: number;
  seconds: number;
  latenciesMs: number[];
}

function percentile(sortedMs: number[], p: number): number {
  if (sortedMs.length === 0) return Number.NaN;
  const index = Math.min(sortedMs.length - 1, Math.ceil((p / 100) * sortedMs.length) - 1);
  return sortedMs[Math.max(0, index)]!;
}

function randomPair(accounts: string[], hot: string | null): [string, string] {
  const debit = accounts[Math.floor(Math.random() * accounts.length)]!;
  if (hot !== null && debit !== hot) return [debit, hot];
  for (;;) {
    const credit = accounts[Math.floor(Math.random() * accounts.length)]!;
    if (credit !== debit) return [debit, credit];
  }
}

async function openAccounts(db: Db): Promise<string[]> {
  const funding = 'bench:funding:EUR';
  await ensureAccount(db, { code: funding, asset: 'EUR', kind: 'equity' });
  const codes = Array.from({ length: ACCOUNT_COUNT }, (_, i) => `bench:client:${i}:EUR`);
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

async function runMode(db: Db, mode: Mode, accounts: string[]): Promise<Result> {
  const transactions = Math.ceil(POSTINGS_PER_MODE / mode.entriesPerTransaction);
  const hot = mode.hotAccount ? accounts[0]! : null;
  const latenciesMs: number[] = [];
  let next = 0;
  let posted = 0;

  const makeEntry = (tx: number, j: number): EntryInput => {
    const [debit, credit] = randomPair(accounts, hot);
    return {
      idempotencyKey: `bench:${mode.name}:${tx}:${j}`,
      kind: 'bench.transfer',
      description: 'benchmark transfer',
      workflowId: `bench-${mode.name}-${tx % 100}`,
      transfers: [{ debit, credit, amount: BigInt(1 + Math.floor(Math.random() * 10_000)) }],
    };
  };

  const worker = async (): Promise<void> => {
    for (;;) {
      const tx = next;
      next += 1;
      if (tx >= transactions) return;
      const size = Math.min(mode.entriesPerTransaction, POSTINGS_PER_MODE - tx * mode.entriesPerTransaction);
      const entries = Array.from({ length: size }, (_, j) => makeEntry(tx, j));
      const started = performance.now();
      if (size === 1) await postEntry(db, entries[0]!);
      else await postEntries(db, entries);
      latenciesMs.push(performance.now() - started);
      posted += size;
    }
  };

  const started = performance.now();
  await Promise.all(Array.from({ length: mode.clients }, () => worker()));
  const seconds = (performance.now() - started) / 1000;
  if (posted !== POSTINGS_PER_MODE) throw new Error(`${mode.name}: posted ${posted} of ${POSTINGS_PER_MODE}`);
  latenciesMs.sort((a, b) => a - b);
  return { mode, postings: posted, seconds, latenciesMs };
}

function printTable(results: Result[]): void {
  const header = [
    'mode',
    'clients',
    'entries/tx',
    'postings',
    'seconds',
    'postings/s',
    'p50 ms/tx',
    'p99 ms/tx',
  ];
  const rows = results.map((r) => [
    r.mode.name,
    String(r.mode.clients),
    String(r.mode.entriesPerTransaction),
    String(r.postings),
    r.seconds.toFixed(2),
    Math.round(r.postings / r.seconds).toString(),
    percentile(r.latenciesMs, 50).toFixed(2),
    percentile(r.latenciesMs, 99).toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  console.log(line(header));
  console.log(
    `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
  );
  for (const row of rows) console.log(line(row));
}

async function main(): Promise<void> {
  const url = benchDatabaseUrl();
  const { name } = splitDatabaseUrl(url);
  console.log(
    `ledger benchmark: ${POSTINGS_PER_MODE} postings per mode, database ${name}, ${ACCOUNT_COUNT} accounts`,
  );
  await dropAndCreateDatabase(url);
  await migrate(url);

  const db = createPool(url, 10);
  try {
    const version = await db.query<{ server_version: string }>('SHOW server_version');
    console.log(`PostgreSQL ${version.rows[0]?.server_version}, Node ${process.version}`);
    const accounts = await openAccounts(db);

    // Warm-up: connections, plans, caches.
    await runMode(db, { name: 'warmup', clients: 8, entriesPerTransaction: 1, hotAccount: false }, accounts);

    const modes: Mode[] = [
      { name: 'single', clients: 1, entriesPerTransaction: 1, hotAccount: false },
      { name: 'single', clients: 8, entriesPerTransaction: 1, hotAccount: false },
      { name: `batch${BATCH_SIZE}`, clients: 1, entriesPerTransaction: BATCH_SIZE, hotAccount: false },
      { name: `batch${BATCH_SIZE}`, clients: 8, entriesPerTransaction: BATCH_SIZE, hotAccount: false },
      { name: 'single-hot', clients: 8, entriesPerTransaction: 1, hotAccount: true },
      { name: `batch${BATCH_SIZE}-hot`, clients: 8, entriesPerTransaction: BATCH_SIZE, hotAccount: true },
    ];
    const results: Result[] = [];
    for (const mode of modes) {
      results.push(await runMode(db, { ...mode, name: `${mode.name}-c${mode.clients}` }, accounts));
    }
    results.forEach((r) => (r.mode = { ...r.mode, name: r.mode.name.replace(/-c\d+$/, '') }));
    printTable(results);

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
