// A statement of BENCH_LINES (default 100,000) lines reconciled against as many ledger movements:
// `npm run bench:reconciliation`. Prints figures, asserts nothing timed; it fails only when the
// breaks found are not exactly the injected ones.
//
// A scratch database (BENCH_DATABASE_URL, default: DATABASE_URL's server, database
// clearhouse_bench_reconciliation). The movements are posted to bank:omnibus:EUR through the posting
// engine's batched path (postEntries, MAX_ENTRIES_PER_BATCH a call) over 30 days; each one's
// idempotency key is its reference. The statement is a generated CSV of the same movements with
// perturbations (deterministic): movements the bank does not show, lines the books do not have,
// amounts off by more than the tolerance (breaks), and, matched without a break, amounts within the
// tolerance and lines without a reference. Then the real path: parse (domain/statements), check and
// store (db/reconciliation insertStatementFile, as POST /ops/reconciliations), match (the matching
// activity itself, activities/reconciliation.ts, in a mock activity context). Memory is sampled every
// 10 ms (process.memoryUsage: peak RSS and heap), per phase.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  createReconciliationActivities,
  type MatchReconciliationResult,
} from '../../activities/reconciliation.js';
import { config } from '../../db/config.js';
import { MAX_ENTRIES_PER_BATCH, ensureSystemAccounts, postEntries } from '../../db/ledger/index.js';
import { dropAndCreateDatabase, migrate } from '../../db/migrate.js';
import { createPool } from '../../db/pool.js';
import { insertStatementFile } from '../../db/reconciliation/index.js';
import { insertUser } from '../../db/users/index.js';
import { DEFAULT_RECONCILIATION_POLICY } from '../../domain/reconciliation/policy.js';
import { checkStatement } from '../../domain/reconciliation/statement-checks.js';
import { minorToDecimal, parseStatementFile } from '../../domain/statements/index.js';
import { importedReconciliation } from '../../tests/support/reconciliation-activity.js';

const LINES = Number(process.env.BENCH_LINES ?? 100_000);
const ACCOUNT = 'bank:omnibus:EUR';
const DAYS = 30;
const FIRST_DAY = Date.UTC(2030, 0, 1);
const DAY_MS = 86_400_000;
/** Perturbations, each every Nth movement (deterministic, disjoint: N are distinct primes). */
const MISSING_EVERY = 4999; // the bank does not show it → unmatched_ledger_item
const MISMATCH_EVERY = 4993; // amount off by 0.37 (> 0.05) → amount_mismatch
const TOLERANCE_EVERY = 997; // amount off by 0.03 → matched by tolerance
const NO_REFERENCE_EVERY = 499; // reference missing → matched by amount and date
const EXTRA_LINES = Math.max(1, Math.floor(LINES / 5000)); // not in the books → unmatched_statement_line

function benchDatabaseUrl(): string {
  if (process.env.BENCH_DATABASE_URL) return process.env.BENCH_DATABASE_URL;
  const url = new URL(config.databaseUrl);
  url.pathname = '/clearhouse_bench_reconciliation';
  return url.toString();
}

/** Peak RSS and heap while a phase runs, sampled every 10 ms. */
async function phase<T>(label: string, run: () => Promise<T> | T) {
  let rss = process.memoryUsage().rss;
  let heap = process.memoryUsage().heapUsed;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed);
  }, 10);
  const started = performance.now();
  try {
    const value = await run();
    const ms = performance.now() - started;
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed);
    const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
    console.log(
      `${label.padEnd(8)} ${(ms / 1000).toFixed(2).padStart(7)} s   peak RSS ${mb(rss)} MB, peak heap ${mb(heap)} MB`,
    );
    return { value, ms };
  } finally {
    clearInterval(sampler);
  }
}

const amountOf = (i: number) => 1_000_000n + BigInt(i) * 100n; // distinct, so amount+date is unambiguous
const dayOf = (i: number) => new Date(FIRST_DAY + (i % DAYS) * DAY_MS).toISOString().slice(0, 10);
const referenceOf = (i: number) => `BR-${i}`;

