// The figure lines of the benchmarks bench:goals runs, and issue 15's verdicts on them. Pure
// functions: a child's stdout lines in, figures out; figures in, table rows out. A parser throws when
// its line is missing, so a changed output format fails the run instead of reading as "not met".

/** The steps of a goals run, in the order they run; `--only` names a subset. */
export const STEPS = ['ledger', 'batch', 'lifecycles', 'api', 'balances'] as const;
export type Step = (typeof STEPS)[number];

/** Which of a child's lines are figures (echoed as they come); the rest is noise. */
export const FIGURE_LINES: Record<Step | 'pgledger', RegExp> = {
  ledger:
    /^(Transfers\/second:|p50 latency |p99 latency |client CPU |postings per group commit:|trial balance:)/,
  batch: /^(Transfers\/second:|p50 latency |p99 latency |client CPU |trial balance:)/,
  pgledger: /^(Completed transfers|Transfers\/second|Milliseconds\/transfer):/,
  lifecycles: /^(round \d+|deposit lifecycles\/s|bare workflows\/s|ratio|trial balance):/,
  api: /^(API benchmark:|(GET|POST) \/\S+: (p50|as measured))/,
  balances: /^(balances at|trial balance \(running totals\) at|full verification)/,
};

function figure(lines: string[], pattern: RegExp, what: string): RegExpExecArray {
  for (const line of lines) {
    const match = pattern.exec(line);
    if (match) return match;
  }
  throw new Error(`no ${what} line in the output (format changed?)`);
}

/** bench:ledger's and pgledger's perfcheck's `Transfers/second: <n>`. */
export function parseTransfersPerSecond(lines: string[]): number {
  return Number(figure(lines, /^Transfers\/second: ([\d.]+)$/, 'Transfers/second')[1]);
}

/** bench:ledger's `p99 latency ms/call: <n>` (pgledger's check prints none). */
export function parseLedgerP99Ms(lines: string[]): number {
  return Number(figure(lines, /^p99 latency ms\/call: ([\d.]+)$/, 'p99 latency ms/call')[1]);
}

export interface LifecycleFigures {
  depositsPerSecond: number;
  barePerSecond: number;
  ratio: number;
}

export function parseLifecycles(lines: string[]): LifecycleFigures {
  return {
    depositsPerSecond: Number(figure(lines, /^deposit lifecycles\/s: ([\d.]+)$/, 'deposit lifecycles/s')[1]),
    barePerSecond: Number(figure(lines, /^bare workflows\/s: ([\d.]+)$/, 'bare workflows/s')[1]),
    ratio: Number(figure(lines, /^ratio: ([\d.]+)$/, 'ratio')[1]),
  };
}

export interface RouteFigures {
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
  requests: number;
  /** The 1-minute load average bench:api saw when the route's run ended. */
  load1: number;
}
export interface ApiFigures {
  ratePerSecond: number;
  seconds: number;
  routes: Map<string, RouteFigures>;
}

export const API_ROUTES = ['GET /balances', 'GET /deposits', 'POST /deposits'] as const;

export function parseApi(lines: string[]): ApiFigures {
  const header = figure(lines, /^API benchmark: ([\d.]+) requests\/s for ([\d.]+) s/, 'API benchmark');
  const routes = new Map<string, RouteFigures>();
  for (const line of lines) {
    const m =
      /^((?:GET|POST) \S+): p50 ([\d.]+) ms, p99 ([\d.]+) ms, errors (\d+), non-2xx (\d+), requests (\d+),.*, load ([\d.]+)$/.exec(
        line,
      );
    if (!m) continue;
    routes.set(m[1]!, {
      p50Ms: Number(m[2]),
      p99Ms: Number(m[3]),
      errors: Number(m[4]),
      non2xx: Number(m[5]),
      requests: Number(m[6]),
      load1: Number(m[7]),
    });
  }
  if (routes.size === 0) throw new Error('no `<route>: p50 … ms, p99 … ms, errors …` line in the output');
  return { ratePerSecond: Number(header[1]), seconds: Number(header[2]), routes };
}

