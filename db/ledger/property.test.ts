import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientAccountCode } from '../../domain/postings.js';
import {
  LedgerError,
  ensureAccount,
  ensureClientAccounts,
  ensureSystemAccounts,
  holdEntry,
  postEntry,
  postHold,
  trialBalance,
  voidHold,
  type Db,
  type Entry,
  type LedgerErrorCode,
} from './index.js';
import { testPool, uniqueKey } from './test-support.js';

// Random sequences of postings, holds, posts (full and partial), voids, replays of earlier keys and
// conflicting reuses of them, checked against a plain in-memory model of TigerBeetle's rules. After
// every step: the engine's answer equals the model's, the run's accounts equal the model, the trial
// balance of the whole ledger is zero per asset, every account matches its lines, and no flagged
// account is overdrawn.

let db: Db;

beforeAll(async () => {
  db = testPool(4);
  await ensureSystemAccounts(db);
});

afterAll(async () => {
  await db.end();
});

interface Totals {
  debitsPosted: bigint;
  creditsPosted: bigint;
  debitsPending: bigint;
  creditsPending: bigint;
}

interface ModelAccount extends Totals {
  code: string;
  asset: 'EUR' | 'EUA';
  debitsMustNotExceedCredits: boolean;
  creditsMustNotExceedDebits: boolean;
}

interface Transfer {
  from: number;
  to: number;
  amount: bigint;
}

type Op =
  | { type: 'post'; transfers: Transfer[] }
  | { type: 'hold'; transfers: Transfer[] }
  | { type: 'postHold'; hold: number; amount: bigint | null }
  | { type: 'voidHold'; hold: number }
  | { type: 'replay'; earlier: number }
  | { type: 'conflict'; earlier: number };

type Outcome = { ok: true } | { ok: false; code: LedgerErrorCode };

interface ModelHold {
  id: string;
  transfers: Transfer[];
  resolved: boolean;
}

interface Success {
  entryId: string;
  replay: () => Promise<Entry>;
  conflict: () => Promise<Entry>;
}

// Indices 0..3 hold EUR; 4 holds EUA and is only drawn rarely, to provoke asset_mismatch.
const accountIndex = fc.oneof(
  { weight: 40, arbitrary: fc.integer({ min: 0, max: 3 }) },
  { weight: 1, arbitrary: fc.constant(4) },
);
const transfer = fc
  .record({ from: accountIndex, to: accountIndex, amount: fc.bigInt({ min: 1n, max: 400n }) })
  .filter((t) => t.from !== t.to);
const transfers = fc.array(transfer, { minLength: 1, maxLength: 3 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ type: fc.constant('post' as const), transfers }) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('hold' as const), transfers }) },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant('postHold' as const),
      hold: fc.nat(),
      amount: fc.option(fc.bigInt({ min: 1n, max: 450n }), { nil: null }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('voidHold' as const), hold: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('replay' as const), earlier: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('conflict' as const), earlier: fc.nat() }) },
);

async function newRunAccounts(): Promise<ModelAccount[]> {
  const clientId = randomUUID();
  await ensureClientAccounts(db, clientId, 'EUR');
  const run = randomUUID();
  const source = `test:${run}:source:EUR`;
  const limited = `test:${run}:limited:EUR`;
  const other = `test:${run}:other:EUA`;
  await ensureAccount(db, { code: source, asset: 'EUR', kind: 'equity' });
  await ensureAccount(db, { code: limited, asset: 'EUR', kind: 'asset', creditsMustNotExceedDebits: true });
  await ensureAccount(db, { code: other, asset: 'EUA', kind: 'equity' });
  const zero = { debitsPosted: 0n, creditsPosted: 0n, debitsPending: 0n, creditsPending: 0n };
  const plain = { debitsMustNotExceedCredits: false, creditsMustNotExceedDebits: false };
  const accounts: ModelAccount[] = [
    {
      ...zero,
      ...plain,
      code: clientAccountCode(clientId, 'EUR', 'available'),
      asset: 'EUR',
      debitsMustNotExceedCredits: true,
    },
    {
      ...zero,
      ...plain,
      code: clientAccountCode(clientId, 'EUR', 'held'),
      asset: 'EUR',
      debitsMustNotExceedCredits: true,
    },
    { ...zero, ...plain, code: source, asset: 'EUR' },
    { ...zero, ...plain, code: limited, asset: 'EUR', creditsMustNotExceedDebits: true },
    { ...zero, ...plain, code: other, asset: 'EUA' },
  ];
  // Opening positions, so that the flagged accounts start with something to spend.
  const opening: Transfer[] = [
    { from: 2, to: 0, amount: 1000n },
    { from: 2, to: 1, amount: 500n },
    { from: 3, to: 2, amount: 800n },
  ];
  await postEntry(db, {
    idempotencyKey: uniqueKey('prop.open'),
    kind: 'prop.open',
    description: '',
    transfers: toInput(accounts, opening),
  });
  expect(expectTransfers(accounts, opening, false)).toEqual({ ok: true });
  return accounts;
}

