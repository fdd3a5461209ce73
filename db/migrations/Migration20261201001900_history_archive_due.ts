import { Migration } from '@mikro-orm/migrations';

// Closed lifecycles whose history still has to be archived (issue 15). The closing transition writes
// its row in the transaction that records it (activities/lifecycle.ts), so a lifecycle cannot close
// without being owed an archive; the worker's archive sweeper (activities/history-archive-sweeper.ts)
// archives it once Temporal shows the run closed, then deletes the row. This replaces the
// archiveLifecycle child workflow each lifecycle used to start (workflows/archive.ts).
//
// - One row per workflow id, as workflow_history_archive keeps one history per workflow id.
// - `run_id` is the closing run; null when the transition was recorded outside a workflow (tests),
//   which archives the latest run.
// - `due_at` is when the sweeper may next try: a little after the commit (the run closes moments
//   after its closing transition), then later with each attempt that found it still running.
// - `recorded_at` never moves: the archive lag the metrics report (db/history/archive-due.ts).
//
// No question marks in this SQL: the migration runner would read them as bindings.
export class Migration20261201001900_history_archive_due extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE history_archive_due (
        workflow_id text PRIMARY KEY,
        run_id text,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        due_at timestamptz NOT NULL DEFAULT now(),
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        CONSTRAINT history_archive_due_attempts_nonnegative CHECK (attempts >= 0)
      )`);
    this.addSql(`CREATE INDEX history_archive_due_due_at_idx ON history_archive_due (due_at)`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP TABLE history_archive_due`);
  }
}
