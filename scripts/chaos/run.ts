// One chaos run from start to end: its own stack, the users, the lifecycles arriving spread over the
// fault window while the faults hit, a bounded settle, the end-state checks, the summary. The stack
// is stopped whatever happens. Used by `npm run chaos` (scripts/chaos.ts) and tests/chaos.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { insertUser } from '../../db/users/index.js';
import { hashPassword } from '../../db/users/passwords.js';
import { ensureClientAccounts, ensureSystemAccounts, postEntry } from '../../db/ledger/index.js';
import { registryTransferIn } from '../../domain/postings.js';
import type { Role } from '../../domain/roles.js';
import { ensureTemporalCli } from '../temporal-cli.js';
import { checkEndState, failuresOf } from './check.js';
import {
  ApiClient,
  DEFAULT_RETRY_POLICY,
  RequestStats,
  type Credentials,
  type RetryPolicy,
  type Session,
} from './client.js';
import { startFaults, type FaultPlan } from './faults.js';
import { seededRandom, sleep } from './random.js';
import { formatReport, type ChaosSummary } from './report.js';
import {
  needsCounterparty,
  planKinds,
  runLifecycle,
  type ClientAccount,
  type Lifecycle,
  type LifecycleKind,
  type ScenarioWorld,
} from './scenarios/index.js';
import { startStack } from './stack.js';
import { CHAOS_FEES, type TransferIn } from './check-model.js';
import { CHAOS_CERTIFICATE_FOUR_EYES } from './scenarios/registry.js';

export interface ChaosOptions {
  lifecycles: number;
  seed: number;
  /** Lifecycles start spread over this window... */
  durationMs: number;
  /** ...and the faults hit inside this one (default: the same). */
  faultWindowMs?: number;
  /** At most this many lifecycles in flight at once. */
  maxInFlight: number;
  /** How long one lifecycle may take in all before it counts as stopped. */
  lifecycleBudgetMs: number;
  /** After the faults and the traffic: how long the end state may take to settle. */
  settleMs: number;
  pollMs: number;
  faults: FaultPlan;
  retry: RetryPolicy;
  mix?: Readonly<Record<LifecycleKind, number>>;
  /** A URL of the PostgreSQL server (its database name is replaced by the run's own). */
  postgresUrl: string;
  /** Keep the database and the logs afterwards. */
  keep: boolean;
  log: (line: string) => void;
}

export interface ChaosResult extends ChaosSummary {
  report: string;
  ok: boolean;
}

/** Short durations so lifecycles end in seconds (a clean deposit clears after 1.5 s). */
export const CHAOS_POLICY_ENV: Record<string, string> = {
  DEPOSIT_POLICY_JSON: JSON.stringify({
    announcementWindowMs: 3_600_000,
    shortHoldMs: 1_500,
    longHoldMs: 3_000,
    amlReviewDueMs: 3_600_000,
  }),
  WITHDRAWAL_POLICY_JSON: JSON.stringify({
    fourEyesThreshold: { EUR: '500.00', USD: '500.00' },
    approvalSlaMs: 3_600_000,
    payoutTimeoutMs: 5_000,
  }),
  KYC_POLICY_JSON: JSON.stringify({ approvalValidityMs: 24 * 3_600_000, reviewDueMs: 3_600_000 }),
  // Transfers out at or above 50 certificates need two approvers (scenarios/registry.ts draws 10–100).
  CERTIFICATE_TRANSFER_POLICY_JSON: JSON.stringify({
    fourEyesThreshold: {
      EUA: String(CHAOS_CERTIFICATE_FOUR_EYES),
      CEA: String(CHAOS_CERTIFICATE_FOUR_EYES),
    },
    deliveryTimeoutMs: 5_000,
  }),
  // Settlement in seconds: a registry outage longer than the delivery window makes a settlement
  // FAILING, which operations retry (scenarios/settlement.ts); the client confirms long before the
  // confirmation window would. The batches' Schedule is far away (off below, too).
  SETTLEMENT_POLICY_JSON: JSON.stringify({
    calendar: { kind: 'interval', everySeconds: 86_400 },
    progressPollMs: 300,
    deliveryRetryWindowMs: 3_000,
    confirmationWindowMs: 3_600_000,
    expectedProcessMs: 5_000,
    expectedDeliveryMs: 30_000,
  }),
  // The internal reconciliation's nightly Schedule stays off: a run it started would be a lifecycle
  // no script drove.
  RECONCILIATION_SCHEDULE: '0',
  // Settlement batches run when a scenario starts them, not on the worker's Schedule: a batch the
  // scripts did not ask for would move balances no lifecycle's script implies.
  SETTLEMENT_SCHEDULE: '0',
  // The fees the checker's model charges (check-model.ts CHAOS_FEES), said here rather than assumed.
  TRADING_POLICY_JSON: JSON.stringify(CHAOS_FEES),
  // The run measures fault tolerance, not the per-IP budget (every client shares 127.0.0.1).
  API_RATE_LIMIT_PER_MINUTE: '0',
};

