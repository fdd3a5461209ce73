// API latency at a fixed rate: `npm run bench:api`.
//
// Starts a stack of its own (scripts/chaos/stack.ts: a scratch database, a Temporal dev server, the
// worker and the API server as child processes), signs in a client with funded accounts and a few
// deposits, then drives autocannon at BENCH_RATE requests/s (default 200) for BENCH_SECONDS (default
// 30) with BENCH_CONNECTIONS connections (default 20) on each of
//   GET /balances, GET /deposits, POST /deposits (a fresh Idempotency-Key per request),
// one after the other (BENCH_ROUTES=GET: the reads only), and prints for each a line
//   <route>: p50 <ms> ms, p99 <ms> ms, errors <n>, non-2xx <n>, requests <n>, statuses <code>×<n> …,
//            server CPU <ms> ms/request, load <1-minute load average>
// then the same percentiles over every 2xx response counted once (autocannon's own figures correct for
// coordinated omission: with a rate set it records each response as if one was due every ms, so a
// slow response counts many times; both are printed so neither hides the other),
//   <route>: as measured (every 2xx response once): p50 <ms> ms, p99 <ms> ms, max <ms> ms, <n> responses
// where the CPU went per request (scripts/bench/cpu-share.ts: server, worker, Temporal, PostgreSQL,
// the load generator, the machine, against what the machine's cores have per request at the rate),
//   <route>: CPU ms/request: server <ms>, worker <ms>, Temporal <ms>, PostgreSQL <ms>, … machine <ms> (…)
// and the server's event-loop delay and GC pauses during that route (api/loop-stats.ts):
//   <route>: event-loop delay p50 <ms> p99 <ms> max <ms> ms; gc minor <n>×, <ms> ms, max <ms> ms …
//
// The stack's own Temporal dev server runs with `--sqlite-pragma journal_mode=wal` (its file in WAL
// mode, still synced on every commit): bench:start-rate measured the dev server's default rollback
// journal as what bounds POST /deposits (README "Performance"). It says so in its first line; a
// production Temporal is a cluster on its own database. BENCH_TEMPORAL_ARGS= (empty) runs the
// default (scripts/bench/temporal-dev.ts).
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureClientAccounts, ensureSystemAccounts, postEntry } from '../../db/ledger/index.js';
import { insertUser } from '../../db/users/index.js';
import { hashPassword } from '../../db/users/passwords.js';
import { depositClear, depositConfirm } from '../../domain/postings.js';
import { startStack } from '../chaos/stack.js';
import { loadAutocannon, measure, measuredLine, type AutocannonRequest } from './autocannon.js';
import { cpuPerRequest, cpuShareLine, cpuSnapshot } from './cpu-share.js';
import { ensureTemporalCli } from '../temporal-cli.js';
import { describeTemporalDev, temporalDevFromEnv } from './temporal-dev.js';

const RATE = Number(process.env.BENCH_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
/** Only the routes whose names contain one of these comma-separated words (e.g. `GET`), else all. */
const ROUTES = (process.env.BENCH_ROUTES ?? '').split(',').filter(Boolean);
const PASSWORD = 'bench-password-1234';
const TEMPORAL_DEV = temporalDevFromEnv({ extraArgs: ['--sqlite-pragma', 'journal_mode=wal'] });

/** The pid of the stack's API server (the process running api/server.ts with PORT=`port`), if found. */
function serverPid(port: string): number | null {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (!cmdline.includes('api/server.ts')) continue;
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(`PORT=${port}`))
        return Number(entry);
    } catch {
      // (a process that ended meanwhile, or not ours to read)
    }
  }
  return null;
}

/** Asks the server (api/loop-stats.ts) to write what it counted since the last mark, and start again. */
function loopStatsMark(pid: number | null): void {
  if (pid !== null) process.kill(pid, 'SIGUSR2');
}

interface LoopStats {
  delayMs: { p50: number; p99: number; max: number };
  gc: Record<string, { count: number; totalMs: number; maxMs: number }>;
}

