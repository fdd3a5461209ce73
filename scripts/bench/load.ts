// npm run bench:load — load on a stack of its own (scripts/chaos/stack.ts): RATE requests/s of mixed
// client reads (balances, deposits, orders, the book, instruments, me) for DURATION seconds, then
// SUBSCRIBERS concurrent SSE subscribers of the market stream receiving live events (book changes
// from orders placed meanwhile). Prints latency percentiles, errors, events received, and the
// server's resident memory (from /metrics) before, after and once the clients left. Then the server's
// LISTEN connection is cut (the streams must hear the next changes), the subscribers leave (the
// server's subscription count must fall to 0, its LISTEN connections must not pile up), and a
// second cohort comes and goes (a leak per subscriber would show as growth). Exits 1 on a failure.
//
//   LOAD_RATE (200)  LOAD_DURATION_S (60)  LOAD_SUBSCRIBERS (1000)  LOAD_CLIENTS (50)
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type pg from 'pg';
import { ensureSystemAccounts } from '../../db/ledger/index.js';
import { insertUser } from '../../db/users/index.js';
import { hashPassword } from '../../db/users/passwords.js';
import { CHAOS_POLICY_ENV } from '../chaos/run.js';
import { startStack } from '../chaos/stack.js';
import { ensureTemporalCli } from '../temporal-cli.js';

const RATE = Number(process.env.LOAD_RATE ?? 200);
const DURATION_S = Number(process.env.LOAD_DURATION_S ?? 60);
const SUBSCRIBERS = Number(process.env.LOAD_SUBSCRIBERS ?? 1000);
const CLIENTS = Number(process.env.LOAD_CLIENTS ?? 50);
const READS = [
  '/balances',
  '/deposits?limit=20',
  '/orders?limit=20',
  '/market/EUA/book',
  '/instruments',
  '/me',
];

const log = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * The server's resident set and used heap (MB), and its live handles and timers, from its own
 * /metrics. The heap is read without a forced GC, so it includes garbage; the handles and timers
 * are exact: a stream that kept its socket or its keep-alive interval after the client left stays
 * counted there.
 */
async function serverMemory(
  apiUrl: string,
): Promise<{ rss: number; heap: number; handles: number; timers: number }> {
  const text = await (await fetch(`${apiUrl}/metrics`)).text();
  const read = (name: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line ? Number(line.split(' ')[1]) : NaN;
  };
  const timers = text.split('\n').find((l) => l.startsWith('nodejs_active_resources{type="Timeout"}'));
  return {
    rss: read('process_resident_memory_bytes') / 1024 / 1024,
    heap: read('nodejs_heap_size_used_bytes') / 1024 / 1024,
    handles: read('nodejs_active_handles_total'),
    timers: timers ? Number(timers.split(' ')[1]) : 0,
  };
}

/**
 * The database's backends other than the asking one: all of them, and those whose last statement was
 * a LISTEN (the server's dedicated notification connections). A stream that leaked its LISTEN
 * connection shows here after the clients left.
 */
