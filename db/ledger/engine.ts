// The posting engine: TigerBeetle's transfer semantics over PostgreSQL rows.
//
// Every public call is one transaction (expireHolds: one per hold) that
//   1. validates the input and hashes its canonical payload (validation.ts),
//   2. answers replays of a known idempotency key without touching anything,
//   3. locks every touched account with SELECT … FOR UPDATE in id order (so no two postings deadlock),
//   4. applies the lines to in-memory copies of the totals and checks the account flags (validation.ts),
//   5. inserts entries and lines and moves the totals in one statement.
// A racing duplicate (same key) or a racing resolution of the same hold loses on a unique index; the
// whole call is then retried once and answers from the committed winner. Postings, holds and
// reversals are here; resolving a hold (post, void, expire) is in holds.ts, on the same machinery.
// Single postings and holds (postEntry, holdEntry) take the group commit instead (group-commit.ts,
// fast-path.ts): the same steps in one server-side statement per group, checked by this engine's
// own rules whenever it refuses one.

import assert from 'node:assert/strict';
import type pg from 'pg';
import { inTransaction } from '../pool.js';
import { isUuid } from '../../domain/ids.js';
import { payloadHash } from './canonical.js';
import { declinedBatch, postEntriesBatched } from './batched-path.js';
import { recordGrouped } from './group-commit.js';
import { LedgerError } from './errors.js';
import { observePoolCall } from './observer.js';
import type { LockedAccount, PlannedEntry, PlannedLine, Totals } from './planned-entry.js';
import { asAsset, loadEntries, type Queryable, type StoredEntry } from './rows.js';
import type { Db, Entry, EntryInput, EntryLine, HoldInput, ReverseEntryInput } from './types.js';
import {
  assertEntryBalanced,
  checkAccount,
  invalid,
  validateCommon,
  validateEntry,
  validateText,
  type Common,
  type ValidatedEntry,
} from './validation.js';

export const MAX_ENTRIES_PER_BATCH = 1000;
/** A call that lost a unique-index race is run again this many times at most. */
export const MAX_ATTEMPTS = 3;

const RACE_CONSTRAINTS = new Set(['journal_entry_idempotency_key_key', 'journal_entry_pending_entry_id_key']);

// --- Accounts under lock --------------------------------------------------------------------------

