// npm run bench:load — load on a stack of its own (scripts/chaos/stack.ts): RATE requests/s of mixed
// client reads (balances, deposits, orders, the book, instruments, me) for DURATION seconds, then
// SUBSCRIBERS concurrent SSE subscribers of the market stream receiving live events (book changes
// from orders placed meanwhile). Prints latency percentiles, errors, events received, and the
// server's resident memory (from /metrics) before, after and once the clients left.
//
//   LOAD_RATE (200)  LOAD_DURATION_S (60)  LOAD_SUBSCRIBERS (1000)  LOAD_CLIENTS (50)
import { randomUUID } from 'node:crypto';
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

async function residentMemoryMb(apiUrl: string): Promise<number> {
  const text = await (await fetch(`${apiUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('process_resident_memory_bytes '));
  return line ? Number(line.split(' ')[1]) / 1024 / 1024 : NaN;
}

async function main(): Promise<void> {
  const stack = await startStack({
    postgresUrl:
      process.env.LOAD_DATABASE_URL ??
      process.env.DATABASE_URL ??
      'postgres://postgres@127.0.0.1:5432/postgres',
    temporalCli: await ensureTemporalCli(log),
    env: CHAOS_POLICY_ENV,
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
    const memoryBefore = await residentMemoryMb(stack.apiUrl);

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
          .catch((e: Error) => void errors.set(e.name, (errors.get(e.name) ?? 0) + 1)),
      );
    }
    await Promise.all(inFlight);
    const achieved = latencies.length / ((Date.now() - started) / 1000);
    latencies.sort((a, b) => a - b);
    const memoryAfterReads = await residentMemoryMb(stack.apiUrl);

    // ---- SSE subscribers
    log(`SSE: ${SUBSCRIBERS} subscribers of /market/EUA/stream`);
    const controllers: AbortController[] = [];
    let opened = 0;
    let events = 0;
    let streamErrors = 0;
    for (let i = 0; i < SUBSCRIBERS; i += 1) {
      const controller = new AbortController();
      controllers.push(controller);
      void fetch(`${stack.apiUrl}/api/v1/market/EUA/stream`, {
        headers: { authorization: `Bearer ${tokens[i % tokens.length]}`, accept: 'text/event-stream' },
        signal: controller.signal,
      })
        .then(async (response) => {
          if (response.status !== 200 || !response.body) {
            streamErrors += 1;
            return;
          }
          opened += 1;
          const decoder = new TextDecoder();
          const reader = response.body.getReader();
          for (;;) {
            const chunk = await reader.read();
            if (chunk.done) break;
            events += (decoder.decode(chunk.value).match(/^event: /gm) ?? []).length;
          }
        })
        .catch((e: Error) => {
          if (e.name !== 'AbortError') streamErrors += 1;
        });
      if (i % 50 === 49) await sleep(50);
    }
    await sleep(5_000);
    const eventsAtOpen = events;
    // Live events: an operations user halts and resumes the instrument (each a market event).
    const opsEmail = `load-ops-${randomUUID().slice(0, 8)}@load.example`;
    await insertUser(stack.pool, {
      email: opsEmail,
      passwordHash: await hashPassword('ops-password-load', { N: 1024, r: 8, p: 1 }),
      role: 'operations',
      displayName: 'Load ops',
    });
    const opsLogin = await fetch(`${stack.apiUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: opsEmail, password: 'ops-password-load' }),
    });
    const opsToken = ((await opsLogin.json()) as { accessToken: string }).accessToken;
    for (const action of ['halt', 'resume', 'halt', 'resume']) {
      await fetch(`${stack.apiUrl}/api/v1/ops/instruments/EUA/${action}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${opsToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(action === 'halt' ? { reason: 'load test' } : { note: 'load test' }),
      });
      await sleep(1_000);
    }
    await sleep(3_000);
    const liveEvents = events - eventsAtOpen;
    const memoryWithSubscribers = await residentMemoryMb(stack.apiUrl);
    for (const c of controllers) c.abort();
    await sleep(10_000);
    const memoryAfterLeave = await residentMemoryMb(stack.apiUrl);

    log('');
    log(
      `reads: ${latencies.length} answered at ${achieved.toFixed(0)}/s; latency ms p50 ${percentile(latencies, 50).toFixed(1)}, p90 ${percentile(latencies, 90).toFixed(1)}, p99 ${percentile(latencies, 99).toFixed(1)}, max ${latencies.at(-1)?.toFixed(1)}`,
    );
    log(`errors: ${errors.size ? [...errors].map(([k, v]) => `${k} ${v}`).join(', ') : 'none'}`);
    log(
      `SSE: ${opened}/${SUBSCRIBERS} streams open, ${streamErrors} errors, ${liveEvents} live events received (4 per subscriber expected: ${4 * opened})`,
    );
    log(
      `server RSS MB: before ${memoryBefore.toFixed(0)}, after reads ${memoryAfterReads.toFixed(0)}, with subscribers ${memoryWithSubscribers.toFixed(0)}, 10 s after they left ${memoryAfterLeave.toFixed(0)}`,
    );
  } finally {
    await stack.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`load run failed: ${(error as Error)?.stack ?? error}\n`);
    process.exit(2);
  },
);
