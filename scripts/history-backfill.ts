// `npm run history:backfill`: archives closed workflow runs that have no row in
// workflow_history_archive yet (auditing/history-backfill.ts), so their histories outlive
// Temporal's retention. The worker does the same once at start-up; this is for operators.
//
//   npm run history:backfill -- [--limit 1000] [--task-queue clearhouse | --all-task-queues]
//
// Reads TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE and DATABASE_URL. Exit codes: 0
// done (everything found archived), 1 some runs could not be archived, 2 usage error or Temporal /
// PostgreSQL unreachable.
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { backfillHistoryArchive } from '../auditing/index.js';
import { config } from '../db/config.js';
import { createPool } from '../db/pool.js';

const USAGE =
  'usage: npm run history:backfill -- [--limit <1..10000>] [--task-queue <name> | --all-task-queues]';

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      limit: { type: 'string', default: '1000' },
      'task-queue': { type: 'string' },
      'all-task-queues': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const limit = Number(values.limit);
  if (
    !Number.isInteger(limit) ||
    limit < 1 ||
    limit > 10_000 ||
    (values['task-queue'] && values['all-task-queues'])
  ) {
    console.error(USAGE);
    return 2;
  }
  const taskQueue = values['all-task-queues'] ? undefined : (values['task-queue'] ?? config.taskQueue);
  const pool = createPool(config.databaseUrl, 2);
  const connection = await Connection.connect({
    address: config.temporalAddress,
    connectTimeout: '5s',
  }).catch(async (error: unknown) => {
    await pool.end();
    throw error;
  });
  const client = new Client({ connection, namespace: config.temporalNamespace });
  try {
    const report = await backfillHistoryArchive({ pool, temporal: async () => client }, { limit, taskQueue });
    for (const workflowId of report.archived) console.log(`archived  ${workflowId}`);
    for (const { workflowId, error } of report.failed) console.error(`FAILED    ${workflowId}: ${error}`);
    console.log(
      `${report.scanned} closed runs looked at, ${report.archived.length} archived, ${report.failed.length} failed` +
        (report.complete ? '' : ' (stopped at the limit: run again for the rest)'),
    );
    return report.failed.length > 0 ? 1 : 0;
  } finally {
    await connection.close().catch(() => undefined);
    await pool.end().catch(() => undefined);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`history:backfill could not run: ${(error as Error)?.message ?? String(error)}`);
    process.exit(2);
  },
);
