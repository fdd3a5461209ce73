// npm run drill:restore — the backup and restore drill (docs/backup.md): a stack of its own with
// lifecycles running (a short chaos traffic without faults), a pg_dump of the application database
// taken WHILE they run, a restore into a fresh database, and on the restored copy: the trial balance
// (debits = credits per asset), every account equal to its journal lines, the audit chain, and every
// archived workflow history still replaying against the current code. Exits 1 when any fails.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { DEFAULT_OPTIONS, runChaos } from './chaos/run.js';

const log = (line: string) => process.stdout.write(`${line}\n`);
const serverUrl =
  process.env.DRILL_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

async function verify(url: string): Promise<string[]> {
  const problems: string[] = [];
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const unbalanced = await db.query(
      `SELECT asset, sum(debits_posted)::text AS d, sum(credits_posted)::text AS c FROM ledger_account GROUP BY 1
       HAVING sum(debits_posted) <> sum(credits_posted)`,
    );
    for (const r of unbalanced.rows)
      problems.push(`trial balance: ${r.asset} debits ${r.d} ≠ credits ${r.c}`);
    const drifted = await db.query(
      `SELECT a.code FROM ledger_account a
         LEFT JOIN (SELECT l.account_id,
                           sum(l.debit) FILTER (WHERE NOT l.pending) AS dp, sum(l.credit) FILTER (WHERE NOT l.pending) AS cp
                      FROM journal_line l GROUP BY 1) s ON s.account_id = a.id
        WHERE a.debits_posted <> coalesce(s.dp, 0) OR a.credits_posted <> coalesce(s.cp, 0)`,
    );
    for (const r of drifted.rows) problems.push(`account ${r.code} differs from its lines`);
    const entries = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM journal_entry`);
    log(`restored copy: ${entries.rows[0]?.n} journal entries, ${drifted.rowCount} drifted accounts`);
  } finally {
    await db.end();
  }
  // The audit chain and the archived histories, through the project's own verifiers.
  const audit = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/audit-verify.ts'], {
    env: { ...process.env, DATABASE_URL: url },
    encoding: 'utf8',
  });
  log(`audit chain: ${audit.trim().split('\n').at(-1)}`);
  const histories = new pg.Client({ connectionString: url });
  await histories.connect();
  try {
    const { rows } = await histories.query<{ workflow_id: string; history: unknown }>(
      `SELECT workflow_id, history FROM workflow_history_archive`,
    );
    let replayed = 0;
    // One bundle of the current workflow code for every history.
    const bundle = await bundleWorkflowCode({
      workflowsPath: new URL('../workflows/index.ts', import.meta.url).pathname,
    });
    for (const row of rows) {
      try {
        await Worker.runReplayHistory(
          { workflowBundle: { code: bundle.code } },
          historyFromJSON(row.history),
          row.workflow_id,
        );
        replayed += 1;
      } catch (error) {
        problems.push(
          `history ${row.workflow_id} no longer replays: ${(error as Error).message.split('\n')[0]}`,
        );
      }
    }
    log(`archived histories: ${replayed}/${rows.length} replay`);
  } finally {
    await histories.end();
  }
  return problems;
}

async function main(): Promise<number> {
  const dumpDir = process.env.DRILL_DIR ?? '/tmp';
  let dumpFile = '';
  let sourceDb = '';
  // Lifecycles without faults; the dump is taken in the middle of their traffic.
  const chaos = runChaos({
    ...DEFAULT_OPTIONS,
    lifecycles: 30,
    durationMs: 30_000,
    settleMs: 30_000,
    faults: {
      workerKill: { everyMs: 0, max: 0, downMs: 0 },
      temporalRestart: { everyMs: 0, max: 0, downMs: 0 },
      dbCut: { everyMs: 0, max: 0 },
    },
    postgresUrl: serverUrl,
    keep: true,
    log: (line) => {
      log(line);
      const found = /database (clearhouse_chaos_[0-9a-f]+)/.exec(line);
      if (found && !sourceDb) sourceDb = found[1]!;
    },
  });
  const dumped = (async () => {
    while (!sourceDb) await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 60_000)); // the stack is up and traffic has begun
    dumpFile = join(dumpDir, `${sourceDb}.dump`);
    execFileSync('pg_dump', ['--format=custom', '--file', dumpFile, withDatabase(serverUrl, sourceDb)]);
    log(`pg_dump taken while lifecycles run: ${dumpFile}`);
  })();
  const [result] = await Promise.all([chaos, dumped]);
  const restored = `${sourceDb}_restored`;
  execFileSync('createdb', ['--maintenance-db', serverUrl, restored]);
  execFileSync('pg_restore', ['--no-owner', '--dbname', withDatabase(serverUrl, restored), dumpFile]);
  log(`restored into ${restored}`);
  const problems = await verify(withDatabase(serverUrl, restored));
  log(
    result.ok
      ? 'the source run passed its own checks'
      : `the source run failed: ${result.failures.join('; ')}`,
  );
  for (const p of problems) log(`RESTORE PROBLEM: ${p}`);
  for (const name of [restored, sourceDb])
    execFileSync('dropdb', ['--maintenance-db', serverUrl, '--force', name], { stdio: 'ignore' });
  log(problems.length === 0 ? 'PASSED: the restored copy is whole' : `FAILED: ${problems.length} problem(s)`);
  return problems.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`drill failed: ${(error as Error)?.stack ?? error}\n`);
    process.exit(2);
  },
);
