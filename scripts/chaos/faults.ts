// The faults of a chaos run, each on its own schedule inside the fault window: kill -9 of the worker
// once it has been polling for a while (started again after a short pause), a SIGKILL of the Temporal
// dev server (started again on the same port and state file), and cut database connections
// (pg_terminate_backend of every session on the chaos database). Each schedule is bounded in count
// and in time; when the window closes every part of the stack is running again. The worker's kills
// can instead be exact in count: each one after the worker came back and polled a while, however
// long that takes, so a starved machine kills as often as a quiet one (the short run's promise).
import pg from 'pg';
import { PARTNERS, writeOutages, type Partner } from './partners.js';
import type { Random } from './random.js';
import { sleep } from './random.js';
import type { Stack } from './stack.js';

export interface FaultSchedule {
  /**
   * Mean time between two faults of this kind (jittered by ±30 %); 0 disables it. For the worker: how
   * long it has been polling before it is killed (it takes a while to start: it bundles its code).
   */
  everyMs: number;
  /** At most this many in the window. */
  max: number;
}

export interface FaultPlan {
  /**
   * exact: exactly `max` kills, the window notwithstanding (the run's traffic lasts until they are
   * done); each waits for the worker to poll again, and one that does not within WORKER_UP_MS ends
   * the schedule with a problem.
   */
  workerKill: FaultSchedule & { downMs: number; exact?: boolean };
  temporalRestart: FaultSchedule & { downMs: number };
  dbCut: FaultSchedule;
  /** A simulated partner (bank, registry, broker) answering nothing but its outage error for downMs. */
  partnerOutage?: FaultSchedule & { downMs: number; partners?: readonly Partner[] };
}

export interface FaultCounts {
  workerKills: number;
  temporalRestarts: number;
  dbCuts: number;
  /** Sessions pg_terminate_backend ended, over all cuts. */
  backendsTerminated: number;
  /** Partner outages, by partner. */
  partnerOutages: Record<Partner, number>;
  /** When each partner outage was on (epoch ms), to tell which lifecycles it hit. */
  outageWindows: { partner: Partner; from: number; to: number }[];
  /** A fault that could not be injected (e.g. Temporal did not come back), one line each. */
  problems: string[];
}

export interface RunningFaults {
  counts: FaultCounts;
  /** Resolves when every schedule has ended (window over, or its maximum reached). */
  done: Promise<void>;
  /** Resolves when the worker-kill schedule has ended (with `exact`, after its last kill). */
  workerKillsDone: Promise<void>;
  /** Ends the schedules early; resolves once the stack is whole again. */
  stop(): Promise<void>;
}

/** How long a restarted worker may take to poll again (it bundles its code first). */
const WORKER_UP_MS = 90_000;

