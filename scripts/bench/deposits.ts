// Deposit lifecycle throughput and latency: `npm run bench:deposits` (BENCH_N deposits, default 200).
//
// Uses a scratch database (clearhouse_bench_deposits on DATABASE_URL's server) and TEMPORAL_ADDRESS,
// or starts its own Temporal dev server from the installed CLI. One worker runs in this process.
// Each deposit is started, confirmed by a staff actor (the Update the API sends) and driven to
// CLEARED with a hold of 1 ms (the policy requires a positive hold); BENCH_CONCURRENCY lifecycles
// are in flight at once. Printed: completed lifecycles per second, p50/p99 from confirm to CLEARED,
// and the same figures for a bare one-activity workflow (ping) on the same server as the ceiling.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Client } from '@temporalio/client';

const N = Number(process.env.BENCH_N ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);

function scratchUrl(): string {
  // Only the server of DATABASE_URL: db/config.ts is imported after DATABASE_URL points at the
  // scratch database, since it (and the pool) read the environment once, on import.
  const url = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/clearhouse');
  url.pathname = '/clearhouse_bench_deposits';
  return url.toString();
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

async function inParallel<T>(
  count: number,
  concurrency: number,
  work: (index: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const index = next++;
        results[index] = await work(index);
      }
    }),
  );
  return results;
}

/** Completed lifecycles over wall time, and one latency sample per lifecycle. */
interface Measured {
  seconds: number;
  latencyMs: number[];
}

/** TEMPORAL_ADDRESS, or a dev server of our own from the installed CLI (stopped by `stop`). */
async function startTemporal(): Promise<{ address: string; stop: () => Promise<void> }> {
  const given = process.env.TEMPORAL_ADDRESS;
  if (given) return { address: given, stop: async () => undefined };
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const { ensureTemporalCli } = await import('../temporal-cli.js');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: await ensureTemporalCli() },
      ip: '127.0.0.1',
      ui: false,
    },
  });
  return { address: env.address, stop: () => env.teardown() };
}

/** N deposits started, confirmed by staff and driven to CLEARED; latency is confirm → CLEARED. */
async function measureDeposits(client: Client, taskQueue: string, clients: string[]): Promise<Measured> {
  const { deposit, confirmDepositUpdate } = await import('../../workflows/deposit.js');
  const { depositPolicy, depositReference } = await import('../../domain/deposit.js');
  const policy = depositPolicy({ shortHoldMs: 1, longHoldMs: 1 });
  const staff = { id: randomUUID(), role: 'operations' as const };
  const latencyMs: number[] = [];
  const started = performance.now();
  await inParallel(N, CONCURRENCY, async (index) => {
    const businessId = randomUUID();
    const clientId = clients[index % clients.length]!;
    const handle = await client.workflow.start(deposit, {
      taskQueue,
      workflowId: `deposit-${businessId}`,
      args: [
        {
          businessId,
          clientId,
          amount: '100.00',
          currency: 'EUR',
          reference: depositReference(businessId),
          policy,
          requestedBy: { id: clientId, role: 'client' },
        },
      ],
    });
    const confirmAt = performance.now();
    await handle.executeUpdate(confirmDepositUpdate, {
      args: [{ actor: staff, receivedAmount: '100.00', senderReference: depositReference(businessId) }],
    });
    const final = await handle.result();
    if (final.status !== 'CLEARED') throw new Error(`deposit ended ${final.status}, expected CLEARED`);
    latencyMs.push(performance.now() - confirmAt);
  });
  return { seconds: (performance.now() - started) / 1000, latencyMs };
}

/** N bare one-activity workflows (ping), the ceiling; latency is start → result. */
async function measurePings(client: Client, taskQueue: string): Promise<Measured> {
  const { ping } = await import('../../workflows/ping.js');
  const latencyMs: number[] = [];
  const started = performance.now();
  await inParallel(N, CONCURRENCY, async () => {
    const startedOne = performance.now();
    await client.workflow.execute(ping, { taskQueue, workflowId: `ping-${randomUUID()}`, args: ['bench'] });
    latencyMs.push(performance.now() - startedOne);
  });
  return { seconds: (performance.now() - started) / 1000, latencyMs };
}

function printReport(
  deposits: Measured,
  pings: Measured,
  balance: { balanced: boolean; accountsMatchLines: boolean },
): void {
  const rows = [
    ['deposit lifecycle (start → confirm → CLEARED)', deposits],
    ['bare one-activity workflow (ceiling)', pings],
  ] as const;
  console.log('');
  console.log('| workload | completed/s | p50 ms | p99 ms |');
  console.log('|---|--:|--:|--:|');
  for (const [name, { seconds, latencyMs }] of rows) {
    const [rate, p50, p99] = [N / seconds, percentile(latencyMs, 50), percentile(latencyMs, 99)];
    console.log(`| ${name} | ${rate.toFixed(1)} | ${p50.toFixed(0)} | ${p99.toFixed(0)} |`);
  }
  console.log('');
  console.log('deposit latency is confirm → CLEARED; the ping latency is start → result.');
  console.log(
    `trial balance after the run: balanced=${balance.balanced} accountsMatchLines=${balance.accountsMatchLines}`,
  );
}

async function main(): Promise<void> {
  const databaseUrl = scratchUrl();
  // Everything imported below reads DATABASE_URL on first use.
  process.env.DATABASE_URL = databaseUrl;
  process.env.TEMPORAL_TASK_QUEUE = `bench-${randomUUID()}`;
  const { config } = await import('../../db/config.js');
  const { dropAndCreateDatabase, migrate } = await import('../../db/migrate.js');
  const { getPool, closePool } = await import('../../db/pool.js');
  const { ensureClientAccounts, ensureSystemAccounts, trialBalance } =
    await import('../../db/ledger/index.js');
  const { Client, Connection } = await import('@temporalio/client');
  const { NativeConnection, Runtime, DefaultLogger } = await import('@temporalio/worker');
  const { createWorker } = await import('../../activities/worker.js');
  const { ping } = await import('../../workflows/ping.js');

  await dropAndCreateDatabase(databaseUrl);
  await migrate(databaseUrl);
  const pool = getPool();
  await ensureSystemAccounts(pool);

  Runtime.install({ logger: new DefaultLogger('WARN') });
  const temporal = await startTemporal();
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection, namespace: config.temporalNamespace });
  const nativeConnection = await NativeConnection.connect({ address: temporal.address });
  const worker = await createWorker({
    connection: nativeConnection,
    // The history archiver reads from this run's server, not from the default TEMPORAL_ADDRESS.
    deps: { temporal: async () => client },
    options: { maxConcurrentActivityTaskExecutions: 50, maxConcurrentWorkflowTaskExecutions: 50 },
  });
  const running = worker.run();
  const taskQueue = config.taskQueue;

  // Warm-up: first workflow tasks pay for the isolate.
  await client.workflow.execute(ping, { taskQueue, workflowId: `ping-warm-${randomUUID()}`, args: ['warm'] });

  const clients = Array.from({ length: Math.min(N, 50) }, () => randomUUID());
  for (const clientId of clients) await ensureClientAccounts(pool, clientId, 'EUR');

  console.log(
    `Deposits: ${N} lifecycles, ${CONCURRENCY} in flight, hold 1 ms, Temporal at ${temporal.address}`,
  );
  const deposits = await measureDeposits(client, taskQueue, clients);
  const pings = await measurePings(client, taskQueue);
  printReport(deposits, pings, await trialBalance(pool));

  worker.shutdown();
  await running;
  await connection.close();
  await nativeConnection.close();
  await closePool();
  await temporal.stop();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