function withinFlags(account: ModelAccount): boolean {
  if (
    account.debitsMustNotExceedCredits &&
    account.debitsPosted + account.debitsPending > account.creditsPosted
  )
    return false;
  if (
    account.creditsMustNotExceedDebits &&
    account.creditsPosted + account.creditsPending > account.debitsPosted
  )
    return false;
  return true;
}

/** Applies `change` to a copy; commits it only when every account stays within its flags. */
function tryApply(accounts: ModelAccount[], change: (copy: ModelAccount[]) => void): Outcome {
  const copy = accounts.map((a) => ({ ...a }));
  change(copy);
  if (!copy.every(withinFlags)) return { ok: false, code: 'insufficient_funds' };
  copy.forEach((a, i) => Object.assign(accounts[i]!, a));
  return { ok: true };
}

function expectTransfers(accounts: ModelAccount[], list: Transfer[], pending: boolean): Outcome {
  if (list.some((t) => accounts[t.from]!.asset !== accounts[t.to]!.asset))
    return { ok: false, code: 'asset_mismatch' };
  return tryApply(accounts, (copy) => {
    for (const t of list) {
      if (pending) {
        copy[t.from]!.debitsPending += t.amount;
        copy[t.to]!.creditsPending += t.amount;
      } else {
        copy[t.from]!.debitsPosted += t.amount;
        copy[t.to]!.creditsPosted += t.amount;
      }
    }
  });
}

function toInput(accounts: ModelAccount[], list: Transfer[]) {
  return list.map((t) => ({ debit: accounts[t.from]!.code, credit: accounts[t.to]!.code, amount: t.amount }));
}

async function outcomeOf(call: Promise<Entry>): Promise<{ outcome: Outcome; entry: Entry | null }> {
  try {
    return { outcome: { ok: true }, entry: await call };
  } catch (error) {
    if (error instanceof LedgerError) return { outcome: { ok: false, code: error.code }, entry: null };
    throw error;
  }
}

async function checkInvariants(accounts: ModelAccount[]): Promise<void> {
  const stored = await db.query<{
    code: string;
    debits_posted: string;
    credits_posted: string;
    debits_pending: string;
    credits_pending: string;
  }>(
    `SELECT code, debits_posted, credits_posted, debits_pending, credits_pending FROM ledger_account WHERE code = ANY($1::text[])`,
    [accounts.map((a) => a.code)],
  );
  const byCode = new Map(stored.rows.map((row) => [row.code, row]));
  for (const account of accounts) {
    const row = byCode.get(account.code)!;
    expect(
      [row.debits_posted, row.credits_posted, row.debits_pending, row.credits_pending].map(BigInt),
      account.code,
    ).toEqual([account.debitsPosted, account.creditsPosted, account.debitsPending, account.creditsPending]);
  }

  const trial = await trialBalance(db);
  expect(trial.mismatchedAccounts).toEqual([]);
  expect(trial.unbalancedPendingAssets).toEqual([]);
  for (const asset of trial.assets) expect(asset.debits, asset.asset).toBe(asset.credits);
  expect(trial.balanced).toBe(true);

  const overdrawn = await db.query<{ code: string }>(
    `SELECT code FROM ledger_account
      WHERE (debits_must_not_exceed_credits AND debits_posted + debits_pending > credits_posted)
         OR (credits_must_not_exceed_debits AND credits_posted + credits_pending > debits_posted)`,
  );
  expect(overdrawn.rows).toEqual([]);
}

