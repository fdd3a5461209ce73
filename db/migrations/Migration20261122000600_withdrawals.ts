import { Migration } from '@mikro-orm/migrations';

// Withdrawals. The withdrawal itself lives in the lifecycle read model (type 'withdrawal', written by
// recordTransition) and its money in the ledger (a hold, then posted or voided), so it needs no table
// of its own. This migration adds:
//   task.escalated_at       set by the escalateTask activity when an approval SLA passes (the task is
//                           overdue; its priority was raised). Generic: any lifecycle may escalate.
//   simulated_bank_payout   the simulated payout bank's own ledger (activities/bank-adapter.ts
//                           SimulatedBank): one row per executed payout, unique by payout id, so a
//                           retried payout can never pay twice and a test can prove it. A real bank
//                           adapter leaves it empty.
// No question marks in this SQL: the migration runner would read them as bindings.
export class Migration20261122000600_withdrawals extends Migration {
  override async up(): Promise<void> {
    this.addSql(`ALTER TABLE task ADD COLUMN escalated_at timestamptz;`);
    this.addSql(`
      CREATE TABLE simulated_bank_payout (
        payout_id text PRIMARY KEY,
        amount_minor bigint NOT NULL,
        currency text NOT NULL,
        iban text NOT NULL,
        bic text NOT NULL,
        beneficiary_name text NOT NULL,
        bank_reference text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT simulated_bank_payout_amount_positive CHECK (amount_minor > 0),
        CONSTRAINT simulated_bank_payout_reference_key UNIQUE (bank_reference)
      );
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP TABLE IF EXISTS simulated_bank_payout;`);
    this.addSql(`ALTER TABLE task DROP COLUMN IF EXISTS escalated_at;`);
  }
}
