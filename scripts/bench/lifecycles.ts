// Lifecycle throughput against the ceiling of the same server: `npm run bench:lifecycles`.
//
// A scratch database (clearhouse_bench_lifecycles on DATABASE_URL's server) and TEMPORAL_ADDRESS, or
// a Temporal dev server of its own from the installed CLI; one worker (activities/worker.ts
// createWorker, with its tuning) runs in this process. Measured in interleaved rounds
// (BENCH_ROUNDS, default 3): BENCH_N (default 150) deposits started, confirmed by staff (the Update
// the API sends) and driven to CLEARED with a 1 ms hold, BENCH_CONCURRENCY (default 20) in flight;
// then as many bare one-activity workflows (ping) the same way. Prints the medians:
//   deposit lifecycles/s: <n>
//   bare workflows/s: <n>
//   ratio: <r>
// BENCH_WORKER_OPTIONS (JSON) is merged into the worker's options, to measure a tuning first.
// BENCH_EAGER_START=1 starts both kinds of workflow with requestEagerStart, the client sharing the
// worker's NativeConnection (the SDK's condition for eager start); the API process runs no worker,
// so it cannot use it.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Client } from '@temporalio/client';

const N = Number(process.env.BENCH_N ?? 150);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

function scratchUrl(): string {
  // Only the server of DATABASE_URL: db/config.ts reads the environment once, on import, so it is
  // imported after DATABASE_URL points at the scratch database.
  const url = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/clearhouse');
  url.pathname = '/clearhouse_bench_lifecycles';
  return url.toString();
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** `count` calls of `work`, `concurrency` at a time; completed per second of wall time. */
async function rate(
  count: number,
  concurrency: number,
  work: (index: number) => Promise<void>,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await work(next++);
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

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

async function main(): Promise<void> {
  const databaseUrl = scratchUrl();
  process.env.DATABASE_URL = databaseUrl;
  process.env.TEMPORAL_TASK_QUEUE = `bench-${randomUUID()}`;
  const { config } = await import('../../db/config.js');
  const { dropAndCreateDatabase, migrate } = await import('../../db/migrate.js');
  const { getPool, closePool } = await import('../../db/pool.js');
  const { ensureClientAccounts, ensureSystemAccounts, trialBalance } =
    await import('../../db/ledger/index.js');
  const { Client: TemporalClient, Connection } = await import('@temporalio/client');
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
  const temporal = await startTemporal();
  const eager = process.env.BENCH_EAGER_START === '1';
  const connection = await Connection.connect({ address: temporal.address });
  const nativeConnection = await NativeConnection.connect({ address: temporal.address });
  const client: Client = new TemporalClient({
    connection: eager ? nativeConnection : connection,
    namespace: config.temporalNamespace,
  });
  // BENCH_WORKER_OPTIONS: JSON merged into the worker's options, to measure a tuning before adopting it.
  const options = JSON.parse(process.env.BENCH_WORKER_OPTIONS ?? '{}') as Record<string, unknown>;
  const worker = await createWorker({
    connection: nativeConnection,
    deps: { temporal: async () => client },
    options,
  });
  const running = worker.run();
  const taskQueue = config.taskQueue;
  const clients = Array.from({ length: 50 }, () => randomUUID());
  for (const clientId of clients) await ensureClientAccounts(pool, clientId, 'EUR');
  const policy = depositPolicy({ shortHoldMs: 1, longHoldMs: 1 });
  const staff = { id: randomUUID(), role: 'operations' as const };

  const oneDeposit = async (index: number): Promise<void> => {
    const businessId = randomUUID();
    const clientId = clients[index % clients.length]!;
    const handle = await client.workflow.start(deposit, {
      taskQueue,
      workflowId: `deposit-${businessId}`,
      requestEagerStart: eager,
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
    await handle.executeUpdate(confirmDepositUpdate, {
      args: [{ actor: staff, receivedAmount: '100.00', senderReference: depositReference(businessId) }],
    });
    const final = await handle.result();
    if (final.status !== 'CLEARED') throw new Error(`deposit ended ${final.status}, expected CLEARED`);
  };
  const onePing = async (): Promise<void> => {
    await client.workflow.execute(ping, {
      taskQueue,
      workflowId: `ping-${randomUUID()}`,
      args: ['bench'],
      requestEagerStart: eager,
    });
  };

  console.log(
    `lifecycles benchmark: ${N} per round, ${CONCURRENCY} in flight, ${ROUNDS} rounds, Temporal at ${temporal.address}, ` +
      `Node ${process.version}${eager ? ', eager start' : ''}${process.env.BENCH_WORKER_OPTIONS ? `, worker ${process.env.BENCH_WORKER_OPTIONS}` : ''}`,
  );
  // Warm-up: the first workflow tasks pay for the isolate and the connections.
  await rate(20, CONCURRENCY, oneDeposit);
  await rate(20, CONCURRENCY, onePing);
  const deposits: number[] = [];
  const pings: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    deposits.push(await rate(N, CONCURRENCY, oneDeposit));
    pings.push(await rate(N, CONCURRENCY, onePing));
    console.log(
      `round ${round + 1}: deposits ${deposits.at(-1)!.toFixed(1)}/s, bare ${pings.at(-1)!.toFixed(1)}/s`,
    );
  }
  const depositRate = median(deposits);
  const pingRate = median(pings);
  console.log(`deposit lifecycles/s: ${depositRate.toFixed(1)}`);
  console.log(`bare workflows/s: ${pingRate.toFixed(1)}`);
  console.log(`ratio: ${(depositRate / pingRate).toFixed(2)}`);
  const trial = await trialBalance(pool);
  console.log(`trial balance: balanced=${trial.balanced} accountsMatchLines=${trial.accountsMatchLines}`);
  if (!trial.balanced) process.exitCode = 1;

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
