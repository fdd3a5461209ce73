// The posting engine: TigerBeetle's transfer semantics over PostgreSQL rows.
//
// Every public call is one transaction (expireHolds: one per hold) that
//   1. validates the input and hashes its canonical payload,
//   2. answers replays of a known idempotency key without touching anything,
//   3. locks every touched account with SELECT … FOR UPDATE in id order (so no two postings deadlock),
//   4. applies the lines to in-memory copies of the totals and checks the account flags,
//   5. inserts entries and lines and moves the totals in one statement.
// A racing duplicate (same key) or a racing resolution of the same hold loses on a unique index; the
// whole call is then retried once and answers from the committed winner.

import assert from 'node:assert/strict';
import { inTransaction } from '../pool.js';
import { isUuid } from '../../domain/ids.js';
import type { AssetCode } from '../../domain/money.js';
import { payloadHash } from './canonical.js';
import { LedgerError, isLedgerError } from './errors.js';
import { INT64_MAX, asAsset, loadEntries, type Queryable, type StoredEntry } from './rows.js';
import type {
  Db,
  Entry,
  EntryInput,
  EntryLine,
  EntryProvenance,
  EntryStatus,
  HoldInput,
  PostHoldInput,
  ReverseEntryInput,
  VoidHoldInput,
} from './types.js';

export const MAX_TRANSFERS_PER_ENTRY = 64;
export const MAX_ENTRIES_PER_BATCH = 1000;
const MAX_KEY_LENGTH = 512;
const MAX_KIND_LENGTH = 100;
const MAX_DESCRIPTION_LENGTH = 2000;
/** A call that lost a unique-index race is run again this many times at most. */
const MAX_ATTEMPTS = 3;
const EXPIRY_SWEEP_PAGE = 500;

const RACE_CONSTRAINTS = new Set(['journal_entry_idempotency_key_key', 'journal_entry_pending_entry_id_key']);

// --- Accounts under lock --------------------------------------------------------------------------

interface Totals {
  debitsPosted: bigint;
  creditsPosted: bigint;
  debitsPending: bigint;
  creditsPending: bigint;
}

interface LockedAccount {
  id: string;
  code: string;
  asset: AssetCode;
  debitsMustNotExceedCredits: boolean;
  creditsMustNotExceedDebits: boolean;
  /** As read under the lock. */
  locked: Totals;
  /** After the entries planned so far in this transaction. */
  working: Totals;
}

interface LockedAccountRow {
  id: string;
  code: string;
  asset: string;
  debits_must_not_exceed_credits: boolean;
  credits_must_not_exceed_debits: boolean;
  debits_posted: string;
  credits_posted: string;
  debits_pending: string;
  credits_pending: string;
}

class LockedAccounts {
  readonly byId = new Map<string, LockedAccount>();
  readonly byCode = new Map<string, LockedAccount>();

  add(row: LockedAccountRow): void {
    const totals: Totals = {
      debitsPosted: BigInt(row.debits_posted),
      creditsPosted: BigInt(row.credits_posted),
      debitsPending: BigInt(row.debits_pending),
      creditsPending: BigInt(row.credits_pending),
    };
    const account: LockedAccount = {
      id: String(row.id),
      code: row.code,
      asset: asAsset(row.asset),
      debitsMustNotExceedCredits: row.debits_must_not_exceed_credits,
      creditsMustNotExceedDebits: row.credits_must_not_exceed_debits,
      locked: totals,
      working: { ...totals },
    };
    this.byId.set(account.id, account);
    this.byCode.set(account.code, account);
  }

  get(code: string): LockedAccount {
    const account = this.byCode.get(code);
    assert.ok(account, `account ${code} is locked`);
    return account;
  }
}

const LOCK_COLUMNS = `id, code, asset, debits_must_not_exceed_credits, credits_must_not_exceed_debits,
  debits_posted, credits_posted, debits_pending, credits_pending`;

/** Locks the accounts in id order (LockRows runs above the sort); unknown codes are an error. */
async function lockAccountsByCode(q: Queryable, codes: string[]): Promise<LockedAccounts> {
  const wanted = [...new Set(codes)];
  const found = await q.query<LockedAccountRow>(
    `SELECT ${LOCK_COLUMNS} FROM ledger_account WHERE code = ANY($1::text[]) ORDER BY id FOR UPDATE`,
    [wanted],
  );
  const accounts = new LockedAccounts();
  for (const row of found.rows) accounts.add(row);
  const missing = wanted.filter((code) => !accounts.byCode.has(code));
  if (missing.length > 0) {
    throw new LedgerError('unknown_account', `unknown account ${missing.join(', ')}`, {
      accountCodes: missing,
    });
  }
  return accounts;
}

async function lockAccountsById(q: Queryable, ids: string[]): Promise<LockedAccounts> {
  const wanted = [...new Set(ids)];
  const found = await q.query<LockedAccountRow>(
    `SELECT ${LOCK_COLUMNS} FROM ledger_account WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE`,
    [wanted],
  );
  assert.equal(found.rows.length, wanted.length, 'every account of a journal line exists');
  const accounts = new LockedAccounts();
  for (const row of found.rows) accounts.add(row);
  return accounts;
}

