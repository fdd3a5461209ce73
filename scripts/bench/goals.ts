// Every goal of issue 15, measured side by side on this machine and PostgreSQL in one run:
//
//   npm run bench:goals -- [--pgledger <dir>] [--rounds 2] [--quick] [--only ledger,batch,lifecycles,api,balances]
//
// Runs the existing benchmarks as child processes (`npx tsx scripts/bench/<x>.ts`, this process's
// environment), echoes their figure lines as they come (prefixed with the step's name) and parses
// them; nothing is measured here itself (scripts/bench/goals/parse.ts reads the lines, and judges):
//   - ledger: bench:ledger ours 50 accounts, pgledger 50, ours 10, pgledger 10, `--rounds` times,
//     20 workers, 10 s each. pgledger only with `--pgledger <dir>`, a clone of pgr0ss/pgledger with
//     `perfcheck` built (README "Performance"): its database is set up on the same server, emptied
//     between runs, dropped at the end (scripts/bench/goals/pgledger.ts); without it, "not run";
//   - batch: bench:ledger `--batch 1000`, five runs, the median judged;
//   - lifecycles, api (all three routes), balances: bench:lifecycles, bench:api, bench:balances with
//     their defaults and whatever BENCH_* / LIFECYCLE_START_ANSWER the environment sets.
// The 1-minute load average is recorded when each run ends. At the end it prints the commit, date,
// Node and PostgreSQL versions, CPU count and the load range, and a Markdown table: goal, figures,
// verdict (met / not met / not run / failed), computed from the parsed figures (medians where there
// are several runs). Exit code 0 whether goals are met or not (it is a measurement), 1 if a child
// failed or printed no figure line.
// `--quick`, to try the script in a few minutes: ledger runs of 3 s, one round, one batched run;
// bench:lifecycles BENCH_N=30 BENCH_ROUNDS=1; bench:api BENCH_SECONDS=5; bench:balances
// BENCH_LINES_LARGE=100000 (each unless the environment sets it). Its figures judge nothing.
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { config, splitDatabaseUrl } from '../../db/config.js';
import { runBench, stopCurrentChild, type ChildResult } from './goals/child.js';
import {
  FIGURE_LINES,
  STEPS,
  apiRows,
  balancesRows,
  batchedRow,
  lifecycleRow,
  parseApi,
  parseBalances,
  parseLifecycles,
  parseLedgerP99Ms,
  parseTransfersPerSecond,
  pgledgerRow,
  table,
  type Measured,
  type Outcome,
  type Row,
  type Step,
} from './goals/parse.js';
import { withPgledger, type Pgledger } from './goals/pgledger.js';

const WORKERS = 20;
const ACCOUNT_COUNTS = [50, 10] as const;
const BATCH = 1000;

interface Plan {
  rounds: number;
  durationS: number;
  batchRuns: number;
  only: Set<Step>;
  pgledgerDir: string | undefined;
  quick: boolean;
}

function plan(): Plan {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '2' },
      pgledger: { type: 'string' },
      quick: { type: 'boolean', default: false },
      only: { type: 'string', default: STEPS.join(',') },
    },
  });
  const only = values.only.split(',').filter(Boolean);
  const unknown = only.filter((s) => !(STEPS as readonly string[]).includes(s));
  if (unknown.length > 0)
    throw new Error(`--only: unknown ${unknown.join(', ')} (steps: ${STEPS.join(', ')})`);
  const rounds = values.quick ? 1 : Number(values.rounds);
  if (!(Number.isInteger(rounds) && rounds >= 1)) throw new Error('--rounds: a whole number ≥ 1');
  return {
    rounds,
    durationS: values.quick ? 3 : 10,
    batchRuns: values.quick ? 1 : 5,
    only: new Set(only as Step[]),
    pgledgerDir: values.pgledger,
    quick: values.quick,
  };
}

/** This process's environment, with the quick run's settings where the environment sets none. */
function childEnv(quick: boolean, quickDefaults: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  if (quick) for (const [key, value] of Object.entries(quickDefaults)) env[key] ??= value;
  return env;
}

const loads: number[] = [loadavg()[0]!];

function measured(result: ChildResult, withLatency: boolean): Measured {
  loads.push(result.load1);
  const value = parseTransfersPerSecond(result.lines);
  return withLatency
    ? { value, load1: result.load1, p99Ms: parseLedgerP99Ms(result.lines) }
    : { value, load1: result.load1 };
}

function ledgerArgs(accounts: number, durationS: number, batch: number): string[] {
  return ['--accounts', String(accounts), '--workers', String(WORKERS), '--duration', `${durationS}s`].concat(
    batch > 1 ? ['--batch', String(batch)] : [],
  );
}

