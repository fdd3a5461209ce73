// npm run chaos — mixed lifecycles against a stack of its own while the worker is killed, Temporal is
// restarted and database connections are cut; then the end state is checked. Exits 1 when any
// lifecycle is stuck or any check fails. The flags are in USAGE below (`npm run chaos -- --help`).
import { parseArgs } from 'node:util';
import { retryPolicyWithBudget } from './chaos/client.js';
import { DEFAULT_OPTIONS, runChaos, type ChaosOptions } from './chaos/run.js';
import { DEFAULT_MIX, LIFECYCLE_KINDS } from './chaos/scenarios/index.js';

const USAGE = `npm run chaos -- [flags]   (each flag also as the CHAOS_* variable beside it)

  --lifecycles N             CHAOS_LIFECYCLES          (120)
  --duration S               CHAOS_DURATION_S          arrivals and faults spread over S seconds (90)
  --fault-window S           CHAOS_FAULT_WINDOW_S      faults over S seconds (the duration)
  --seed N                   CHAOS_SEED                (1)
  --max-in-flight N          CHAOS_MAX_IN_FLIGHT       (24)
  --retry-budget S           CHAOS_RETRY_BUDGET_S      how long the client retries one request through
                                                       503s, resets and 429s before it gives up (60);
                                                       the attempt limit scales with it
  --settle S                 CHAOS_SETTLE_S            bounded settle time after the faults
                                                       (60, or the retry budget when that is longer)
  --lifecycle-budget S       CHAOS_LIFECYCLE_BUDGET_S  one lifecycle's time limit
                                                       (120, or twice the retry budget when longer)
  --worker-kill-every S      CHAOS_WORKER_KILL_EVERY_S mean seconds the worker polls before a kill, 0 = none (5)
  --worker-kills N           CHAOS_WORKER_KILLS        at most N (50)
  --exact-worker-kills       CHAOS_EXACT_WORKER_KILLS=1  exactly N kills, each after the worker came
                                                       back, whatever the window; the traffic lasts
                                                       until they are done
  --temporal-restart-every S CHAOS_TEMPORAL_RESTART_EVERY_S (40)
  --temporal-restarts N      CHAOS_TEMPORAL_RESTARTS   (5)
  --db-cut-every S           CHAOS_DB_CUT_EVERY_S      (5)
  --db-cuts N                CHAOS_DB_CUTS             (100)
  --partner-outage-every S   CHAOS_PARTNER_OUTAGE_EVERY_S  a bank, registry or broker outage (15)
  --partner-outages N        CHAOS_PARTNER_OUTAGES     (20)
  --kinds a,b                CHAOS_KINDS               only lifecycle kinds starting with one of these
                                                       (e.g. order,withdrawal_paid); default every kind
  --faults a,b               CHAOS_FAULTS              which faults: worker,temporal,db,partners (all)
  --keep                     CHAOS_KEEP=1              keep the database and the logs
  --help                                               this text

The PostgreSQL server comes from CHAOS_DATABASE_URL or DATABASE_URL (only host and credentials are
used: the run creates and drops its own clearhouse_chaos_<random> database).
`;

const FLAGS = {
  lifecycles: 'CHAOS_LIFECYCLES',
  duration: 'CHAOS_DURATION_S',
  'fault-window': 'CHAOS_FAULT_WINDOW_S',
  seed: 'CHAOS_SEED',
  'max-in-flight': 'CHAOS_MAX_IN_FLIGHT',
  'retry-budget': 'CHAOS_RETRY_BUDGET_S',
  settle: 'CHAOS_SETTLE_S',
  'lifecycle-budget': 'CHAOS_LIFECYCLE_BUDGET_S',
  'worker-kill-every': 'CHAOS_WORKER_KILL_EVERY_S',
  'worker-kills': 'CHAOS_WORKER_KILLS',
  'temporal-restart-every': 'CHAOS_TEMPORAL_RESTART_EVERY_S',
  'temporal-restarts': 'CHAOS_TEMPORAL_RESTARTS',
  'db-cut-every': 'CHAOS_DB_CUT_EVERY_S',
  'db-cuts': 'CHAOS_DB_CUTS',
  'partner-outage-every': 'CHAOS_PARTNER_OUTAGE_EVERY_S',
  'partner-outages': 'CHAOS_PARTNER_OUTAGES',
} as const;
const FAULT_NAMES = ['worker', 'temporal', 'db', 'partners'] as const;
type Flag = keyof typeof FLAGS;