// --- Planned entries ------------------------------------------------------------------------------

interface PlannedLine {
  account: LockedAccount;
  debit: bigint;
  credit: bigint;
  pending: boolean;
}

/** How a planned line moves its account's totals beyond the line itself (hold resolution). */
interface TotalsAdjustment {
  account: LockedAccount;
  debitsPending: bigint;
  creditsPending: bigint;
}

interface PlannedEntry {
  idempotencyKey: string;
  payloadHash: string;
  kind: string;
  description: string;
  status: EntryStatus;
  workflowId: string | null;
  runId: string | null;
  activity: string | null;
  effectiveAt: Date | null;
  reversesEntryId: string | null;
  pendingEntryId: string | null;
  expiresAt: Date | null;
  lines: PlannedLine[];
  /** Released pending amounts (post/void/expire of a hold): negative deltas on *_pending. */
  adjustments: TotalsAdjustment[];
}

function snapshot(accounts: Iterable<LockedAccount>): Map<LockedAccount, Totals> {
  const copies = new Map<LockedAccount, Totals>();
  for (const account of accounts) copies.set(account, { ...account.working });
  return copies;
}

/**
 * Applies one entry to the working totals and checks every touched account afterwards (the entry is
 * atomic, so only its end state matters). Throws insufficient_funds / limit_exceeded.
 */
function applyEntry(entry: PlannedEntry): void {
  assertEntryBalanced(entry);
  const touched = new Set<LockedAccount>([
    ...entry.lines.map((line) => line.account),
    ...entry.adjustments.map((adjustment) => adjustment.account),
  ]);
  const before = snapshot(touched);
  for (const adjustment of entry.adjustments) {
    const totals = adjustment.account.working;
    totals.debitsPending += adjustment.debitsPending;
    totals.creditsPending += adjustment.creditsPending;
  }
  for (const line of entry.lines) {
    const totals = line.account.working;
    if (line.pending) {
      totals.debitsPending += line.debit;
      totals.creditsPending += line.credit;
    } else {
      totals.debitsPosted += line.debit;
      totals.creditsPosted += line.credit;
    }
  }
  for (const account of touched) {
    const previous = before.get(account);
    assert.ok(previous);
    checkAccount(account, previous);
  }
}

function checkAccount(account: LockedAccount, previous: Totals): void {
  const totals = account.working;
  for (const [name, value] of Object.entries(totals) as Array<[keyof Totals, bigint]>) {
    assert.ok(value >= 0n, `${account.code} ${name} stays non-negative (is ${value})`);
    if (value > INT64_MAX) {
      throw new LedgerError('limit_exceeded', `${account.code} ${name} would exceed the largest total`, {
        accountCode: account.code,
      });
    }
  }
  // The flag constraints in the schema add posted and pending totals; keep those sums in range too.
  if (
    totals.debitsPosted + totals.debitsPending > INT64_MAX ||
    totals.creditsPosted + totals.creditsPending > INT64_MAX
  ) {
    throw new LedgerError(
      'limit_exceeded',
      `${account.code} posted plus pending totals would exceed the largest total`,
      {
        accountCode: account.code,
      },
    );
  }
  if (account.debitsMustNotExceedCredits) {
    const debitsWithPendingMinor = totals.debitsPosted + totals.debitsPending;
    if (debitsWithPendingMinor > totals.creditsPosted) {
      const headroomMinor = previous.creditsPosted - previous.debitsPosted - previous.debitsPending;
      const requestedMinor =
        totals.debitsPosted + totals.debitsPending - (previous.debitsPosted + previous.debitsPending);
      throw new LedgerError('insufficient_funds', `insufficient funds in ${account.code}`, {
        accountCode: account.code,
        asset: account.asset,
        rule: 'debits_must_not_exceed_credits',
        available: headroomMinor.toString(),
        requested: requestedMinor.toString(),
      });
    }
  }
  if (account.creditsMustNotExceedDebits) {
    const creditsWithPendingMinor = totals.creditsPosted + totals.creditsPending;
    if (creditsWithPendingMinor > totals.debitsPosted) {
      const headroomMinor = previous.debitsPosted - previous.creditsPosted - previous.creditsPending;
      const requestedMinor =
        totals.creditsPosted + totals.creditsPending - (previous.creditsPosted + previous.creditsPending);
      throw new LedgerError('insufficient_funds', `insufficient funds in ${account.code}`, {
        accountCode: account.code,
        asset: account.asset,
        rule: 'credits_must_not_exceed_debits',
        available: headroomMinor.toString(),
        requested: requestedMinor.toString(),
      });
    }
  }
}

/** Postcondition of every recipe: per asset, posted and pending lines each balance. */
function assertEntryBalanced(entry: PlannedEntry): void {
  const sums = new Map<string, bigint>();
  for (const line of entry.lines) {
    assert.ok(
      (line.debit > 0n && line.credit === 0n) || (line.debit === 0n && line.credit > 0n),
      'one-sided line',
    );
    const bucket = `${line.account.asset}/${line.pending}`;
    sums.set(bucket, (sums.get(bucket) ?? 0n) + line.debit - line.credit);
  }
  for (const [bucket, difference] of sums) {
    if (difference !== 0n) {
      throw new LedgerError('unbalanced', `entry ${entry.idempotencyKey} is unbalanced in ${bucket}`, {
        bucket,
        differenceMinor: difference.toString(),
      });
    }
  }
}

