// bench:goals' reading of the benchmarks' output, on lines they really printed (a --quick run,
// 2026-12-02): a changed format must fail here, not turn into a "not met". Verdicts from the figures.
import { describe, expect, it } from 'vitest';
import {
  apiRows,
  balancesRows,
  batchedRow,
  lifecycleRow,
  median,
  parseApi,
  parseBalances,
  parseLedgerP99Ms,
  parseLifecycles,
  parseTransfersPerSecond,
  pgledgerRow,
  table,
  FIGURE_LINES,
} from './parse.js';

const LEDGER = [
  'ledger benchmark: database clearhouse_bench_goals, PostgreSQL 15.20 (Debian 15.20-0+deb12u1), Node v20.20.2, pool 10, 50 accounts, 20 workers, batch 1, 3 s',
  'Completed transfers: 3957',
  'Elapsed time in seconds: 3.0',
  'Transfers/second: 1319.0',
  'p50 latency ms/call: 13.35',
  'p99 latency ms/call: 50.87',
  'client CPU ms/call: 0.06',
  'postings per group commit: 20.0',
];
const PGLEDGER = ['Completed transfers: 1666', 'Elapsed time in seconds: 3.0', 'Transfers/second: 555.2'];
const LIFECYCLES = [
  'lifecycles benchmark: 30 per round, 20 in flight, 1 rounds, Temporal at 127.0.0.1:41017, Node v20.20.2',
  'round 1: deposits 13.1/s, bare 37.8/s',
  'deposit lifecycles/s: 13.1',
  'bare workflows/s: 37.8',
  'ratio: 0.35',
];
const API = [
  '  stack: database clearhouse_chaos_1a2b3c4d, work directory /tmp/chaos-x',
  'API benchmark: 200 requests/s for 5 s, 20 connections, server http://127.0.0.1:42995',
  'GET /balances: p50 16 ms, p99 190 ms, errors 0, non-2xx 0, requests 1000, statuses 200×1000, server CPU 0.91 ms/request, load 8.33',
  'GET /balances: as measured (every 2xx response once): p50 28.0 ms, p99 145.4 ms, max 261.4 ms, 1000 responses',
  'GET /deposits: p50 29 ms, p99 152 ms, errors 0, non-2xx 0, requests 1001, statuses 200×1001, server CPU 1.47 ms/request, load 8.07',
  'GET /deposits: as measured (every 2xx response once): p50 52.8 ms, p99 157.8 ms, max 271.9 ms, 1001 responses',
  'POST /deposits: p50 318 ms, p99 991 ms, errors 0, non-2xx 0, requests 186, statuses 201×186, server CPU 5.91 ms/request, load 7.82',
];
const BALANCES = [
  'balances benchmark: database clearhouse_bench_goals, 1000 clients, 2000 reads, 4 concurrent, Node v20.20.2',
  'balances at 1.0k lines: p50 0.45 ms, p99 4.23 ms',
  'trial balance (running totals) at 1.0k lines: p50 1.93 ms, p99 6.18 ms',
  'full verification (accounts against lines) at 1.0k lines: 6 ms, balanced=true accountsMatchLines=true',
  // (BENCH_LINES_LARGE=100000, the quick run's; the default prints `1.00M`)
  'balances at 100.0k lines: p50 0.50 ms, p99 3.85 ms',
  'trial balance (running totals) at 100.0k lines: p50 1.93 ms, p99 7.53 ms',
];

