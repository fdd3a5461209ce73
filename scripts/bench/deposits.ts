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
import { config } from '../../db/config.js';

const N = Number(process.env.BENCH_N ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);

function scratchUrl(): string {
  const url = new URL(config.databaseUrl);
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

async function main(): Promise<void> {
  const databaseUrl = scratchUrl();
  // Everything imported below reads DATABASE_URL on first use.
  process.env.DATABASE_URL = databaseUrl;
  process.env.TEMPORAL_TASK_QUEUE = `bench-${randomUUID()}`;
  const { dropAndCreateDatabase, migrate } = await import('../../db/migrate.js');
  const { getPool, closePool } = await import('../../db/pool.js');
  const { ensureClientAccounts, ensureSystemAccounts, trialBalance } =
    await import('../../db/ledger/index.js');
  const { Client, Connection } = await import('@temporalio/client');
  const { NativeConnection, Runtime, DefaultLogger } = await import('@temporalio/worker');
  const { createWorker } = await import('../../activities/worker.js');
  const { deposit, confirmDepositUpdate } = await import('../../workflows/deposit.js');
  const { ping } = await import('../../workflows/ping.js');
  const { depositPolicy, depositReference } = await import('../../domain/deposit.js');

  await dropAndCreateDatabase(databaseUrl);
  await migrate(databaseUrl);
  const pool = getPool();
  await ensureSystemAccounts(pool);

  Runtime.install({ logger: new DefaultLogger('WARN') });
  let stopServer = async () => undefined as void;
  let address = process.env.TEMPORAL_ADDRESS;
  if (!address) {
    const { TestWorkflowEnvironment } = await import('@temporalio/testing');
    const { ensureTemporalCli } = await import('../temporal-cli.js');
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: await ensureTemporalCli() },
        ip: '127.0.0.1',
        ui: false,
      },
    });
    address = env.address;
    stopServer = () => env.teardown();
  }
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: config.temporalNamespace });
  const nativeConnection = await NativeConnection.connect({ address });
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

  const policy = depositPolicy({ shortHoldMs: 1, longHoldMs: 1 });
  const staff = { id: randomUUID(), role: 'operations' as const };
  const clients = Array.from({ length: Math.min(N, 50) }, () => randomUUID());
  for (const clientId of clients) await ensureClientAccounts(pool, clientId, 'EUR');

  console.log(`Deposits: ${N} lifecycles, ${CONCURRENCY} in flight, hold 1 ms, Temporal at ${address}`);
  const confirmToCleared: number[] = [];
  const depositStarted = performance.now();
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
    confirmToCleared.push(performance.now() - confirmAt);
  });
  const depositSeconds = (performance.now() - depositStarted) / 1000;

  const pingLatency: number[] = [];
  const pingStarted = performance.now();
  await inParallel(N, CONCURRENCY, async () => {
    const started = performance.now();
    await client.workflow.execute(ping, { taskQueue, workflowId: `ping-${randomUUID()}`, args: ['bench'] });
    pingLatency.push(performance.now() - started);
  });
  const pingSeconds = (performance.now() - pingStarted) / 1000;

  const balance = await trialBalance(pool);
  const rows = [
    [
      'deposit lifecycle (start → confirm → CLEARED)',
      N / depositSeconds,
      percentile(confirmToCleared, 50),
      percentile(confirmToCleared, 99),
    ],
    [
      'bare one-activity workflow (ceiling)',
      N / pingSeconds,
      percentile(pingLatency, 50),
      percentile(pingLatency, 99),
    ],
  ] as const;
  console.log('');
  console.log('| workload | completed/s | p50 ms | p99 ms |');
  console.log('|---|--:|--:|--:|');
  for (const [name, rate, p50, p99] of rows)
    console.log(`| ${name} | ${rate.toFixed(1)} | ${p50.toFixed(0)} | ${p99.toFixed(0)} |`);
  console.log('');
  console.log('deposit latency is confirm → CLEARED; the ping latency is start → result.');
  console.log(
    `trial balance after the run: balanced=${balance.balanced} accountsMatchLines=${balance.accountsMatchLines}`,
  );

  worker.shutdown();
  await running;
  await connection.close();
  await nativeConnection.close();
  await closePool();
  await stopServer();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
