import type pg from 'pg';
import type { AssetCode } from '../../domain/money.js';
import type { AccountKind, PostingTransfer } from '../../domain/postings.js';

/** Every ledger function takes the pool and runs its own transaction(s). */
export type Db = pg.Pool;

/** Account codes on both sides; both accounts hold the same asset. `amount` in minor units, > 0. */
export type TransferInput = PostingTransfer;

/** Execution identity recorded on the entry; not part of the idempotency hash except workflowId. */
export interface EntryProvenance {
  workflowId?: string | null;
  /** Recorded for audit; excluded from the payload hash (a reset workflow re-runs with a new run id). */
  runId?: string | null;
  /** Recorded for audit; excluded from the payload hash. */
  activity?: string | null;
  /** Defaults to the transaction time. Part of the payload hash when given. */
  effectiveAt?: Date;
}

export interface EntryInput extends EntryProvenance {
  idempotencyKey: string;
  kind: string;
  description: string;
  transfers: TransferInput[];
}

export interface HoldInput extends EntryInput {
  /** After this instant the hold can no longer be posted; expireHolds voids it. Must be in the future. */
  expiresAt?: Date;
}

export interface PostHoldInput extends EntryProvenance {
  idempotencyKey: string;
  holdEntryId: string;
  /**
   * Amount to post, ≤ the held amount; the rest is released in the same entry. Only for holds with a
   * single transfer. Omitted: every transfer of the hold is posted in full.
   */
  amount?: bigint;
  kind: string;
  description: string;
}

export interface VoidHoldInput extends EntryProvenance {
  idempotencyKey: string;
  holdEntryId: string;
  kind: string;
  description: string;
}

export interface ReverseEntryInput extends EntryProvenance {
  idempotencyKey: string;
  /** A 'posted' or 'post_pending' entry; its posted lines are mirrored (debit ↔ credit). */
  entryId: string;
  kind: string;
  description: string;
}

/**
 * What an entry is: `posted` a normal posting; `pending` a hold; `post_pending`, `void_pending`,
 * `expire_pending` the one entry that resolved a hold (its `pendingEntryId`).
 */
export type EntryStatus = 'posted' | 'pending' | 'post_pending' | 'void_pending' | 'expire_pending';

/** Derived for holds from the resolving entry, if any. */
export type HoldState = 'pending' | 'posted' | 'voided' | 'expired';

export interface EntryLine {
  accountCode: string;
  asset: AssetCode;
  debit: bigint;
  credit: bigint;
  /** Part of a hold (counts in *_pending while the hold is unresolved). */
  pending: boolean;
}

export interface Entry {
  id: string;
  idempotencyKey: string;
  kind: string;
  description: string;
  status: EntryStatus;
  workflowId: string | null;
  runId: string | null;
  activity: string | null;
  createdAt: Date;
  effectiveAt: Date;
  reversesEntryId: string | null;
  /** For post/void/expire entries: the hold they resolve. */
  pendingEntryId: string | null;
  expiresAt: Date | null;
  /** Holds only (status 'pending'): the state as of this read; null for every other entry. */
  holdState: HoldState | null;
  /** Holds only: the entry that posted, voided or expired it. */
  resolvedByEntryId: string | null;
  /** In insertion order: per transfer, its debit line then its credit line. Void/expire entries have none. */
  lines: EntryLine[];
}

export interface Account {
  id: string;
  code: string;
  asset: AssetCode;
  ownerId: string | null;
  kind: AccountKind;
  debitsMustNotExceedCredits: boolean;
  creditsMustNotExceedDebits: boolean;
  debitsPosted: bigint;
  creditsPosted: bigint;
  debitsPending: bigint;
  creditsPending: bigint;
  createdAt: Date;
}

export interface AccountInput {
  code: string;
  asset: AssetCode;
  ownerId?: string | null;
  kind: AccountKind;
  debitsMustNotExceedCredits?: boolean;
  creditsMustNotExceedDebits?: boolean;
}

export interface ClientBalance {
  asset: AssetCode;
  /** available account: credits_posted − debits_posted − debits_pending. */
  available: bigint;
  /** held (AML) account: credits_posted − debits_posted − debits_pending. */
  held: bigint;
  /** available account: debits_pending, i.e. reserved by withdrawal and order holds. */
  pending: bigint;
  /** pending_settlement account: credits_posted − debits_posted − debits_pending. */
  pendingSettlement: bigint;
}

/** One asset's debits and credits, posted and pending, summed over lines or over account totals. */
export interface AssetTotals {
  asset: AssetCode;
  debits: bigint;
  credits: bigint;
  pendingDebits: bigint;
  pendingCredits: bigint;
}

export interface AccountMismatch {
  code: string;
  asset: AssetCode;
  total: 'debits_posted' | 'credits_posted' | 'debits_pending' | 'credits_pending';
  /** The running total on the account row. */
  recorded: bigint;
  /** The sum of the account's lines that the total should equal. */
  lines: bigint;
}

export interface TrialBalance {
  /** Posted lines balance per asset, open holds' pending lines balance per asset, and accounts match lines. */
  balanced: boolean;
  /** Posted lines, per asset, and the pending lines of open holds. */
  assets: AssetTotals[];
  /** Every account's four totals equal the sums of its lines. */
  accountsMatchLines: boolean;
  mismatchedAccounts: string[];
  /** Each total of a mismatched account that differs from the sum of its lines, with both amounts. */
  accountMismatches: AccountMismatch[];
  /** Assets whose open holds' pending lines do not balance (should always be empty). */
  unbalancedPendingAssets: AssetCode[];
}

export interface ListEntriesInput {
  workflowId?: string;
  accountCode?: string;
  /** Entries touching any account owned by this client (including resolutions of its holds). */
  clientId?: string;
  /** 1..500 */
  limit: number;
  cursor?: string | null;
}

export interface EntryPage {
  items: Entry[];
  nextCursor: string | null;
}
