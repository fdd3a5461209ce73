// Event-loop delay and garbage-collection pauses of the server, for benchmarks (issue 15: what makes
// the read tail). Off unless LOOP_STATS_FILE names a file; then each SIGUSR2 appends one JSON line
// with what happened since the previous signal (or the start) and starts counting again:
//   {"atMs","sinceMs","delayMs":{"p50","p99","max"},"gc":{"<kind>":{"count","totalMs","maxMs"}}}
// npm run bench:api sends the signal before and after each route. prom-client's default metrics
// have a delay histogram too, but they keep only the first GC of each batch the observer delivers
// and no pause maximum, which is what a tail needs.
import { appendFileSync } from 'node:fs';
import { PerformanceObserver, constants, monitorEventLoopDelay, type EntryType } from 'node:perf_hooks';

/** How finely the loop is sampled (ms): a stall shorter than this may go unseen. */
const RESOLUTION_MS = 5;

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

interface GcKind {
  count: number;
  totalMs: number;
  maxMs: number;
}

const round = (ms: number) => Math.round(ms * 100) / 100;

/**
 * The histogram holds the time between two of its timer's runs, the sampling interval included
 * (an idle loop reads ~5.2 ms): what is reported is the delay beyond it.
 */
const delayMs = (intervalNs: number) => round(Math.max(0, intervalNs / 1e6 - RESOLUTION_MS));

/** Starts recording when `file` is set (LOOP_STATS_FILE); returns a stop function. */
export function startLoopStats(file: string | undefined = process.env.LOOP_STATS_FILE): () => void {
  if (!file) return () => undefined;
  const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  delay.enable();
  let gc: Record<string, GcKind> = {};
  let sinceMs = Date.now();
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = GC_KINDS[(entry as { detail?: { kind?: number } }).detail?.kind ?? -1] ?? 'other';
      const stats = (gc[kind] ??= { count: 0, totalMs: 0, maxMs: 0 });
      stats.count += 1;
      stats.totalMs += entry.duration;
      stats.maxMs = Math.max(stats.maxMs, entry.duration);
    }
  });
  observer.observe({ entryTypes: ['gc' as EntryType] });
  const report = () => {
    const nowMs = Date.now();
    const line = {
      atMs: nowMs,
      sinceMs,
      delayMs: {
        p50: delayMs(delay.percentile(50)),
        p99: delayMs(delay.percentile(99)),
        max: delayMs(delay.max),
      },
      gc: Object.fromEntries(
        Object.entries(gc).map(([kind, s]) => [
          kind,
          { count: s.count, totalMs: round(s.totalMs), maxMs: round(s.maxMs) },
        ]),
      ),
    };
    appendFileSync(file, `${JSON.stringify(line)}\n`);
    delay.reset();
    gc = {};
    sinceMs = nowMs;
  };
  process.on('SIGUSR2', report);
  return () => {
    process.off('SIGUSR2', report);
    observer.disconnect();
    delay.disable();
  };
}
