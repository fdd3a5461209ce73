import { Migration } from '@mikro-orm/migrations';

// Settlement (issue 11):
//   settlement_batch             one row per batch (workflows/settlement-batch.ts); `cutoff` is unique,
//                                so a batch never runs twice for one cutoff
//   settlement_batch_total       per batch and asset: gross traded, net moved after netting
//   client_settlement            one row per batch and client (workflows/client-settlement.ts); `seq`
//                                numbers them within the batch so the batch starts them in pages
//   client_settlement_leg        per client settlement and asset: the net obligation with the venue
//                                (`net_amount`, positive = RECEIVE) and what moves from
//                                pending_settlement to available on delivery (`release_amount`)
//   simulated_registry_transfer  the simulated registry's own books (activities/registry-adapter.ts),
//                                keyed by the caller's transfer id: the proof of exactly-once delivery
// Trades are claimed by a batch by setting trade.settlement_id to the batch id, in one statement
// (`WHERE settlement_id IS NULL`), so two batches racing never share a trade.
// No question marks in this SQL: the migration runner would read them as bindings.
export class Migration20261201000400_settlement extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE settlement_batch (
        id uuid PRIMARY KEY,
        workflow_id text NOT NULL UNIQUE,
        cutoff timestamptz NOT NULL,
        origin text NOT NULL,
        status text NOT NULL,
        trade_count int NOT NULL DEFAULT 0,
        settlement_count int NOT NULL DEFAULT 0,
        started_count int NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        CONSTRAINT settlement_batch_cutoff_key UNIQUE (cutoff),
        CONSTRAINT settlement_batch_origin CHECK (origin IN ('schedule', 'manual')),
        CONSTRAINT settlement_batch_counts CHECK (
          trade_count >= 0 AND settlement_count >= 0 AND started_count BETWEEN 0 AND settlement_count)
      )`);
    this.addSql(`
      CREATE TABLE settlement_batch_total (
        batch_id uuid NOT NULL REFERENCES settlement_batch (id),
        asset text NOT NULL REFERENCES asset (code),
        gross bigint NOT NULL CHECK (gross >= 0),
        net bigint NOT NULL CHECK (net >= 0),
        PRIMARY KEY (batch_id, asset)
      )`);
    this.addSql(`
      CREATE TABLE client_settlement (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        batch_id uuid NOT NULL REFERENCES settlement_batch (id),
        client_id uuid NOT NULL,
        seq int NOT NULL CHECK (seq >= 1),
        workflow_id text NOT NULL UNIQUE,
        trade_count int NOT NULL CHECK (trade_count >= 1),
        status text NOT NULL DEFAULT 'INITIATED',
        delivered_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT client_settlement_batch_client_key UNIQUE (batch_id, client_id),
        CONSTRAINT client_settlement_batch_seq_key UNIQUE (batch_id, seq)
      )`);
    this.addSql(`CREATE INDEX client_settlement_client_idx ON client_settlement (client_id, batch_id)`);
    this.addSql(`CREATE INDEX client_settlement_status_idx ON client_settlement (batch_id, status)`);
    this.addSql(`
      CREATE TABLE client_settlement_leg (
        settlement_id uuid NOT NULL REFERENCES client_settlement (id),
        asset text NOT NULL REFERENCES asset (code),
        net_amount bigint NOT NULL,
        release_amount bigint NOT NULL CHECK (release_amount >= 0),
        PRIMARY KEY (settlement_id, asset)
      )`);
    // The batch's own reads of its trades, and the claim's scan of what is still unsettled.
    this.addSql(`CREATE INDEX trade_settlement_idx ON trade (settlement_id) WHERE settlement_id IS NOT NULL`);
    this.addSql(`CREATE INDEX trade_unsettled_idx ON trade (executed_at) WHERE settlement_id IS NULL`);

    this.addSql(`
      CREATE TABLE simulated_registry_transfer (
        transfer_id text PRIMARY KEY,
        registry text NOT NULL,
        asset text NOT NULL,
        quantity bigint NOT NULL,
        from_account text NOT NULL,
        to_account text NOT NULL,
        status text NOT NULL,
        registry_reference text,
        reason text,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT simulated_registry_transfer_registry CHECK (registry IN ('EU', 'CN')),
        CONSTRAINT simulated_registry_transfer_quantity CHECK (quantity > 0),
        CONSTRAINT simulated_registry_transfer_status CHECK (status IN ('DELIVERED', 'REJECTED')),
        CONSTRAINT simulated_registry_transfer_reference CHECK (
          (status = 'DELIVERED') = (registry_reference IS NOT NULL))
      )`);
    this.addSql(
      `CREATE INDEX simulated_registry_transfer_registry_idx ON simulated_registry_transfer (registry, status)`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`DROP TABLE IF EXISTS simulated_registry_transfer`);
    this.addSql(`DROP INDEX IF EXISTS trade_unsettled_idx`);
    this.addSql(`DROP INDEX IF EXISTS trade_settlement_idx`);
    this.addSql(`DROP TABLE IF EXISTS client_settlement_leg`);
    this.addSql(`DROP TABLE IF EXISTS client_settlement`);
    this.addSql(`DROP TABLE IF EXISTS settlement_batch_total`);
    this.addSql(`DROP TABLE IF EXISTS settlement_batch`);
  }
}