export const DEFAULT_OPTIONS: Omit<ChaosOptions, 'postgresUrl' | 'log'> = {
  lifecycles: 120,
  seed: 1,
  durationMs: 90_000,
  maxInFlight: 24,
  lifecycleBudgetMs: 120_000,
  settleMs: 60_000,
  pollMs: 500,
  faults: {
    workerKill: { everyMs: 5_000, max: 50, downMs: 1_000 },
    temporalRestart: { everyMs: 40_000, max: 5, downMs: 2_000 },
    dbCut: { everyMs: 5_000, max: 100 },
    partnerOutage: { everyMs: 15_000, max: 20, downMs: 4_000 },
  },
  retry: DEFAULT_RETRY_POLICY,
  keep: false,
};

const CHEAP_SCRYPT = { N: 1024, r: 8, p: 1 };

/** Users written straight into the database, as api/testing.ts does (cheap hashes, unique emails). */
async function createUsers(pool: pg.Pool, role: Role, count: number): Promise<ClientAccount[]> {
  const made: ClientAccount[] = [];
  for (let i = 0; i < count; i += 1) {
    const email = `chaos-${role}-${i}-${randomUUID().slice(0, 8)}@chaos.example`;
    const password = `pw-${randomUUID()}`;
    const id = await insertUser(pool, {
      email,
      passwordHash: await hashPassword(password, CHEAP_SCRYPT),
      role,
      displayName: `Chaos ${role} ${i}`,
    });
    if (!id) throw new Error(`could not create a ${role}`);
    made.push({ id, email, password });
  }
  return made;
}

/**
 * Starts the lifecycles spread over the window, at most `maxInFlight` at once; resolves when all
 * ended. The last one starts no sooner than `lastAfter` (exact worker kills: traffic lasts until
 * they are done, and the last lifecycle runs on the worker they left).
 */
async function drive(
  world: ScenarioWorld,
  lifecycles: Lifecycle[],
  options: ChaosOptions,
  lastAfter: Promise<void>,
): Promise<void> {
  const started = Date.now();
  const gapMs = options.durationMs / Math.max(1, lifecycles.length);
  const hardStop = started + options.durationMs + options.lifecycleBudgetMs + 60_000;
  let lastMayStart = false;
  void lastAfter.then(() => (lastMayStart = true));
  let inFlight = 0;
  const running: Promise<void>[] = [];
  for (const lifecycle of lifecycles) {
    const at = started + lifecycle.index * gapMs;
    const held = () => lifecycle.index === lifecycles.length - 1 && !lastMayStart;
    while ((Date.now() < at || inFlight >= options.maxInFlight || held()) && Date.now() < hardStop)
      await sleep(50);
    inFlight += 1;
    const random = seededRandom(options.seed * 7919 + lifecycle.index + 1);
    running.push(runLifecycle(world, lifecycle, random).finally(() => (inFlight -= 1)));
  }
  await Promise.all(running);
}

