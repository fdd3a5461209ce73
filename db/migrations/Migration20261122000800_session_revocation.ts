import { Migration } from '@mikro-orm/migrations';

// Sessions that end where the account changes, and the index the per-IP sign-in throttle reads.
//
// - Disabling a user revokes every refresh-token family of theirs, whoever flips the flag (an
//   admin's SQL, a script, a future admin API). Access tokens die with their family on the next
//   request (api/auth/live-session.ts), and re-enabling the account does not bring an old session
//   back: its holder signs in again.
// - A role change needs nothing here: every request reads the role from app_user and refuses a
//   token that claims another one (a page session then refreshes with the current role).
// - login_failure is also counted per IP (api/auth/service.ts), so it gets an (ip, created_at) index.
//
// No question marks in this SQL: the migration runner would read them as bindings.
export class Migration20261122000800_session_revocation extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE FUNCTION app_user_end_sessions() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        UPDATE refresh_token SET revoked_at = now() WHERE user_id = NEW.id AND revoked_at IS NULL;
        RETURN NULL;
      END;
      $fn$;
    `);
    this.addSql(`
      CREATE TRIGGER app_user_disabled_ends_sessions
        AFTER UPDATE OF disabled ON app_user
        FOR EACH ROW WHEN (NEW.disabled AND NOT OLD.disabled)
        EXECUTE FUNCTION app_user_end_sessions();
    `);
    this.addSql(`CREATE INDEX login_failure_ip_idx ON login_failure (ip, created_at);`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP INDEX IF EXISTS login_failure_ip_idx;`);
    this.addSql(`DROP TRIGGER IF EXISTS app_user_disabled_ends_sessions ON app_user;`);
    this.addSql(`DROP FUNCTION IF EXISTS app_user_end_sessions();`);
  }
}
