import { Migration } from '@mikro-orm/migrations';

// The tamper-evident audit log of human actions (sign-ins, staff decisions, client cancellations).
// Written only by api/audit/log.ts recordAudit; checked by verifyAuditLog / `npm run audit:verify`.
//
// - Append-only: triggers reject UPDATE, DELETE and TRUNCATE ('audit log is append-only').
// - A hash chain: `hash` = sha256(prev_hash || canonical JSON of every other column), `prev_hash` =
//   the previous row's `hash` (NULL for the first row). Editing a row with the triggers disabled
//   breaks its hash; deleting or reordering rows breaks the links (see db/audit/hash.ts).
// - `seq` is gapless (1, 2, 3, ...) and assigned by the writer as head + 1 while holding the chain
//   lock. The insert trigger below also insists that a new row extends the current head (its seq
//   follows the previous row's and its prev_hash is that row's hash); with the UNIQUE on seq, two
//   writers can never fork the chain, even one that forgot to take the lock.
// - `at` is set by the application with millisecond precision (the CHECK keeps it so), so the
//   timestamp that was hashed is exactly the one stored.
//
// No question marks in this SQL: the migration runner would read them as bindings.
export class Migration20261122000400_audit_log extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE audit_log (
        id uuid PRIMARY KEY,
        seq bigint NOT NULL,
        at timestamptz NOT NULL,
        actor_id uuid NULL,
        actor_role text NULL,
        actor_email text NULL,
        action text NOT NULL,
        subject_type text NULL,
        subject_id text NULL,
        before jsonb NULL,
        after jsonb NULL,
        request_id text NULL,
        ip text NULL,
        user_agent text NULL,
        prev_hash text NULL,
        hash text NOT NULL,
        CONSTRAINT audit_log_seq_key UNIQUE (seq),
        CONSTRAINT audit_log_seq_positive CHECK (seq >= 1),
        CONSTRAINT audit_log_at_milliseconds CHECK (at = date_trunc('milliseconds', at)),
        CONSTRAINT audit_log_action_format
          CHECK (action ~ '^[a-z][a-z0-9_]*([.][a-z][a-z0-9_]*)+$' AND length(action) <= 100),
        CONSTRAINT audit_log_actor_pair CHECK ((actor_id IS NULL) = (actor_role IS NULL)),
        CONSTRAINT audit_log_subject_pair CHECK ((subject_type IS NULL) = (subject_id IS NULL)),
        CONSTRAINT audit_log_hash_format CHECK (hash ~ '^[0-9a-f]{64}$'),
        CONSTRAINT audit_log_prev_hash_format CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
        CONSTRAINT audit_log_first_has_no_prev CHECK ((seq = 1) = (prev_hash IS NULL))
      )`);
    // Filters of GET /audit/log, each newest first.
    this.addSql(
      `CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, seq DESC) WHERE actor_id IS NOT NULL`,
    );
    this.addSql(`CREATE INDEX audit_log_action_idx ON audit_log (action, seq DESC)`);
    this.addSql(
      `CREATE INDEX audit_log_subject_idx ON audit_log (subject_id, seq DESC) WHERE subject_id IS NOT NULL`,
    );

    this.addSql(`
      CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        RAISE EXCEPTION 'audit log is append-only: % on % is not allowed', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'restrict_violation';
      END
      $fn$`);
    this.addSql(`
      CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`);
    this.addSql(`
      CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()`);

    // A new row must extend the head of the chain: no gaps, no forks.
    this.addSql(`
      CREATE FUNCTION audit_log_extends_head() RETURNS trigger LANGUAGE plpgsql AS $fn$
      DECLARE
        previous text;
      BEGIN
        IF NEW.seq = 1 THEN
          RETURN NEW;
        END IF;
        SELECT a.hash INTO previous FROM audit_log a WHERE a.seq = NEW.seq - 1;
        IF NOT FOUND OR previous IS DISTINCT FROM NEW.prev_hash THEN
          RAISE EXCEPTION 'audit log entry % does not extend the chain head', NEW.seq
            USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
      END
      $fn$`);
    this.addSql(`
      CREATE TRIGGER audit_log_extends_head BEFORE INSERT ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_extends_head()`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP TABLE IF EXISTS audit_log`);
    this.addSql(`DROP FUNCTION IF EXISTS audit_log_extends_head()`);
    this.addSql(`DROP FUNCTION IF EXISTS audit_log_append_only()`);
  }
}