interface InsertedEntryRow {
  id: string;
  seq: string;
  idempotency_key: string;
  created_at: Date;
  effective_at: Date;
  line_count: string;
  account_count: string;
}

/**
 * Inserts the entries and their lines and moves the account totals by (working − locked), in one
 * statement. Returns the API view of each entry, in input order.
 */
async function insertEntries(
  q: Queryable,
  entries: PlannedEntry[],
  accounts: LockedAccounts,
): Promise<Entry[]> {
  assert.ok(entries.length > 0, 'insertEntries needs entries');
  const lines = entries.flatMap((entry) => entry.lines.map((line) => ({ entry, line })));
  const moved = [...accounts.byId.values()].filter(
    (account) =>
      account.working.debitsPosted !== account.locked.debitsPosted ||
      account.working.creditsPosted !== account.locked.creditsPosted ||
      account.working.debitsPending !== account.locked.debitsPending ||
      account.working.creditsPending !== account.locked.creditsPending,
  );
  const result = await q.query<InsertedEntryRow>(
    `WITH new_entry AS (
       INSERT INTO journal_entry (idempotency_key, payload_hash, kind, description, status, workflow_id, run_id,
                                  activity, effective_at, reverses_entry_id, pending_entry_id, expires_at)
       SELECT x.k, x.h, x.kd, x.d, x.s, x.w, x.r, x.a, coalesce(x.ef, now()), x.rv, x.pe, x.ex
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                     $9::timestamptz[], $10::uuid[], $11::uuid[], $12::timestamptz[])
              WITH ORDINALITY AS x(k, h, kd, d, s, w, r, a, ef, rv, pe, ex, ord)
        ORDER BY x.ord
       RETURNING id, seq, idempotency_key, created_at, effective_at
     ), new_line AS (
       INSERT INTO journal_line (entry_id, account_id, asset, debit, credit, pending)
       SELECT ne.id, y.account_id, y.asset, y.debit, y.credit, y.pending
         FROM unnest($13::text[], $14::bigint[], $15::text[], $16::bigint[], $17::bigint[], $18::boolean[])
              WITH ORDINALITY AS y(k, account_id, asset, debit, credit, pending, ord)
         JOIN new_entry ne ON ne.idempotency_key = y.k
        ORDER BY y.ord
       RETURNING 1
     ), moved AS (
       UPDATE ledger_account acc
          SET debits_posted = acc.debits_posted + z.dp,
              credits_posted = acc.credits_posted + z.cp,
              debits_pending = acc.debits_pending + z.dpe,
              credits_pending = acc.credits_pending + z.cpe
         FROM unnest($19::bigint[], $20::bigint[], $21::bigint[], $22::bigint[], $23::bigint[]) AS z(id, dp, cp, dpe, cpe)
        WHERE acc.id = z.id
       RETURNING 1
     )
     SELECT ne.id, ne.seq, ne.idempotency_key, ne.created_at, ne.effective_at,
            (SELECT count(*) FROM new_line) AS line_count, (SELECT count(*) FROM moved) AS account_count
       FROM new_entry ne`,
    [
      entries.map((e) => e.idempotencyKey),
      entries.map((e) => e.payloadHash),
      entries.map((e) => e.kind),
      entries.map((e) => e.description),
      entries.map((e) => e.status),
      entries.map((e) => e.workflowId),
      entries.map((e) => e.runId),
      entries.map((e) => e.activity),
      entries.map((e) => e.effectiveAt),
      entries.map((e) => e.reversesEntryId),
      entries.map((e) => e.pendingEntryId),
      entries.map((e) => e.expiresAt),
      lines.map(({ entry }) => entry.idempotencyKey),
      lines.map(({ line }) => line.account.id),
      lines.map(({ line }) => line.account.asset),
      lines.map(({ line }) => line.debit),
      lines.map(({ line }) => line.credit),
      lines.map(({ line }) => line.pending),
      moved.map((a) => a.id),
      moved.map((a) => a.working.debitsPosted - a.locked.debitsPosted),
      moved.map((a) => a.working.creditsPosted - a.locked.creditsPosted),
      moved.map((a) => a.working.debitsPending - a.locked.debitsPending),
      moved.map((a) => a.working.creditsPending - a.locked.creditsPending),
    ],
  );
  assert.equal(result.rows.length, entries.length, 'every entry inserted');
  const first = result.rows[0];
  assert.ok(first);
  assert.equal(Number(first.line_count), lines.length, 'every line inserted');
  assert.equal(Number(first.account_count), moved.length, 'every moved account updated');
  for (const account of moved) account.locked = { ...account.working };

  const byKey = new Map(result.rows.map((row) => [row.idempotency_key, row]));
  return entries.map((entry) => {
    const row = byKey.get(entry.idempotencyKey);
    assert.ok(row, `entry ${entry.idempotencyKey} inserted`);
    return {
      id: row.id,
      idempotencyKey: entry.idempotencyKey,
      kind: entry.kind,
      description: entry.description,
      status: entry.status,
      workflowId: entry.workflowId,
      runId: entry.runId,
      activity: entry.activity,
      createdAt: row.created_at,
      effectiveAt: row.effective_at,
      reversesEntryId: entry.reversesEntryId,
      pendingEntryId: entry.pendingEntryId,
      expiresAt: entry.expiresAt,
      holdState: entry.status === 'pending' ? 'pending' : null,
      resolvedByEntryId: null,
      lines: entry.lines.map((line): EntryLine => ({
        accountCode: line.account.code,
        asset: line.account.asset,
        debit: line.debit,
        credit: line.credit,
        pending: line.pending,
      })),
    };
  });
}

