// The supervisor of the stack's Temporal dev server, as a cluster's would be of a frontend that stops
// answering: a dev server whose SQLite store wedges (seen under load 19 on the shared machine: every
// store operation failing with "interrupted (9)", the namespace "not found", the process alive and
// never recovering) is killed and started again on the same file. A restart the faults make
// (faults.ts) is theirs: while the process is down or starting, the watchdog only waits.
import { sleep } from '../random.js';
import type { ManagedProcess } from './processes.js';

export interface TemporalWatchdogOptions {
  temporal: ManagedProcess;
  /** True while someone (the start, a fault) is starting it: not a wedge. */
  starting(): boolean;
  /** Whether it answers (getSystemInfo and describeNamespace, temporal.ts temporalAnswers). */
  answers(): Promise<boolean>;
  /** kill -9 and start again on the same file; resolves once it answers. */
  restart(): Promise<void>;
  stopping(): boolean;
  log: (line: string) => void;
  /** Not answering this long while running counts as wedged. */
  wedgedAfterMs?: number;
  probeEveryMs?: number;
  /** At most this many restarts by the watchdog. */
  maxRestarts?: number;
}

export interface TemporalWatchdog {
  /** Restarts it made, each one of a server that stopped answering. */
  readonly restarts: number;
  stop(): Promise<void>;
}

const PROBE_TIMEOUT_MS = 5_000;

async function answersWithin(answers: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  try {
    return await Promise.race([answers().catch(() => false), late]);
  } finally {
    clearTimeout(timer);
  }
}

export function watchTemporal(options: TemporalWatchdogOptions): TemporalWatchdog {
  const wedgedAfterMs = options.wedgedAfterMs ?? 45_000;
  const probeEveryMs = options.probeEveryMs ?? 5_000;
  const maxRestarts = options.maxRestarts ?? 10;
  let restarts = 0;
  let stopped = false;
  const loop = (async () => {
    let silentSince: number | null = null;
    while (!stopped && !options.stopping() && restarts < maxRestarts) {
      await sleep(probeEveryMs);
      if (stopped || options.stopping()) break;
      if (!options.temporal.running || options.starting()) {
        silentSince = null;
        continue;
      }
      if (await answersWithin(options.answers, PROBE_TIMEOUT_MS)) {
        silentSince = null;
        continue;
      }
      silentSince ??= Date.now();
      if (Date.now() - silentSince < wedgedAfterMs || options.starting()) continue;
      restarts += 1;
      options.log(
        `Temporal has not answered for ${Math.round((Date.now() - silentSince) / 1000)} s while running; restarting it (watchdog #${restarts})`,
      );
      silentSince = null;
      await options
        .restart()
        .catch((error: Error) => options.log(`Temporal did not come back: ${error.message.split('\n')[0]}`));
    }
  })();
  return {
    get restarts() {
      return restarts;
    },
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
