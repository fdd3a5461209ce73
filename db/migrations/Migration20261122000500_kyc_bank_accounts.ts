import { Migration } from '@mikro-orm/migrations';

// Bank accounts (where withdrawals may be paid) and KYC documents (what a client's KYC review looks at).
//
// bank_account  one row per account a client registered. The API inserts it in PENDING_VERIFICATION
//               after validating IBAN and BIC (domain/bank-account.ts, ibantools) and starts the
//               `bank-account-<id>` verification workflow; that workflow's activity alone moves it
//               to VERIFIED or REJECTED. A client removing it marks it REMOVED (never deleted: old
//               withdrawals still point at it). IBAN and BIC are stored in electronic format
//               (no spaces, upper case). A withdrawal may only be paid to a VERIFIED account of the
//               same client (withdrawal code checks status and client_id). workflow_id is derived
//               from id. The CHECKs stay lenient about the verified_*/rejected_* columns so test
//               fixtures can insert a VERIFIED account directly; the workflow always fills them.
// kyc_document  one row per uploaded file, content kept in the row (bytea, at most 10 MB) with its
//               sha256. content_type is what the magic bytes said, never what the client declared.
//               status follows the review: UPLOADED (not yet submitted) -> SUBMITTED (in a review)
//               -> ACCEPTED (review approved) or RETURNED (review rejected or changes requested);
//               ACCEPTED -> EXPIRED when the approval expires (a new review needs fresh documents).
//               Only the KYC workflow's activity changes status; the API inserts uploads.
//
// app_user.kyc_status (created by the auth migration) is the projection of the KYC workflow's status;
// the CHECK below lists the statuses it can project.
// No question marks in this SQL: the migration runner would read them as bindings.
export class Migration20261122000500_kyc_bank_accounts extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE bank_account (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        client_id uuid NOT NULL REFERENCES app_user (id),
        iban text NOT NULL,
        bic text NOT NULL,
        account_name text NOT NULL,
        bank_name text NOT NULL,
        country text NOT NULL,
        status text NOT NULL DEFAULT 'PENDING_VERIFICATION',
        workflow_id text GENERATED ALWAYS AS ('bank-account-' || id::text) STORED,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        verified_at timestamptz,
        verified_by uuid REFERENCES app_user (id),
        verification_note text,
        rejected_at timestamptz,
        rejected_by uuid REFERENCES app_user (id),
        rejection_reason text,
        removed_at timestamptz,
        removed_by uuid REFERENCES app_user (id),
        CONSTRAINT bank_account_status_known
          CHECK (status IN ('PENDING_VERIFICATION', 'VERIFIED', 'REJECTED', 'REMOVED')),
        CONSTRAINT bank_account_iban_electronic CHECK (iban ~ '^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$'),
        CONSTRAINT bank_account_bic_electronic CHECK (bic ~ '^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3}){0,1}$'),
        CONSTRAINT bank_account_country_code CHECK (country ~ '^[A-Z]{2}$'),
        CONSTRAINT bank_account_names_present
          CHECK (btrim(account_name) <> '' AND btrim(bank_name) <> ''),
        CONSTRAINT bank_account_removed_consistent CHECK (removed_at IS NULL OR status = 'REMOVED')
      );
    `);
    // A client's own list, newest first; the staff list by status.
    this.addSql(
      `CREATE INDEX bank_account_client_idx ON bank_account (client_id, created_at DESC, id DESC);`,
    );
    this.addSql(`CREATE INDEX bank_account_status_idx ON bank_account (status, created_at DESC, id DESC);`);
    // The same IBAN cannot be registered twice by one client while the first is live.
    this.addSql(`
      CREATE UNIQUE INDEX bank_account_live_iban_key ON bank_account (client_id, iban)
        WHERE status IN ('PENDING_VERIFICATION', 'VERIFIED');
    `);
    // Removal checks the open withdrawal lifecycles that pay to an account.
    this.addSql(`
      CREATE INDEX lifecycle_withdrawal_bank_account_idx ON lifecycle ((attributes ->> 'bankAccountId'))
        WHERE type = 'withdrawal' AND closed_at IS NULL;
    `);

    this.addSql(`
      CREATE TABLE kyc_document (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        client_id uuid NOT NULL REFERENCES app_user (id),
        type text NOT NULL,
        filename text NOT NULL,
        content_type text NOT NULL,
        size_bytes integer NOT NULL,
        sha256 text NOT NULL,
        content bytea NOT NULL,
        status text NOT NULL DEFAULT 'UPLOADED',
        uploaded_at timestamptz NOT NULL DEFAULT now(),
        uploaded_by uuid NOT NULL REFERENCES app_user (id),
        submitted_at timestamptz,
        review_cycle integer,
        reviewed_at timestamptz,
        CONSTRAINT kyc_document_type_known
          CHECK (type IN ('passport', 'national_id', 'proof_of_address', 'company_registration')),
        CONSTRAINT kyc_document_content_type_known
          CHECK (content_type IN ('application/pdf', 'image/png', 'image/jpeg')),
        CONSTRAINT kyc_document_size_limit CHECK (size_bytes BETWEEN 1 AND 10485760),
        CONSTRAINT kyc_document_size_matches CHECK (octet_length(content) = size_bytes),
        CONSTRAINT kyc_document_sha256_format CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        CONSTRAINT kyc_document_status_known
          CHECK (status IN ('UPLOADED', 'SUBMITTED', 'ACCEPTED', 'RETURNED', 'EXPIRED')),
        CONSTRAINT kyc_document_submitted_consistent
          CHECK ((status = 'UPLOADED') = (submitted_at IS NULL) AND (submitted_at IS NULL) = (review_cycle IS NULL))
      );
    `);
    this.addSql(
      `CREATE INDEX kyc_document_client_idx ON kyc_document (client_id, uploaded_at DESC, id DESC);`,
    );

    this.addSql(`
      ALTER TABLE app_user ADD CONSTRAINT app_user_kyc_status_known
        CHECK (kyc_status IN ('NOT_STARTED', 'PENDING_REVIEW', 'APPROVED', 'REJECTED', 'CHANGES_REQUESTED', 'EXPIRED'));
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`ALTER TABLE app_user DROP CONSTRAINT IF EXISTS app_user_kyc_status_known;`);
    this.addSql(`DROP TABLE IF EXISTS kyc_document;`);
    this.addSql(`DROP INDEX IF EXISTS lifecycle_withdrawal_bank_account_idx;`);
    this.addSql(`DROP TABLE IF EXISTS bank_account;`);
  }
}