// --- Idempotency ----------------------------------------------------------------------------------

interface KnownKey {
  entryId: string;
  payloadHash: string;
}

interface KeyLookup {
  known: Map<string, KnownKey>;
  /** The transaction's clock (now()), for expiry decisions. */
  databaseNow: Date;
}

async function lookUpKeys(q: Queryable, keys: string[]): Promise<KeyLookup> {
  const found = await q.query<{ key: string; id: string | null; payload_hash: string | null; db_now: Date }>(
    `SELECT k.key, e.id, e.payload_hash, now() AS db_now
       FROM unnest($1::text[]) AS k(key)
       LEFT JOIN journal_entry e ON e.idempotency_key = k.key`,
    [keys],
  );
  const known = new Map<string, KnownKey>();
  let databaseNow: Date | undefined;
  for (const row of found.rows) {
    databaseNow = row.db_now;
    if (row.id !== null && row.payload_hash !== null) {
      known.set(row.key, { entryId: row.id, payloadHash: row.payload_hash });
    }
  }
  assert.ok(databaseNow, 'key lookup returns one row per key');
  return { known, databaseNow };
}

function conflict(key: string): LedgerError {
  return new LedgerError(
    'idempotency_conflict',
    `idempotency key "${key}" was already used for a different payload`,
    { idempotencyKey: key },
  );
}

async function loadEntriesById(q: Queryable, ids: string[]): Promise<Map<string, Entry>> {
  if (ids.length === 0) return new Map();
  const stored: StoredEntry[] = await loadEntries(q, 'e.id = ANY($1::uuid[])', [ids]);
  return new Map(stored.map(({ entry }) => [entry.id, entry]));
}

function isRaceLoss(error: unknown): boolean {
  const pgError = error as { code?: string; constraint?: string };
  return pgError?.code === '23505' && RACE_CONSTRAINTS.has(pgError.constraint ?? '');
}

/** One transaction; if it lost a unique-index race, again (the replay path then answers). */
async function transaction<T>(db: Db, work: (q: Queryable) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await inTransaction(db, work);
    } catch (error) {
      if (attempt < MAX_ATTEMPTS && isRaceLoss(error)) continue;
      throw error;
    }
  }
}

// --- Validation -----------------------------------------------------------------------------------

function invalid(message: string, details?: Record<string, unknown>): LedgerError {
  return new LedgerError('invalid_entry', message, details);
}

function validateText(value: unknown, name: string, maxLength: number, minLength = 1): string {
  if (typeof value !== 'string' || value.length < minLength || value.length > maxLength) {
    throw invalid(`${name} must be a string of ${minLength} to ${maxLength} characters`);
  }
  return value;
}

function validateOptionalText(value: unknown, name: string): string | null {
  if (value === undefined || value === null) return null;
  return validateText(value, name, 500);
}

function validateDate(value: unknown, name: string): Date | null {
  if (value === undefined || value === null) return null;
  if (!(value instanceof Date) || Number.isNaN(value.getTime()))
    throw invalid(`${name} must be a valid Date`);
  return value;
}

function validateAmount(value: unknown, what: string): bigint {
  if (typeof value !== 'bigint') {
    throw new LedgerError('invalid_amount', `${what} must be a bigint of minor units`, {
      amountType: typeof value,
    });
  }
  if (value <= 0n)
    throw new LedgerError('invalid_amount', `${what} must be greater than zero`, {
      amount: value.toString(),
    });
  if (value > INT64_MAX)
    throw new LedgerError('invalid_amount', `${what} does not fit in 64 bits`, { amount: value.toString() });
  return value;
}

interface Common {
  idempotencyKey: string;
  kind: string;
  description: string;
  workflowId: string | null;
  runId: string | null;
  activity: string | null;
  effectiveAt: Date | null;
}

function validateCommon(
  input: { idempotencyKey: unknown; kind: unknown; description: unknown } & EntryProvenance,
): Common {
  return {
    idempotencyKey: validateText(input.idempotencyKey, 'idempotencyKey', MAX_KEY_LENGTH),
    kind: validateText(input.kind, 'kind', MAX_KIND_LENGTH),
    description: validateText(input.description, 'description', MAX_DESCRIPTION_LENGTH, 0),
    workflowId: validateOptionalText(input.workflowId, 'workflowId'),
    runId: validateOptionalText(input.runId, 'runId'),
    activity: validateOptionalText(input.activity, 'activity'),
    effectiveAt: validateDate(input.effectiveAt, 'effectiveAt'),
  };
}