async function runSequence(ops: Op[]): Promise<void> {
  const accounts = await newRunAccounts();
  const holds: ModelHold[] = [];
  const successes: Success[] = [];

  for (const step of ops) {
    let expected: Outcome;
    let actual: { outcome: Outcome; entry: Entry | null };
    let success: Omit<Success, 'entryId'> | null = null;

    switch (step.type) {
      case 'post':
      case 'hold': {
        const key = uniqueKey(step.type);
        const input = {
          idempotencyKey: key,
          kind: `prop.${step.type}`,
          description: '',
          transfers: toInput(accounts, step.transfers),
        };
        const call = step.type === 'post' ? () => postEntry(db, input) : () => holdEntry(db, input);
        expected = expectTransfers(accounts, step.transfers, step.type === 'hold');
        actual = await outcomeOf(call());
        success = {
          replay: call,
          conflict: () =>
            (step.type === 'post' ? postEntry : holdEntry)(db, { ...input, description: 'changed' }),
        };
        if (expected.ok && actual.entry && step.type === 'hold') {
          holds.push({ id: actual.entry.id, transfers: step.transfers, resolved: false });
        }
        break;
      }
      case 'postHold':
      case 'voidHold': {
        if (holds.length === 0) continue;
        const hold = holds[step.hold % holds.length]!;
        const key = uniqueKey(step.type);
        const amount = step.type === 'postHold' ? step.amount : null;
        const call =
          step.type === 'postHold'
            ? () =>
                postHold(db, {
                  idempotencyKey: key,
                  holdEntryId: hold.id,
                  kind: 'prop.post',
                  description: '',
                  ...(amount === null ? {} : { amount }),
                })
            : () =>
                voidHold(db, {
                  idempotencyKey: key,
                  holdEntryId: hold.id,
                  kind: 'prop.void',
                  description: '',
                });
        if (hold.resolved) expected = { ok: false, code: 'hold_not_pending' };
        else if (amount !== null && hold.transfers.length > 1)
          expected = { ok: false, code: 'invalid_amount' };
        else if (amount !== null && amount > hold.transfers[0]!.amount)
          expected = { ok: false, code: 'invalid_amount' };
        else {
          expected = tryApply(accounts, (copy) => {
            for (const t of hold.transfers) {
              const posted = step.type === 'voidHold' ? 0n : (amount ?? t.amount);
              copy[t.from]!.debitsPending -= t.amount;
              copy[t.to]!.creditsPending -= t.amount;
              copy[t.from]!.debitsPosted += posted;
              copy[t.to]!.creditsPosted += posted;
            }
          });
          // Releasing a hold can never break a flag.
          expect(expected.ok).toBe(true);
          hold.resolved = true;
        }
        actual = await outcomeOf(call());
        success = {
          replay: call,
          conflict: () =>
            voidHold(db, { idempotencyKey: key, holdEntryId: hold.id, kind: 'prop.other', description: '' }),
        };
        break;
      }
      case 'replay': {
        if (successes.length === 0) continue;
        const earlier = successes[step.earlier % successes.length]!;
        expected = { ok: true };
        actual = await outcomeOf(earlier.replay());
        expect(actual.entry?.id).toBe(earlier.entryId);
        break;
      }
      case 'conflict': {
        if (successes.length === 0) continue;
        const earlier = successes[step.earlier % successes.length]!;
        expected = { ok: false, code: 'idempotency_conflict' };
        actual = await outcomeOf(earlier.conflict());
        break;
      }
    }

    expect(
      actual.outcome,
      JSON.stringify(step, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)),
    ).toEqual(expected);
    if (actual.entry && success) successes.push({ entryId: actual.entry.id, ...success });
    await checkInvariants(accounts);
  }
}

describe('ledger properties', () => {
  it('random sequences keep the books balanced and match the model', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 40, size: 'medium' }), (ops) =>
        runSequence(ops),
      ),
      { numRuns: 40 },
    );
  }, 240_000);
});
