import { Migration } from '@mikro-orm/migrations';

// Workflow histories kept beyond Temporal's retention (activities/history-archive.ts writes them;
// api/services/audit-workflows.ts reads them when Temporal has forgotten a workflow).
//
// - One row per workflow id: the history of its closed run, in the JSON format
//   `temporal workflow show --output json` prints (proto3 JSON of temporal.api.history.v1.History).
// - `sha256` is the hex sha256 of the history's canonical JSON (keys sorted, no whitespace; see
//   db/history/format.ts historySha256), so a downloaded history — from the API, the export or the
//   CLI — can be checked against the archive whatever its formatting or key order.
// - Evidence does not change: the history of a run is never updated (a later run of the same
//   workflow id, e.g. after a reset, may replace it) and rows are never deleted.
//
// No question marks in this SQL: the migration runner would read them as bindings.
export class Migration20261122000700_history_archive extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE workflow_history_archive (
        workflow_id text PRIMARY KEY,
        run_id text NOT NULL,
        type text NOT NULL,
        closed_at timestamptz NOT NULL,
        event_count integer NOT NULL,
        sha256 text NOT NULL,
        history jsonb NOT NULL,
        archived_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT workflow_history_archive_sha256_format CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        CONSTRAINT workflow_history_archive_event_count_positive CHECK (event_count >= 1),
        CONSTRAINT workflow_history_archive_events_array CHECK (jsonb_typeof(history -> 'events') = 'array'),
        CONSTRAINT workflow_history_archive_event_count_matches CHECK (jsonb_array_length(history -> 'events') = event_count)
      )`);
    // The replay CLI's "--type deposit --since ..." over workflows Temporal no longer has.
    this.addSql(
      `CREATE INDEX workflow_history_archive_type_closed_idx ON workflow_history_archive (type, closed_at DESC)`,
    );

    this.addSql(`
      CREATE FUNCTION workflow_history_archive_immutable() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        IF TG_OP = 'UPDATE' AND NEW.run_id IS DISTINCT FROM OLD.run_id AND NEW.closed_at >= OLD.closed_at THEN
          RETURN NEW;
        END IF;
        RAISE EXCEPTION 'archived workflow histories are immutable: % on % is not allowed', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'restrict_violation';
      END
      $fn$`);
    this.addSql(`
      CREATE TRIGGER workflow_history_archive_immutable BEFORE UPDATE OR DELETE ON workflow_history_archive
      FOR EACH ROW EXECUTE FUNCTION workflow_history_archive_immutable()`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP TABLE IF EXISTS workflow_history_archive`);
    this.addSql(`DROP FUNCTION IF EXISTS workflow_history_archive_immutable()`);
  }
}