async function main(): Promise<void> {
  const url = benchDatabaseUrl();
  console.log(`bench:reconciliation — ${LINES} movements and a statement of about as many lines`);
  await dropAndCreateDatabase(url);
  await migrate(url);
  const pool = createPool(url, 4);
  try {
    await ensureSystemAccounts(pool);
    const operator = await insertUser(pool, {
      email: `bench-${randomUUID()}@bench.example`,
      passwordHash: 'x',
      role: 'operations',
      displayName: 'Bench Operator',
    });
    if (!operator) throw new Error('no operator');

    await phase('ledger', async () => {
      for (let start = 0; start < LINES; start += MAX_ENTRIES_PER_BATCH) {
        const count = Math.min(MAX_ENTRIES_PER_BATCH, LINES - start);
        await postEntries(
          pool,
          Array.from({ length: count }, (_, k) => {
            const i = start + k;
            return {
              // Our reference of the movement (db/reconciliation/matching.ts itemReferences).
              idempotencyKey: referenceOf(i).toLowerCase(),
              kind: 'deposit.confirm',
              description: 'bench movement',
              transfers: [{ debit: ACCOUNT, credit: 'suspense:EUR', amount: amountOf(i) }],
              effectiveAt: new Date(`${dayOf(i)}T10:00:00Z`),
            };
          }),
        );
      }
    });

    let expected = 0;
    const rows: string[] = ['type,currency,booking_date,amount,reference,description'];
    let closing = 0n;
    const entry = (day: string, minor: bigint, reference: string) => {
      closing += minor;
      rows.push(`entry,EUR,${day},${minorToDecimal(minor, 'EUR')},${reference},`);
    };
    for (let i = 0; i < LINES; i++) {
      if (i % MISSING_EVERY === MISSING_EVERY - 1) {
        expected++;
        continue;
      }
      if (i % MISMATCH_EVERY === MISMATCH_EVERY - 1) {
        expected++;
        entry(dayOf(i), amountOf(i) + 37n, referenceOf(i));
      } else if (i % TOLERANCE_EVERY === TOLERANCE_EVERY - 1)
        entry(dayOf(i), amountOf(i) + 3n, referenceOf(i));
      else if (i % NO_REFERENCE_EVERY === NO_REFERENCE_EVERY - 1) entry(dayOf(i), amountOf(i), 'NONREF');
      else entry(dayOf(i), amountOf(i), referenceOf(i));
    }
    for (let k = 0; k < EXTRA_LINES; k++) {
      expected++;
      entry(dayOf(k), 900_000_000n + BigInt(k) * 100n + 13n, `EXTRA-${k}`);
    }
    rows.splice(1, 0, `opening,EUR,${dayOf(0)},0.00,,`);
    rows.push(`closing,EUR,${dayOf(DAYS - 1)},${minorToDecimal(closing, 'EUR')},,`);
    const bytes = new TextEncoder().encode(rows.join('\n'));
    console.log(`statement: ${rows.length - 3} lines, ${(bytes.byteLength / 1024 / 1024).toFixed(1)} MB CSV`);

    const parsed = await phase('parse', () => parseStatementFile(bytes));
    const statement = parsed.value.statements[0];
    if (!statement) throw new Error('no statement parsed');
    const id = randomUUID();
    const stored = await phase('store', async () => {
      const check = checkStatement(statement, 'EUR');
      if (!check.consistent) throw new Error(`the generated statement is inconsistent: ${check.problems}`);
      await insertStatementFile(pool, {
        bytes,
        format: parsed.value.format,
        uploadedBy: operator,
        statements: [
          { id, source: 'bank', accountCode: ACCOUNT, parsed: statement, consistent: true, problems: [] },
        ],
      });
    });

    const { workflowId, env } = await importedReconciliation(
      pool,
      id,
      statement.lines.length,
      'bench import',
    );
    const matching = await phase('match', (): Promise<MatchReconciliationResult> =>
      env.run(createReconciliationActivities(pool).matchReconciliation, {
        reconciliationId: id,
        workflowId,
        policy: DEFAULT_RECONCILIATION_POLICY,
      }),
    );
    const total = parsed.ms + stored.ms + matching.ms;
    const lines = statement.lines.length;
    console.log(
      `total    ${(total / 1000).toFixed(2).padStart(7)} s   ${Math.round((lines * 1000) / total)} lines/s (parse + store + match)`,
    );
    const kinds = await pool.query<{ kind: string; n: string }>(
      'SELECT kind, count(*) AS n FROM recon_break WHERE statement_id = $1 GROUP BY kind ORDER BY kind',
      [id],
    );
    const rules = await pool.query<{ rule: string; n: string }>(
      `SELECT rule, count(*) AS n FROM recon_line WHERE statement_id = $1 AND match_status = 'MATCHED' GROUP BY rule ORDER BY rule`,
      [id],
    );
    console.log(
      `matched: ${matching.value.matched} of ${lines} lines (${rules.rows.map((r) => `${r.rule} ${r.n}`).join(', ')})`,
    );
    console.log(`breaks: ${kinds.rows.map((r) => `${r.kind} ${r.n}`).join(', ')}`);
    console.log(`expected breaks: ${expected}, found: ${matching.value.openBreaks}`);
    if (matching.value.openBreaks !== expected) process.exitCode = 1;
  } finally {
    await pool.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
