// Where a withdrawal may be paid: a client's VERIFIED bank accounts, as the payout sees them.
import type pg from 'pg';
import type { PayoutAccount } from '../../domain/withdrawal.js';
import { listBankAccounts, type BankAccount } from '../bank-accounts/index.js';
import { MAX_LIMIT } from '../lifecycle/cursor.js';

/** What the payout (and the withdrawal's view) keeps of a bank account. */
export function payoutAccountOf(account: BankAccount): PayoutAccount {
  return {
    id: account.id,
    iban: account.iban,
    bic: account.bic,
    accountName: account.accountName,
    bankName: account.bankName,
    country: account.country,
  };
}

export interface PayoutAccountOption extends PayoutAccount {
  status: string;
}

/** The client's VERIFIED accounts, newest first (the request form's choices; at most MAX_LIMIT). */
export async function verifiedPayoutAccounts(
  db: pg.Pool | pg.PoolClient,
  clientId: string,
): Promise<PayoutAccountOption[]> {
  const page = await listBankAccounts(db, { clientId, status: 'VERIFIED', limit: MAX_LIMIT });
  return page.items.map((account) => ({ ...payoutAccountOf(account), status: account.status }));
}