export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const { log } = options;
  const started = Date.now();
  const cli = await ensureTemporalCli(log);
  const stack = await startStack({
    postgresUrl: options.postgresUrl,
    temporalCli: cli,
    env: CHAOS_POLICY_ENV,
    log,
    keep: options.keep,
  });
  let progress: NodeJS.Timeout | undefined;
  try {
    await ensureSystemAccounts(stack.pool);
    const [ops, ops2] = await createUsers(stack.pool, 'operations', 2);
    const [aml] = await createUsers(stack.pool, 'aml_officer', 1);
    const [auditor] = await createUsers(stack.pool, 'auditor', 1);
    if (!ops || !ops2 || !aml || !auditor) throw new Error('the staff could not be created');
    const kinds = planKinds(options.lifecycles, seededRandom(options.seed), options.mix);
    const clients = await createUsers(stack.pool, 'client', options.lifecycles);
    const counterparties = await createUsers(stack.pool, 'client', kinds.filter(needsCounterparty).length);
    const stats = new RequestStats();
    const api = new ApiClient(stack.apiUrl, stats, options.retry, seededRandom(options.seed ^ 0x5eed));
    const login = (who: Credentials) => api.login(who);
    const staff = {
      ops: await login(ops),
      ops2: await login(ops2),
      aml: await login(aml),
      auditor: await login(auditor),
    };

    let nextCounterparty = 0;
    const lifecycles: Lifecycle[] = kinds.map((kind, index) => ({
      index,
      kind,
      client: clients[index]!,
      counterparty: needsCounterparty(kind) ? counterparties[nextCounterparty++]! : null,
      resources: [],
      lostCreates: [],
      failure: null,
      failureKind: null,
      startedAt: 0,
      endedAt: null,
    }));
    const transfersIn: TransferIn[] = [];
    const accounts = new Map([...clients, ...counterparties].map((c) => [c.id, c]));
    const sessions = new Map<string, Promise<Session | null>>();
    const world: ScenarioWorld = {
      api,
      staff,
      lifecycles,
      sessionOf(clientId) {
        const account = accounts.get(clientId);
        if (!account) return Promise.resolve(null);
        let session = sessions.get(clientId);
        if (!session) {
          // One sign-in per client; a failed one is tried again by the next caller.
          session = api.login(account).catch((error: unknown) => {
            sessions.delete(clientId);
            throw error;
          });
          sessions.set(clientId, session);
        }
        return session;
      },
      lifecycleBudgetMs: options.lifecycleBudgetMs,
      pollMs: options.pollMs,
      transferIn: async (clientId, asset, quantity) => {
        // The harness's connections are cut too: retried, once per client and asset by its key.
        for (let attempt = 1; ; attempt += 1) {
          try {
            await ensureClientAccounts(stack.pool, clientId, asset);
            await postEntry(stack.pool, {
              idempotencyKey: `chaos/registry-transfer-in/${clientId}/${asset}`,
              ...registryTransferIn(clientId, asset, quantity, `chaos-${clientId.slice(0, 8)}`),
            });
            break;
          } catch (error) {
            if (attempt >= 20) throw error;
            await sleep(250 * attempt);
          }
        }
        transfersIn.push({ clientId, asset, quantity });
      },
    };

    log(
      `${options.lifecycles} lifecycles over ${options.durationMs / 1000} s, seed ${options.seed}, ` +
        `retry budget ${options.retry.budgetMs / 1000} s, lifecycle budget ${options.lifecycleBudgetMs / 1000} s`,
    );
    const trafficStarted = Date.now();
    progress = setInterval(() => {
      const begun = lifecycles.filter((l) => l.startedAt > 0).length;
      const ended = lifecycles.filter((l) => l.endedAt !== null).length;
      log(
        `  ${((Date.now() - trafficStarted) / 1000).toFixed(0)} s: ${begun} started, ${ended} ended, ${stats.retries} retries`,
      );
    }, 10_000);
    const faults = startFaults(
      stack,
      options.faults,
      options.faultWindowMs ?? options.durationMs,
      seededRandom(options.seed + 1),
      log,
    );
    const lastAfter = options.faults.workerKill.exact ? faults.workerKillsDone : Promise.resolve();
    try {
      await Promise.all([drive(world, lifecycles, options, lastAfter), faults.done]);
    } finally {
      await faults.stop();
    }
    const trafficMs = Date.now() - trafficStarted;
    clearInterval(progress);
    log(
      `traffic and faults over after ${(trafficMs / 1000).toFixed(1)} s; settling (at most ${options.settleMs / 1000} s)`,
    );

    const end = await checkEndState({
      stack,
      api,
      staff,
      lifecycles,
      transfersIn,
      settleMs: options.settleMs,
      pollMs: options.pollMs,
      log,
    });
    const summary: ChaosSummary = {
      seed: options.seed,
      retryBudgetMs: options.retry.budgetMs,
      lifecycles,
      faults: faults.counts,
      crashes: { ...stack.supervisedRestarts },
      stats,
      end,
      failures: failuresOf(end),
      elapsedMs: Date.now() - started,
      trafficMs,
    };
    return { ...summary, report: formatReport(summary), ok: summary.failures.length === 0 };
  } finally {
    clearInterval(progress);
    await stack.stop();
  }
}