function readOptions(): ChaosOptions | null {
  const { values } = parseArgs({
    options: {
      ...(Object.fromEntries(Object.keys(FLAGS).map((flag) => [flag, { type: 'string' }])) as Record<
        Flag,
        { type: 'string' }
      >),
      keep: { type: 'boolean' },
      'exact-worker-kills': { type: 'boolean' },
      help: { type: 'boolean' },
      kinds: { type: 'string' },
      faults: { type: 'string' },
    },
    strict: true,
  });
  if (values.help) return null;
  const number = (flag: Flag, fallback: number): number => {
    const text = values[flag] ?? process.env[FLAGS[flag]];
    if (text === undefined || text === '') return fallback;
    const parsed = Number(text);
    if (!Number.isFinite(parsed) || parsed < 0)
      throw new Error(`--${flag} must be a number ≥ 0, not "${text}"`);
    return parsed;
  };
  const seconds = (flag: Flag, fallbackMs: number) => Math.round(number(flag, fallbackMs / 1000) * 1000);
  const d = DEFAULT_OPTIONS;
  const lifecycles = Math.floor(number('lifecycles', d.lifecycles));
  const durationMs = seconds('duration', d.durationMs);
  if (lifecycles < 1) throw new Error('--lifecycles must be at least 1');
  const retryBudgetMs = seconds('retry-budget', d.retry.budgetMs);
  if (retryBudgetMs < 1000) throw new Error('--retry-budget must be at least 1 s');
  const retry = retryPolicyWithBudget(retryBudgetMs, d.retry);
  const list = (text: string | undefined) =>
    text === undefined || text.trim() === ''
      ? null
      : text
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean);
  const kindPrefixes = list(values.kinds ?? process.env.CHAOS_KINDS);
  const mix = kindPrefixes
    ? (Object.fromEntries(
        LIFECYCLE_KINDS.map((kind) => [
          kind,
          kindPrefixes.some((p) => kind.startsWith(p)) ? (DEFAULT_MIX[kind] ?? 0) : 0,
        ]),
      ) as typeof DEFAULT_MIX)
    : undefined;
  if (mix && Object.values(mix).every((w) => w === 0))
    throw new Error(`--kinds matches no lifecycle kind (${LIFECYCLE_KINDS.join(', ')})`);
  const faultNames = list(values.faults ?? process.env.CHAOS_FAULTS) ?? [...FAULT_NAMES];
  for (const name of faultNames)
    if (!(FAULT_NAMES as readonly string[]).includes(name))
      throw new Error(`--faults: "${name}" is none of ${FAULT_NAMES.join(', ')}`);
  const on = (name: (typeof FAULT_NAMES)[number]) => faultNames.includes(name);
  const outage = d.faults.partnerOutage ?? { everyMs: 15_000, max: 20, downMs: 4_000 };
  return {
    ...d,
    lifecycles,
    seed: Math.floor(number('seed', d.seed)),
    durationMs,
    faultWindowMs: seconds('fault-window', durationMs),
    maxInFlight: Math.max(1, Math.floor(number('max-in-flight', d.maxInFlight))),
    retry,
    // A machine slow enough to need a long retry budget is slow to settle, too; and a lifecycle
    // must outlive one request's retries, or the budget would never be spent.
    settleMs: seconds('settle', Math.max(d.settleMs, retry.budgetMs)),
    lifecycleBudgetMs: seconds('lifecycle-budget', Math.max(d.lifecycleBudgetMs, 2 * retry.budgetMs)),
    mix,
    faults: {
      workerKill: {
        ...d.faults.workerKill,
        everyMs: on('worker') ? seconds('worker-kill-every', d.faults.workerKill.everyMs) : 0,
        max: Math.floor(number('worker-kills', d.faults.workerKill.max)),
        exact: values['exact-worker-kills'] === true || process.env.CHAOS_EXACT_WORKER_KILLS === '1',
      },
      temporalRestart: {
        ...d.faults.temporalRestart,
        everyMs: on('temporal') ? seconds('temporal-restart-every', d.faults.temporalRestart.everyMs) : 0,
        max: Math.floor(number('temporal-restarts', d.faults.temporalRestart.max)),
      },
      dbCut: {
        everyMs: on('db') ? seconds('db-cut-every', d.faults.dbCut.everyMs) : 0,
        max: Math.floor(number('db-cuts', d.faults.dbCut.max)),
      },
      partnerOutage: {
        ...outage,
        everyMs: on('partners') ? seconds('partner-outage-every', outage.everyMs) : 0,
        max: Math.floor(number('partner-outages', outage.max)),
      },
    },
    keep: values.keep === true || process.env.CHAOS_KEEP === '1',
    postgresUrl:
      process.env.CHAOS_DATABASE_URL ??
      process.env.DATABASE_URL ??
      'postgres://postgres@127.0.0.1:5432/postgres',
    log: (line) => process.stdout.write(`${line}\n`),
  };
}

async function main(): Promise<number> {
  const options = readOptions();
  if (!options) {
    process.stdout.write(USAGE);
    return 0;
  }
  const result = await runChaos(options);
  process.stdout.write(`\n${result.report}\n`);
  return result.ok ? 0 : 1;
}

// Ctrl-C: exit, and the stack's exit hook kills every child it started.
process.once('SIGINT', () => process.exit(130));
process.once('SIGTERM', () => process.exit(143));

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`chaos run failed: ${(error as Error)?.stack ?? error}\n`);
    process.exit(2);
  },
);
