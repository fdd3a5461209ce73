// Time to settle a batch: `npm run bench:settlement` (BENCH_SIZES trades per batch, default
// "1000,10000"; BENCH_TRADES_PER_CLIENT, default 20, so 10,000 trades are 500+ client settlements).
//
// Uses a scratch database (clearhouse_bench_settlement on DATABASE_URL's server) and
// TEMPORAL_ADDRESS, or starts its own Temporal dev server from the installed CLI; one worker runs in
// this process with the simulated registry. Trades are inserted directly, each with the balanced
// postings a fill makes (reservation committed to pending settlement, trade.fill, both fees), so the
// figure is settlement alone. Printed per size: time from start to COMPLETED and until every client
// settlement is DELIVERED, the batch's runs and the longest run's history (it never carries trade
// ids), the longest client settlement history, and the books afterwards.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';

const SIZES = (process.env.BENCH_SIZES ?? '1000,10000').split(',').map(Number);
const TRADES_PER_CLIENT = Number(process.env.BENCH_TRADES_PER_CLIENT ?? 20);
const PRICE_MINOR = 7000n;
const FEE_BPS = 10n;

function scratchUrl(): string {
  const url = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/clearhouse');
  url.pathname = '/clearhouse_bench_settlement';
  return url.toString();
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
  const ledger = await import('../../db/ledger/index.js');
  const postings = await import('../../domain/postings.js');
  const { ensureInstruments } = await import('../../db/venue/index.js');
  const { settlementPolicy, settlementBatchWorkflowId } = await import('../../domain/settlement.js');
  const { settlementBatch } = await import('../../workflows/settlement-batch.js');
  const { Client, Connection } = await import('@temporalio/client');
  const { NativeConnection, Runtime, DefaultLogger } = await import('@temporalio/worker');
  const { createWorker } = await import('../../activities/worker.js');
  const { SimulatedRegistry } = await import('../../activities/registry-adapter.js');

  await dropAndCreateDatabase(databaseUrl);
  await migrate(databaseUrl);
  const pool = getPool();
  await ledger.ensureSystemAccounts(pool);
  await ensureInstruments(pool);

  Runtime.install({ logger: new DefaultLogger('WARN') });
  const temporal = await startTemporal();
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection, namespace: config.temporalNamespace });
  const nativeConnection = await NativeConnection.connect({ address: temporal.address });
  const worker = await createWorker({
    connection: nativeConnection,
    deps: { temporal: async () => client, registry: new SimulatedRegistry(pool, {}) },
    options: { maxConcurrentActivityTaskExecutions: 100, maxConcurrentWorkflowTaskExecutions: 100 },
  });
  const running = worker.run();
  const policy = settlementPolicy({ progressPollMs: 500, pageSize: 200 });

  /** `n` trades among n / TRADES_PER_CLIENT × 2 clients, with the postings of their fills. */
  async function seedTrades(n: number): Promise<void> {
    const clientCount = Math.max(4, Math.ceil((n * 2) / TRADES_PER_CLIENT));
    const clients = Array.from({ length: clientCount }, () => randomUUID());
    const funding = [];
    for (const id of clients) {
      await ledger.ensureClientAccounts(pool, id, 'EUR');
      await ledger.ensureClientAccounts(pool, id, 'EUA');
      funding.push(
        { idempotencyKey: `fund/${id}/confirm`, ...postings.depositConfirm(id, 'EUR', 100_000_000n) },
        { idempotencyKey: `fund/${id}/clear`, ...postings.depositClear(id, 'EUR', 100_000_000n) },
        {
          idempotencyKey: `fund/${id}/eua`,
          ...postings.registryTransferIn(id, 'EUA', 100_000n, `bench/${id}`),
        },
      );
    }
    for (let i = 0; i < funding.length; i += 900) await ledger.postEntries(pool, funding.slice(i, i + 900));
    const { rows } = await pool.query<{ seq: string }>(
      `SELECT COALESCE(max(seq), 0)::text AS seq FROM trade WHERE symbol = 'EUA'`,
    );
    let seq = BigInt(rows[0]!.seq);
    for (let start = 0; start < n; start += 500) {
      const entries = [];
      const values: unknown[] = [];
      const tuples: string[] = [];
      for (let i = start; i < Math.min(n, start + 500); i += 1) {
        const seller = clients[i % clientCount]!;
        // A different client 1 to 3 places on: never a trade with oneself.
        const buyer = clients[(i + 1 + (i % 3)) % clientCount]!;
        const quantity = BigInt(1 + (i % 5));
        const notional = PRICE_MINOR * quantity;
        const fee = (notional * FEE_BPS + 9_999n) / 10_000n;
        const tradeId = randomUUID();
        seq += 1n;
        const fill = (side: 'buy' | 'sell', clientId: string) =>
          postings.tradeFill({
            clientId,
            side,
            cashAsset: 'EUR',
            cashAmount: notional,
            certificateAsset: 'EUA',
            quantity,
          });
        entries.push({
          idempotencyKey: `trade/${tradeId}`,
          kind: 'trade.fill',
          description: 'bench fill',
          transfers: [
            // What the orders' reservations committed to the fill (postHold in the venue).
            {
              debit: postings.clientAccountCode(buyer, 'EUR', 'available'),
              credit: postings.clientAccountCode(buyer, 'EUR', 'pending_settlement'),
              amount: notional + fee,
            },
            {
              debit: postings.clientAccountCode(seller, 'EUA', 'available'),
              credit: postings.clientAccountCode(seller, 'EUA', 'pending_settlement'),
              amount: quantity,
            },
            ...fill('buy', buyer).transfers,
            ...fill('sell', seller).transfers,
            ...postings.tradeFee(buyer, 'EUR', fee).transfers,
            ...postings.tradeFee(seller, 'EUR', fee).transfers,
          ],
        });
        const k = values.length;
        tuples.push(
          `($${k + 1}, 'EUA', $${k + 2}, ${PRICE_MINOR}, $${k + 3}, $${k + 4}, $${k + 5}, 'SELL', $${k + 6}, $${k + 6}, now() - interval '1 second', gen_random_uuid(), gen_random_uuid())`,
        );
        values.push(tradeId, seq.toString(), quantity.toString(), buyer, seller, fee.toString());
      }
      await ledger.postEntries(pool, entries);
      await pool.query(
        `INSERT INTO trade (id, symbol, seq, price, quantity, buyer_id, seller_id, aggressor_side, buy_fee, sell_fee, executed_at, buy_order_id, sell_order_id)
         VALUES ${tuples.join(', ')}`,
        values,
      );
    }
  }

  console.log(`Settlement batches, Temporal at ${temporal.address}, page size ${policy.pageSize}`);
  console.log('');
  console.log(
    '| trades | client settlements | to COMPLETED s | all DELIVERED s | batch runs | longest batch run (events) | longest settlement (events) | trial balance | clearing after |',
  );
  console.log('|--:|--:|--:|--:|--:|--:|--:|---|---|');
  for (const n of SIZES) {
    await seedTrades(n);
    const batchId = randomUUID();
    const workflowId = settlementBatchWorkflowId(batchId);
    const started = performance.now();
    const state = await client.workflow.execute(settlementBatch, {
      taskQueue: config.taskQueue,
      workflowId,
      args: [{ batchId, origin: 'manual', requestedBy: null, policy, cutoff: new Date().toISOString() }],
      workflowExecutionTimeout: '1 hour',
    });
    const completedS = (performance.now() - started) / 1000;
    for (;;) {
      const { rows } = await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM client_settlement WHERE batch_id = $1 AND delivered_at IS NULL`,
        [batchId],
      );
      if (rows[0]!.n === 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const deliveredS = (performance.now() - started) / 1000;
    let runs = 0;
    let longestRun = 0;
    for await (const run of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
      runs += 1;
      longestRun = Math.max(longestRun, run.historyLength);
    }
    let longestChild = 0;
    for await (const run of client.workflow.list({
      query: `WorkflowType = 'clientSettlement' AND ExecutionStatus != 'Running'`,
      pageSize: 1000,
    }))
      longestChild = Math.max(longestChild, run.historyLength);
    const trial = await ledger.trialBalance(pool);
    const clearing = await pool.query<{ code: string; net: string }>(
      `SELECT code, (debits_posted - credits_posted)::text AS net FROM ledger_account WHERE code LIKE 'venue:clearing:%' AND (debits_posted <> 0 OR credits_posted <> 0)`,
    );
    const clearingText = clearing.rows.map((r) => `${r.code}=${r.net}`).join(' ') || 'untouched';
    console.log(
      `| ${state.trades} | ${state.settlements} | ${completedS.toFixed(1)} | ${deliveredS.toFixed(1)} | ${runs} | ${longestRun} | ${longestChild} | ${trial.balanced && trial.accountsMatchLines ? 'balanced' : 'NOT BALANCED'} | ${clearingText} |`,
    );
  }

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
