// The one-round-trip posting path: a group of validated postings and holds goes to the server-side
// function `ledger_post_batch` (db/migrations/Migration20261201000700_ledger_fast_path.ts) as one
// statement, which is one transaction and one commit. Each posting gets its own outcome:
//   - created: the entry's API view, built here from the validated input and what the row returned;
//   - known key: a replay of the first entry, or idempotency_conflict (the engine's replay rules);
//   - rejected: the function wrote nothing for it and sent its accounts as they stood at its turn;
//     the engine's own checks (planEntry/applyEntry) run on that snapshot, so the error, its code and
//     its details are exactly those of the JavaScript engine at the same point.
// A racing duplicate key (a unique-index loss) aborts the whole statement; it then runs again and the
// committed winner answers as a known key. Any other failure of the statement reaches the caller
// (group-commit.ts then runs each posting of the group on its own).

import assert from 'node:assert/strict';
import { LockedAccounts, assertAccountsKnown, type LockedAccountRow } from './account-locks.js';
import { MAX_ATTEMPTS, conflict, isRaceLoss, loadEntriesById, planEntry } from './engine.js';
import { applyEntry } from './entry-insert.js';
import { asAsset } from './rows.js';
import type { Db, Entry } from './types.js';
import type { ValidatedEntry } from './validation.js';

/** One posting's own answer: its entry, or the error that refused it. */
export type PostingOutcome = { ok: true; entry: Entry } | { ok: false; error: unknown };

type FunctionResult =
  | { o: 'created'; id: string; seq: string; ca: string; ea: string; as: string[] }
  | { o: 'known'; id: string; h: string }
  | { o: 'rejected'; accounts: LockedAccountRow[]; now: string };

/** The function's input: short member names keep the JSON small (it is parsed once per group). */
function functionInput(entry: ValidatedEntry): Record<string, unknown> {
  const { common } = entry;
  return {
    k: common.idempotencyKey,
    h: entry.payloadHash,
    kd: common.kind,
    d: common.description,
    s: entry.status,
    w: common.workflowId,
    r: common.runId,
    a: common.activity,
    ef: common.effectiveAt?.toISOString() ?? null,
    ex: entry.expiresAt?.toISOString() ?? null,
    t: entry.transfers.map((t) => [t.debit, t.credit, t.amount.toString()]),
  };
}

function createdView(entry: ValidatedEntry, result: Extract<FunctionResult, { o: 'created' }>): Entry {
  const pending = entry.status === 'pending';
  assert.equal(result.as.length, entry.transfers.length * 2, 'two lines per transfer');
  const asset = (index: number) => asAsset(result.as[index]!);
  return {
    id: result.id,
    idempotencyKey: entry.common.idempotencyKey,
    kind: entry.common.kind,
    description: entry.common.description,
    status: entry.status,
    workflowId: entry.common.workflowId,
    runId: entry.common.runId,
    activity: entry.common.activity,
    createdAt: new Date(result.ca),
    effectiveAt: new Date(result.ea),
    reversesEntryId: null,
    pendingEntryId: null,
    expiresAt: entry.expiresAt,
    holdState: pending ? 'pending' : null,
    resolvedByEntryId: null,
    lines: entry.transfers.flatMap((transfer, i) => [
      { accountCode: transfer.debit, asset: asset(2 * i), debit: transfer.amount, credit: 0n, pending },
      { accountCode: transfer.credit, asset: asset(2 * i + 1), debit: 0n, credit: transfer.amount, pending },
    ]),
  };
}

/**
 * The engine's verdict on a posting the function refused, from the snapshot of its accounts at its
 * turn: the same checks in the same order as recordEntriesIn (unknown accounts, then planEntry, then
 * applyEntry). The function and the engine must agree that it fails.
 */
function rejection(entry: ValidatedEntry, result: Extract<FunctionResult, { o: 'rejected' }>): unknown {
  const accounts = new LockedAccounts();
  for (const row of result.accounts) accounts.add(row);
  try {
    assertAccountsKnown(accounts, [...new Set(entry.transfers.flatMap((t) => [t.debit, t.credit]))]);
    applyEntry(planEntry(entry, accounts, new Date(result.now)));
  } catch (error) {
    return error;
  }
  assert.fail(`ledger_post_batch refused ${entry.common.idempotencyKey}, which the engine accepts`);
}

async function callOnce(db: Db, entries: ValidatedEntry[]): Promise<FunctionResult[]> {
  // One statement outside any explicit transaction: it commits on its own. pool.query may send it
  // again after a lost connection; a group that did commit then answers as known keys (replays).
  const { rows } = await db.query<{ results: FunctionResult[] }>(
    'SELECT ledger_post_batch($1::jsonb) AS results',
    [JSON.stringify(entries.map(functionInput))],
  );
  const results = rows[0]?.results;
  assert.ok(Array.isArray(results) && results.length === entries.length, 'one result per posting');
  return results;
}

/** Records `entries` in one statement, in order; every posting keeps its own outcome. */
export async function postBatch(db: Db, entries: ValidatedEntry[]): Promise<PostingOutcome[]> {
  assert.ok(entries.length > 0, 'postBatch needs postings');
  let results: FunctionResult[] | undefined;
  for (let attempt = 1; results === undefined; attempt += 1) {
    try {
      results = await callOnce(db, entries);
    } catch (error) {
      if (!(attempt < MAX_ATTEMPTS && isRaceLoss(error))) throw error;
    }
  }
  const replayIds = results.flatMap((result, i) =>
    result.o === 'known' && result.h === entries[i]!.payloadHash ? [result.id] : [],
  );
  const replayed = await loadEntriesById(db, replayIds);
  return results.map((result, i): PostingOutcome => {
    const entry = entries[i]!;
    switch (result.o) {
      case 'created':
        return { ok: true, entry: createdView(entry, result) };
      case 'rejected':
        return { ok: false, error: rejection(entry, result) };
      case 'known': {
        const key = entry.common.idempotencyKey;
        if (result.h !== entry.payloadHash) {
          return { ok: false, error: conflict(key) };
        }
        const first = replayed.get(result.id);
        assert.ok(first, `replayed entry ${result.id} loads`);
        return { ok: true, entry: first };
      }
    }
  });
}
