// Bank-account side effects: the verification outcome and the removal, written to bank_account (the
// table withdrawals check). Idempotent: a retried attempt finds the row already moved and succeeds.
import { ApplicationFailure } from '@temporalio/activity';
import type pg from 'pg';
import { openWithdrawalsTo } from '../db/bank-accounts/index.js';
import { inTransaction } from '../db/pool.js';

export interface ProjectBankAccountInput {
  bankAccountId: string;
  to: 'VERIFIED' | 'REJECTED';
  actorId: string;
  /** The verification note or the rejection reason. */
  text: string | null;
  /** Workflow time of the transition. */
  at: string;
}

export interface RemoveBankAccountInput {
  bankAccountId: string;
  actorId: string;
  at: string;
}

export function createBankAccountActivities(pool: pg.Pool) {
  return {
    /** PENDING_VERIFICATION → VERIFIED | REJECTED on the row. */
    async projectBankAccount(input: ProjectBankAccountInput): Promise<void> {
      const { bankAccountId: id, to, actorId, text, at } = input;
      const updated =
        to === 'VERIFIED'
          ? await pool.query(
              `UPDATE bank_account SET status = 'VERIFIED', verified_at = $2, verified_by = $3,
                      verification_note = $4, updated_at = $2
                WHERE id = $1 AND status = 'PENDING_VERIFICATION'`,
              [id, at, actorId, text],
            )
          : await pool.query(
              `UPDATE bank_account SET status = 'REJECTED', rejected_at = $2, rejected_by = $3,
                      rejection_reason = $4, updated_at = $2
                WHERE id = $1 AND status = 'PENDING_VERIFICATION'`,
              [id, at, actorId, text],
            );
      if (updated.rowCount === 1) return;
      const { rows } = await pool.query<{ status: string }>(`SELECT status FROM bank_account WHERE id = $1`, [
        id,
      ]);
      if (rows[0]?.status === to) return; // an earlier attempt did it
      throw ApplicationFailure.nonRetryable(
        rows[0] ? `the bank account is ${rows[0].status}` : 'the bank account does not exist',
        'invalid_state',
      );
    },

    /**
     * Marks the account REMOVED unless a withdrawal to it is still in flight (refused for good:
     * `invalid_state`, which the API answers with 409). The row is locked while checking, so two
     * removals do not interleave.
     */
    async removeBankAccount(input: RemoveBankAccountInput): Promise<void> {
      await inTransaction(pool, async (client) => {
        const { rows } = await client.query<{ status: string }>(
          `SELECT status FROM bank_account WHERE id = $1 FOR UPDATE`,
          [input.bankAccountId],
        );
        const status = rows[0]?.status;
        if (status === 'REMOVED') return; // an earlier attempt did it
        if (status === undefined) {
          throw ApplicationFailure.nonRetryable('the bank account does not exist', 'invalid_state');
        }
        const open = await openWithdrawalsTo(client, input.bankAccountId);
        if (open.length > 0) {
          throw ApplicationFailure.create({
            type: 'invalid_state',
            message: `this bank account cannot be removed while a withdrawal to it is in flight (${open.length} open)`,
            nonRetryable: true,
            details: [{ status, openWithdrawals: open.map((w) => w.businessId) }],
          });
        }
        await client.query(
          `UPDATE bank_account SET status = 'REMOVED', removed_at = $2, removed_by = $3, updated_at = $2 WHERE id = $1`,
          [input.bankAccountId, input.at, input.actorId],
        );
      });
    },
  };
}

export type BankAccountActivities = ReturnType<typeof createBankAccountActivities>;
