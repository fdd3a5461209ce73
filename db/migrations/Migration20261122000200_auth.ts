import { Migration } from '@mikro-orm/migrations';

// People and sessions: users with one role each, rotating refresh tokens grouped in families,
// stored answers for Idempotency-Key, and failed logins for throttling.
// (No question marks in this SQL: knex would read them as bindings.)
export class Migration20261122000200_auth extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE app_user (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL,
        password_hash text NOT NULL,
        role text NOT NULL,
        display_name text NOT NULL DEFAULT '',
        disabled boolean NOT NULL DEFAULT false,
        kyc_status text NOT NULL DEFAULT 'NOT_STARTED',
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT app_user_email_lowercase CHECK (email = lower(btrim(email)) AND email <> ''),
        CONSTRAINT app_user_role_known CHECK (role IN ('client', 'operations', 'aml_officer', 'auditor', 'admin'))
      );
    `);
    this.addSql(`CREATE UNIQUE INDEX app_user_email_key ON app_user (email);`);
    this.addSql(`CREATE INDEX app_user_role_idx ON app_user (role);`);

    this.addSql(`
      CREATE TABLE refresh_token (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
        family_id uuid NOT NULL,
        token_hash text NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      );
    `);
    this.addSql(`CREATE UNIQUE INDEX refresh_token_hash_key ON refresh_token (token_hash);`);
    this.addSql(`CREATE INDEX refresh_token_family_idx ON refresh_token (family_id);`);
    this.addSql(`CREATE INDEX refresh_token_user_idx ON refresh_token (user_id);`);

    this.addSql(`
      CREATE TABLE idempotency_record (
        user_id uuid NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
        key text NOT NULL,
        method text NOT NULL,
        path text NOT NULL,
        request_hash text NOT NULL,
        status_code integer,
        response_body jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        PRIMARY KEY (user_id, key),
        CONSTRAINT idempotency_record_key_length CHECK (char_length(key) BETWEEN 1 AND 200),
        CONSTRAINT idempotency_record_completed CHECK ((status_code IS NULL) = (completed_at IS NULL))
      );
    `);
    this.addSql(`CREATE INDEX idempotency_record_created_idx ON idempotency_record (created_at);`);

    this.addSql(`
      CREATE TABLE login_failure (
        id bigserial PRIMARY KEY,
        email text NOT NULL,
        ip text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
    `);
    this.addSql(`CREATE INDEX login_failure_lookup_idx ON login_failure (email, ip, created_at);`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP TABLE IF EXISTS login_failure;`);
    this.addSql(`DROP TABLE IF EXISTS idempotency_record;`);
    this.addSql(`DROP TABLE IF EXISTS refresh_token;`);
    this.addSql(`DROP TABLE IF EXISTS app_user;`);
  }
}