/** One bench:ledger run. */
async function oursRun(step: 'ledger' | 'batch', args: string[]): Promise<Measured> {
  return measured(
    await runBench(step, 'ledger', args, { env: process.env, figures: FIGURE_LINES[step] }),
    true,
  );
}

/** Ours and pgledger alternated: 50 accounts, then 10, `rounds` times. */
async function ledgerStep(p: Plan, pgledger: Pgledger | null): Promise<Row[]> {
  const ours = new Map<number, Measured[]>(ACCOUNT_COUNTS.map((n) => [n, []]));
  const theirs = new Map<number, Measured[]>(ACCOUNT_COUNTS.map((n) => [n, []]));
  for (let round = 1; round <= p.rounds; round += 1) {
    for (const accounts of ACCOUNT_COUNTS) {
      ours.get(accounts)!.push(await oursRun('ledger', ledgerArgs(accounts, p.durationS, 1)));
      if (pgledger)
        theirs.get(accounts)!.push(measured(await pgledger.run(accounts, WORKERS, p.durationS), false));
    }
  }
  return ACCOUNT_COUNTS.map((n) =>
    pgledgerRow(n, { value: ours.get(n)! }, pgledger ? { value: theirs.get(n)! } : { missing: 'not run' }),
  );
}

async function batchStep(p: Plan): Promise<Row[]> {
  const runs: Measured[] = [];
  for (let i = 0; i < p.batchRuns; i += 1) {
    runs.push(await oursRun('batch', ledgerArgs(ACCOUNT_COUNTS[0], p.durationS, BATCH)));
  }
  return [batchedRow({ value: runs })];
}

/** One run of a bench script with no arguments, its lines parsed by `parse`. */
async function once<T>(
  step: Step,
  quickDefaults: Record<string, string>,
  p: Plan,
  parse: (lines: string[]) => T,
): Promise<Outcome<T & { load1: number }>> {
  const result = await runBench(step, step, [], {
    env: childEnv(p.quick, quickDefaults),
    figures: FIGURE_LINES[step],
  });
  loads.push(result.load1);
  return { value: { ...parse(result.lines), load1: result.load1 } };
}

/** The rows of every step, in order; a step not chosen is "not run", a step whose child failed "failed". */
async function measureAll(p: Plan, pgledger: Pgledger | null): Promise<{ rows: Row[]; failed: boolean }> {
  let failed = false;
  const steps: Array<[Step, () => Promise<Row[]>, (missing: 'not run' | 'failed') => Row[]]> = [
    [
      'ledger',
      () => ledgerStep(p, pgledger),
      (missing) => ACCOUNT_COUNTS.map((n) => pgledgerRow(n, { missing }, { missing })),
    ],
    ['batch', () => batchStep(p), (missing) => [batchedRow({ missing })]],
    [
      'lifecycles',
      async () => [
        lifecycleRow(await once('lifecycles', { BENCH_N: '30', BENCH_ROUNDS: '1' }, p, parseLifecycles)),
      ],
      (missing) => [lifecycleRow({ missing })],
    ],
    [
      'api',
      async () => apiRows(await once('api', { BENCH_SECONDS: '5' }, p, parseApi)),
      (missing) => apiRows({ missing }),
    ],
    [
      'balances',
      async () => balancesRows(await once('balances', { BENCH_LINES_LARGE: '100000' }, p, parseBalances)),
      (missing) => balancesRows({ missing }),
    ],
  ];
  const rows: Row[] = [];
  for (const [step, run, missing] of steps) {
    if (!p.only.has(step)) {
      rows.push(...missing('not run'));
      continue;
    }
    try {
      rows.push(...(await run()));
    } catch (error) {
      console.log(`[${step}] ${(error as Error).message}`);
      failed = true;
      rows.push(...missing('failed'));
    }
  }
  return { rows, failed };
}

async function postgresVersion(adminUrl: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const p = plan();
  const { adminUrl } = splitDatabaseUrl(config.databaseUrl);
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  const machine =
    `commit ${commit}, ${new Date().toISOString()}, Node ${process.version}, ` +
    `PostgreSQL ${await postgresVersion(adminUrl)}, ${cpus().length} CPUs`;
  console.log(`bench:goals: ${machine}${p.quick ? ' (--quick: short runs, for trying the script)' : ''}`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => stopCurrentChild(signal));

  const wantPgledger = p.pgledgerDir !== undefined && p.only.has('ledger');
  const { rows, failed } = wantPgledger
    ? await withPgledger(p.pgledgerDir!, adminUrl, (pgledger) => measureAll(p, pgledger))
    : await measureAll(p, null);

  console.log('');
  console.log(
    `Goals of issue 15: ${machine}, 1-minute load ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`,
  );
  if (p.quick)
    console.log(
      '(--quick: shorter runs than the goals are stated for; the verdicts judge only these figures)',
    );
  console.log(table(rows));
  if (failed) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
