// Captures the golden workflow histories: runs every scenario of tests/replay/scenarios/ for real
// (a fresh Temporal dev server from the installed CLI, a worker with the real activities, a scratch
// PostgreSQL database) and writes each closed history (of the run the scenario names, for a workflow
// that continues-as-new) to tests/histories/<type>/<path>.json in the
// `temporal workflow show --output json` format. `npm test` replays them all
// (tests/replay/golden.test.ts).
//
// Regenerate on purpose only — a new workflow type or path, or a deliberate, patched() change whose
// new shape should be pinned. Never to make a failing replay pass: that failure is the point.
//
//   npm run histories:capture                        # every scenario
//   npm run histories:capture -- --only deposit      # one workflow type
//   npm run histories:capture -- --only deposit/happy --only ping
//
// CAPTURE_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/clearhouse_capture) is dropped
// and recreated.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { createWorker } from '../activities/worker.js';
import { SimulatedBank } from '../activities/bank-adapter.js';
import { closeArchiveTemporalClient } from '../activities/history-archive.js';
import { ensureClientAccounts } from '../db/ledger/index.js';
import { dropAndCreateDatabase, migrate } from '../db/migrate.js';
import { historyFacts } from '../db/history/index.js';
import { closePool, createPool } from '../db/pool.js';
import type { AssetCode } from '../domain/money.js';
import { ensureTemporalCli } from './temporal-cli.js';
import { scenarios, type CaptureContext, type Scenario } from '../tests/replay/scenarios/index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(ROOT, 'tests', 'histories');

function selected(only: string[]): Scenario[] {
  if (only.length === 0) return scenarios;
  const chosen = scenarios.filter((s) => only.some((o) => o === s.type || o === `${s.type}/${s.path}`));
  if (chosen.length === 0) {
    const known = scenarios.map((s) => `${s.type}/${s.path}`).join(', ');
    throw new Error(`no scenario matches ${only.join(', ')}; known: ${known}`);
  }
  return chosen;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { only: { type: 'string', multiple: true } } });
  const chosen = selected(values.only ?? []);
  const databaseUrl =
    process.env.CAPTURE_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/clearhouse_capture';

  Runtime.install({ logger: new DefaultLogger('WARN') });
  console.log(`scratch database ${new URL(databaseUrl).pathname.slice(1)}: recreating and migrating`);
  await dropAndCreateDatabase(databaseUrl);
  await migrate(databaseUrl);
  const pool = createPool(databaseUrl, 5);

  console.log('starting a Temporal dev server from the installed CLI');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: await ensureTemporalCli() },
      ip: '127.0.0.1',
      ui: false,
    },
  });
  const taskQueue = `golden-capture-${randomUUID()}`;
  // The worker's payout bank, shared with the scenarios so they can inject its faults.
  const bank = new SimulatedBank(pool);
  try {
    const worker = await createWorker({
      connection: env.nativeConnection,
      taskQueue,
      deps: { pool, bank, temporal: async () => env.client },
    });
    const ctx: CaptureContext = {
      client: env.client,
      taskQueue,
      pool,
      staff: {
        operations: { id: randomUUID(), role: 'operations' },
        aml: { id: randomUUID(), role: 'aml_officer' },
        admin: { id: randomUUID(), role: 'admin' },
      },
      async newClient(currency) {
        const id = randomUUID();
        if (currency) await ensureClientAccounts(pool, id, currency as AssetCode);
        return { id, role: 'client' };
      },
      bank,
    };
    await worker.runUntil(async () => {
      for (const scenario of chosen) {
        const started = Date.now();
        const captured = await scenario.run(ctx);
        const { workflowId, runId } =
          typeof captured === 'string' ? { workflowId: captured, runId: undefined } : captured;
        const history = await env.client.workflow.getHandle(workflowId, runId).fetchHistory();
        // Exactly what `temporal workflow show --output json` prints, final newline included.
        const text = `${historyToJSON(history)}\n`;
        // Closed runs only (tests/replay/golden.test.ts): where an open history ends depends on timing.
        if (!historyFacts(JSON.parse(text)).closeEventType) {
          throw new Error(`${scenario.type}/${scenario.path}: ${workflowId} ${runId ?? ''} has not closed`);
        }
        const file = join(OUT, scenario.type, `${scenario.path}.json`);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, text);
        console.log(
          `${relative(ROOT, file)}: ${history.events?.length ?? 0} events (${Date.now() - started} ms) — ${scenario.description}`,
        );
      }
    });
  } finally {
    await closeArchiveTemporalClient();
    await env.teardown();
    await pool.end();
    await closePool();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
