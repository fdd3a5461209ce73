// The ledger inside one caller's transaction: the same postings, holds and resolutions as the pool
// functions (engine.ts, holds.ts run this very code), with the caller's own SQL in the same unit, so
// a business change and its money commit or roll back together (the venue: a fill, both sides'
// postings and the book change).
//
//   await inLedgerTransaction(db, async (tx) => {
//     await tx.query('SELECT … FROM instrument WHERE symbol = $1 FOR UPDATE', [symbol]);
//     await tx.lockAccounts([...every account code the unit will touch]);
//     await tx.postHold({ … });
//     await tx.postEntry({ … });
//   });
//
// Deadlocks: every call locks its own accounts in id order, but a unit of several calls would lock
// them in the order of its calls. A unit that touches more than one call's accounts must therefore
// lock all of them up front with `lockAccounts` (one statement, id order); the later calls then find
// them already held. Row locks of the caller's own tables (the instrument row) come before that.
//
// Idempotency is per call, as with the pool functions: a key already recorded answers the stored
// entry. A unit that lost a unique-index race (a racing duplicate key or resolution) is rolled back
// and run once more from the start, like the pool functions, so `work` must only touch the database
// through `tx` and be safe to run again.

import assert from 'node:assert/strict';
import type pg from 'pg';
import { lockAccountsByCode } from './account-locks.js';
import { recordEntriesIn, transaction } from './engine.js';
import { postHoldRequest, resolveHoldIn, voidHoldRequest } from './holds.js';
import { UnitPostings } from './observer.js';
import type { Db, Entry, EntryInput, HoldInput, PostHoldInput, VoidHoldInput } from './types.js';
import { validateEntry } from './validation.js';

export interface LedgerTx {
  /** The transaction's client, for the caller's own SQL. */
  readonly client: pg.PoolClient;
  /** `client.query`, bound. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    params?: unknown[],
  ): Promise<pg.QueryResult<R>>;
  /** Locks these accounts (SELECT … FOR UPDATE, id order) until the unit ends; unknown codes throw unknown_account. */
  lockAccounts(codes: string[]): Promise<void>;
  postEntry(input: EntryInput): Promise<Entry>;
  holdEntry(input: HoldInput): Promise<Entry>;
  postHold(input: PostHoldInput): Promise<Entry>;
  voidHold(input: VoidHoldInput): Promise<Entry>;
}

function ledgerTx(client: pg.PoolClient, made: UnitPostings): LedgerTx {
  const recordOne = (input: HoldInput, status: 'posted' | 'pending'): Promise<Entry> =>
    made.time(input.kind, async () => {
      const [entry] = await recordEntriesIn(client, [validateEntry(input, status)]);
      assert.ok(entry);
      return entry;
    });
  return {
    client,
    query: <R extends pg.QueryResultRow>(text: string, params?: unknown[]) => client.query<R>(text, params),
    lockAccounts: async (codes) => {
      if (codes.length > 0) await lockAccountsByCode(client, codes);
    },
    postEntry: (input) => recordOne(input, 'posted'),
    holdEntry: (input) => recordOne(input, 'pending'),
    postHold: (input) =>
      made.time(input.kind, async () => (await resolveHoldIn(client, postHoldRequest(input))).entry),
    voidHold: (input) =>
      made.time(input.kind, async () => (await resolveHoldIn(client, voidHoldRequest(input))).entry),
  };
}

/** Runs `work` in one transaction with a LedgerTx; everything it did commits, or nothing. */
export async function inLedgerTransaction<T>(db: Db, work: (tx: LedgerTx) => Promise<T>): Promise<T> {
  // The unit's postings count in the ledger metrics (observer.ts) once it committed or rolled back.
  const made = new UnitPostings();
  return made.settle(
    transaction(db, (client) => {
      made.restart();
      return work(ledgerTx(client, made));
    }),
  );
}
