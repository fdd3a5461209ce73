import { Migration } from '@mikro-orm/migrations';

// The paper broker's own book (activities/broker-adapter.ts PaperBroker): one row per order it was
// given, keyed by the broker order id the order workflow derives from itself
// (`<workflowId>/broker`), so a retried placeOrder finds its order instead of placing a second one.
// Executions are not stored: they follow deterministically from the row (quantity split into
// `parts` equal-ish executions, one every `latency_ms` after `accepted_at`, at `fill_price`), cut
// off at `cancelled_at`. A real broker adapter leaves the table empty.
// No question marks in this SQL: the migration runner would read them as bindings.
export class Migration20261201000200_paper_broker extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE paper_broker_order (
        broker_order_id text PRIMARY KEY,
        symbol text NOT NULL,
        side text NOT NULL,
        type text NOT NULL,
        quantity bigint NOT NULL,
        limit_price bigint,
        fill_price bigint,
        parts int NOT NULL,
        latency_ms int NOT NULL,
        status text NOT NULL,
        reject_reason text,
        accepted_at timestamptz NOT NULL DEFAULT now(),
        cancelled_at timestamptz,
        CONSTRAINT paper_broker_order_side CHECK (side IN ('BUY', 'SELL')),
        CONSTRAINT paper_broker_order_type CHECK (type IN ('LIMIT', 'MARKET')),
        CONSTRAINT paper_broker_order_status CHECK (status IN ('ACCEPTED', 'REJECTED')),
        CONSTRAINT paper_broker_order_quantity_positive CHECK (quantity > 0),
        CONSTRAINT paper_broker_order_parts CHECK (parts BETWEEN 1 AND 3 AND parts <= quantity),
        CONSTRAINT paper_broker_order_accepted_priced CHECK (status <> 'ACCEPTED' OR fill_price > 0)
      );
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP TABLE IF EXISTS paper_broker_order;`);
  }
}