async function backends(pool: pg.Pool): Promise<{ all: number; listening: number }> {
  const { rows } = await pool.query<{ all: number; listening: number }>(
    `SELECT count(*)::int AS all, count(*) FILTER (WHERE query ILIKE 'LISTEN%')::int AS listening
       FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
  );
  return rows[0] ?? { all: NaN, listening: NaN };
}

const mb = (m: { rss: number; heap: number; handles: number; timers: number }) =>
  `${m.rss.toFixed(0)} (heap ${m.heap.toFixed(0)}, ${m.handles} handles, ${m.timers} timers)`;
const conns = (b: { all: number; listening: number }) => `${b.all} (${b.listening} LISTEN)`;

/** Open subscriptions the server counts for the market streams (clearhouse_sse_subscribers). */
async function sseSubscribers(apiUrl: string): Promise<number> {
  const text = await (await fetch(`${apiUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('clearhouse_sse_subscribers{stream="market"}'));
  return line ? Number(line.split(' ')[1]) : 0;
}

interface Cohort {
  opened: number;
  failed: number;
  events: number;
  errorEvents: number;
  /** Every subscriber of the cohort disconnects. */
  leave(): void;
}

/** `count` subscribers of the EUA market stream, opened in bursts of 50, reading until they leave. */
async function subscribe(apiUrl: string, tokens: string[], count: number): Promise<Cohort> {
  const controllers: AbortController[] = [];
  const cohort: Cohort = {
    opened: 0,
    failed: 0,
    events: 0,
    errorEvents: 0,
    leave: () => {
      for (const c of controllers) c.abort();
    },
  };
  for (let i = 0; i < count; i += 1) {
    const controller = new AbortController();
    controllers.push(controller);
    void fetch(`${apiUrl}/api/v1/market/EUA/stream`, {
      headers: { authorization: `Bearer ${tokens[i % tokens.length]}`, accept: 'text/event-stream' },
      signal: controller.signal,
    })
      .then(async (response) => {
        if (response.status !== 200 || !response.body) {
          cohort.failed += 1;
          return;
        }
        cohort.opened += 1;
        const decoder = new TextDecoder();
        const reader = response.body.getReader();
        for (;;) {
          const chunk = await reader.read();
          if (chunk.done) break;
          // Only `market` events are book states; an `event: error` is the server failing to load one.
          const text = decoder.decode(chunk.value, { stream: true });
          cohort.events += (text.match(/^event: market$/gm) ?? []).length;
          cohort.errorEvents += (text.match(/^event: error$/gm) ?? []).length;
        }
      })
      .catch((e: Error) => {
        if (e.name !== 'AbortError') cohort.failed += 1;
      });
    if (i % 50 === 49) await sleep(50);
  }
  return cohort;
}

/** A bearer token of a new operations user (who may halt and resume the instrument). */
async function operationsToken(apiUrl: string, pool: pg.Pool): Promise<string> {
  const email = `load-ops-${randomUUID().slice(0, 8)}@load.example`;
  await insertUser(pool, {
    email,
    passwordHash: await hashPassword('ops-password-load', { N: 1024, r: 8, p: 1 }),
    role: 'operations',
    displayName: 'Load ops',
  });
  const login = await fetch(`${apiUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'ops-password-load' }),
  });
  return ((await login.json()) as { accessToken: string }).accessToken;
}

/** `count` live market events: the instrument halted and resumed in turn, a second apart, then 3 s to arrive. */
async function marketChanges(apiUrl: string, token: string, count: number): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    const halt = i % 2 === 0;
    await fetch(`${apiUrl}/api/v1/ops/instruments/EUA/${halt ? 'halt' : 'resume'}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(halt ? { reason: 'load test' } : { note: 'load test' }),
    });
    await sleep(1_000);
  }
  await sleep(3_000);
}

/** A TCP port free on 127.0.0.1 right now (the worker's metrics endpoints). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * The metric families a /metrics answer names (its `# TYPE` lines); with LOAD_METRICS_DIR set, the
 * whole answer is kept there as `<name>.prom` (to check alert expressions against real names).
 */
async function metricFamilies(url: string, name: string): Promise<string[]> {
  const text = await (await fetch(url)).text();
  const dir = process.env.LOAD_METRICS_DIR;
  if (dir) writeFileSync(join(dir, `${name}.prom`), text);
  return [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!);
}

