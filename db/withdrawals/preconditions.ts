// What a client must have before a withdrawal can be reserved, in one place: an approved KYC, a bank
// account that is theirs and VERIFIED, and (when asked) the available cash. The reserve activity
// (activities/withdrawal.ts) decides with it; the API asks it for the early answer. Under
// concurrency the ledger hold has the last word on the funds: it locks the client's account.
import type pg from 'pg';
import { formatAmount, type AssetCode } from '../../domain/money.js';
import type { PayoutAccount } from '../../domain/withdrawal.js';
import { getBankAccount } from '../bank-accounts/index.js';
import { clientKycStatus } from '../kyc/index.js';
import { getClientBalances } from '../ledger/index.js';
import { payoutAccountOf } from './payout-accounts.js';

export interface WithdrawalPreconditionsInput {
  clientId: string;
  bankAccountId: string;
  /** Checked when given: the client's available cash in `currency` covers `amountMinor`. */
  funds?: { currency: AssetCode; amountMinor: bigint };
}

export type WithdrawalPreconditionRefusal =
  | { code: 'kyc_required'; message: string; details: { kycStatus: string } }
  /** No such account, or another client's: callers outside the workflow must not tell which. */
  | { code: 'bank_account_not_found'; message: string; details: null }
  | { code: 'bank_account_unverified'; message: string; details: { status: string } }
  | { code: 'insufficient_funds'; message: string; details: { available: string; requested: string } };

export type WithdrawalPreconditions =
  { ok: true; account: PayoutAccount } | { ok: false; refusal: WithdrawalPreconditionRefusal };

/** KYC → the account → the funds: the first unmet precondition, or the account to pay out to. */
export async function withdrawalPreconditions(
  pool: pg.Pool,
  input: WithdrawalPreconditionsInput,
): Promise<WithdrawalPreconditions> {
  const kycStatus = (await clientKycStatus(pool, input.clientId)) ?? 'NOT_STARTED';
  if (kycStatus !== 'APPROVED') {
    return refused({
      code: 'kyc_required',
      message: `the KYC review is ${kycStatus}, not approved`,
      details: { kycStatus },
    });
  }
  const account = await getBankAccount(pool, input.bankAccountId);
  if (!account || account.clientId !== input.clientId) {
    return refused({
      code: 'bank_account_not_found',
      message: 'this bank account is not one of the client’s accounts',
      details: null,
    });
  }
  if (account.status !== 'VERIFIED') {
    return refused({
      code: 'bank_account_unverified',
      message: `the bank account is ${account.status.replaceAll('_', ' ').toLowerCase()}, not verified`,
      details: { status: account.status },
    });
  }
  if (input.funds) {
    const { currency, amountMinor } = input.funds;
    const balances = await getClientBalances(pool, input.clientId);
    const availableMinor = balances.find((b) => b.asset === currency)?.available ?? 0n;
    if (availableMinor < amountMinor) {
      const available = formatAmount(currency, availableMinor);
      const requested = formatAmount(currency, amountMinor);
      return refused({
        code: 'insufficient_funds',
        message: `${available} ${currency} available, ${requested} ${currency} requested`,
        details: { available, requested },
      });
    }
  }
  return { ok: true, account: payoutAccountOf(account) };
}

const refused = (refusal: WithdrawalPreconditionRefusal): WithdrawalPreconditions => ({ ok: false, refusal });