interface ValidatedEntry {
  common: Common;
  status: 'posted' | 'pending';
  expiresAt: Date | null;
  transfers: Array<{ debit: string; credit: string; amount: bigint }>;
  payloadHash: string;
}

function validateEntry(input: HoldInput, status: 'posted' | 'pending'): ValidatedEntry {
  if (typeof input !== 'object' || input === null) throw invalid('an entry must be an object');
  const common = validateCommon(input);
  if (!Array.isArray(input.transfers) || input.transfers.length === 0) {
    throw invalid('an entry needs at least one transfer', { idempotencyKey: common.idempotencyKey });
  }
  if (input.transfers.length > MAX_TRANSFERS_PER_ENTRY) {
    throw new LedgerError('limit_exceeded', `an entry holds at most ${MAX_TRANSFERS_PER_ENTRY} transfers`, {
      transfers: input.transfers.length,
    });
  }
  const transfers = input.transfers.map((transfer, index) => {
    const debit = validateText(transfer?.debit, `transfers[${index}].debit`, 200);
    const credit = validateText(transfer?.credit, `transfers[${index}].credit`, 200);
    if (debit === credit) throw invalid(`transfers[${index}] debits and credits the same account ${debit}`);
    return { debit, credit, amount: validateAmount(transfer.amount, `transfers[${index}].amount`) };
  });
  const expiresAt = status === 'pending' ? validateDate(input.expiresAt, 'expiresAt') : null;
  if (status === 'posted' && input.expiresAt !== undefined) throw invalid('only holds expire');
  const hash = payloadHash({
    op: status === 'posted' ? 'post' : 'hold',
    kind: common.kind,
    description: common.description,
    workflowId: common.workflowId,
    effectiveAt: common.effectiveAt,
    expiresAt,
    transfers,
  });
  return { common, status, expiresAt, transfers, payloadHash: hash };
}

// --- Postings and holds ---------------------------------------------------------------------------

/**
 * Records entries atomically (all or none). Replays of known keys (same payload) return the stored
 * entry; within the batch a repeated key with the same payload returns the same entry.
 */
async function recordEntries(db: Db, validated: ValidatedEntry[]): Promise<Entry[]> {
  assert.ok(validated.length > 0);
  if (validated.length > MAX_ENTRIES_PER_BATCH) {
    throw new LedgerError('limit_exceeded', `at most ${MAX_ENTRIES_PER_BATCH} entries per call`, {
      entries: validated.length,
    });
  }
  // Repeated keys inside the batch: the first occurrence wins, the others must be identical.
  const firstByKey = new Map<string, ValidatedEntry>();
  for (const entry of validated) {
    const first = firstByKey.get(entry.common.idempotencyKey);
    if (first === undefined) firstByKey.set(entry.common.idempotencyKey, entry);
    else if (first.payloadHash !== entry.payloadHash) throw conflict(entry.common.idempotencyKey);
  }
  const distinct = [...firstByKey.values()];

  return transaction(db, async (q) => {
    const { known, databaseNow } = await lookUpKeys(q, [...firstByKey.keys()]);
    for (const entry of distinct) {
      const existing = known.get(entry.common.idempotencyKey);
      if (existing && existing.payloadHash !== entry.payloadHash) throw conflict(entry.common.idempotencyKey);
    }
    const fresh = distinct.filter((entry) => !known.has(entry.common.idempotencyKey));

    const created = new Map<string, Entry>();
    if (fresh.length > 0) {
      const accounts = await lockAccountsByCode(
        q,
        fresh.flatMap((entry) => entry.transfers.flatMap((t) => [t.debit, t.credit])),
      );
      const planned = fresh.map((entry) => planEntry(entry, accounts, databaseNow));
      for (const entry of planned) applyEntry(entry);
      const inserted = await insertEntries(q, planned, accounts);
      for (const entry of inserted) created.set(entry.idempotencyKey, entry);
    }

    const replayed = await loadEntriesById(
      q,
      [...known.values()].map((k) => k.entryId),
    );
    return validated.map((entry) => {
      const key = entry.common.idempotencyKey;
      const result = created.get(key) ?? replayed.get(known.get(key)?.entryId ?? '');
      assert.ok(result, `entry for ${key} recorded or replayed`);
      return result;
    });
  });
}

