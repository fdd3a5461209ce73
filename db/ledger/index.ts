// The ledger engine: double-entry, two-phase (holds), idempotent, append-only. See DESIGN.md "Ledger".
// Every function takes the pg pool and runs its own transaction.

export { LedgerError, isLedgerError, type LedgerErrorCode } from './errors.js';
export type {
  Account,
  AccountInput,
  ClientBalance,
  Db,
  Entry,
  EntryInput,
  EntryLine,
  EntryPage,
  EntryProvenance,
  EntryStatus,
  HoldInput,
  HoldState,
  ListEntriesInput,
  PostHoldInput,
  ReverseEntryInput,
  TransferInput,
  TrialBalance,
  VoidHoldInput,
} from './types.js';
export { MAX_ENTRIES_PER_BATCH, holdEntry, postEntries, postEntry, reverseEntry } from './engine.js';
export { expireHolds, postHold, voidHold } from './holds.js';
export { inLedgerTransaction, type LedgerTx } from './transaction.js';
export { MAX_TRANSFERS_PER_ENTRY } from './validation.js';
export {
  ensureAccount,
  ensureClientAccounts,
  ensureSystemAccounts,
  getAccount,
  getClientBalances,
} from './accounts.js';
export {
  MAX_PAGE_SIZE,
  getEntry,
  listEntries,
  trialBalance,
  trialBalanceTotals,
  type TrialBalanceTotals,
} from './queries.js';
export { canonicalJson, payloadHash } from './canonical.js';
export {
  CLIENT_ACCOUNT_ROLES,
  clientAccountCode,
  systemAccountCode,
  systemAccountDefinitions,
  type AccountKind,
  type ClientAccountRole,
  type SystemAccountRole,
} from '../../domain/postings.js';