describe('parsing the benchmarks’ figure lines', () => {
  it('reads bench:ledger and pgledger’s perfcheck', () => {
    expect(parseTransfersPerSecond(LEDGER)).toBe(1319);
    expect(parseLedgerP99Ms(LEDGER)).toBe(50.87);
    expect(parseTransfersPerSecond(PGLEDGER)).toBe(555.2);
    expect(LEDGER.filter((l) => FIGURE_LINES.ledger.test(l))).toEqual(LEDGER.slice(3));
  });

  it('reads bench:lifecycles', () => {
    expect(parseLifecycles(LIFECYCLES)).toEqual({
      depositsPerSecond: 13.1,
      barePerSecond: 37.8,
      ratio: 0.35,
    });
  });

  it('reads bench:api’s route lines, not its “as measured” lines', () => {
    const api = parseApi(API);
    expect(api.ratePerSecond).toBe(200);
    expect(api.seconds).toBe(5);
    expect(api.routes.get('GET /balances')).toEqual({
      p50Ms: 16,
      p99Ms: 190,
      errors: 0,
      non2xx: 0,
      requests: 1000,
      load1: 8.33,
    });
    expect([...api.routes.keys()]).toEqual(['GET /balances', 'GET /deposits', 'POST /deposits']);
    expect(FIGURE_LINES.api.test(API[0]!)).toBe(false);
  });

  it('reads bench:balances at both sizes', () => {
    expect(parseBalances(BALANCES)).toEqual({
      balances: [
        { label: '1.0k', p99Ms: 4.23 },
        { label: '100.0k', p99Ms: 3.85 },
      ],
      trialBalance: [
        { label: '1.0k', p99Ms: 6.18 },
        { label: '100.0k', p99Ms: 7.53 },
      ],
    });
  });

  it('fails loudly when a line is missing or its format changed', () => {
    expect(() => parseTransfersPerSecond(['Transfers per second: 1319.0'])).toThrow(/Transfers\/second/);
    expect(() => parseLifecycles(LIFECYCLES.slice(0, 3))).toThrow(/bare workflows/);
    expect(() => parseApi(API.slice(0, 2))).toThrow(/route/);
    expect(() => parseBalances(BALANCES.slice(0, 3))).toThrow(/two sizes/);
  });
});

describe('verdicts from the figures', () => {
  const at = (...values: number[]) => ({ value: values.map((value) => ({ value, load1: 1 })) });

  it('compares medians with pgledger, and says “not run” without it', () => {
    expect(pgledgerRow(50, at(2000, 1800), at(900, 1000)).verdict).toBe('met'); // 1900 / 950 = 2.0
    expect(pgledgerRow(10, at(2000, 1700), at(900, 1000)).verdict).toBe('not met');
    expect(pgledgerRow(10, at(2000), { missing: 'not run' })).toMatchObject({ verdict: 'not run' });
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('judges the batched path by its median', () => {
    expect(batchedRow(at(49_573, 54_764, 48_702, 48_132, 48_658)).verdict).toBe('not met');
    expect(batchedRow(at(49_000, 51_000, 50_000)).verdict).toBe('met');
  });

  it('judges the lifecycle ratio', () => {
    const figures = parseLifecycles(LIFECYCLES);
    expect(lifecycleRow({ value: { ...figures, load1: 1 } }).verdict).toBe('not met');
    expect(lifecycleRow({ value: { ...figures, ratio: 0.5, load1: 1 } }).verdict).toBe('met');
  });

  it('judges each route by its p99, its errors and the share of the rate answered', () => {
    const api = parseApi(API);
    expect(apiRows({ value: api }).map((r) => r.verdict)).toEqual(['not met', 'not met', 'not met']);
    const post = { p50Ms: 9, p99Ms: 41, errors: 0, non2xx: 0, requests: 1000, load1: 1 };
    const verdictOf = (route: typeof post): string => {
      api.routes.set('POST /deposits', route);
      return apiRows({ value: api })[2]!.verdict;
    };
    expect(verdictOf(post)).toBe('met');
    expect(verdictOf({ ...post, requests: 782 })).toBe('not met'); // the rate not kept up
    expect(verdictOf({ ...post, non2xx: 1 })).toBe('not met');
    expect(verdictOf({ ...post, p99Ms: 150 })).toBe('not met');
    expect(apiRows({ missing: 'failed' }).map((r) => r.verdict)).toEqual(['failed', 'failed', 'failed']);
  });

  it('calls a p99 flat within 2× or 1 ms of the small journal’s', () => {
    const rows = balancesRows({ value: { ...parseBalances(BALANCES), load1: 1 } });
    expect(rows.map((r) => r.verdict)).toEqual(['met', 'met']);
    const sizes = (small: number, large: number) => [
      { label: '1.0k', p99Ms: small },
      { label: '1.00M', p99Ms: large },
    ];
    const verdicts = (small: number, large: number) =>
      balancesRows({
        value: { balances: sizes(small, large), trialBalance: sizes(small, large), load1: 1 },
      })[0]!.verdict;
    expect(verdicts(4, 8)).toBe('met');
    expect(verdicts(4, 8.1)).toBe('not met');
    expect(verdicts(0.3, 1.3)).toBe('met'); // 4×, but within 1 ms
    expect(verdicts(0.3, 1.4)).toBe('not met');
  });

  it('prints a Markdown table', () => {
    const printed = table([batchedRow({ missing: 'not run' })]).split('\n');
    expect(printed).toHaveLength(3);
    expect(printed[0]).toMatch(/^\| goal +\| figures +\| verdict \|$/);
    expect(printed[2]).toMatch(/not run \|$/);
  });
});
