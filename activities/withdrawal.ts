// Withdrawal side effects: reserving the funds (a ledger hold, after checking that the client may
// withdraw to that account), paying out through the bank adapter, and resolving the hold (posted on
// payout, voided on every other ending). Ledger idempotency keys are `<workflowId>/<step>`, taken
// from the activity's own context; the payout id is derived from the withdrawal. A retry therefore
// never reserves, pays or books twice.
import { Context } from '@temporalio/activity';
import type pg from 'pg';
import { getBankAccount } from '../db/bank-accounts/index.js';
import { payoutAccountOf } from '../db/withdrawals/payout-accounts.js';
import { withdrawalPreconditions } from '../db/withdrawals/preconditions.js';
import { parseAmount, type AssetCode } from '../domain/money.js';
import { withdrawalHold, withdrawalPost, withdrawalVoid } from '../domain/postings.js';
import type { PayoutAccount } from '../domain/withdrawal.js';
import {
  businessRefusal as refusal,
  ledgerRefusal,
  workflowExecution as execution,
} from './workflow-context.js';
import { heldLedger } from './held-transfer.js';
import { BankError, type BankAdapter, type PayoutRequest, type PayoutResult } from './bank-adapter.js';

export interface ReserveWithdrawalInput {
  clientId: string;
  currency: AssetCode;
  /** Decimal string in asset units. */
  amount: string;
  bankAccountId: string;
}

export interface ReserveWithdrawalResult {
  holdEntryId: string;
  idempotencyKey: string;
  /** The account as verified now: where the payout will go. */
  bankAccount: PayoutAccount;
}

export interface ResolveWithdrawalHoldInput {
  holdEntryId: string;
  /** Why the hold is voided (kept in the entry's description). */
  reason?: string;
}

export interface WithdrawalActivityHooks {
  /** Called after the bank answered (before the activity returns); tests throw to simulate a crash. */
  afterPayout?: (event: { payoutId: string; attempt: number }) => void | Promise<void>;
}

export interface WithdrawalActivityDeps {
  pool: pg.Pool;
  bank: BankAdapter;
  hooks?: WithdrawalActivityHooks;
}

export function createWithdrawalActivities(deps: WithdrawalActivityDeps) {
  const { pool, bank } = deps;
  const ledger = heldLedger(pool, ledgerRefusal);

  return {
    /**
     * Checks the client may withdraw (db/withdrawals/preconditions.ts: KYC approved, the account is
     * theirs and verified, the funds available) and places the hold: Dr client available, Cr
     * bank:omnibus, pending. The ledger locks the client's account, so concurrent requests can never
     * reserve more than is available (insufficient_funds). Once the hold exists a retry returns it
     * without checking again.
     */
    async reserveWithdrawal(input: ReserveWithdrawalInput): Promise<ReserveWithdrawalResult> {
      const idempotencyKey = `${execution().workflowId}/hold`;
      const held = await ledger.existingHold();
      const heldAccount = held ? await getBankAccount(pool, input.bankAccountId) : null;
      if (held && heldAccount) {
        return { holdEntryId: held.id, idempotencyKey, bankAccount: payoutAccountOf(heldAccount) };
      }

      const amount = parseAmount(input.currency, input.amount);
      const checked = await withdrawalPreconditions(pool, {
        clientId: input.clientId,
        bankAccountId: input.bankAccountId,
        funds: { currency: input.currency, amountMinor: amount },
      });
      if (!checked.ok) {
        const { code, message, details } = checked.refusal;
        // Not the client's account: the workflow's decline says unverified (it tells nobody else).
        const type = code === 'bank_account_not_found' ? 'bank_account_unverified' : code;
        throw refusal(type, message, details ?? undefined);
      }
      const entry = await ledger.hold(
        input.clientId,
        input.currency,
        withdrawalHold(input.clientId, input.currency, amount),
      );
      return { holdEntryId: entry.id, idempotencyKey, bankAccount: checked.account };
    },

    /** The bank paid: the reserved amount leaves the books (pending → posted). */
    async postWithdrawalHold(input: ResolveWithdrawalHoldInput): Promise<{ entryId: string }> {
      return ledger.post(input.holdEntryId, withdrawalPost());
    },

    /** Rejected, cancelled or failed: the reservation is released to the client's available balance. */
    async voidWithdrawalHold(input: ResolveWithdrawalHoldInput): Promise<{ entryId: string }> {
      return ledger.void(input.holdEntryId, withdrawalVoid(input.reason ?? 'released'));
    },

    /**
     * Pays through the bank. A definitive refusal (account closed, ...) is a non-retryable failure
     * whose type is the bank's code; anything else (timeouts, the bank down) is retried with the
     * same payout id, which the bank executes at most once.
     */
    async payWithdrawal(request: PayoutRequest): Promise<PayoutResult> {
      const run = execution();
      let result: PayoutResult;
      // Heartbeats while the bank answers: a worker that dies mid-payout is noticed within the
      // workflow's heartbeat timeout (seconds), not the payout's whole attempt timeout.
      const context = Context.current();
      context.heartbeat();
      const beating = setInterval(() => context.heartbeat(), PAYOUT_HEARTBEAT_MS);
      try {
        result = await bank.payout(request);
      } catch (error) {
        if (error instanceof BankError && error.definitive) {
          throw refusal(error.code, error.message, { payoutId: request.payoutId });
        }
        throw error;
      } finally {
        clearInterval(beating);
      }
      await deps.hooks?.afterPayout?.({ payoutId: request.payoutId, attempt: run.attempt });
      return result;
    },
  };
}

export type WithdrawalActivities = ReturnType<typeof createWithdrawalActivities>;

/** How often a payout in progress says it is alive (the workflow's heartbeat timeout is 5 s). */
const PAYOUT_HEARTBEAT_MS = 1_000;