function planEntry(entry: ValidatedEntry, accounts: LockedAccounts, databaseNow: Date): PlannedEntry {
  if (entry.expiresAt !== null && entry.expiresAt.getTime() <= databaseNow.getTime()) {
    throw invalid('a hold must expire in the future', {
      expiresAt: entry.expiresAt.toISOString(),
      now: databaseNow.toISOString(),
    });
  }
  const pending = entry.status === 'pending';
  const lines: PlannedLine[] = [];
  for (const transfer of entry.transfers) {
    const debit = accounts.get(transfer.debit);
    const credit = accounts.get(transfer.credit);
    if (debit.asset !== credit.asset) {
      throw new LedgerError(
        'asset_mismatch',
        `${debit.code} holds ${debit.asset} but ${credit.code} holds ${credit.asset}`,
        {
          debit: debit.code,
          debitAsset: debit.asset,
          credit: credit.code,
          creditAsset: credit.asset,
        },
      );
    }
    lines.push({ account: debit, debit: transfer.amount, credit: 0n, pending });
    lines.push({ account: credit, debit: 0n, credit: transfer.amount, pending });
  }
  return {
    ...entry.common,
    payloadHash: entry.payloadHash,
    status: entry.status,
    reversesEntryId: null,
    pendingEntryId: null,
    expiresAt: entry.expiresAt,
    lines,
    adjustments: [],
  };
}

async function recordOne(db: Db, validated: ValidatedEntry): Promise<Entry> {
  const [entry] = await recordEntries(db, [validated]);
  assert.ok(entry);
  return entry;
}

/** A posting, effective immediately. */
export async function postEntry(db: Db, input: EntryInput): Promise<Entry> {
  return recordOne(db, validateEntry(input, 'posted'));
}

/** Several postings in one transaction, all or none (same rules as postEntry, applied in order). */
export async function postEntries(db: Db, inputs: EntryInput[]): Promise<Entry[]> {
  if (!Array.isArray(inputs) || inputs.length === 0) throw invalid('postEntries needs at least one entry');
  return recordEntries(
    db,
    inputs.map((input) => validateEntry(input, 'posted')),
  );
}

/** A two-phase transfer's first phase: raises debits_pending / credits_pending, checked like a posting. */
export async function holdEntry(db: Db, input: HoldInput): Promise<Entry> {
  return recordOne(db, validateEntry(input, 'pending'));
}

// --- Hold resolution ------------------------------------------------------------------------------

type Resolution = 'post_pending' | 'void_pending' | 'expire_pending';

interface ResolveRequest {
  mode: Resolution;
  common: Common;
  holdEntryId: string;
  /** post only: the amount to post of a single-transfer hold. */
  amount: bigint | null;
  /** expire only: the sweep's clock. */
  expireAsOf: Date | null;
  payloadHash: string;
}

interface HoldLineRow {
  status: EntryStatus;
  expires_at: Date | null;
  workflow_id: string | null;
  line_id: string | null;
  account_id: string | null;
  debit: string | null;
  credit: string | null;
  pending: boolean | null;
}

const STATE_BY_RESOLUTION: Record<string, string> = {
  post_pending: 'posted',
  void_pending: 'voided',
  expire_pending: 'expired',
};

function holdNotFound(holdEntryId: string, reason: string): LedgerError {
  return new LedgerError('hold_not_found', `hold ${holdEntryId} ${reason}`, { holdEntryId });
}

/** A hold line as placed: its account and what it holds (one of debit and credit is 0). */
interface HoldLine {
  accountId: string;
  debit: bigint;
  credit: bigint;
}

interface Hold {
  head: HoldLineRow;
  lines: HoldLine[];
}

async function resolveHold(db: Db, request: ResolveRequest): Promise<{ entry: Entry; created: boolean }> {
  const { holdEntryId } = request;
  if (!isUuid(holdEntryId)) throw holdNotFound(holdEntryId, 'does not exist');
  return transaction(db, async (q) => {
    const key = request.common.idempotencyKey;
    const { known, databaseNow } = await lookUpKeys(q, [key]);
    const existing = known.get(key);
    if (existing) return { entry: await replay(q, request, existing), created: false };

    const hold = await loadHold(q, holdEntryId);
    const accounts = await lockAccountsById(
      q,
      hold.lines.map((line) => line.accountId),
    );
    await checkResolvable(q, request, hold, databaseNow);
    const postedMinor = partialAmount(request, hold);
    const planned = planResolution(request, hold, accounts, postedMinor);
    applyEntry(planned);
    const [entry] = await insertEntries(q, [planned], accounts);
    assert.ok(entry);
    return { entry, created: true };
  });
}

/** The entry an earlier request with this key recorded, if its payload was the same. */
async function replay(q: Queryable, request: ResolveRequest, existing: KnownKey): Promise<Entry> {
  if (existing.payloadHash !== request.payloadHash) throw conflict(request.common.idempotencyKey);
  const replayed = (await loadEntriesById(q, [existing.entryId])).get(existing.entryId);
  assert.ok(replayed);
  return replayed;
}

