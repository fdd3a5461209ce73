import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { declinedBatch, postEntriesBatched } from './batched-path.js';
import { postEntriesUngrouped } from './engine.js';
import {
  LedgerError,
  getAccount,
  getEntry,
  postEntries,
  postEntry,
  type Db,
  type Entry,
  type EntryInput,
} from './index.js';
import { SET_MISSING, openAccountSet, setTotals, testPool } from './test-support.js';
import { validateEntry } from './validation.js';

// The batched path (postEntries: one ledger_post_entries statement per call) against the JavaScript
// engine (one transaction per call), on the same random calls: two fresh sets of identical accounts,
// the same calls of 1 to 8 postings in the same order. Every call's answer (its entries, or its error
// with code and details) and every account's four totals must be the same. The batched statement
// itself must decline exactly the calls the engine refuses or answers with a replay, and it must have
// recorded calls on its own (else the test would only compare the engine with itself).

let db: Db;

beforeAll(() => {
  db = testPool(6);
});

afterAll(async () => {
  await db.end();
});

const MISSING = SET_MISSING;

/** A set (test-support.ts openAccountSet) with its opening balances, through the engine. */
async function openSet(prefix: string): Promise<string[]> {
  const codes = await openAccountSet(db, prefix);
  const open = (n: number, debit: string, credit: string, amount: bigint): EntryInput => ({
    idempotencyKey: `${prefix}:open:${n}`,
    kind: 'test.open',
    description: 'opening',
    transfers: [{ debit, credit, amount }],
  });
  await postEntriesUngrouped(db, [
    open(0, codes[4]!, codes[0]!, 500n),
    open(1, codes[4]!, codes[1]!, 300n),
    open(2, codes[3]!, codes[4]!, 200n),
    open(3, `${prefix}:eua-source`, codes[5]!, 50n),
  ]);
  return codes;
}

interface Transfer {
  from: number;
  to: number;
  amount: bigint;
}

/** A posting, or a reuse of an earlier posting's key (same payload: replay; changed: conflict). */
type Op = { type: 'post'; transfers: Transfer[] } | { type: 'replay' | 'conflict'; earlier: number };

const accountArb = fc.oneof(
  { weight: 14, arbitrary: fc.nat({ max: 4 }) },
  { weight: 1, arbitrary: fc.constant(5) },
  { weight: 1, arbitrary: fc.constant(MISSING) },
);
const transferArb: fc.Arbitrary<Transfer> = fc
  .record({ from: accountArb, to: accountArb, amount: fc.bigInt({ min: 1n, max: 300n }) })
  .filter((t) => t.from !== t.to);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({
      type: fc.constant('post' as const),
      transfers: fc.array(transferArb, { minLength: 1, maxLength: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('replay' as const), earlier: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('conflict' as const), earlier: fc.nat() }) },
);

/** Calls of one operation each: ok, asset_mismatch, unknown_account, insufficient_funds, idempotency_conflict. */
const EVERY_OUTCOME: Op[] = [
  { type: 'post', transfers: [{ from: 4, to: 0, amount: 10n }] },
  { type: 'post', transfers: [{ from: 5, to: 4, amount: 1n }] },
  { type: 'post', transfers: [{ from: MISSING, to: 4, amount: 1n }] },
  { type: 'post', transfers: [{ from: 2, to: 4, amount: 1n }] },
  { type: 'conflict', earlier: 0 },
  { type: 'replay', earlier: 0 },
  { type: 'post', transfers: [{ from: 0, to: 1, amount: 5n }] },
  { type: 'post', transfers: [{ from: 1, to: 3, amount: 5n }] },
];

/** The posting of operation `index` in a set (a reuse takes the key of an earlier post, if any). */
function input(ops: Op[], index: number, codes: string[], prefix: string): EntryInput {
  const op = ops[index]!;
  if (op.type !== 'post') {
    let original = index === 0 ? -1 : op.earlier % index;
    while (original >= 0 && ops[original]!.type !== 'post') original -= 1;
    if (original >= 0) {
      const base = input(ops, original, codes, prefix);
      return op.type === 'replay' ? base : { ...base, description: `${base.description} (changed)` };
    }
  }
  return {
    idempotencyKey: `${prefix}:op:${index}`,
    kind: 'test.post',
    description: `operation ${index}`,
    workflowId: `wf-${index % 3}`,
    transfers:
      op.type === 'post'
        ? op.transfers.map((t) => ({ debit: codes[t.from]!, credit: codes[t.to]!, amount: t.amount }))
        : [{ debit: codes[4]!, credit: codes[2]!, amount: 1n }],
  };
}

type Seen = { ok: true; entries: unknown } | { ok: false; code: string; details: unknown };

