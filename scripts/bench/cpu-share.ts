// Where a benchmark's CPU goes, per request, from Linux's /proc: each of the stack's process groups
// (the API server, the worker, the Temporal dev server), every PostgreSQL process, this process
// (the load generator), and the machine as a whole. bench:api prints it per route, so a latency
// goal can be set against what the work costs: at R requests/s a machine of C cores has C·1000/R ms
// of CPU per request in all, whoever spends it.
import { readFileSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** Clock ticks per second of /proc's times (USER_HZ, 100 on Linux). */
const TICK_MS = 10;

interface ProcTimes {
  comm: string;
  pgrp: number;
  cpuMs: number;
}

function procTimes(pid: string): ProcTimes | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    // After "pid (comm) ": state ppid pgrp … utime stime are fields 3 and 12, 13 of the rest (0-based).
    const rest = stat.slice(close + 2).split(' ');
    return { comm, pgrp: Number(rest[2]), cpuMs: (Number(rest[11]) + Number(rest[12])) * TICK_MS };
  } catch {
    return null; // ended meanwhile
  }
}

/** Busy time of the whole machine so far (every CPU's time but idle and iowait), in ms. */
function machineBusyMs(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = fields as number[];
  return (user! + nice! + system! + irq! + softirq! + steal!) * TICK_MS;
}

export type CpuSnapshot = Map<string, number>;

/**
 * CPU used so far by each named process group (the group's live processes), by every process named
 * `postgres`, by this process and by the machine, in ms.
 */
export function cpuSnapshot(groups: Record<string, number | null>): CpuSnapshot {
  const snapshot: CpuSnapshot = new Map();
  const byGroup = new Map<number, string>();
  for (const [name, pgid] of Object.entries(groups)) {
    snapshot.set(name, 0);
    if (pgid !== null) byGroup.set(pgid, name);
  }
  snapshot.set('PostgreSQL', 0);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const times = procTimes(entry);
    if (!times) continue;
    const group = byGroup.get(times.pgrp);
    if (group !== undefined) snapshot.set(group, snapshot.get(group)! + times.cpuMs);
    else if (times.comm === 'postgres') snapshot.set('PostgreSQL', snapshot.get('PostgreSQL')! + times.cpuMs);
  }
  const own = process.cpuUsage();
  snapshot.set('load generator', (own.user + own.system) / 1000);
  snapshot.set('machine', machineBusyMs());
  return snapshot;
}

/** The CPU `name` (a group, 'PostgreSQL', 'load generator' or 'machine') used per request, in ms. */
export function cpuPerRequest(
  before: CpuSnapshot,
  after: CpuSnapshot,
  name: string,
  requests: number,
): number {
  return (after.get(name)! - before.get(name)!) / Math.max(requests, 1);
}

/** One line: each part's CPU per request between two snapshots, and what the machine has per request. */
export function cpuShareLine(
  before: CpuSnapshot,
  after: CpuSnapshot,
  requests: number,
  ratePerSecond: number,
): string {
  const perRequest = (name: string) => cpuPerRequest(before, after, name, requests).toFixed(2);
  const parts = [...after.keys()]
    .filter((name) => name !== 'machine')
    .map((name) => `${name} ${perRequest(name)}`);
  const cores = availableParallelism();
  return (
    `CPU ms/request: ${parts.join(', ')}; machine ${perRequest('machine')} ` +
    `(${cores} cores at ${ratePerSecond}/s have ${((cores * 1000) / ratePerSecond).toFixed(1)})`
  );
}