async function main(): Promise<number> {
  // The worker serves its application metrics and the Temporal SDK's own on ports of their own:
  // scraped once at the end, so the run also proves every process exports what docs/operations.md
  // alerts on.
  const [workerMetricsPort, sdkMetricsPort] = [await freePort(), await freePort()];
  const stack = await startStack({
    postgresUrl:
      process.env.LOAD_DATABASE_URL ??
      process.env.DATABASE_URL ??
      'postgres://postgres@127.0.0.1:5432/postgres',
    temporalCli: await ensureTemporalCli(log),
    env: {
      ...CHAOS_POLICY_ENV,
      WORKER_METRICS_PORT: String(workerMetricsPort),
      TEMPORAL_METRICS_BIND: `127.0.0.1:${sdkMetricsPort}`,
    },
    log,
    keep: false,
  });
  try {
    await ensureSystemAccounts(stack.pool);
    const tokens: string[] = [];
    for (let i = 0; i < CLIENTS; i += 1) {
      const email = `load-${i}-${randomUUID().slice(0, 8)}@load.example`;
      const password = `pw-${randomUUID()}`;
      await insertUser(stack.pool, {
        email,
        passwordHash: await hashPassword(password, { N: 1024, r: 8, p: 1 }),
        role: 'client',
        displayName: `Load ${i}`,
      });
      const answer = await fetch(`${stack.apiUrl}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password }),
      });
      tokens.push(((await answer.json()) as { accessToken: string }).accessToken);
    }
    const memoryBefore = await serverMemory(stack.apiUrl);
    const backendsBefore = await backends(stack.pool);

    // ---- mixed reads at a fixed arrival rate (open loop: a slow answer does not slow the arrivals)
    log(`reads: ${RATE}/s for ${DURATION_S} s over ${CLIENTS} clients`);
    const latencies: number[] = [];
    const errors = new Map<string, number>();
    const inFlight: Promise<void>[] = [];
    const started = Date.now();
    for (let n = 0; n < RATE * DURATION_S; n += 1) {
      const at = started + (n * 1000) / RATE;
      if (at > Date.now()) await sleep(at - Date.now());
      const path = READS[n % READS.length]!;
      const token = tokens[n % tokens.length]!;
      const t0 = performance.now();
      inFlight.push(
        fetch(`${stack.apiUrl}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } })
          .then(async (r) => {
            await r.arrayBuffer();
            latencies.push(performance.now() - t0);
            if (r.status !== 200) errors.set(String(r.status), (errors.get(String(r.status)) ?? 0) + 1);
          })
          .catch((e: Error & { cause?: { code?: string } }) => {
            // fetch's TypeError says only "fetch failed"; its cause names the socket error.
            const name = e.cause?.code ?? e.name;
            errors.set(name, (errors.get(name) ?? 0) + 1);
          }),
      );
    }
    await Promise.all(inFlight);
    const achieved = latencies.length / ((Date.now() - started) / 1000);
    latencies.sort((a, b) => a - b);
    const memoryAfterReads = await serverMemory(stack.apiUrl);

    // ---- SSE subscribers
    const opsToken = await operationsToken(stack.apiUrl, stack.pool);
    log(`SSE: ${SUBSCRIBERS} subscribers of /market/EUA/stream`);
    const first = await subscribe(stack.apiUrl, tokens, SUBSCRIBERS);
    await sleep(5_000);
    let mark = first.events;
    await marketChanges(stack.apiUrl, opsToken, 4);
    const liveEvents = first.events - mark;
    const memoryWithSubscribers = await serverMemory(stack.apiUrl);
    const backendsWithSubscribers = await backends(stack.pool);
    const subscribersOpen = await sseSubscribers(stack.apiUrl);

    // The server's LISTEN connection is cut (a PostgreSQL restart, a failover): the streams must
    // hear the next changes, after one reload of what they may have missed.
    const cut = await stack.pool.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND query = 'LISTEN market'`,
    );
    await sleep(3_000);
    mark = first.events;
    await marketChanges(stack.apiUrl, opsToken, 2);
    const eventsAfterCut = first.events - mark;

    first.leave();
    await sleep(10_000);
    const memoryAfterLeave = await serverMemory(stack.apiUrl);
    const backendsAfterLeave = await backends(stack.pool);
    const subscribersAfterLeave = await sseSubscribers(stack.apiUrl);

    // A second cohort the same size: a leak per subscriber shows as growth over the first's.
    const second = await subscribe(stack.apiUrl, tokens, SUBSCRIBERS);
    await sleep(5_000);
    await marketChanges(stack.apiUrl, opsToken, 2);
    second.leave();
    await sleep(10_000);
    const memoryAfterSecond = await serverMemory(stack.apiUrl);
    const subscribersAfterSecond = await sseSubscribers(stack.apiUrl);

    log('');
    log(
      `reads: ${latencies.length} answered at ${achieved.toFixed(0)}/s; latency ms p50 ${percentile(latencies, 50).toFixed(1)}, p90 ${percentile(latencies, 90).toFixed(1)}, p99 ${percentile(latencies, 99).toFixed(1)}, max ${latencies.at(-1)?.toFixed(1)}`,
    );
    log(`errors: ${errors.size ? [...errors].map(([k, v]) => `${k} ${v}`).join(', ') : 'none'}`);
    log(
      `SSE: ${first.opened}/${SUBSCRIBERS} streams open (server counts ${subscribersOpen}), ${first.failed} errors, ${liveEvents} live events received (4 per subscriber expected: ${4 * first.opened}), ${first.errorEvents} error events`,
    );
    log(
      `SSE after the server's LISTEN connection was cut (${cut.rowCount} terminated): ${eventsAfterCut} events (a reload and 2 changes per subscriber, 2 to 3 each as changes during a send coalesce: ${2 * first.opened}–${3 * first.opened})`,
    );
    log(
      `SSE second cohort: ${second.opened}/${SUBSCRIBERS} open, ${second.events} events, ${second.failed} errors`,
    );
    log(
      `server RSS MB (heap, live handles, timers): before ${mb(memoryBefore)}, after reads ${mb(memoryAfterReads)}, with subscribers ${mb(memoryWithSubscribers)}, 10 s after they left ${mb(memoryAfterLeave)}, after a second cohort left ${mb(memoryAfterSecond)}`,
    );
    log(
      `server subscriptions after the clients left: ${subscribersAfterLeave}, after the second cohort: ${subscribersAfterSecond}`,
    );
    log(
      `database connections: before ${conns(backendsBefore)}, with subscribers ${conns(backendsWithSubscribers)}, after they left ${conns(backendsAfterLeave)}`,
    );
    const families = {
      server: await metricFamilies(`${stack.apiUrl}/metrics`, 'server'),
      worker: await metricFamilies(`http://127.0.0.1:${workerMetricsPort}/metrics`, 'worker'),
      sdk: await metricFamilies(`http://127.0.0.1:${sdkMetricsPort}/metrics`, 'temporal-sdk'),
    };
    log(
      `metric families: server ${families.server.length}, worker ${families.worker.length}, Temporal SDK ${families.sdk.length}`,
    );
    const failures = [
      errors.size > 0 && 'read errors',
      first.opened < SUBSCRIBERS && 'streams that did not open',
      liveEvents < 4 * first.opened && 'live events missing',
      eventsAfterCut < 2 * first.opened && 'streams silent after the LISTEN connection was cut',
      subscribersAfterLeave !== 0 && 'subscriptions left after the clients left',
      subscribersAfterSecond !== 0 && 'subscriptions left after the second cohort',
      memoryAfterSecond.handles > memoryBefore.handles + 10 && 'handles left after the clients left',
      memoryAfterSecond.timers > memoryBefore.timers + 10 && 'timers left after the clients left',
      backendsAfterLeave.listening > backendsBefore.listening + 1 && 'LISTEN connections not released',
      (families.worker.length === 0 || families.sdk.length === 0) && 'a worker metrics endpoint is empty',
    ].filter(Boolean);
    log(failures.length === 0 ? 'PASSED' : `FAILED: ${failures.join('; ')}`);
    return failures.length === 0 ? 0 : 1;
  } finally {
    await stack.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`load run failed: ${(error as Error)?.stack ?? error}\n`);
    process.exit(2);
  },
);
