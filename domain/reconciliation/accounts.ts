// Which ledger account a statement is reconciled against when the uploader names none: the one its
// IBAN is configured for (RECONCILIATION_ACCOUNTS_JSON, `{ "<IBAN>": "bank:omnibus:EUR" }`), else the
// omnibus account of the statement's currency (bank) or certificate (registry). Pure: the caller
// checks the account exists in the ledger (422 unknown_account otherwise).
import { ASSETS, isAssetCode } from '../money.js';
import { systemAccountCode } from '../postings.js';

export type StatementSource = 'bank' | 'registry';

/** Account codes by the account id the statement names (IBANs compared without spaces, upper case). */
export type AccountsByStatementAccount = Readonly<Record<string, string>>;

export const normaliseAccountRef = (ref: string): string => ref.replace(/\s+/g, '').toUpperCase();

/** The account a statement of `source` naming `accountRef` in `currency` defaults to, or null. */
export function defaultReconciliationAccount(
  source: StatementSource,
  accountRef: string | null,
  currency: string,
  configured: AccountsByStatementAccount,
): string | null {
  if (accountRef !== null) {
    const named = configured[normaliseAccountRef(accountRef)];
    if (named) return named;
  }
  if (!isAssetCode(currency)) return null;
  const kind = ASSETS[currency].kind;
  // A bank statement is about cash, a registry statement about certificates: anything else is no
  // omnibus account of that source.
  if ((source === 'bank') !== (kind === 'cash')) return null;
  return systemAccountCode('omnibus', currency);
}

/** RECONCILIATION_ACCOUNTS_JSON read leniently: keys normalised, non-text values dropped. */
export function parseConfiguredAccounts(json: string | undefined): AccountsByStatementAccount {
  if (!json) return {};
  const parsed: unknown = JSON.parse(json);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error('RECONCILIATION_ACCOUNTS_JSON must be a JSON object of account codes by IBAN');
  const out: Record<string, string> = {};
  for (const [ref, code] of Object.entries(parsed))
    if (typeof code === 'string') out[normaliseAccountRef(ref)] = code;
  return out;
}
