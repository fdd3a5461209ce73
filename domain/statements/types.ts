// What every statement parser (camt.053, MT940, CSV) produces: one shape for the checks, the storage
// and the matching, whatever the bank sent. Amounts are integer minor units of the currency's scale
// (bigint, signed from the account holder's side: a credit to our account is positive); dates are
// ISO calendar days (YYYY-MM-DD) as the bank states them.

export const STATEMENT_FORMATS = ['camt053', 'mt940', 'csv'] as const;
export type StatementFormat = (typeof STATEMENT_FORMATS)[number];

export type LineDirection = 'CREDIT' | 'DEBIT';
/** BOOKED lines move the balance; PENDING ones (camt `PDNG`, `INFO`) are shown but do not. */
export type LineStatus = 'BOOKED' | 'PENDING';

export interface StatementLine {
  /** Position in the statement, from 0. */
  index: number;
  /** Where the line came from in the file: "line 12" (MT940, CSV) or "Stmt[0]/Ntry[3]" (camt). */
  origin: string;
  bookedOn: string;
  valueOn: string;
  /** Signed: CREDIT positive, DEBIT negative. */
  amountMinor: bigint;
  currency: string;
  direction: LineDirection;
  status: LineStatus;
  /** camt `RvslInd` true, MT940 `RC`/`RD`: the line reverses an earlier one. */
  reversal: boolean;
  /** The best single reference the bank gives (remittance reference, end-to-end id, customer ref). */
  reference: string | null;
  counterparty: string | null;
  /** Every free text of the line (remittance information, :86:), for references named inside it. */
  text: string;
}

/** Totals the statement states about itself (camt `TxsSummry`), checked against its lines. */
export interface DeclaredTotals {
  count: number | null;
  /** Sum of the absolute amounts of all entries. */
  sumMinor: bigint | null;
  /** Net of credits less debits. */
  netMinor: bigint | null;
  creditCount: number | null;
  creditSumMinor: bigint | null;
  debitCount: number | null;
  debitSumMinor: bigint | null;
}

export interface Balance {
  amountMinor: bigint;
  currency: string;
  on: string;
}

export interface ParsedStatement {
  format: StatementFormat;
  /** camt `Stmt/Id`, MT940 `:20:`; for CSV the file's own id column or null. */
  statementId: string | null;
  /** IBAN when the account is named by one, else the bank's account number. */
  account: string | null;
  currency: string;
  from: string;
  to: string;
  opening: Balance | null;
  closing: Balance | null;
  declared: DeclaredTotals;
  lines: StatementLine[];
}

export const NO_DECLARED_TOTALS: DeclaredTotals = {
  count: null,
  sumMinor: null,
  netMinor: null,
  creditCount: null,
  creditSumMinor: null,
  debitCount: null,
  debitSumMinor: null,
};

/** The file cannot be read as a statement; `at` names the line or element at fault. */
export class UnreadableStatementError extends Error {
  constructor(
    message: string,
    readonly at: string,
  ) {
    super(`${message} (at ${at})`);
    this.name = 'UnreadableStatementError';
  }
}
