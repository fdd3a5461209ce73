// The matching activity heartbeats throughout, so the workflow's 10 s heartbeat timeout
// (patched('reconciliation-match-heartbeat-10s')) notices a killed worker in seconds and never
// fails a live one. A heartbeat reaches Temporal only once the worker's event loop turns after it
// (the SDK encodes and sends it after an await), so each one the mock environment reports is counted
// when a macrotask queued behind it runs: one made inside seconds of synchronous matching counts
// when the matching has ended, as in a real worker.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { createReconciliationActivities } from './reconciliation.js';
import { MAX_ENTRIES_PER_BATCH, ensureSystemAccounts, postEntries } from '../db/ledger/index.js';
import { insertStatementFile } from '../db/reconciliation/index.js';
import { insertUser } from '../db/users/index.js';
import {
  MATCH_STEP_ROWS,
  matchStatement,
  matchSteps,
  type MatchItem,
  type MatchLine,
} from '../domain/reconciliation/matching.js';
import { DEFAULT_RECONCILIATION_POLICY } from '../domain/reconciliation/policy.js';
import { minorToDecimal, parseStatementFile } from '../domain/statements/index.js';
import { useScratchDatabase } from '../tests/support/own-database.js';
import { importedReconciliation } from '../tests/support/reconciliation-activity.js';

const ACCOUNT = 'bank:omnibus:EUR';
/** Enough for every matching pass to pause several times (MATCH_STEP_ROWS records each). */
const MOVEMENTS = 50_000;
const MISSING_EVERY = 1000; // not on the statement: unmatched_ledger_item
const DAYS = 30;
const FIRST_DAY = Date.UTC(2031, 0, 1);
/** Half the workflow's heartbeat timeout: the margin a loaded machine keeps. */
const LONGEST_GAP_MS = 5_000;

const dayOf = (i: number) => new Date(FIRST_DAY + (i % DAYS) * 86_400_000).toISOString().slice(0, 10);
const amountOf = (i: number) => 1_000_000n + BigInt(i) * 100n;

describe('matching a large statement', () => {
  const db = useScratchDatabase('heartbeat');

  it('matchSteps pauses at least every MATCH_STEP_ROWS records and answers what matchStatement does', () => {
    const items: MatchItem[] = [];
    const lines: MatchLine[] = [];
    for (let i = 0; i < 3 * MATCH_STEP_ROWS; i++) {
      const references = i % 7 === 0 ? [] : [`R-${i}`];
      items.push({ id: `i${i}`, amountMinor: amountOf(i), day: 100 + (i % 5), references });
      if (i % 11 !== 0)
        lines.push({ id: `l${i}`, amountMinor: amountOf(i), bookedDay: 100, valueDay: 101, references });
    }
    const options = {
      toleranceMinor: 5n,
      dateWindowDays: 3,
      dateBasis: 'booked' as const,
      oneToMany: true,
      manyToOne: true,
      maxGroupSize: 5,
    };
    const steps = matchSteps(lines, items, options);
    let last = 0;
    for (let step = steps.next(); ; step = steps.next()) {
      if (step.done) {
        expect(step.value).toEqual(matchStatement(lines, items, options));
        break;
      }
      expect(step.value.done - last).toBeLessThanOrEqual(MATCH_STEP_ROWS);
      last = step.value.done;
    }
    expect(last).toBeGreaterThan(lines.length + items.length);
  });

  it(`heartbeats through loading, matching and storing ${MOVEMENTS} lines, never ${LONGEST_GAP_MS} ms apart`, async () => {
    const { pool } = db();
    await ensureSystemAccounts(pool);
    for (let start = 0; start < MOVEMENTS; start += MAX_ENTRIES_PER_BATCH) {
      const count = Math.min(MAX_ENTRIES_PER_BATCH, MOVEMENTS - start);
      await postEntries(
        pool,
        Array.from({ length: count }, (_, k) => ({
          idempotencyKey: `hb-${start + k}`, // our reference of the movement: the line's BR-…
          kind: 'deposit.confirm' as const,
          description: 'heartbeat test movement',
          transfers: [{ debit: ACCOUNT, credit: 'suspense:EUR', amount: amountOf(start + k) }],
          effectiveAt: new Date(`${dayOf(start + k)}T10:00:00Z`),
        })),
      );
    }
    let closing = 0n;
    const rows = [
      'type,currency,booking_date,amount,reference,description',
      `opening,EUR,${dayOf(0)},0.00,,`,
    ];
    const entry = (day: string, minor: bigint, reference: string) => {
      closing += minor;
      rows.push(`entry,EUR,${day},${minorToDecimal(minor, 'EUR')},${reference},`);
    };
    for (let i = 0; i < MOVEMENTS; i++)
      if (i % MISSING_EVERY !== MISSING_EVERY - 1) entry(dayOf(i), amountOf(i), `HB-${i}`);
    entry(dayOf(0), 900_000_013n, 'EXTRA-1'); // not in the books: unmatched_statement_line
    rows.push(`closing,EUR,${dayOf(DAYS - 1)},${minorToDecimal(closing, 'EUR')},,`);
    const bytes = new TextEncoder().encode(rows.join('\n'));
    const parsed = parseStatementFile(bytes);
    const id = randomUUID();
    const operator = await insertUser(pool, {
      email: `hb-${id}@test.example`,
      passwordHash: 'x',
      role: 'operations',
      displayName: 'Heartbeat Operator',
    });
    await insertStatementFile(pool, {
      bytes,
      format: parsed.format,
      uploadedBy: operator!,
      statements: [
        {
          id,
          source: 'bank',
          accountCode: ACCOUNT,
          parsed: parsed.statements[0]!,
          consistent: true,
          problems: [],
        },
      ],
    });
    const { workflowId, env } = await importedReconciliation(pool, id, MOVEMENTS, 'heartbeat test import');

    const delivered: { at: number; what: string; pass?: string }[] = [];
    let matchedAt = Infinity; // when the heartbeat saying the matching has ended was made
    env.on('heartbeat', (details: { what: string; pass?: string }) => {
      if (details.what === 'matched') matchedAt = performance.now();
      setImmediate(() => delivered.push({ at: performance.now(), what: details.what, pass: details.pass }));
    });
    const started = performance.now();
    const result = await env.run(createReconciliationActivities(pool).matchReconciliation, {
      reconciliationId: id,
      workflowId,
      policy: DEFAULT_RECONCILIATION_POLICY,
    });
    const ended = performance.now();

    const expectedBreaks = Math.floor(MOVEMENTS / MISSING_EVERY) + 1;
    expect(result).toEqual({ matched: MOVEMENTS - expectedBreaks + 1, openBreaks: expectedBreaks });
    // Heard from while matching (every pass, before the matching ended) and while storing.
    const passes = new Set(
      delivered.filter((d) => d.what === 'matching' && d.at < matchedAt).map((d) => d.pass),
    );
    expect([...passes].sort()).toEqual(
      ['amount_date', 'amount_mismatch', 'check', 'exact', 'index', 'many_to_one', 'one_to_many']
        .concat(['pending_deposit', 'tolerance', 'unmatched'])
        .sort(),
    );
    expect(delivered.filter((d) => d.what === 'storing').length).toBeGreaterThan(0);
    const times = [started, ...delivered.map((d) => d.at).filter((at) => at <= ended), ended];
    const gaps = times.slice(1).map((at, k) => at - (times[k] as number));
    expect(Math.max(...gaps)).toBeLessThan(LONGEST_GAP_MS);
  }, 120_000);
});
