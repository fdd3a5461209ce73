// CPU per batched call, the figure that stays comparable on a busy machine:
//
//   npx tsx scripts/bench/ledger-cpu.ts [--calls 60] [--preload 30] [--batch 1000] [--accounts 50] [--explain]
//
// bench:ledger's Transfers/second is wall time, so on a shared two-core machine it moves with whatever
// else runs (load 5 to 20 during issue 15). This posts `--calls` postEntries calls of `--batch`
// one-transfer entries one after another on one connection (after `--preload` calls that grow the
// journal and warm the plans) and reads what they cost in CPU: the server backend's user+system time
// from /proc/<pid>/stat (so PostgreSQL must run on this machine), this process's from
// process.cpuUsage (building and validating the entries included, as an application would).
// Throughput on an otherwise idle machine is at most cores / (server + client CPU per call), printed as
// `bound on <n> idle cores`.
// The database (BENCH_DATABASE_URL, default clearhouse_bench_ledger_cpu) is dropped and recreated.
// Figures are for comparison between runs, never asserted anywhere.
// `--explain` then posts one more call with auto_explain on that backend (nested statements, actual
// times) and prints the plan of every statement inside ledger_post_entry_columns and its trigger, to
// see where a call's server time goes (auto_explain's own timing overhead included).

import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { config } from '../../db/config.js';
import { dropAndCreateDatabase, migrate } from '../../db/migrate.js';
import { postEntries } from '../../db/ledger/index.js';
import { callEntries, loadAverage, openAccounts, processCpuMs } from './ledger-cpu-support.js';

function options() {
  const { values } = parseArgs({
    options: {
      calls: { type: 'string', default: '60' },
      preload: { type: 'string', default: '30' },
      batch: { type: 'string', default: '1000' },
      accounts: { type: 'string', default: '50' },
      explain: { type: 'boolean', default: false },
    },
  });
  const parsed = {
    calls: Number(values.calls),
    preload: Number(values.preload),
    batch: Number(values.batch),
    accounts: Number(values.accounts),
    explain: values.explain,
  };
  if (!(parsed.calls >= 1 && parsed.preload >= 0 && parsed.batch >= 1 && parsed.accounts >= 2))
    throw new Error('--calls ≥ 1, --preload ≥ 0, --batch ≥ 1, --accounts ≥ 2');
  return parsed;
}

function benchDatabaseUrl(): string {
  if (process.env.BENCH_DATABASE_URL) return process.env.BENCH_DATABASE_URL;
  const url = new URL(config.databaseUrl);
  url.pathname = '/clearhouse_bench_ledger_cpu';
  return url.toString();
}

async function main(): Promise<void> {
  const { calls, preload, batch, accounts, explain } = options();
  const url = benchDatabaseUrl();
  await dropAndCreateDatabase(url);
  await migrate(url);
  // One connection that stays open, so one backend does (and is measured for) every call.
  const db = new pg.Pool({ connectionString: url, max: 1, idleTimeoutMillis: 0 });
  try {
    const codes = await openAccounts(db, accounts);
    const { rows } = await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const pid = rows[0]?.pid;
    if (pid === undefined) throw new Error('no backend pid');
    for (let call = 0; call < preload; call++) await postEntries(db, callEntries(codes, -call - 1, batch));

    const serverBeforeMs = processCpuMs(pid);
    const clientBefore = process.cpuUsage();
    const started = performance.now();
    for (let call = 0; call < calls; call++) await postEntries(db, callEntries(codes, call, batch));
    const wallMs = performance.now() - started;
    const client = process.cpuUsage(clientBefore);
    const serverMs = processCpuMs(pid) - serverBeforeMs;
    const clientMs = (client.user + client.system) / 1000;

    console.log(
      `ledger CPU benchmark: ${calls} calls of ${batch} transfers over ${accounts} accounts, load ${loadAverage()}`,
    );
    console.log(`server CPU ms/call: ${(serverMs / calls).toFixed(1)}`);
    console.log(`client CPU ms/call: ${(clientMs / calls).toFixed(1)}`);
    console.log(`wall ms/call: ${(wallMs / calls).toFixed(1)}`);
    const cores = availableParallelism();
    const bound = (cores * 1000 * batch) / ((serverMs + clientMs) / calls);
    console.log(`bound on ${cores} idle cores, transfers/s: ${bound.toFixed(0)}`);
    if (explain) await explainOneCall(db, codes, batch);
  } finally {
    await db.end();
  }
}

/** One more call with auto_explain logging every nested statement's plan to this client as notices. */
async function explainOneCall(db: pg.Pool, codes: string[], batch: number): Promise<void> {
  const client = await db.connect();
  const plans: string[] = [];
  const onNotice = (notice: { message?: string }) => plans.push(notice.message ?? '');
  client.on('notice', onNotice);
  try {
    for (const setting of [
      "LOAD 'auto_explain'",
      'SET auto_explain.log_min_duration = 0',
      'SET auto_explain.log_analyze = on',
      'SET auto_explain.log_nested_statements = on',
      "SET auto_explain.log_level = 'notice'",
    ])
      await client.query(setting);
  } finally {
    client.release();
  }
  // The pool's one connection is the client just configured.
  await postEntries(db, callEntries(codes, -1_000_000, batch));
  const cleanup = await db.connect();
  cleanup.removeListener('notice', onNotice);
  cleanup.release();
  console.log(plans.join('\n\n'));
}

await main();