/** The server's event-loop delay and GC pauses since the previous mark, as one line of text. */
async function loopStatsSince(pid: number | null, file: string): Promise<string> {
  const linesBefore = existsSync(file) ? readFileSync(file, 'utf8').split('\n').length : 0;
  loopStatsMark(pid);
  // The server appends its line from its signal handler; give it a moment (bounded).
  for (let attempt = 0; attempt < 50; attempt++) {
    const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n') : [];
    if (lines.length > linesBefore) {
      const stats = JSON.parse(lines[lines.length - 2]!) as LoopStats;
      const gc = Object.entries(stats.gc)
        .map(([kind, s]) => `${kind} ${s.count}×, ${s.totalMs} ms, max ${s.maxMs} ms`)
        .join('; ');
      const { p50, p99, max } = stats.delayMs;
      return `event-loop delay p50 ${p50} p99 ${p99} max ${max} ms; gc ${gc || 'none'}`;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return 'event-loop delay: no answer from the server';
}

async function main(): Promise<void> {
  const autocannon = await loadAutocannon();
  const loopStatsFile = join(mkdtempSync(join(tmpdir(), 'bench-api-')), 'loop-stats.jsonl');
  const stack = await startStack({
    postgresUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/clearhouse',
    temporalCli: await ensureTemporalCli(),
    // LIFECYCLE_START_ANSWER=started measures POST /deposits answered on Temporal's acknowledgement.
    env: {
      API_RATE_LIMIT_PER_MINUTE: '0',
      LOOP_STATS_FILE: loopStatsFile,
      ...(process.env.LIFECYCLE_START_ANSWER
        ? { LIFECYCLE_START_ANSWER: process.env.LIFECYCLE_START_ANSWER }
        : {}),
      // BENCH_NODE_OPTIONS: node flags of the server and the worker (a CPU profile: server-cpu-profile.mjs).
      ...(process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {}),
    },
    log: (line) => console.log(`  stack: ${line}`),
    keep: process.env.BENCH_KEEP === '1',
    temporalDev: TEMPORAL_DEV,
  });
  console.log(`${describeTemporalDev(TEMPORAL_DEV)} (the benchmark's own dev server, not production)`);
  try {
    const pool = stack.pool;
    await ensureSystemAccounts(pool);
    const email = `bench-api-${randomUUID()}@example.com`;
    const id = await insertUser(pool, {
      email,
      passwordHash: await hashPassword(PASSWORD),
      role: 'client',
      displayName: email,
    });
    if (!id) throw new Error('bench user was not created');
    await pool.query(`UPDATE app_user SET kyc_status = 'APPROVED' WHERE id = $1`, [id]);
    await ensureClientAccounts(pool, id, 'EUR');
    await postEntry(pool, {
      idempotencyKey: `bench/${id}/confirm`,
      ...depositConfirm(id, 'EUR', 100_000_00n),
    });
    await postEntry(pool, { idempotencyKey: `bench/${id}/clear`, ...depositClear(id, 'EUR', 100_000_00n) });
    const login = await fetch(`${stack.apiUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    if (login.status !== 200) throw new Error(`bench login failed: ${login.status}`);
    const { accessToken } = (await login.json()) as { accessToken: string };
    const headers = { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' };

    const deposit = JSON.stringify({ amount: '100.00', currency: 'EUR' });
    const allRoutes: Array<[string, AutocannonRequest]> = [
      ['GET /balances', { method: 'GET', path: '/api/v1/balances' }],
      ['GET /deposits', { method: 'GET', path: '/api/v1/deposits' }],
      [
        'POST /deposits',
        {
          method: 'POST',
          path: '/api/v1/deposits',
          body: deposit,
          setupRequest: (request) => ({
            ...request,
            headers: { ...request.headers, 'idempotency-key': randomUUID() },
          }),
        },
      ],
    ];
    const routes = allRoutes.filter(([name]) => ROUTES.length === 0 || ROUTES.some((w) => name.includes(w)));
    // A few deposits first, so GET /deposits lists something; warm-up of every route.
    for (const [, request] of allRoutes) {
      await autocannon({
        url: stack.apiUrl,
        connections: 4,
        overallRate: 20,
        duration: 2,
        headers,
        requests: [request],
      });
    }
    console.log(
      `API benchmark: ${RATE} requests/s for ${SECONDS} s, ${CONNECTIONS} connections, server ${stack.apiUrl}`,
    );
    // The server process itself (the group may hold a wrapper), for its loop statistics.
    const pid = serverPid(new URL(stack.apiUrl).port);
    for (const [name, request] of routes) {
      loopStatsMark(pid); // starts the server's count afresh
      const groups = { server: stack.server.pid, worker: stack.worker.pid, Temporal: stack.temporal.pid };
      const shareBefore = cpuSnapshot(groups);
      const { result, measured } = await measure(autocannon, {
        url: stack.apiUrl,
        connections: CONNECTIONS,
        overallRate: RATE,
        duration: SECONDS,
        headers,
        requests: [request],
      });
      const shareAfter = cpuSnapshot(groups);
      console.log(
        `${name}: p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, errors ${result.errors}, ` +
          `non-2xx ${result.non2xx}, requests ${result.requests.total}, statuses ` +
          Object.entries(result.statusCodeStats ?? {})
            .map(([status, { count }]) => `${status}×${count}`)
            .join(' ') +
          `, server CPU ${cpuPerRequest(shareBefore, shareAfter, 'server', result.requests.total).toFixed(2)} ms/request` +
          `, load ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`,
      );
      console.log(`${name}: ${measuredLine(measured)}`);
      console.log(`${name}: ${cpuShareLine(shareBefore, shareAfter, result.requests.total, RATE)}`);
      console.log(`${name}: ${await loopStatsSince(pid, loopStatsFile)}`);
    }
  } finally {
    await stack.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