/** The hold and its lines; they never change, so they can be read before locking. */
async function loadHold(q: Queryable, holdEntryId: string): Promise<Hold> {
  const holdRows = await q.query<HoldLineRow>(
    `SELECT h.status, h.expires_at, h.workflow_id, l.id AS line_id, l.account_id, l.debit, l.credit, l.pending
         FROM journal_entry h
         LEFT JOIN journal_line l ON l.entry_id = h.id
        WHERE h.id = $1
        ORDER BY l.id`,
    [holdEntryId],
  );
  const head = holdRows.rows[0];
  if (!head) throw holdNotFound(holdEntryId, 'does not exist');
  if (head.status !== 'pending') throw holdNotFound(holdEntryId, `is not a hold (status ${head.status})`);
  const lines = holdRows.rows.map((row) => {
    assert.ok(
      row.account_id !== null && row.debit !== null && row.credit !== null && row.pending === true,
      'hold lines are pending',
    );
    return { accountId: String(row.account_id), debit: BigInt(row.debit), credit: BigInt(row.credit) };
  });
  assert.ok(lines.length >= 2 && lines.length % 2 === 0, 'a hold has a debit and a credit line per transfer');
  return { head, lines };
}

/**
 * Refuses a hold already resolved, or expired when posting; asserts an expiry is due. Runs under the
 * account locks, where every other resolution of this hold has committed or not started.
 */
async function checkResolvable(
  q: Queryable,
  request: ResolveRequest,
  { head }: Hold,
  databaseNow: Date,
): Promise<void> {
  const { holdEntryId, mode } = request;
  const resolver = await q.query<{ id: string; status: EntryStatus }>(
    `SELECT id, status FROM journal_entry WHERE pending_entry_id = $1`,
    [holdEntryId],
  );
  const resolvedBy = resolver.rows[0];
  if (resolvedBy) {
    const state = STATE_BY_RESOLUTION[resolvedBy.status];
    throw new LedgerError('hold_not_pending', `hold ${holdEntryId} is already ${state}`, {
      holdEntryId,
      state,
      resolvedByEntryId: resolvedBy.id,
    });
  }
  const expired = head.expires_at !== null && head.expires_at.getTime() <= databaseNow.getTime();
  if (mode === 'post_pending' && expired) {
    throw new LedgerError(
      'hold_not_pending',
      `hold ${holdEntryId} expired at ${head.expires_at?.toISOString()}`,
      {
        holdEntryId,
        state: 'expired',
        resolvedByEntryId: null,
      },
    );
  }
  if (mode === 'expire_pending') {
    const asOf = request.expireAsOf ?? databaseNow;
    assert.ok(
      head.expires_at !== null && head.expires_at.getTime() <= asOf.getTime(),
      'only due holds expire',
    );
  }
}

/** Post with an amount: that amount, checked against a single-transfer hold; otherwise null (all of it). */
function partialAmount(request: ResolveRequest, hold: Hold): bigint | null {
  if (request.mode !== 'post_pending' || request.amount === null) return null;
  const { holdEntryId } = request;
  const [first] = hold.lines;
  if (hold.lines.length !== 2 || !first) {
    throw new LedgerError(
      'invalid_amount',
      'a partial amount can only be posted for a hold with a single transfer',
      {
        holdEntryId,
        transfers: hold.lines.length / 2,
      },
    );
  }
  const heldMinor = first.debit + first.credit;
  if (request.amount > heldMinor) {
    throw new LedgerError('invalid_amount', `cannot post more than the ${heldMinor} held`, {
      holdEntryId,
      held: heldMinor.toString(),
      amount: request.amount.toString(),
    });
  }
  return request.amount;
}

/** The resolving entry: every hold line released, and (post) all or `postedMinor` of it posted. */
function planResolution(
  request: ResolveRequest,
  hold: Hold,
  accounts: LockedAccounts,
  postedMinor: bigint | null,
): PlannedEntry {
  const { mode } = request;
  const lines: PlannedLine[] = [];
  const adjustments: TotalsAdjustment[] = [];
  for (const holdLine of hold.lines) {
    const account = accounts.byId.get(holdLine.accountId);
    assert.ok(account);
    // Release what was held on this line…
    adjustments.push({ account, debitsPending: -holdLine.debit, creditsPending: -holdLine.credit });
    // …and post (all or the requested part of) it.
    if (mode === 'post_pending') {
      const heldMinor = holdLine.debit + holdLine.credit;
      const amountMinor = postedMinor ?? heldMinor;
      assert.ok(amountMinor > 0n && amountMinor <= heldMinor);
      lines.push({
        account,
        debit: holdLine.debit > 0n ? amountMinor : 0n,
        credit: holdLine.credit > 0n ? amountMinor : 0n,
        pending: false,
      });
    }
  }
  return {
    ...request.common,
    // An expiry belongs to the workflow that placed the hold.
    workflowId: mode === 'expire_pending' ? hold.head.workflow_id : request.common.workflowId,
    payloadHash: request.payloadHash,
    status: mode,
    reversesEntryId: null,
    pendingEntryId: request.holdEntryId,
    expiresAt: null,
    lines,
    adjustments,
  };
}

/**
 * Second phase, post: moves the held amounts from *_pending to *_posted. With `amount` (single-transfer
 * holds only) posts that much and releases the rest, in the same entry.
 */
