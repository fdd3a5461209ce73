import { Migration } from '@mikro-orm/migrations';

// Registry accounts (issue 11):
//   registry_account  one row per account a client registered at a carbon registry (EU Union
//                     Registry, China's national registry). The API inserts it in
//                     PENDING_VERIFICATION after checking the id's shape (domain/registry-account.ts)
//                     and starts the `registry-account-<id>` workflow; that workflow's activity alone
//                     moves it to VERIFIED (the registry confirmed it; `registry_holder_name` is what
//                     the registry answered) or REJECTED. Certificate transfers use only a VERIFIED
//                     account of the same client whose registry holds the asset.
// Certificate transfers keep no table of their own: the lifecycle read model (attributes) has them,
// the ledger their holds and postings, the registry adapter its deliveries.
// No question marks in this SQL: the migration runner would read them as bindings.
export class Migration20261201000500_registry extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE registry_account (
        id uuid PRIMARY KEY,
        client_id uuid NOT NULL REFERENCES app_user (id),
        registry text NOT NULL,
        account_id text NOT NULL,
        holder_name text NOT NULL,
        status text NOT NULL DEFAULT 'PENDING_VERIFICATION',
        workflow_id text GENERATED ALWAYS AS ('registry-account-' || id::text) STORED,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        verified_at timestamptz,
        verified_by uuid REFERENCES app_user (id),
        verification_note text,
        registry_holder_name text,
        rejected_at timestamptz,
        rejected_by uuid REFERENCES app_user (id),
        rejection_reason text,
        CONSTRAINT registry_account_registry_known CHECK (registry IN ('EU', 'CN')),
        CONSTRAINT registry_account_status_known
          CHECK (status IN ('PENDING_VERIFICATION', 'VERIFIED', 'REJECTED')),
        CONSTRAINT registry_account_id_shape CHECK (
          (registry = 'EU' AND account_id ~ '^[A-Z]{2}-[0-9]{3}-[0-9]{1,10}-[0-9]-[0-9]{2}$')
          OR (registry = 'CN' AND account_id ~ '^CN-[A-Z0-9]{2,16}-[0-9]{4,12}$')),
        CONSTRAINT registry_account_holder_present CHECK (btrim(holder_name) <> '')
      )`);
    this.addSql(
      `CREATE INDEX registry_account_client_idx ON registry_account (client_id, created_at DESC, id DESC)`,
    );
    // One client registers one registry account once while the first is live.
    this.addSql(`
      CREATE UNIQUE INDEX registry_account_live_key ON registry_account (client_id, registry, account_id)
        WHERE status IN ('PENDING_VERIFICATION', 'VERIFIED')`);
  }

  override async down(): Promise<void> {
    this.addSql('DROP TABLE IF EXISTS registry_account');
  }
}
