// Applying planned entries to locked accounts' working totals (with the flag checks), and inserting
// them: entries and lines in one statement that also moves every touched account's totals.
import assert from 'node:assert/strict';
import type { LockedAccounts } from './account-locks.js';
import type { LockedAccount, PlannedEntry, Totals } from './planned-entry.js';
import type { Queryable } from './rows.js';
import type { Entry, EntryLine } from './types.js';
import { assertEntryBalanced, checkAccount } from './validation.js';

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