export function startFaults(
  stack: Stack,
  plan: FaultPlan,
  windowMs: number,
  random: Random,
  log: (line: string) => void,
): RunningFaults {
  const counts: FaultCounts = {
    workerKills: 0,
    temporalRestarts: 0,
    dbCuts: 0,
    backendsTerminated: 0,
    partnerOutages: { bank: 0, registry: 0, broker: 0 },
    outageWindows: [],
    problems: [],
  };
  const started = Date.now();
  const windowEnd = started + windowMs;
  let stopped = false;
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;

  /** Sleeps until `at` or until stop(); false when the schedule should end (`windowed`: window over). */
  const until = async (at: number, windowed = true): Promise<boolean> => {
    while (!stopped && Date.now() < at) await sleep(Math.min(200, at - Date.now()));
    return !stopped && (!windowed || Date.now() < windowEnd);
  };

  async function schedule(name: string, every: FaultSchedule, inject: () => Promise<void>): Promise<void> {
    if (every.everyMs <= 0 || every.max <= 0) return;
    let at = started;
    for (let n = 0; n < every.max; n += 1) {
      at += random.jitter(every.everyMs, 0.3);
      if (!(await until(at))) return;
      try {
        await inject();
      } catch (error) {
        counts.problems.push(`${name} at ${elapsed()}: ${(error as Error).message.split('\n')[0]}`);
      }
    }
  }

  /** Waits until the worker polls again (or stop(), or WORKER_UP_MS); its uptime counts from then. */
  const workerUp = async (): Promise<boolean> => {
    const deadline = Date.now() + WORKER_UP_MS;
    while (!stopped && !stack.worker.ready && Date.now() < deadline) await sleep(100);
    return stack.worker.ready;
  };

  async function workerKills(): Promise<void> {
    const every = plan.workerKill;
    if (every.everyMs <= 0 || every.max <= 0) return;
    const windowed = every.exact !== true;
    for (let n = 0; n < every.max; n += 1) {
      if (!(await workerUp())) {
        if (!stopped) counts.problems.push(`worker kill at ${elapsed()}: the worker did not come up`);
        if (stopped || !windowed || Date.now() >= windowEnd) return;
        continue;
      }
      if (!(await until(Date.now() + random.jitter(every.everyMs, 0.3), windowed))) return;
      await stack.worker.kill9();
      counts.workerKills += 1;
      log(`fault ${elapsed()}: kill -9 worker (#${counts.workerKills})`);
      await sleep(plan.workerKill.downMs);
      stack.worker.start();
    }
  }

  const restartTemporal = async () => {
    await stack.temporal.kill9();
    counts.temporalRestarts += 1;
    log(`fault ${elapsed()}: SIGKILL Temporal (#${counts.temporalRestarts})`);
    await sleep(plan.temporalRestart.downMs);
    const back = Date.now();
    await stack.startTemporal();
    log(`        Temporal answers again after ${((Date.now() - back) / 1000).toFixed(1)} s`);
  };

  const cutDatabase = async () => {
    const admin = new pg.Client({
      connectionString: adminUrl(stack.databaseUrl),
      connectionTimeoutMillis: 5000,
    });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM (
           SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE datname = $1 AND pid <> pg_backend_pid()) AS cut`,
        [stack.databaseName],
      );
      counts.dbCuts += 1;
      counts.backendsTerminated += rows[0]?.n ?? 0;
      log(`fault ${elapsed()}: cut ${rows[0]?.n ?? 0} database connections (#${counts.dbCuts})`);
    } finally {
      await admin.end();
    }
  };

  const partnerOutage = async (outage: NonNullable<FaultPlan['partnerOutage']>) => {
    const choices = outage.partners?.length ? outage.partners : PARTNERS;
    const partner = choices[random.int(0, choices.length - 1)]!;
    writeOutages(stack.partnerOutagesFile, { [partner]: true });
    counts.partnerOutages[partner] += 1;
    log(`fault ${elapsed()}: ${partner} outage for ${(outage.downMs / 1000).toFixed(1)} s`);
    // Ends early when the run stops, so no outage outlives the window.
    const from = Date.now();
    const back = from + outage.downMs;
    while (!stopped && Date.now() < back) await sleep(100);
    writeOutages(stack.partnerOutagesFile, {});
    counts.outageWindows.push({ partner, from, to: Date.now() });
  };

  const outagePlan = plan.partnerOutage;
  const workerKillsDone = workerKills();
  const done = Promise.all([
    workerKillsDone,
    schedule('Temporal restart', plan.temporalRestart, restartTemporal),
    schedule('database cut', plan.dbCut, cutDatabase),
    outagePlan ? schedule('partner outage', outagePlan, () => partnerOutage(outagePlan)) : Promise.resolve(),
  ]).then(() => undefined);

  return {
    counts,
    done,
    workerKillsDone,
    async stop() {
      stopped = true;
      await done;
      // Whatever a schedule left behind: the stack runs whole again.
      writeOutages(stack.partnerOutagesFile, {});
      if (!stack.temporal.running) await stack.startTemporal();
      if (!stack.worker.running) stack.worker.start();
      await stack.worker.waitReady(90_000);
    },
  };
}

function adminUrl(databaseUrl: string): string {
  const parsed = new URL(databaseUrl);
  parsed.pathname = '/postgres';
  return parsed.toString();
}
