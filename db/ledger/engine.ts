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
import { LockedAccounts, lockAccountsByCode } from './account-locks.js';
import { applyEntry, insertEntries } from './entry-insert.js';
import { observePoolCall } from './observer.js';
import type { PlannedEntry, PlannedLine } from './planned-entry.js';
import { loadEntries, type Queryable, type StoredEntry } from './rows.js';
import type { Db, Entry, EntryInput, HoldInput, ReverseEntryInput } from './types.js';
import {
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

/** SQLSTATE of a deadlock victim. */
const DEADLOCK = '40P01';
const RACE_CONSTRAINTS = new Set(['journal_entry_idempotency_key_key', 'journal_entry_pending_entry_id_key']);

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

/**
 * The call lost a race and is safe to run again: a unique-index race on a key or a hold, or a
 * deadlock (its whole transaction rolled back). The engine locks accounts in id order, so engine
 * calls never deadlock each other; a batched call (db/ledger/batched-path.ts) inserts its keys before
 * it locks the accounts, so an engine call waiting on such a key can be the victim (fresh-clone CI:
 * 'deadlock detected' escaped the race test of batched-path.test.ts).
 */
export function isRaceLoss(error: unknown): boolean {
  const pgError = error as { code?: string; constraint?: string };
  if (pgError?.code === DEADLOCK) return true;
  return pgError?.code === '23505' && RACE_CONSTRAINTS.has(pgError.constraint ?? '');
}

/** One transaction; if it lost a race, again (the replay path then answers). */
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
