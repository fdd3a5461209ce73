import { Migration } from '@mikro-orm/migrations';

// Administration: invitations and password resets, TOTP two-factor, and versioned policies.
//
// - app_user.password_set_at: null while an invited user has not chosen a password yet (they cannot
//   sign in: their stored hash is not a scrypt hash). Existing rows get now().
// - user_token: single-use links (invitation, password reset), stored as SHA-256 hashes only.
// - user_totp / user_recovery_code: the TOTP secret of a staff member (enabled once a first code
//   was confirmed) and their one-time recovery codes (hashed). last_step refuses a code twice.
// - policy_version: every version of every policy, append-only (a trigger refuses UPDATE and
//   DELETE); the current one is the highest version. policy_change: a change of a money-moving
//   threshold waits here for a second admin.
//
// No question marks in this SQL: the migration runner would read them as bindings.
export class Migration20261201000800_admin extends Migration {
  override async up(): Promise<void> {
    this.addSql(`ALTER TABLE app_user ADD COLUMN password_set_at timestamptz DEFAULT now();`);
    this.addSql(`
      CREATE TABLE user_token (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
        purpose text NOT NULL,
        token_hash text NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        created_by uuid REFERENCES app_user (id),
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT user_token_purpose_known CHECK (purpose IN ('invitation', 'password_reset'))
      );
    `);
    this.addSql(`CREATE UNIQUE INDEX user_token_hash_key ON user_token (token_hash);`);
    this.addSql(`CREATE INDEX user_token_user_idx ON user_token (user_id, purpose);`);

    this.addSql(`
      CREATE TABLE user_totp (
        user_id uuid PRIMARY KEY REFERENCES app_user (id) ON DELETE CASCADE,
        secret text NOT NULL,
        enabled_at timestamptz,
        last_step bigint,
        created_at timestamptz NOT NULL DEFAULT now()
      );
    `);
    this.addSql(`
      CREATE TABLE user_recovery_code (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
        code_hash text NOT NULL,
        used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      );
    `);
    this.addSql(`CREATE INDEX user_recovery_code_user_idx ON user_recovery_code (user_id);`);

    this.addSql(`
      CREATE TABLE policy_version (
        name text NOT NULL,
        version integer NOT NULL,
        document jsonb NOT NULL,
        reason text NOT NULL DEFAULT '',
        created_by uuid REFERENCES app_user (id),
        approved_by uuid REFERENCES app_user (id),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (name, version),
        CONSTRAINT policy_version_positive CHECK (version >= 1)
      );
    `);
    this.addSql(`
      CREATE FUNCTION policy_version_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        RAISE EXCEPTION 'policy_version is append-only';
      END;
      $fn$;
    `);
    this.addSql(`
      CREATE TRIGGER policy_version_no_change BEFORE UPDATE OR DELETE ON policy_version
        FOR EACH ROW EXECUTE FUNCTION policy_version_append_only();
    `);
    this.addSql(`
      CREATE TABLE policy_change (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        base_version integer NOT NULL,
        document jsonb NOT NULL,
        reason text NOT NULL DEFAULT '',
        status text NOT NULL DEFAULT 'PENDING',
        requested_by uuid NOT NULL REFERENCES app_user (id),
        requested_at timestamptz NOT NULL DEFAULT now(),
        decided_by uuid REFERENCES app_user (id),
        decided_at timestamptz,
        applied_version integer,
        CONSTRAINT policy_change_status_known CHECK (status IN ('PENDING', 'APPROVED', 'REJECTED', 'SUPERSEDED'))
      );
    `);
    this.addSql(`CREATE INDEX policy_change_pending_idx ON policy_change (name) WHERE status = 'PENDING';`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP TABLE IF EXISTS policy_change;`);
    this.addSql(`DROP TRIGGER IF EXISTS policy_version_no_change ON policy_version;`);
    this.addSql(`DROP FUNCTION IF EXISTS policy_version_append_only();`);
    this.addSql(`DROP TABLE IF EXISTS policy_version;`);
    this.addSql(`DROP TABLE IF EXISTS user_recovery_code;`);
    this.addSql(`DROP TABLE IF EXISTS user_totp;`);
    this.addSql(`DROP TABLE IF EXISTS user_token;`);
    this.addSql(`ALTER TABLE app_user DROP COLUMN IF EXISTS password_set_at;`);
  }
}
