// The summary a chaos run prints: lifecycles by kind and final state, the stuck ones with their id and
// last status, the faults injected, requests by answer, retries, the end-state checks and the time.
import type { EndState } from './check.js';
import type { RequestStats } from './client.js';
import type { FaultCounts } from './faults.js';
import { descriptorOf, LIFECYCLE_KINDS, reached, type Lifecycle } from './scenarios/index.js';

export interface ChaosSummary {
  seed: number;
  /** How long the client retried one request before giving up. */
  retryBudgetMs: number;
  lifecycles: Lifecycle[];
  faults: FaultCounts;
  /**
   * Restarts of a worker or server that died by itself (not one the faults killed), and of a
   * Temporal dev server that stopped answering while running.
   */
  crashes: { worker: number; server: number; temporal: number };
  stats: RequestStats;
  end: EndState;
  failures: string[];
  elapsedMs: number;
  trafficMs: number;
}

const LIST_LIMIT = 25;

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

function limited(title: string, lines: readonly string[]): string[] {
  if (lines.length === 0) return [];
  const shown = lines.slice(0, LIST_LIMIT).map((l) => `  ${l}`);
  const more = lines.length > LIST_LIMIT ? [`  ... and ${lines.length - LIST_LIMIT} more`] : [];
  return ['', `${title} (${lines.length}):`, ...shown, ...more];
}

/** The status a lifecycle ended in: its main resource's, or where it stopped before creating it. */
function finalStatusOf(lifecycle: Lifecycle): string {
  const type = descriptorOf(lifecycle.kind).mainType;
  // The last of its type: a transfer out comes after the transfer in that funded it.
  const main = lifecycle.resources.findLast((r) => r.type === type);
  if (main) return main.lastStatus ?? 'unknown';
  const off = lifecycle.resources.find((r) => !reached(r));
  return off ? `no ${type}: ${off.type} ${off.lastStatus}` : `no ${type}`;
}

/** A stop reason without ids and attempt counts, so equal causes group together. */
function causeOf(failure: string | null): string {
  if (!failure) return '(no step failed: a timer or the worker did not finish)';
  return failure.replace(/ after \d+ attempts/, '').replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<id>');
}

/**
 * Per partner: the lifecycles going through it (their descriptor's `partners`) that were in flight
 * during one of its outages, by kind, and how many of them still ended where they should.
 */
function outageHits(s: ChaosSummary, stuck: ReadonlySet<number>): string[] {
  const lines: string[] = [];
  for (const partner of ['bank', 'registry', 'broker'] as const) {
    const windows = s.faults.outageWindows.filter((w) => w.partner === partner);
    if (windows.length === 0) continue;
    const hit = s.lifecycles.filter(
      (l) =>
        descriptorOf(l.kind).partners.includes(partner) &&
        l.startedAt > 0 &&
        windows.some((w) => l.startedAt <= w.to && (l.endedAt ?? Number.POSITIVE_INFINITY) >= w.from),
    );
    const byKind = new Map<string, number>();
    for (const l of hit) byKind.set(l.kind, (byKind.get(l.kind) ?? 0) + 1);
    lines.push(
      `  ${partner} outages were on while ${hit.length} lifecycle(s) through it ran` +
        (hit.length
          ? ` (${[...byKind].map(([kind, n]) => `${kind} ${n}`).join(', ')}); ${hit.filter((l) => !stuck.has(l.index)).length} of them ended as intended`
          : ''),
    );
  }
  return lines;
}

