// Business-rule failures of the ledger, each with a stable snake_case code the API and workflows map
// (422 for rules such as insufficient_funds, 409 for idempotency_conflict / hold_not_pending, ...).
// `details` only ever holds JSON-safe values: amounts are decimal strings of minor units.

export type LedgerErrorCode =
  | 'insufficient_funds'
  | 'idempotency_conflict'
  | 'unbalanced'
  | 'unknown_account'
  | 'asset_mismatch'
  | 'invalid_amount'
  | 'hold_not_pending'
  | 'hold_not_found'
  | 'limit_exceeded'
  /** Malformed input other than amounts: empty transfer list, same account on both sides, bad key, ... */
  | 'invalid_entry'
  /** A listEntries cursor this ledger did not issue. */
  | 'invalid_cursor';

export class LedgerError extends Error {
  override readonly name = 'LedgerError';

  constructor(
    readonly code: LedgerErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export function isLedgerError(error: unknown, code?: LedgerErrorCode): error is LedgerError {
  return error instanceof LedgerError && (code === undefined || error.code === code);
}
