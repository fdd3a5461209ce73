import { Migration } from '@mikro-orm/migrations';

// API keys and market makers' quotes.
//
// - api_key: a key authenticates as its owner within its scopes. Only the SHA-256 of the key is
//   stored (the key is 256 random bits, so a fast hash is enough: nobody can guess their way to a
//   preimage, and a lookup by hash is one index probe); `prefix` is the key's first characters,
//   kept in clear so a person can recognise a key in a list. Keys are never deleted: a revoked key
//   keeps its row (revoked_at) for the audit trail. rate_limit_per_minute is the key's own limit.
// - quote_order: every order a PUT /quotes/:symbol placed, written before the order is placed, so
//   the next PUT can cancel it even when the previous one died half-way. `replaced_at` is set once
//   a later PUT took it off the book (or found it already done).
// - quote_slot: one row per (owner, symbol); a PUT holds its row lock while it replaces the pair,
//   so two PUTs of one caller on one symbol take turns.
//   Neither table has a foreign key to instrument on purpose: inserting the slot row would take a
//   KEY SHARE lock on the instrument row for the whole PUT, and the venue locks that row FOR UPDATE
//   to match — the PUT would wait for its own orders. The symbol is checked by the API instead.
//
// No question marks in this SQL: the migration runner would read them as bindings.
export class Migration20261201000900_api_keys extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE api_key (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        owner_id uuid NOT NULL REFERENCES app_user (id),
        name text NOT NULL,
        prefix text NOT NULL,
        key_hash text NOT NULL,
        scopes text[] NOT NULL,
        rate_limit_per_minute integer NOT NULL DEFAULT 600,
        created_by uuid REFERENCES app_user (id),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        last_used_at timestamptz,
        revoked_at timestamptz,
        revoked_by uuid REFERENCES app_user (id),
        CONSTRAINT api_key_name_length CHECK (char_length(name) BETWEEN 1 AND 100),
        CONSTRAINT api_key_rate_limit_range CHECK (rate_limit_per_minute BETWEEN 1 AND 100000),
        CONSTRAINT api_key_hash_shape CHECK (key_hash ~ '^[0-9a-f]{64}$'),
        CONSTRAINT api_key_scopes_known CHECK (
          cardinality(scopes) >= 1 AND scopes <@ ARRAY['orders:read', 'orders:write', 'market:read']::text[]
        )
      );
    `);
    this.addSql(`CREATE UNIQUE INDEX api_key_hash_key ON api_key (key_hash);`);
    this.addSql(`CREATE INDEX api_key_owner_idx ON api_key (owner_id, created_at DESC);`);

    this.addSql(`
      CREATE TABLE quote_slot (
        owner_id uuid NOT NULL REFERENCES app_user (id),
        symbol text NOT NULL,
        replaced_count bigint NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (owner_id, symbol)
      );
    `);
    this.addSql(`
      CREATE TABLE quote_order (
        order_id uuid PRIMARY KEY,
        owner_id uuid NOT NULL REFERENCES app_user (id),
        symbol text NOT NULL,
        side text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        replaced_at timestamptz,
        CONSTRAINT quote_order_side_known CHECK (side IN ('BUY', 'SELL'))
      );
    `);
    this.addSql(
      `CREATE INDEX quote_order_live_idx ON quote_order (owner_id, symbol) WHERE replaced_at IS NULL;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`DROP TABLE IF EXISTS quote_order;`);
    this.addSql(`DROP TABLE IF EXISTS quote_slot;`);
    this.addSql(`DROP TABLE IF EXISTS api_key;`);
  }
}
