import { Migration } from '@mikro-orm/migrations';

// Reconciliation (docs/reconciliation.md):
//   recon_file          every uploaded statement file, kept whole; its sha256 is unique (the same file
//                       twice is refused)
//   recon_statement     one statement of a file = one reconciliation (its id is the lifecycle's
//                       business id); statement_key (sha256 of what the statement says) is unique, so
//                       the same statement in another file is refused too
//   recon_line          the statement's lines with their match outcome (written by the matching
//                       activity; the lines never travel through workflow history)
//   recon_ledger_item   the ledger movements of the account in the statement's period, as matched
//   recon_break         a difference to explain: statement lines / ledger items, the resolution and,
//                       for an adjustment, its resolver, approver and posted entry
//   recon_internal_run  one internal reconciliation (trial balance, totals, omnibus vs clients,
//                       registry positions) with what it checked
// (No question marks in this SQL: knex would read them as bindings.)
export class Migration20261201000600_reconciliation extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE recon_file (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        sha256 text NOT NULL UNIQUE CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        format text NOT NULL CHECK (format IN ('camt053', 'mt940', 'csv')),
        size_bytes integer NOT NULL CHECK (size_bytes > 0),
        content bytea NOT NULL,
        uploaded_by uuid NOT NULL,
        uploaded_at timestamptz NOT NULL DEFAULT now()
      )`);
    this.addSql(`
      CREATE TABLE recon_statement (
        id uuid PRIMARY KEY,
        file_id uuid NOT NULL REFERENCES recon_file (id),
        position integer NOT NULL CHECK (position >= 0),
        statement_key text NOT NULL UNIQUE CHECK (statement_key ~ '^[0-9a-f]{64}$'),
        source text NOT NULL CHECK (source IN ('bank', 'registry')),
        format text NOT NULL,
        account_code text NOT NULL,
        account_ref text,
        statement_ref text,
        currency text NOT NULL,
        from_on date NOT NULL,
        to_on date NOT NULL,
        opening_minor bigint,
        closing_minor bigint,
        line_count integer NOT NULL,
        consistent boolean NOT NULL,
        problems jsonb NOT NULL DEFAULT '[]',
        imported_by uuid NOT NULL,
        imported_at timestamptz NOT NULL DEFAULT now(),
        matched_at timestamptz,
        CONSTRAINT recon_statement_period CHECK (from_on <= to_on),
        CONSTRAINT recon_statement_file_position UNIQUE (file_id, position)
      )`);
    this.addSql(`
      CREATE TABLE recon_line (
        id bigserial PRIMARY KEY,
        statement_id uuid NOT NULL REFERENCES recon_statement (id),
        idx integer NOT NULL,
        origin text NOT NULL,
        booked_on date NOT NULL,
        value_on date NOT NULL,
        amount_minor bigint NOT NULL,
        currency text NOT NULL,
        status text NOT NULL CHECK (status IN ('BOOKED', 'PENDING')),
        reversal boolean NOT NULL,
        reference text,
        counterparty text,
        text text NOT NULL DEFAULT '',
        keys text[] NOT NULL DEFAULT '{}',
        match_status text NOT NULL DEFAULT 'UNMATCHED'
          CHECK (match_status IN ('UNMATCHED', 'MATCHED', 'RESOLVED')),
        rule text,
        entry_ids uuid[] NOT NULL DEFAULT '{}',
        deposit_id text,
        break_id uuid,
        CONSTRAINT recon_line_position UNIQUE (statement_id, idx)
      )`);
    this.addSql(`CREATE INDEX recon_line_status_idx ON recon_line (statement_id, match_status, id)`);
    this.addSql(`
      CREATE TABLE recon_ledger_item (
        statement_id uuid NOT NULL REFERENCES recon_statement (id),
        journal_line_id bigint NOT NULL,
        entry_id uuid NOT NULL,
        amount_minor bigint NOT NULL,
        effective_on date NOT NULL,
        keys text[] NOT NULL DEFAULT '{}',
        match_status text NOT NULL DEFAULT 'UNMATCHED'
          CHECK (match_status IN ('UNMATCHED', 'MATCHED', 'RESOLVED')),
        rule text,
        break_id uuid,
        PRIMARY KEY (statement_id, journal_line_id)
      )`);
    this.addSql(`
      CREATE TABLE recon_break (
        id uuid PRIMARY KEY,
        statement_id uuid REFERENCES recon_statement (id),
        internal_run_id text,
        workflow_id text NOT NULL,
        kind text NOT NULL,
        line_ids bigint[] NOT NULL DEFAULT '{}',
        entry_ids uuid[] NOT NULL DEFAULT '{}',
        difference_minor bigint NOT NULL DEFAULT 0,
        asset text NOT NULL,
        detail jsonb NOT NULL DEFAULT '{}',
        status text NOT NULL DEFAULT 'OPEN'
          CHECK (status IN ('OPEN', 'PENDING_APPROVAL', 'RESOLVED', 'DISMISSED')),
        resolution text CHECK (resolution IN ('match', 'adjust', 'dismiss')),
        note text,
        resolved_by uuid,
        approved_by uuid,
        adjustment_entry_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        resolved_at timestamptz,
        CONSTRAINT recon_break_origin CHECK ((statement_id IS NULL) <> (internal_run_id IS NULL))
      )`);
    this.addSql(`CREATE INDEX recon_break_statement_idx ON recon_break (statement_id, status)`);
    this.addSql(`CREATE INDEX recon_break_open_idx ON recon_break (status, created_at)`);
    this.addSql(`
      CREATE TABLE recon_internal_run (
        id text PRIMARY KEY,
        ran_at timestamptz NOT NULL DEFAULT now(),
        checks jsonb NOT NULL,
        differences integer NOT NULL
      )`);
  }

  override async down(): Promise<void> {
    this.addSql(
      `DROP TABLE recon_internal_run, recon_break, recon_ledger_item, recon_line, recon_statement, recon_file`,
    );
  }
}