export async function postHold(db: Db, input: PostHoldInput): Promise<Entry> {
  const common = validateCommon(input);
  const holdEntryId = validateText(input.holdEntryId, 'holdEntryId', 100).toLowerCase();
  const amount = input.amount === undefined ? null : validateAmount(input.amount, 'amount');
  const hash = payloadHash({
    op: 'post_pending',
    holdEntryId,
    amount,
    kind: common.kind,
    description: common.description,
    workflowId: common.workflowId,
    effectiveAt: common.effectiveAt,
  });
  const { entry } = await resolveHold(db, {
    mode: 'post_pending',
    common,
    holdEntryId,
    amount,
    expireAsOf: null,
    payloadHash: hash,
  });
  return entry;
}

/** Second phase, void: releases everything the hold reserved. */
export async function voidHold(db: Db, input: VoidHoldInput): Promise<Entry> {
  const common = validateCommon(input);
  const holdEntryId = validateText(input.holdEntryId, 'holdEntryId', 100).toLowerCase();
  const hash = payloadHash({
    op: 'void_pending',
    holdEntryId,
    kind: common.kind,
    description: common.description,
    workflowId: common.workflowId,
    effectiveAt: common.effectiveAt,
  });
  const { entry } = await resolveHold(db, {
    mode: 'void_pending',
    common,
    holdEntryId,
    amount: null,
    expireAsOf: null,
    payloadHash: hash,
  });
  return entry;
}

/**
 * Voids every unresolved hold whose expires_at is at or before `now` (default: the database clock),
 * each in its own transaction, with kind 'hold.expire' and key `hold.expire:<holdId>`. Returns how many
 * this call expired (holds resolved meanwhile by someone else are skipped).
 */
export async function expireHolds(db: Db, now?: Date): Promise<number> {
  const asOf = validateDate(now, 'now');
  let expiredCount = 0;
  for (;;) {
    const due = await db.query<{ id: string }>(
      `SELECT h.id
         FROM journal_entry h
        WHERE h.status = 'pending'
          AND h.expires_at <= coalesce($1::timestamptz, now())
          AND NOT EXISTS (SELECT 1 FROM journal_entry r WHERE r.pending_entry_id = h.id)
        ORDER BY h.expires_at, h.seq
        LIMIT ${EXPIRY_SWEEP_PAGE}`,
      [asOf],
    );
    for (const { id } of due.rows) {
      try {
        const { created } = await resolveHold(db, {
          mode: 'expire_pending',
          common: {
            idempotencyKey: `hold.expire:${id}`,
            kind: 'hold.expire',
            description: `Hold ${id} expired`,
            workflowId: null,
            runId: null,
            activity: null,
            effectiveAt: null,
          },
          holdEntryId: id,
          amount: null,
          expireAsOf: asOf,
          payloadHash: payloadHash({ op: 'expire_pending', holdEntryId: id }),
        });
        if (created) expiredCount += 1;
      } catch (error) {
        if (isLedgerError(error, 'hold_not_pending')) continue;
        throw error;
      }
    }
    if (due.rows.length < EXPIRY_SWEEP_PAGE) return expiredCount;
  }
}

// --- Reversal -------------------------------------------------------------------------------------

/**
 * Corrects a mistake without touching history: a new posted entry mirroring the posted lines of a
 * 'posted' or 'post_pending' entry (debit ↔ credit), with reverses_entry_id set. Checked like any posting.
 */
export async function reverseEntry(db: Db, input: ReverseEntryInput): Promise<Entry> {
  const common = validateCommon(input);
  const entryId = validateText(input.entryId, 'entryId', 100);
  if (!isUuid(entryId)) throw invalid(`entry ${entryId} does not exist`, { entryId });
  const hash = payloadHash({
    op: 'reverse',
    entryId: entryId.toLowerCase(),
    kind: common.kind,
    description: common.description,
    workflowId: common.workflowId,
    effectiveAt: common.effectiveAt,
  });
  return transaction(db, async (q) => {
    const { known } = await lookUpKeys(q, [common.idempotencyKey]);
    const existing = known.get(common.idempotencyKey);
    if (existing) {
      if (existing.payloadHash !== hash) throw conflict(common.idempotencyKey);
      const replayed = (await loadEntriesById(q, [existing.entryId])).get(existing.entryId);
      assert.ok(replayed);
      return replayed;
    }
    const original = (await loadEntriesById(q, [entryId])).get(entryId.toLowerCase());
    if (!original) throw invalid(`entry ${entryId} does not exist`, { entryId });
    if (original.status !== 'posted' && original.status !== 'post_pending') {
      throw invalid(`a ${original.status} entry cannot be reversed (void a hold instead)`, { entryId });
    }
    const accounts = await lockAccountsByCode(
      q,
      original.lines.map((line) => line.accountCode),
    );
    const planned: PlannedEntry = {
      ...common,
      payloadHash: hash,
      status: 'posted',
      reversesEntryId: original.id,
      pendingEntryId: null,
      expiresAt: null,
      lines: original.lines.map((line) => {
        assert.ok(!line.pending, 'a posted entry has posted lines');
        return {
          account: accounts.get(line.accountCode),
          debit: line.credit,
          credit: line.debit,
          pending: false,
        };
      }),
      adjustments: [],
    };
    applyEntry(planned);
    const [entry] = await insertEntries(q, [planned], accounts);
    assert.ok(entry);
    return entry;
  });
}
