import { Migration } from '@mikro-orm/migrations';

// Trading (issue 10, docs/trading.md "Tables"): the instrument catalogue, the internal venue's book
// and its trades.
//   asset KRBN        the paper broker's ETF, a certificate of scale 0 like EUA and CEA.
//   instrument        one row per tradable symbol, upserted from domain/instruments.ts INSTRUMENTS
//                     (db/venue ensureInstruments). Its row lock serialises matching per instrument;
//                     last_price and sequence (book changes) move with every trade or book change.
//   venue_order       the book: every order routed to the internal venue, RESTING or DONE. It is the
//                     only copy of the book, so after a restart the book is exactly what it was.
//                     maker_fee_bps / taker_fee_bps are the order's own policy, fixed at its start.
//                     filled + remaining = quantity always; status says whether the rest is live.
//   venue_priority    time priority: a new order or a new price takes the next value.
//   trade             one row per execution, immutable except for what settlement (issue 11) sets.
// No question marks in this SQL: the migration runner would read them as bindings.
export class Migration20261201000100_trading extends Migration {
  override async up(): Promise<void> {
    this.addSql(`INSERT INTO asset (code, scale) VALUES ('KRBN', 0) ON CONFLICT (code) DO NOTHING`);
    this.addSql(`
      CREATE TABLE instrument (
        symbol text PRIMARY KEY CHECK (symbol ~ '^[A-Z0-9]{2,12}$'),
        asset text NOT NULL REFERENCES asset (code),
        quote_asset text NOT NULL REFERENCES asset (code),
        venue text NOT NULL CHECK (venue IN ('internal', 'paper')),
        tick_size bigint NOT NULL CHECK (tick_size > 0),
        lot_size bigint NOT NULL CHECK (lot_size > 0),
        reference_price bigint NOT NULL CHECK (reference_price > 0),
        price_band_pct integer NOT NULL CHECK (price_band_pct BETWEEN 1 AND 100),
        status text NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'HALTED')),
        status_reason text NULL,
        last_price bigint NULL CHECK (last_price > 0),
        sequence bigint NOT NULL DEFAULT 0 CHECK (sequence >= 0),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    this.addSql(`CREATE SEQUENCE venue_priority AS bigint`);
    this.addSql(`
      CREATE TABLE venue_order (
        order_id uuid PRIMARY KEY,
        workflow_id text NOT NULL,
        client_id uuid NOT NULL,
        symbol text NOT NULL REFERENCES instrument (symbol),
        side text NOT NULL CHECK (side IN ('BUY', 'SELL')),
        type text NOT NULL CHECK (type IN ('LIMIT', 'MARKET')),
        time_in_force text NOT NULL CHECK (time_in_force IN ('GTC', 'DAY', 'IOC', 'FOK')),
        limit_price bigint NULL CHECK (limit_price > 0),
        protection_price bigint NULL CHECK (protection_price > 0),
        quantity bigint NOT NULL CHECK (quantity > 0),
        filled bigint NOT NULL DEFAULT 0 CHECK (filled >= 0),
        remaining bigint NOT NULL CHECK (remaining >= 0),
        status text NOT NULL CHECK (status IN ('RESTING', 'DONE')),
        priority bigint NOT NULL,
        reserve_asset text NOT NULL REFERENCES asset (code),
        -- No foreign key to journal_entry: the journal must stay truncate-proof on its own (its
        -- trigger, not a reference, refuses TRUNCATE); the venue checks the hold itself.
        hold_entry_id uuid NULL,
        reserved bigint NOT NULL CHECK (reserved >= 0),
        maker_fee_bps integer NOT NULL CHECK (maker_fee_bps BETWEEN 0 AND 10000),
        taker_fee_bps integer NOT NULL CHECK (taker_fee_bps BETWEEN 0 AND 10000),
        outcome text NULL,
        cancel_reason text NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT venue_order_workflow_id_key UNIQUE (workflow_id),
        CONSTRAINT venue_order_quantities CHECK (filled + remaining = quantity),
        CONSTRAINT venue_order_limit_needed CHECK (type = 'MARKET' OR limit_price IS NOT NULL),
        -- Only a limit order with something left rests, and it always holds its reservation.
        CONSTRAINT venue_order_resting_shape CHECK (
          status <> 'RESTING' OR (remaining > 0 AND limit_price IS NOT NULL AND hold_entry_id IS NOT NULL))
      )`);
    this.addSql(`
      CREATE INDEX venue_order_book_idx ON venue_order (symbol, side, limit_price, priority)
        WHERE status = 'RESTING'`);
    this.addSql(`CREATE INDEX venue_order_client_idx ON venue_order (client_id, created_at)`);

    this.addSql(`
      CREATE TABLE trade (
        id uuid PRIMARY KEY,
        symbol text NOT NULL REFERENCES instrument (symbol),
        seq bigint NOT NULL CHECK (seq > 0),
        price bigint NOT NULL CHECK (price > 0),
        quantity bigint NOT NULL CHECK (quantity > 0),
        buy_order_id uuid NULL,
        sell_order_id uuid NULL,
        buyer_id uuid NULL,
        seller_id uuid NULL,
        aggressor_side text NOT NULL CHECK (aggressor_side IN ('BUY', 'SELL')),
        buy_fee bigint NOT NULL DEFAULT 0 CHECK (buy_fee >= 0),
        sell_fee bigint NOT NULL DEFAULT 0 CHECK (sell_fee >= 0),
        -- Each side's order totals right after this trade (null for a side without an order), so a
        -- fill can be told to its workflow again exactly as it was the first time.
        buy_filled bigint NULL,
        buy_remaining bigint NULL,
        sell_filled bigint NULL,
        sell_remaining bigint NULL,
        executed_at timestamptz NOT NULL DEFAULT now(),
        settlement_id uuid NULL,
        settlement_status text NOT NULL DEFAULT 'UNSETTLED',
        CONSTRAINT trade_symbol_seq_key UNIQUE (symbol, seq),
        CONSTRAINT trade_has_a_side CHECK (buy_order_id IS NOT NULL OR sell_order_id IS NOT NULL)
      )`);
    this.addSql(`CREATE INDEX trade_symbol_time_idx ON trade (symbol, executed_at, seq)`);
    this.addSql(`CREATE INDEX trade_buyer_idx ON trade (buyer_id, executed_at) WHERE buyer_id IS NOT NULL`);
    this.addSql(
      `CREATE INDEX trade_seller_idx ON trade (seller_id, executed_at) WHERE seller_id IS NOT NULL`,
    );
    this.addSql(`CREATE INDEX trade_buy_order_idx ON trade (buy_order_id) WHERE buy_order_id IS NOT NULL`);
    this.addSql(`CREATE INDEX trade_sell_order_idx ON trade (sell_order_id) WHERE sell_order_id IS NOT NULL`);

    // A trade is history: only settlement's two columns may change, nothing may be deleted.
    this.addSql(`
      CREATE FUNCTION trade_immutable() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        IF TG_OP = 'UPDATE'
           AND (to_jsonb(NEW) - 'settlement_id' - 'settlement_status')
             = (to_jsonb(OLD) - 'settlement_id' - 'settlement_status') THEN
          RETURN NEW;
        END IF;
        RAISE EXCEPTION 'trade is immutable: % on % is not allowed', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'restrict_violation';
      END
      $fn$`);
    this.addSql(`
      CREATE TRIGGER trade_immutable BEFORE UPDATE OR DELETE ON trade
      FOR EACH ROW EXECUTE FUNCTION trade_immutable()`);
    this.addSql(`
      CREATE TRIGGER trade_no_truncate BEFORE TRUNCATE ON trade
      FOR EACH STATEMENT EXECUTE FUNCTION trade_immutable()`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP TABLE IF EXISTS trade`);
    this.addSql(`DROP FUNCTION IF EXISTS trade_immutable()`);
    this.addSql(`DROP TABLE IF EXISTS venue_order`);
    this.addSql(`DROP SEQUENCE IF EXISTS venue_priority`);
    this.addSql(`DROP TABLE IF EXISTS instrument`);
    this.addSql(`DELETE FROM asset WHERE code = 'KRBN'`);
  }
}
