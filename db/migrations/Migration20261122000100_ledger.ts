import { Migration } from '@mikro-orm/migrations';

// The ledger: TigerBeetle's account/transfer model in PostgreSQL (see DESIGN.md, "Ledger").
//
// - `ledger_account` carries four running totals that the engine (db/ledger) updates under a row lock.
// - `journal_entry` + `journal_line` are append-only: triggers reject UPDATE, DELETE and TRUNCATE.
// - A hold (status 'pending') is resolved by inserting exactly one resolving entry (status
//   'post_pending', 'void_pending' or 'expire_pending') whose `pending_entry_id` names the hold; the
//   unique index on `pending_entry_id` makes "resolved at most once" a database fact. A hold's state
//   is therefore derived, never updated.
// - Defence in depth: the account flags, the line shape, the account/asset pairing and the per-entry,
//   per-asset balance are also enforced here, so a bug in the engine cannot corrupt the books.
//
// No "?" anywhere in this SQL: the migration runner would read it as a binding placeholder.
export class Migration20261122000100_ledger extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE asset (
        code text PRIMARY KEY CHECK (code ~ '^[A-Z0-9]{2,12}$'),
        scale integer NOT NULL CHECK (scale BETWEEN 0 AND 18)
      )`);
    this.addSql(`INSERT INTO asset (code, scale) VALUES ('EUR', 2), ('USD', 2), ('EUA', 0), ('CEA', 0)`);

    this.addSql(`
      CREATE TABLE ledger_account (
        id bigserial PRIMARY KEY,
        code text NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 200),
        asset text NOT NULL REFERENCES asset (code),
        owner_id uuid NULL,
        kind text NOT NULL CHECK (kind IN ('asset', 'liability', 'equity', 'revenue', 'expense')),
        debits_must_not_exceed_credits boolean NOT NULL DEFAULT false,
        credits_must_not_exceed_debits boolean NOT NULL DEFAULT false,
        debits_posted bigint NOT NULL DEFAULT 0 CHECK (debits_posted >= 0),
        credits_posted bigint NOT NULL DEFAULT 0 CHECK (credits_posted >= 0),
        debits_pending bigint NOT NULL DEFAULT 0 CHECK (debits_pending >= 0),
        credits_pending bigint NOT NULL DEFAULT 0 CHECK (credits_pending >= 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT ledger_account_flags_exclusive
          CHECK (NOT (debits_must_not_exceed_credits AND credits_must_not_exceed_debits)),
        CONSTRAINT ledger_account_debits_within_credits
          CHECK (NOT debits_must_not_exceed_credits OR debits_posted + debits_pending <= credits_posted),
        CONSTRAINT ledger_account_credits_within_debits
          CHECK (NOT credits_must_not_exceed_debits OR credits_posted + credits_pending <= debits_posted),
        -- Target of journal_line's composite foreign key: a line's asset is its account's asset.
        CONSTRAINT ledger_account_id_asset_key UNIQUE (id, asset)
      )`);
    this.addSql(
      `CREATE INDEX ledger_account_owner_idx ON ledger_account (owner_id) WHERE owner_id IS NOT NULL`,
    );

    this.addSql(`
      CREATE TABLE journal_entry (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        -- Insertion order, for keyset pagination (uuids are random).
        seq bigint GENERATED ALWAYS AS IDENTITY,
        idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 512),
        payload_hash text NOT NULL CHECK (payload_hash ~ '^[0-9a-f]{64}$'),
        kind text NOT NULL CHECK (length(kind) BETWEEN 1 AND 100),
        description text NOT NULL,
        status text NOT NULL
          CHECK (status IN ('posted', 'pending', 'post_pending', 'void_pending', 'expire_pending')),
        workflow_id text NULL,
        run_id text NULL,
        activity text NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        effective_at timestamptz NOT NULL DEFAULT now(),
        reverses_entry_id uuid NULL REFERENCES journal_entry (id),
        pending_entry_id uuid NULL REFERENCES journal_entry (id),
        expires_at timestamptz NULL,
        CONSTRAINT journal_entry_idempotency_key_key UNIQUE (idempotency_key),
        CONSTRAINT journal_entry_seq_key UNIQUE (seq),
        -- A hold is resolved at most once.
        CONSTRAINT journal_entry_pending_entry_id_key UNIQUE (pending_entry_id),
        CONSTRAINT journal_entry_resolves_a_hold
          CHECK ((status IN ('post_pending', 'void_pending', 'expire_pending')) = (pending_entry_id IS NOT NULL)),
        CONSTRAINT journal_entry_only_holds_expire CHECK (expires_at IS NULL OR status = 'pending'),
        CONSTRAINT journal_entry_not_self_referencing
          CHECK (pending_entry_id IS DISTINCT FROM id AND reverses_entry_id IS DISTINCT FROM id)
      )`);
    this.addSql(
      `CREATE INDEX journal_entry_workflow_idx ON journal_entry (workflow_id, seq) WHERE workflow_id IS NOT NULL`,
    );
    this.addSql(
      `CREATE INDEX journal_entry_reverses_idx ON journal_entry (reverses_entry_id) WHERE reverses_entry_id IS NOT NULL`,
    );
    this.addSql(
      `CREATE INDEX journal_entry_hold_expiry_idx ON journal_entry (expires_at) WHERE status = 'pending' AND expires_at IS NOT NULL`,
    );

    this.addSql(`
      CREATE TABLE journal_line (
        id bigserial PRIMARY KEY,
        entry_id uuid NOT NULL REFERENCES journal_entry (id),
        account_id bigint NOT NULL,
        asset text NOT NULL,
        debit bigint NOT NULL DEFAULT 0,
        credit bigint NOT NULL DEFAULT 0,
        pending boolean NOT NULL,
        CONSTRAINT journal_line_one_side CHECK ((debit > 0 AND credit = 0) OR (debit = 0 AND credit > 0)),
        CONSTRAINT journal_line_account_asset_fkey
          FOREIGN KEY (account_id, asset) REFERENCES ledger_account (id, asset)
      )`);
    this.addSql(`CREATE INDEX journal_line_entry_idx ON journal_line (entry_id)`);
    this.addSql(`CREATE INDEX journal_line_account_idx ON journal_line (account_id, entry_id)`);

    // Append-only journal.
    this.addSql(`
      CREATE FUNCTION ledger_journal_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        RAISE EXCEPTION 'journal is append-only: % on % is not allowed', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'restrict_violation';
      END
      $fn$`);
    for (const table of ['journal_entry', 'journal_line']) {
      this.addSql(`
        CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table}
        FOR EACH ROW EXECUTE FUNCTION ledger_journal_append_only()`);
      this.addSql(`
        CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table}
        FOR EACH STATEMENT EXECUTE FUNCTION ledger_journal_append_only()`);
    }

    // Per entry and per asset, debits equal credits, separately for posted and pending lines. Checked
    // once per INSERT statement over the entries it touched (the engine inserts all lines of a batch
    // in one statement).
    this.addSql(`
      CREATE FUNCTION ledger_journal_lines_balanced() RETURNS trigger LANGUAGE plpgsql AS $fn$
      DECLARE
        bad record;
      BEGIN
        SELECT l.entry_id, l.asset, l.pending, sum(l.debit) AS debits, sum(l.credit) AS credits
          INTO bad
          FROM journal_line l
         WHERE l.entry_id IN (SELECT DISTINCT n.entry_id FROM inserted_lines n)
         GROUP BY l.entry_id, l.asset, l.pending
        HAVING sum(l.debit) <> sum(l.credit)
         LIMIT 1;
        IF FOUND THEN
          RAISE EXCEPTION 'journal entry % is unbalanced in %: debits % <> credits %',
            bad.entry_id, bad.asset, bad.debits, bad.credits
            USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
      END
      $fn$`);
    this.addSql(`
      CREATE TRIGGER journal_line_balanced AFTER INSERT ON journal_line
      REFERENCING NEW TABLE AS inserted_lines
      FOR EACH STATEMENT EXECUTE FUNCTION ledger_journal_lines_balanced()`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP TABLE journal_line`);
    this.addSql(`DROP TABLE journal_entry`);
    this.addSql(`DROP FUNCTION ledger_journal_lines_balanced()`);
    this.addSql(`DROP FUNCTION ledger_journal_append_only()`);
    this.addSql(`DROP TABLE ledger_account`);
    this.addSql(`DROP TABLE asset`);
  }
}
