import { Migration } from '@mikro-orm/migrations';

// A retried request records its action once (api/audit/log.ts `oncePerRequest`): the append looks
// for an earlier entry of the same request id, under the chain lock, so that lookup must be cheap.
export class Migration20261122000900_audit_request_index extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `CREATE INDEX audit_log_request_idx ON audit_log (request_id, action) WHERE request_id IS NOT NULL;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`DROP INDEX audit_log_request_idx;`);
  }
}
