// The client statement's cost against the size of a client's history: `npm run bench:statement`.
//
// A scratch database (BENCH_DATABASE_URL, default: DATABASE_URL's server, database
// clearhouse_bench_statement) with one client whose EUR history is BENCH_ENTRIES (default 3000)
// deposits received and cleared (three journal lines each) spread over the last 300 days, posted
// through the engine. Timed (BENCH_READS calls each, p50/p99): the first and a middle page (50 lines)
// of a 300-day statement, a 30-day statement's first page, and the whole 300-day statement read for a
// download; then one CSV and one PDF of that whole statement.
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { config } from '../../db/config.js';
import { dropAndCreateDatabase, migrate } from '../../db/migrate.js';
import { createPool } from '../../db/pool.js';
import { insertUser } from '../../db/users/index.js';
import {
  MAX_ENTRIES_PER_BATCH,
  ensureClientAccounts,
  ensureSystemAccounts,
  postEntries,
} from '../../db/ledger/index.js';
import { depositClear, depositConfirm } from '../../domain/postings.js';
import { resolveDeps } from '../../api/deps.js';
import { statementCsv, statementDocumentFor, statementFor } from '../../api/services/client-statement.js';
import { statementPdf } from '../../api/documents/statement-pdf.js';

const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 3000);
const READS = Number(process.env.BENCH_READS ?? 20);
const DAY_MS = 86_400_000;

function benchDatabaseUrl(): string {
  if (process.env.BENCH_DATABASE_URL) return process.env.BENCH_DATABASE_URL;
  const url = new URL(config.databaseUrl);
  url.pathname = '/clearhouse_bench_statement';
  return url.toString();
}

function percentile(sortedMs: number[], p: number): number {
  return sortedMs[Math.min(sortedMs.length - 1, Math.floor((p / 100) * sortedMs.length))] ?? NaN;
}

async function timed(label: string, run: () => Promise<unknown>): Promise<void> {
  const samples: number[] = [];
  for (let i = 0; i < READS; i++) {
    const started = performance.now();
    await run();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  console.log(
    `${label}: p50 ${percentile(samples, 50).toFixed(1)} ms, p99 ${percentile(samples, 99).toFixed(1)} ms`,
  );
}

async function main(): Promise<void> {
  const url = benchDatabaseUrl();
  await dropAndCreateDatabase(url);
  await migrate(url);
  const pool = createPool(url, 4);
  try {
    const clientId = await insertUser(pool, {
      email: `bench-${randomUUID()}@bench.example`,
      passwordHash: 'x',
      role: 'client',
      displayName: 'Bench Client',
    });
    if (!clientId) throw new Error('no client');
    await ensureSystemAccounts(pool);
    await ensureClientAccounts(pool, clientId, 'EUR');
    const now = Date.now();
    const inputs = Array.from({ length: ENTRIES }, (_, i) => {
      const effectiveAt = new Date(now - Math.floor(((ENTRIES - i) / ENTRIES) * 300 * DAY_MS));
      return [
        {
          idempotencyKey: `bench/${i}/confirm`,
          effectiveAt,
          ...depositConfirm(clientId, 'EUR', 10_000n + BigInt(i)),
        },
        {
          idempotencyKey: `bench/${i}/clear`,
          effectiveAt,
          ...depositClear(clientId, 'EUR', 10_000n + BigInt(i)),
        },
      ];
    }).flat();
    const loadStarted = performance.now();
    for (let i = 0; i < inputs.length; i += MAX_ENTRIES_PER_BATCH)
      await postEntries(pool, inputs.slice(i, i + MAX_ENTRIES_PER_BATCH));
    console.log(
      `posted ${inputs.length} entries (${ENTRIES * 3} lines) in ${(performance.now() - loadStarted).toFixed(0)} ms`,
    );

    const deps = resolveDeps({ pool });
    const user = { id: clientId, email: 'bench', role: 'client' as const };
    const day = (offset: number) => new Date(now + offset * DAY_MS).toISOString().slice(0, 10);
    const year = { asset: 'EUR', from: day(-300), to: day(0) };
    const first = await statementFor(deps, user, undefined, year);
    let middle = first;
    for (let page = 0; page < 20 && middle.nextCursor; page++)
      middle = await statementFor(deps, user, undefined, { ...year, cursor: middle.nextCursor });
    console.log(`300-day statement: ${first.lineCount} lines`);
    await timed('page 1 of 300 days (50 lines)', () => statementFor(deps, user, undefined, year));
    await timed('page 22 of 300 days (50 lines)', () =>
      statementFor(deps, user, undefined, { ...year, cursor: middle.nextCursor ?? undefined }),
    );
    await timed('page 1 of 30 days', () =>
      statementFor(deps, user, undefined, { asset: 'EUR', from: day(-29) }),
    );
    await timed('whole 300 days for a download', () => statementDocumentFor(deps, user, undefined, year));
    const document = await statementDocumentFor(deps, user, undefined, year);
    let started = performance.now();
    const csv = statementCsv(document);
    console.log(
      `CSV of ${document.lineCount} lines: ${(performance.now() - started).toFixed(0)} ms, ${csv.length} bytes`,
    );
    started = performance.now();
    const pdf = await statementPdf(document);
    console.log(
      `PDF of ${document.lineCount} lines: ${(performance.now() - started).toFixed(0)} ms, ${pdf.length} bytes`,
    );
  } finally {
    await pool.end();
  }
}

await main();
