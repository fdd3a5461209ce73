// A statement's checks of itself, before anything is matched: opening balance plus its booked lines
// equals its closing balance; its own counts and sums (camt TxsSummry) agree with its lines; lines
// in another currency than the account's are named. A statement that fails any of them is imported
// with `consistent: false` and one `statement_inconsistent` break listing every problem.
import type { ParsedStatement } from '../statements/types.js';

export type StatementProblemCode =
  | 'balances_missing'
  | 'balance_currency'
  | 'balance_mismatch'
  | 'declared_totals_mismatch'
  | 'line_in_other_currency'
  | 'account_currency';

export interface StatementProblem {
  code: StatementProblemCode;
  message: string;
  /** Indexes of the lines concerned, if any. */
  lineIndexes: number[];
  /** Statement less expected, minor units, where a difference is the point. */
  differenceMinor: bigint | null;
}

export interface StatementCheck {
  consistent: boolean;
  problems: StatementProblem[];
  reversals: number;
  pending: number;
}

/** The checks of `statement`, whose account (when known) holds `accountCurrency`. */
export function checkStatement(statement: ParsedStatement, accountCurrency: string | null): StatementCheck {
  const problems: StatementProblem[] = [];
  const problem = (
    code: StatementProblemCode,
    message: string,
    lineIndexes: number[] = [],
    differenceMinor: bigint | null = null,
  ) => problems.push({ code, message, lineIndexes, differenceMinor });
  const { currency, opening, closing, declared } = statement;
  if (accountCurrency !== null && accountCurrency !== currency)
    problem('account_currency', `the statement is in ${currency}, the account in ${accountCurrency}`);
  const foreign = statement.lines.filter((l) => l.currency !== currency).map((l) => l.index);
  if (foreign.length > 0)
    problem('line_in_other_currency', `${foreign.length} line(s) not in ${currency}`, foreign);
  const booked = statement.lines.filter((l) => l.status === 'BOOKED' && l.currency === currency);
  let net = 0n;
  for (const line of booked) net += line.amountMinor;
  if (opening === null || closing === null) {
    problem('balances_missing', 'the statement states no opening or no closing balance');
  } else if (opening.currency !== currency || closing.currency !== currency) {
    problem('balance_currency', `a balance is not in ${currency} (${opening.currency}, ${closing.currency})`);
  } else if (opening.amountMinor + net !== closing.amountMinor) {
    problem(
      'balance_mismatch',
      'opening balance plus the booked lines is not the closing balance',
      [],
      closing.amountMinor - (opening.amountMinor + net),
    );
  }
  const all = statement.lines;
  const credits = all.filter((l) => l.amountMinor >= 0n);
  const debits = all.filter((l) => l.amountMinor < 0n);
  const absSum = (ls: typeof all) =>
    ls.reduce((s, l) => s + (l.amountMinor < 0n ? -l.amountMinor : l.amountMinor), 0n);
  const allNet = all.reduce((s, l) => s + l.amountMinor, 0n);
  const declaredChecks: [string, bigint | number | null, bigint | number][] = [
    ['number of entries', declared.count, all.length],
    ['sum of entries', declared.sumMinor, absSum(all)],
    ['net of entries', declared.netMinor, allNet],
    ['number of credits', declared.creditCount, credits.length],
    ['sum of credits', declared.creditSumMinor, absSum(credits)],
    ['number of debits', declared.debitCount, debits.length],
    ['sum of debits', declared.debitSumMinor, absSum(debits)],
  ];
  for (const [what, stated, actual] of declaredChecks) {
    if (stated !== null && BigInt(stated) !== BigInt(actual)) {
      problem(
        'declared_totals_mismatch',
        `the statement's ${what} is ${String(stated)}, its lines give ${String(actual)}`,
        [],
        typeof stated === 'bigint' ? stated - BigInt(actual) : null,
      );
    }
  }
  return {
    consistent: problems.length === 0,
    problems,
    reversals: all.filter((l) => l.reversal).length,
    pending: all.filter((l) => l.status === 'PENDING').length,
  };
}