export interface LockedAccountRow {
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

export class LockedAccounts {
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
export async function lockAccountsByCode(q: Queryable, codes: string[]): Promise<LockedAccounts> {
  const wanted = [...new Set(codes)];
  const found = await q.query<LockedAccountRow>(
    `SELECT ${LOCK_COLUMNS} FROM ledger_account WHERE code = ANY($1::text[]) ORDER BY id FOR UPDATE`,
    [wanted],
  );
  const accounts = new LockedAccounts();
  for (const row of found.rows) accounts.add(row);
  assertAccountsKnown(accounts, wanted);
  return accounts;
}

/** Throws unknown_account naming every code in `wanted` (distinct, in order) that `accounts` lacks. */
export function assertAccountsKnown(accounts: LockedAccounts, wanted: string[]): void {
  const missing = wanted.filter((code) => !accounts.byCode.has(code));
  if (missing.length > 0) {
    throw new LedgerError('unknown_account', `unknown account ${missing.join(', ')}`, {
      accountCodes: missing,
    });
  }
}

/** The accounts of a hold's lines, locked in id order; they exist (journal lines reference them). */
export async function lockAccountsById(q: Queryable, ids: string[]): Promise<LockedAccounts> {
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

// --- Applying and inserting planned entries -------------------------------------------------------

function snapshot(accounts: Iterable<LockedAccount>): Map<LockedAccount, Totals> {
  const copies = new Map<LockedAccount, Totals>();
  for (const account of accounts) copies.set(account, { ...account.working });
  return copies;
}

/**
 * Applies one entry to the working totals and checks every touched account afterwards (the entry is
 * atomic, so only its end state matters). Throws insufficient_funds / limit_exceeded.
 */
export function applyEntry(entry: PlannedEntry): void {
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

interface InsertedEntryRow {
  id: string;
  seq: string;
  idempotency_key: string;
  created_at: Date;
  effective_at: Date;
  line_count: string;
  account_count: string;
}

/** Parameters: $1–$12 entries, $13–$18 lines (by entry key), $19–$23 account deltas. */
const INSERT_ENTRIES_SQL = `WITH new_entry AS (
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
       FROM new_entry ne`;

/**
 * Inserts the entries and their lines and moves the account totals by (working − locked), in one
 * statement. Returns the API view of each entry, in input order.
 */
export async function insertEntries(
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
  const result = await q.query<InsertedEntryRow>(INSERT_ENTRIES_SQL, [
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
  ]);
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
    return entryView(entry, row);
  });
}

/** The API view of an entry just inserted (not resolved by anything yet). */
function entryView(entry: PlannedEntry, row: InsertedEntryRow): Entry {
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
}

// --- Idempotency ----------------------------------------------------------------------------------

export interface KnownKey {
  entryId: string;
  payloadHash: string;
}

interface KeyLookup {
  known: Map<string, KnownKey>;
  /** The transaction's clock (now()), for expiry decisions. */
  databaseNow: Date;
}

export async function lookUpKeys(q: Queryable, keys: string[]): Promise<KeyLookup> {
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

export function conflict(key: string): LedgerError {
  return new LedgerError(
    'idempotency_conflict',
    `idempotency key "${key}" was already used for a different payload`,
    { idempotencyKey: key },
  );
}

export async function loadEntriesById(q: Queryable, ids: string[]): Promise<Map<string, Entry>> {
  if (ids.length === 0) return new Map();
  const stored: StoredEntry[] = await loadEntries(q, 'e.id = ANY($1::uuid[])', [ids]);
  return new Map(stored.map(({ entry }) => [entry.id, entry]));
}

/** The entry an earlier request with this key recorded, if its payload was the same. */
export async function replay(q: Queryable, existing: KnownKey, key: string, hash: string): Promise<Entry> {
  if (existing.payloadHash !== hash) throw conflict(key);
  const replayed = (await loadEntriesById(q, [existing.entryId])).get(existing.entryId);
  assert.ok(replayed);
  return replayed;
}

export function isRaceLoss(error: unknown): boolean {
  const pgError = error as { code?: string; constraint?: string };
  return pgError?.code === '23505' && RACE_CONSTRAINTS.has(pgError.constraint ?? '');
}

/** One transaction; if it lost a unique-index race, again (the replay path then answers). */
export async function transaction<T>(db: Db, work: (q: pg.PoolClient) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await inTransaction(db, work);
    } catch (error) {
      if (attempt < MAX_ATTEMPTS && isRaceLoss(error)) continue;
      throw error;
    }
  }
}
// --- Postings and holds ---------------------------------------------------------------------------

/**
 * Records entries atomically (all or none). Replays of known keys (same payload) return the stored
 * entry; within the batch a repeated key with the same payload returns the same entry.
 */
async function recordEntries(db: Db, validated: ValidatedEntry[]): Promise<Entry[]> {
  return transaction(db, (q) => recordEntriesIn(q, validated));
}

/**
 * The entries of one call with repeated keys folded (the first occurrence wins, the others must be
 * identical), keyed by idempotency key in first-occurrence order. Throws limit_exceeded past the
 * batch size and idempotency_conflict for a repeated key with another payload.
 */
function distinctByKey(validated: ValidatedEntry[]): Map<string, ValidatedEntry> {
  assert.ok(validated.length > 0);
  if (validated.length > MAX_ENTRIES_PER_BATCH) {
    throw new LedgerError('limit_exceeded', `at most ${MAX_ENTRIES_PER_BATCH} entries per call`, {
      entries: validated.length,
    });
  }
  const firstByKey = new Map<string, ValidatedEntry>();
  for (const entry of validated) {
    const first = firstByKey.get(entry.common.idempotencyKey);
    if (first === undefined) firstByKey.set(entry.common.idempotencyKey, entry);
    else if (first.payloadHash !== entry.payloadHash) throw conflict(entry.common.idempotencyKey);
  }
  return firstByKey;
}

/** recordEntries inside the caller's transaction `q` (db/ledger/transaction.ts shares it). */
export async function recordEntriesIn(q: Queryable, validated: ValidatedEntry[]): Promise<Entry[]> {
  const firstByKey = distinctByKey(validated);
  const distinct = [...firstByKey.values()];

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
}

export function planEntry(entry: ValidatedEntry, accounts: LockedAccounts, databaseNow: Date): PlannedEntry {
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

/**
 * A posting, effective immediately. Goes through the group commit (group-commit.ts): one statement of
 * the server-side fast path, shared with the postings that arrive within the same short window.
 */
export async function postEntry(db: Db, input: EntryInput): Promise<Entry> {
  return recordGrouped(db, validateEntry(input, 'posted'));
}

/**
 * Several postings in one transaction, all or none (same rules as postEntry, applied in order). New
 * postings go in one statement of the batched path (batched-path.ts); whenever it declines (a known
 * key, a refusal, a lost race) the JavaScript engine answers the same call.
 */
export async function postEntries(db: Db, inputs: EntryInput[]): Promise<Entry[]> {
  if (!Array.isArray(inputs) || inputs.length === 0) throw invalid('postEntries needs at least one entry');
  const validated = inputs.map((input) => validateEntry(input, 'posted'));
  const kinds = validated.map((entry) => entry.common.kind);
  return observePoolCall('post_entries', kinds, () => recordEntriesBatched(db, validated));
}

/** postEntries once validated: the batched path, or the engine whenever it declines. */
async function recordEntriesBatched(db: Db, validated: ValidatedEntry[]): Promise<Entry[]> {
  const firstByKey = distinctByKey(validated);
  let created: Entry[];
  try {
    created = await postEntriesBatched(db, [...firstByKey.values()]);
  } catch (error) {
    if (declinedBatch(error)) return recordEntries(db, validated);
    throw error;
  }
  const byKey = new Map(created.map((entry) => [entry.idempotencyKey, entry]));
  return validated.map((entry) => {
    const result = byKey.get(entry.common.idempotencyKey);
    assert.ok(result, `entry for ${entry.common.idempotencyKey} recorded`);
    return result;
  });
}

/** A two-phase transfer's first phase: raises debits_pending / credits_pending, checked like a posting. */
export async function holdEntry(db: Db, input: HoldInput): Promise<Entry> {
  return recordGrouped(db, validateEntry(input, 'pending'));
}

/**
 * The same posting or hold through the JavaScript engine in a transaction of its own (the path
 * LedgerTx shares): the reference the grouped path is tested against.
 */
export async function recordUngrouped(
  db: Db,
  input: HoldInput,
  status: 'posted' | 'pending',
): Promise<Entry> {
  return recordOne(db, validateEntry(input, status));
}

/**
 * postEntries through the JavaScript engine alone, in one transaction: the reference the batched
 * path (batched-path.ts) is tested against.
 */
export async function postEntriesUngrouped(db: Db, inputs: EntryInput[]): Promise<Entry[]> {
  return recordEntries(
    db,
    inputs.map((input) => validateEntry(input, 'posted')),
  );
}

// --- Reversal -------------------------------------------------------------------------------------

/**
 * Corrects a mistake without touching history: a new posted entry mirroring the posted lines of a
 * 'posted' or 'post_pending' entry (debit ↔ credit), with reverses_entry_id set. Checked like any posting.
 */
export async function reverseEntry(db: Db, input: ReverseEntryInput): Promise<Entry> {
  const common = validateCommon(input);
  return observePoolCall('reverse_entry', [common.kind], () => reverseValidated(db, input, common));
}

async function reverseValidated(db: Db, input: ReverseEntryInput, common: Common): Promise<Entry> {
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
    if (existing) return replay(q, existing, common.idempotencyKey, hash);
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