/** A call's answer with the set's own names (prefix, entry ids, clocks) taken out. */
function comparable(
  outcome: { entries: Entry[] } | { error: unknown },
  prefix: string,
  ids: Map<string, number>,
): Seen {
  const scrub = (value: unknown): unknown =>
    JSON.parse(
      JSON.stringify(value, (key, v: unknown) =>
        key === 'createdAt' || key === 'effectiveAt' ? undefined : typeof v === 'bigint' ? v.toString() : v,
      ).replaceAll(prefix, 'SET'),
    );
  if ('error' in outcome) {
    if (!(outcome.error instanceof LedgerError)) throw outcome.error;
    return { ok: false, code: outcome.error.code, details: scrub(outcome.error.details ?? null) };
  }
  const entries = outcome.entries.map((entry) => {
    if (!ids.has(entry.id)) ids.set(entry.id, ids.size);
    return { ...entry, id: ids.get(entry.id) };
  });
  return { ok: true, entries: scrub(entries) };
}

async function settle(call: Promise<Entry[]>): Promise<{ entries: Entry[] } | { error: unknown }> {
  try {
    return { entries: await call };
  } catch (error) {
    return { error };
  }
}

const totals = (codes: string[]) => setTotals(db, codes);

describe('batched path', () => {
  it('random calls through the batched path and the engine: identical answers and balances', async () => {
    const outcomesSeen = new Set<string>();
    let recordedByStatement = 0;
    let declinedByStatement = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(opArb, { minLength: 4, maxLength: 30 }),
        fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 30, maxLength: 30 }),
        async (ops, callSizes) => {
          const run = randomUUID();
          const batched = `bp:${run}:batched`;
          const engine = `bp:${run}:engine`;
          const sets = { [batched]: await openSet(batched), [engine]: await openSet(engine) };
          const batchedIds = new Map<string, number>();
          const engineIds = new Map<string, number>();
          for (let start = 0, c = 0; start < ops.length; c += 1) {
            const size = Math.min(callSizes[c % callSizes.length]!, ops.length - start);
            const indices = Array.from({ length: size }, (_, k) => start + k);
            start += size;
            const reference = await settle(
              postEntriesUngrouped(
                db,
                indices.map((i) => input(ops, i, sets[engine]!, engine)),
              ),
            );
            const inputs = indices.map((i) => input(ops, i, sets[batched]!, batched));
            let outcome: { entries: Entry[] } | { error: unknown };
            if (new Set(inputs.map((x) => x.idempotencyKey)).size < inputs.length) {
              // A key repeated inside the call is folded (or refused) by postEntries before any statement.
              outcome = await settle(postEntries(db, inputs));
            } else {
              // The statement alone first: it may decline only what the engine refuses or replays.
              try {
                const created = await postEntriesBatched(
                  db,
                  inputs.map((x) => validateEntry(x, 'posted')),
                );
                outcome = { entries: created };
                recordedByStatement += 1;
              } catch (error) {
                if (!declinedBatch(error)) throw error;
                declinedByStatement += 1;
                const replayed = 'entries' in reference && reference.entries.some((e) => engineIds.has(e.id));
                expect('error' in reference || replayed).toBe(true);
                // What postEntries then does: the engine answers the call.
                outcome = await settle(postEntries(db, inputs));
              }
            }
            const seenEngine = comparable(reference, engine, engineIds);
            const seenBatched = comparable(outcome, batched, batchedIds);
            expect(seenBatched).toEqual(seenEngine);
            outcomesSeen.add(seenEngine.ok ? 'ok' : seenEngine.code);
          }
          expect(await totals(sets[batched]!)).toEqual(await totals(sets[engine]!));
          // What the statement answered is what was stored, and the totals are the sums of the lines.
          for (const [id] of batchedIds) expect(await getEntry(db, id)).not.toBeNull();
          const { rows } = await db.query<{ code: string }>(
            `SELECT a.code FROM ledger_account a
               LEFT JOIN (SELECT account_id, sum(debit) AS d, sum(credit) AS c FROM journal_line GROUP BY account_id) s
                 ON s.account_id = a.id
              WHERE a.code LIKE $1 AND (a.debits_posted <> coalesce(s.d, 0) OR a.credits_posted <> coalesce(s.c, 0))`,
            [`${batched}:%`],
          );
          expect(rows).toEqual([]);
        },
      ),
      // Besides the random runs, one written to reach every outcome (each its own call), so the
      // coverage below never depends on what the random runs happened to draw.
      { numRuns: 15, examples: [[EVERY_OUTCOME, [1, 1, 1, 1, 1, 1, 2]]] },
    );
    expect([...outcomesSeen].sort()).toEqual(
      expect.arrayContaining([
        'asset_mismatch',
        'idempotency_conflict',
        'insufficient_funds',
        'ok',
        'unknown_account',
      ]),
    );
    expect(recordedByStatement).toBeGreaterThan(0);
    expect(declinedByStatement).toBeGreaterThan(0);
  }, 300_000);

  it('racing batches, single postings and repeated keys on the same accounts: each key once, totals exact', async () => {
    const prefix = `bp:${randomUUID()}:race`;
    const codes = await openSet(prefix);
    // Account 1 holds 300: the calls below ask for more, so some are refused under the race.
    const batch = (call: number) =>
      settle(
        postEntries(
          db,
          Array.from({ length: 20 }, (_, j) => ({
            idempotencyKey: `${prefix}:k:${(call * 20 + j) % 150}`,
            kind: 'test.race',
            description: 'race',
            transfers: [{ debit: codes[(call + j) % 2 === 0 ? 4 : 1]!, credit: codes[2]!, amount: 3n }],
          })),
        ),
      );
    // Single postings take the group commit (ledger_post_batch, which locks before it inserts).
    const single = (n: number) =>
      settle(
        postEntry(db, {
          idempotencyKey: `${prefix}:k:${(n * 7) % 150}`,
          kind: 'test.race',
          description: 'race',
          transfers: [{ debit: codes[((n * 7) % 150) % 2 === 0 ? 4 : 1]!, credit: codes[2]!, amount: 3n }],
        }).then((entry) => [entry]),
      );
    const outcomes = await Promise.all([
      ...Array.from({ length: 12 }, (_, call) => batch(call)),
      ...Array.from({ length: 20 }, (_, n) => single(n)),
    ]);
    for (const outcome of outcomes) {
      // A refusal is the engine's (a repeated key with another payload); nothing else may escape.
      if ('error' in outcome) expect(outcome.error).toBeInstanceOf(LedgerError);
    }
    const { rows } = await db.query<{ key: string; n: string }>(
      `SELECT idempotency_key AS key, count(*) AS n FROM journal_entry WHERE idempotency_key LIKE $1 GROUP BY 1 HAVING count(*) > 1`,
      [`${prefix}:k:%`],
    );
    expect(rows).toEqual([]);
    const lines = await db.query<{ code: string }>(
      `SELECT a.code FROM ledger_account a
         LEFT JOIN (SELECT account_id, sum(debit) AS d, sum(credit) AS c FROM journal_line GROUP BY account_id) s
           ON s.account_id = a.id
        WHERE a.code LIKE $1 AND (a.debits_posted <> coalesce(s.d, 0) OR a.credits_posted <> coalesce(s.c, 0))`,
      [`${prefix}:%`],
    );
    expect(lines.rows).toEqual([]);
    const recorded = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM journal_entry WHERE idempotency_key LIKE $1`,
      [`${prefix}:k:%`],
    );
    expect(BigInt((await getAccount(db, codes[2]!))!.creditsPosted)).toBe(3n * BigInt(recorded.rows[0]!.n));
  }, 120_000);
});

describe('the batched statement’s arrays', () => {
  it('carry any text exactly, and each call’s entry ids after the previous call’s', async () => {
    const prefix = `batch-text:${randomUUID()}`;
    const codes = await openAccountSet(db, prefix);
    const [source, sink] = [codes[4]!, codes[1]!];
    // What an array literal must quote or escape: its delimiters, quotes, backslashes, NULL, blanks.
    const texts = [
      '',
      'NULL',
      'null',
      ' padded ',
      'a,b',
      '{braces}',
      'say "hi"',
      'back\\slash',
      '\\"',
      'tab\tnew\nline',
      'Zürich € 🏦',
    ];
    const call = (round: number) =>
      texts.map((text, i) =>
        validateEntry(
          {
            idempotencyKey: `${prefix}:${round}:${i}:${text}`,
            kind: `test.${text || 'empty'}`,
            description: text,
            workflowId: text || null,
            runId: i % 2 === 0 ? null : text,
            activity: text || null,
            transfers: [{ debit: source, credit: sink, amount: BigInt(i + 1) }],
          },
          'posted',
        ),
      );
    const first = await postEntriesBatched(db, call(0));
    const second = await postEntriesBatched(db, call(1));
    for (const [round, created] of [first, second].entries()) {
      for (const [i, entry] of created.entries()) {
        const stored = await getEntry(db, entry.id);
        expect(stored).toMatchObject({
          idempotencyKey: `${prefix}:${round}:${i}:${texts[i]}`,
          kind: `test.${texts[i] || 'empty'}`,
          description: texts[i],
          workflowId: texts[i] || null,
          runId: i % 2 === 0 ? null : texts[i],
          activity: texts[i] || null,
        });
      }
    }
    // Version 7 ids: a call's ids share its millisecond (the first 48 bits), a later call's is later.
    const timeOf = (entry: Entry) => entry.id.replace('-', '').slice(0, 12);
    for (const entry of [...first, ...second]) {
      expect(entry.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    expect(new Set(first.map(timeOf)).size).toBe(1);
    expect(new Set(second.map(timeOf)).size).toBe(1);
    expect(timeOf(second[0]!) >= timeOf(first[0]!)).toBe(true);
    expect(Math.abs(parseInt(timeOf(first[0]!), 16) - Date.now())).toBeLessThan(60_000);
  }, 60_000);
});
