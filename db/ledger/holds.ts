// Resolving two-phase holds: post (all, or part of a single-transfer hold), void, and expiry. Each
// resolution is one entry with pending_entry_id set, recorded in the engine's posting transaction; the
// unique index on pending_entry_id lets only one resolution of a hold commit.

import assert from 'node:assert/strict';
import { isUuid } from '../../domain/ids.js';
import { payloadHash } from './canonical.js';
import { lockAccountsById, type LockedAccounts } from './account-locks.js';
import { lookUpKeys, replay, transaction } from './engine.js';
import { applyEntry, insertEntries } from './entry-insert.js';
import { LedgerError, isLedgerError } from './errors.js';
import { observePoolCall } from './observer.js';
import type { PlannedEntry, PlannedLine, TotalsAdjustment } from './planned-entry.js';
import type { Queryable } from './rows.js';
import type { Db, Entry, EntryStatus, PostHoldInput, VoidHoldInput } from './types.js';
import { validateAmount, validateCommon, validateDate, validateText, type Common } from './validation.js';

/** Due holds read per round of the expiry sweep (it pages until a round comes back short). */
const EXPIRY_SWEEP_PAGE = 500;

type Resolution = 'post_pending' | 'void_pending' | 'expire_pending';

export interface ResolveRequest {
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
  return transaction(db, (q) => resolveHoldIn(q, request));
}

/** resolveHold inside the caller's transaction `q` (db/ledger/transaction.ts shares it). */
export async function resolveHoldIn(
  q: Queryable,
  request: ResolveRequest,
): Promise<{ entry: Entry; created: boolean }> {
  const { holdEntryId } = request;
  if (!isUuid(holdEntryId)) throw holdNotFound(holdEntryId, 'does not exist');
  const key = request.common.idempotencyKey;
  const { known, databaseNow } = await lookUpKeys(q, [key]);
  const existing = known.get(key);
  if (existing) return { entry: await replay(q, existing, key, request.payloadHash), created: false };

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

/** A validated post request; shared with LedgerTx.postHold. */
export function postHoldRequest(input: PostHoldInput): ResolveRequest {
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
  return { mode: 'post_pending', common, holdEntryId, amount, expireAsOf: null, payloadHash: hash };
}

/** A validated void request; shared with LedgerTx.voidHold. */
export function voidHoldRequest(input: VoidHoldInput): ResolveRequest {
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
  return { mode: 'void_pending', common, holdEntryId, amount: null, expireAsOf: null, payloadHash: hash };
}

/**
 * Second phase, post: moves the held amounts from *_pending to *_posted. With `amount` (single-transfer
 * holds only) posts that much and releases the rest, in the same entry.
 */
export async function postHold(db: Db, input: PostHoldInput): Promise<Entry> {
  const request = postHoldRequest(input);
  const { entry } = await observePoolCall('post_hold', [request.common.kind], () => resolveHold(db, request));
  return entry;
}

/** Second phase, void: releases everything the hold reserved. */
export async function voidHold(db: Db, input: VoidHoldInput): Promise<Entry> {
  const request = voidHoldRequest(input);
  const { entry } = await observePoolCall('void_hold', [request.common.kind], () => resolveHold(db, request));
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
        const request: ResolveRequest = {
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
        };
        const { created } = await observePoolCall('expire_hold', [request.common.kind], () =>
          resolveHold(db, request),
        );
        if (created) expiredCount += 1;
      } catch (error) {
        if (isLedgerError(error, 'hold_not_pending')) continue;
        throw error;
      }
    }
    if (due.rows.length < EXPIRY_SWEEP_PAGE) return expiredCount;
  }
}