export interface SizeFigures {
  /** bench:balances' own label of the journal's size, e.g. `1.0k` or `1.00M`. */
  label: string;
  p99Ms: number;
}
export interface BalancesFigures {
  balances: SizeFigures[];
  trialBalance: SizeFigures[];
}

export function parseBalances(lines: string[]): BalancesFigures {
  const sizes = (pattern: RegExp): SizeFigures[] =>
    lines.flatMap((line) => {
      const m = pattern.exec(line);
      return m ? [{ label: m[1]!, p99Ms: Number(m[2]) }] : [];
    });
  const result = {
    balances: sizes(/^balances at (\S+) lines: p50 [\d.]+ ms, p99 ([\d.]+) ms$/),
    trialBalance: sizes(/^trial balance \(running totals\) at (\S+) lines: p50 [\d.]+ ms, p99 ([\d.]+) ms$/),
  };
  if (result.balances.length !== 2 || result.trialBalance.length !== 2)
    throw new Error('expected `balances at …` and `trial balance (running totals) at …` lines for two sizes');
  return result;
}

/** The middle value; the mean of the two middle ones for an even count. */
export function median(values: number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

// ---- verdicts ----------------------------------------------------------------------------------

export type Verdict = 'met' | 'not met' | 'not run' | 'failed';
export interface Row {
  goal: string;
  figures: string;
  verdict: Verdict;
}
/** A step's figures, or why there are none. */
export type Outcome<T> = { value: T } | { missing: 'not run' | 'failed' };

/** One timed run: its figure and the 1-minute load average when it ended. */
export interface Measured {
  value: number;
  load1: number;
  /** p99 latency of one call, where the benchmark prints it. */
  p99Ms?: number;
}

export const GOALS = {
  pgledgerFactor: 2,
  batchedPerSecond: 50_000,
  lifecycleRatio: 0.5,
  readP99Ms: 50,
  postP99Ms: 150,
  /** Share of the requests the rate asks for that must have been answered for a latency to count. */
  answeredShare: 0.95,
  /** "Flat": p99 at the large journal at most this many times the small one's… */
  flatFactor: 2,
  /** …or at most this much above it (sub-millisecond reads jitter by more than 2× on a busy machine). */
  flatSlackMs: 1,
} as const;

const fmt = (n: number, digits = 1): string => n.toFixed(digits);

function runs(measured: Measured[]): string {
  return (
    measured.map((m) => fmt(m.value)).join(' / ') +
    (measured.length > 1 ? `, median ${fmt(median(measured.map((m) => m.value)))}` : '') +
    ` (load ${measured.map((m) => fmt(m.load1)).join(', ')})`
  );
}

function missingRow(goal: string, outcome: { missing: 'not run' | 'failed' }): Row {
  return { goal, figures: outcome.missing, verdict: outcome.missing };
}

/** Ours against pgledger, at one account count; pgledger absent makes the row "not run". */
export function pgledgerRow(accounts: number, ours: Outcome<Measured[]>, theirs: Outcome<Measured[]>): Row {
  const goal = `≥ ${GOALS.pgledgerFactor}× pgledger, ${accounts} accounts (transfers/s)`;
  if ('missing' in ours) return missingRow(goal, ours);
  const oursText = `ours ${runs(ours.value)}`;
  if ('missing' in theirs)
    return { goal, figures: `${oursText}; pgledger ${theirs.missing}`, verdict: theirs.missing };
  const factor = median(ours.value.map((m) => m.value)) / median(theirs.value.map((m) => m.value));
  return {
    goal,
    figures: `${oursText}; pgledger ${runs(theirs.value)}; ${fmt(factor, 2)}×`,
    verdict: factor >= GOALS.pgledgerFactor ? 'met' : 'not met',
  };
}

export function batchedRow(batched: Outcome<Measured[]>): Row {
  const goal = `≥ ${GOALS.batchedPerSecond} transfers/s batched (--batch 1000)`;
  if ('missing' in batched) return missingRow(goal, batched);
  const value = median(batched.value.map((m) => m.value));
  const p99s = batched.value.flatMap((m) => (m.p99Ms === undefined ? [] : [m.p99Ms]));
  const latency =
    p99s.length > 0 ? `; p99 ${fmt(Math.min(...p99s))}–${fmt(Math.max(...p99s))} ms per call` : '';
  return {
    goal,
    figures: runs(batched.value) + latency,
    verdict: value >= GOALS.batchedPerSecond ? 'met' : 'not met',
  };
}

export function lifecycleRow(outcome: Outcome<LifecycleFigures & { load1: number }>): Row {
  const goal = `lifecycle ratio ≥ ${GOALS.lifecycleRatio}`;
  if ('missing' in outcome) return missingRow(goal, outcome);
  const f = outcome.value;
  return {
    goal,
    figures: `deposits ${fmt(f.depositsPerSecond)}/s, bare ${fmt(f.barePerSecond)}/s, ratio ${fmt(f.ratio, 2)} (load ${fmt(f.load1)})`,
    verdict: f.ratio >= GOALS.lifecycleRatio ? 'met' : 'not met',
  };
}

/** One row per route: p99 under its limit, no errors, and (nearly) every request the rate asked for answered. */
export function apiRows(outcome: Outcome<ApiFigures>): Row[] {
  return API_ROUTES.map((route) => {
    const limitMs = route.startsWith('GET') ? GOALS.readP99Ms : GOALS.postP99Ms;
    const goal = `${route} p99 < ${limitMs} ms`;
    if ('missing' in outcome) return missingRow(goal, outcome);
    const { ratePerSecond, seconds, routes } = outcome.value;
    const r = routes.get(route);
    if (!r) return missingRow(goal, { missing: 'not run' });
    const asked = ratePerSecond * seconds;
    const answered = r.requests >= GOALS.answeredShare * asked;
    const clean = r.errors === 0 && r.non2xx === 0;
    return {
      goal,
      figures:
        `p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, ${r.requests} of ${asked} requests at ${ratePerSecond}/s, ` +
        `errors ${r.errors}, non-2xx ${r.non2xx} (load ${fmt(r.load1)})`,
      verdict: r.p99Ms < limitMs && answered && clean ? 'met' : 'not met',
    };
  });
}

function flatRow(goal: string, sizes: SizeFigures[], load1: number): Row {
  const [small, large] = sizes as [SizeFigures, SizeFigures];
  const flat =
    large.p99Ms <= GOALS.flatFactor * small.p99Ms || large.p99Ms <= small.p99Ms + GOALS.flatSlackMs;
  return {
    goal,
    figures: `p99 ${fmt(small.p99Ms, 2)} ms at ${small.label}, ${fmt(large.p99Ms, 2)} ms at ${large.label} lines (load ${fmt(load1)})`,
    verdict: flat ? 'met' : 'not met',
  };
}

export function balancesRows(outcome: Outcome<BalancesFigures & { load1: number }>): Row[] {
  const goals = ['balances p99 flat, 1k vs 1M lines', 'trial balance (totals) p99 flat, 1k vs 1M lines'];
  if ('missing' in outcome) return goals.map((goal) => missingRow(goal, outcome));
  const { balances, trialBalance, load1 } = outcome.value;
  return [flatRow(goals[0]!, balances, load1), flatRow(goals[1]!, trialBalance, load1)];
}

/** A Markdown table, so it can be pasted into the README or the issue as it is. */
export function table(rows: Row[]): string {
  const cells = [['goal', 'figures', 'verdict'], ...rows.map((r) => [r.goal, r.figures, r.verdict])];
  const widths = [0, 1, 2].map((i) => Math.max(...cells.map((c) => c[i]!.length)));
  const line = (c: string[]): string => `| ${c.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(cells[0]!), line(widths.map((w) => '-'.repeat(w))), ...cells.slice(1).map(line)].join('\n');
}
