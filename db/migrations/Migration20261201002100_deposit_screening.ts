import { Migration } from '@mikro-orm/migrations';

// The AML screening a deposit's confirmation used, kept by the local activity that screened it
// (activities/deposit.ts screenDepositOnce). A local activity runs again when its workflow task is
// retried after a worker died, and a screening run again may decide otherwise (the velocity window
// moves): the first committed screening of an attempt is the one every re-run answers with, so the
// status the transition records never depends on which run got there.
//
// - `attempt` counts the deposit's screenings (a confirmation refused with its posting leaves the
//   deposit PENDING; the next one screens again, as attempt + 1).
// - Never updated: a row is written once and read back.
export class Migration20261201002100_deposit_screening extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE deposit_screening (
        workflow_id text NOT NULL,
        attempt integer NOT NULL,
        result jsonb NOT NULL,
        screened_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (workflow_id, attempt),
        CONSTRAINT deposit_screening_attempt_positive CHECK (attempt > 0)
      )`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP TABLE deposit_screening`);
  }
}