export function formatReport(s: ChaosSummary): string {
  const out: string[] = [];
  const stuck = new Set(s.end.stuck.map((x) => x.index));
  out.push(
    `chaos run, seed ${s.seed}, retry budget ${s.retryBudgetMs / 1000} s: ${s.lifecycles.length} lifecycles`,
    '',
  );

  const rows = LIFECYCLE_KINDS.map((kind) => {
    const of = s.lifecycles.filter((l) => l.kind === kind);
    const finals = new Map<string, number>();
    for (const l of of) finals.set(finalStatusOf(l), (finals.get(finalStatusOf(l)) ?? 0) + 1);
    return [
      kind,
      String(of.length),
      descriptorOf(kind).intended,
      String(of.filter((l) => stuck.has(l.index)).length),
      [...finals].map(([status, n]) => `${status} ${n}`).join(', '),
    ];
  }).filter((row) => row[1] !== '0');
  out.push(...table(['kind', 'n', 'intended', 'stuck', 'final states'], rows));

  out.push(
    ...limited(
      'stuck',
      s.end.stuck.map((x) => {
        const r = x.resource;
        const where = r
          ? `${r.type} ${r.id} last ${r.lastStatus} (intended ${r.intended})`
          : 'every resource it made is in place, but it stopped before making the next';
        return `#${x.index} ${x.kind}: ${where}${x.failure ? ` — stopped at ${x.failure}` : ''}`;
      }),
    ),
  );
  const causes = new Map<string, number>();
  for (const x of s.end.stuck) causes.set(causeOf(x.failure), (causes.get(causeOf(x.failure)) ?? 0) + 1);
  out.push(
    ...limited(
      'stuck, by the step that stopped them',
      [...causes].sort((a, b) => b[1] - a[1]).map(([cause, n]) => `${String(n).padStart(4)}  ${cause}`),
    ),
  );
  out.push(
    ...limited(
      'reached the intended state after an answer the contract does not allow',
      s.end.wrongAnswers.map((x) => `#${x.index} ${x.kind}: ${x.failure}`),
    ),
  );

  const f = s.faults;
  out.push(
    '',
    `faults: ${f.workerKills} worker kill -9, ${f.temporalRestarts} Temporal restarts, ${f.dbCuts} database cuts ` +
      `(${f.backendsTerminated} connections terminated), partner outages: bank ${f.partnerOutages.bank}, registry ${f.partnerOutages.registry}, broker ${f.partnerOutages.broker}; ` +
      `crashed by themselves: worker ${s.crashes.worker}, server ${s.crashes.server}; ` +
      `Temporal restarted after it stopped answering: ${s.crashes.temporal}`,
    ...f.problems.map((p) => `  fault problem: ${p}`),
    ...outageHits(s, stuck),
  );

  const answers = [...s.stats.answers].sort((a, b) => b[1] - a[1]);
  const attempts = answers.reduce((sum, [, n]) => sum + n, 0);
  out.push(
    '',
    `requests: ${s.stats.logicalRequests} logical, ${attempts} attempts, ${s.stats.retries} retries, ` +
      `${s.stats.gaveUp} gave up retrying, ${s.stats.reLogins} re-logins`,
    ...table(
      ['answer', 'count'],
      answers.map(([code, n]) => [code, String(n)]),
    ).map((l) => `  ${l}`),
  );

  const e = s.end;
  out.push(
    '',
    `end state (settled in ${(e.settledInMs / 1000).toFixed(1)} s): ` +
      `trial balance ${e.trialBalance ? `balanced=${e.trialBalance.balanced} accountsMatchLines=${e.trialBalance.accountsMatchLines}` : 'unreadable'}; ` +
      `task queue backlog ${e.backlog.workflowTasks ?? '?'} workflow / ${e.backlog.activityTasks ?? '?'} activity tasks; ` +
      `${e.openTasks.length} staff tasks open`,
  );
  out.push(...limited('projection vs workflow', e.workflowMismatches));
  out.push(...limited('open staff tasks', e.openTasks));
  out.push(
    ...limited(
      'answer lost, found by its client reference or Idempotency-Key and counted in the status its script implies',
      e.lostCreates.found,
    ),
  );
  out.push(...limited('answer lost, and never made by the platform', e.lostCreates.notFound));
  out.push(
    ...limited(
      'started by a batch of the run, never listed by its stopped script, counted as DELIVERED',
      e.adoptedSettlements,
    ),
  );
  out.push(...limited('in place, but their script stopped before its end', e.stoppedEarly));
  out.push(...limited('created, but the client never learned its id (its answer was lost)', e.orphans));
  out.push(...limited('balance mismatches', e.balanceMismatches));
  out.push(...limited('venue violations', e.venueViolations));
  out.push(
    '',
    `invariants examined: ${Object.entries(e.invariants.examined)
      .map(([what, n]) => `${n} ${what}`)
      .join(', ')}`,
  );
  out.push(...limited('invariant violations', e.invariants.violations));
  out.push(...limited('end-state reads that failed', e.readProblems));

  out.push(
    '',
    `elapsed ${(s.elapsedMs / 1000).toFixed(1)} s (traffic ${(s.trafficMs / 1000).toFixed(1)} s)`,
    s.failures.length
      ? `FAILED: ${s.failures.join('; ')}`
      : 'PASSED: every lifecycle reached its intended state',
  );
  return out.join('\n');
}
