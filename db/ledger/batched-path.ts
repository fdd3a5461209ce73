// The batched path of postEntries: a whole call (new postings only, all or none) in one statement of
// the server-side function `ledger_post_entries`
// (db/migrations/Migration20261201001600_ledger_batched_path.ts), i.e. one round trip and one commit,
// with the accounts locked only for the checks, the totals and the commit (the inserts run before).
//
// The function either records every entry or declines and writes nothing (an unknown account, mixed
// assets, a flag or total the engine would refuse, a known idempotency key). It never has to explain
// itself: on a decline the caller runs the same call through the JavaScript engine, which replays
// known keys, names the refusal with the engine's own error and details, or records the entries if
// the accounts moved in between. So the batched path can only be faster, never different.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { asAsset } from './rows.js';
import type { Db, Entry } from './types.js';
import type { ValidatedEntry } from './validation.js';

/** The function declined (SQLSTATE raised by ledger_post_entries). */
const DECLINED = 'LP001';
/** A key already recorded, or recorded by a racing call (the unique index on idempotency_key). */
const KNOWN_KEY_CONSTRAINT = 'journal_entry_idempotency_key_key';
/** A racing call holding a key this call inserted before it locked the accounts (deadlock victim). */
const DEADLOCK = '40P01';

/** True when the engine must answer instead: the function declined or the call lost a key race. */
export function declinedBatch(error: unknown): boolean {
  const pgError = error as { code?: string; constraint?: string } | null;
  return (
    pgError?.code === DECLINED ||
    pgError?.code === DEADLOCK ||
    (pgError?.code === '23505' && pgError.constraint === KNOWN_KEY_CONSTRAINT)
  );
}

interface FunctionResult {
  now: string;
  assets: Record<string, string>;
}

/**
 * Records `entries` (posted, distinct keys, none known as far as the caller knows) in one statement.
 * Throws what the statement threw; `declinedBatch` tells whether the engine should answer instead.
 */
export async function postEntriesBatched(db: Db, entries: ValidatedEntry[]): Promise<Entry[]> {
  assert.ok(entries.length > 0, 'postEntriesBatched needs entries');
  // Ids are chosen here (random v4, as gen_random_uuid) so lines can name their entry without the
  // statement returning rows to join on.
  const ids = entries.map(() => randomUUID());
  const entryRows = entries.map((entry, i) => {
    assert.equal(entry.status, 'posted', 'the batched path posts');
    const { common } = entry;
    return {
      i: ids[i],
      k: common.idempotencyKey,
      h: entry.payloadHash,
      kd: common.kind,
      d: common.description,
      w: common.workflowId,
      r: common.runId,
      a: common.activity,
      ef: common.effectiveAt?.toISOString() ?? null,
    };
  });
  const transferRows = entries.flatMap((entry, i) =>
    entry.transfers.map((t) => ({ e: ids[i], n: i, d: t.debit, c: t.credit, m: t.amount.toString() })),
  );
  // Outside any explicit transaction: the statement commits on its own before it answers.
  const { rows } = await db.query<{ result: FunctionResult }>(
    'SELECT ledger_post_entries($1::json, $2::json) AS result',
    [JSON.stringify(entryRows), JSON.stringify(transferRows)],
  );
  const result = rows[0]?.result;
  assert.ok(result, 'ledger_post_entries answers');
  const now = new Date(result.now);
  const assetOf = (code: string) => asAsset(result.assets[code] ?? '');
  return entries.map((entry, i): Entry => {
    const { common } = entry;
    return {
      id: ids[i]!,
      idempotencyKey: common.idempotencyKey,
      kind: common.kind,
      description: common.description,
      status: 'posted',
      workflowId: common.workflowId,
      runId: common.runId,
      activity: common.activity,
      createdAt: now,
      effectiveAt: common.effectiveAt ?? now,
      reversesEntryId: null,
      pendingEntryId: null,
      expiresAt: null,
      holdState: null,
      resolvedByEntryId: null,
      lines: entry.transfers.flatMap((t) => [
        { accountCode: t.debit, asset: assetOf(t.debit), debit: t.amount, credit: 0n, pending: false },
        { accountCode: t.credit, asset: assetOf(t.credit), debit: 0n, credit: t.amount, pending: false },
      ]),
    };
  });
}
