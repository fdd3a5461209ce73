// What a posting transaction means to write: the accounts it holds locked (totals as read and as they
// will be) and the entries it plans to insert. Built by engine.ts and holds.ts, checked by validation.ts.

import type { AssetCode } from '../../domain/money.js';
import type { EntryStatus } from './types.js';

export interface Totals {
  debitsPosted: bigint;
  creditsPosted: bigint;
  debitsPending: bigint;
  creditsPending: bigint;
}

export interface LockedAccount {
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

export interface PlannedLine {
  account: LockedAccount;
  debit: bigint;
  credit: bigint;
  pending: boolean;
}

/** How a planned line moves its account's totals beyond the line itself (hold resolution). */
export interface TotalsAdjustment {
  account: LockedAccount;
  debitsPending: bigint;
  creditsPending: bigint;
}

export interface PlannedEntry {
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
