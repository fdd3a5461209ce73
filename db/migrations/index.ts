import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261122000100_ledger } from './Migration20261122000100_ledger.js';
import { Migration20261122000200_auth } from './Migration20261122000200_auth.js';
import { Migration20261122000300_lifecycle } from './Migration20261122000300_lifecycle.js';
import { Migration20261122000400_audit_log } from './Migration20261122000400_audit_log.js';
import { Migration20261122000500_kyc_bank_accounts } from './Migration20261122000500_kyc_bank_accounts.js';
import { Migration20261122000600_withdrawals } from './Migration20261122000600_withdrawals.js';
import { Migration20261122000700_history_archive } from './Migration20261122000700_history_archive.js';
import { Migration20261122000800_session_revocation } from './Migration20261122000800_session_revocation.js';
import { Migration20261122000900_audit_request_index } from './Migration20261122000900_audit_request_index.js';
import { Migration20261201000100_trading } from './Migration20261201000100_trading.js';
import { Migration20261201000200_paper_broker } from './Migration20261201000200_paper_broker.js';
import { Migration20261201000300_outbox } from './Migration20261201000300_outbox.js';
import { Migration20261201000400_settlement } from './Migration20261201000400_settlement.js';
import { Migration20261201000600_reconciliation } from './Migration20261201000600_reconciliation.js';
import { Migration20261201000500_registry } from './Migration20261201000500_registry.js';
import { Migration20261201000700_ledger_fast_path } from './Migration20261201000700_ledger_fast_path.js';
import { Migration20261201000800_admin } from './Migration20261201000800_admin.js';
import { Migration20261201000900_api_keys } from './Migration20261201000900_api_keys.js';
import { Migration20261201001600_ledger_batched_path } from './Migration20261201001600_ledger_batched_path.js';
import { Migration20261201001610_journal_payload_hash_check } from './Migration20261201001610_journal_payload_hash_check.js';
import { Migration20261201001900_history_archive_due } from './Migration20261201001900_history_archive_due.js';
import { Migration20261201002100_deposit_screening } from './Migration20261201002100_deposit_screening.js';
import { Migration20261201002000_ledger_post_batch } from './Migration20261201002000_ledger_post_batch.js';
import { Migration20261201002010_ledger_post_entry_columns_name } from './Migration20261201002010_ledger_post_entry_columns_name.js';
import { Migration20261201002300_ledger_post_entry_columns_lines } from './Migration20261201002300_ledger_post_entry_columns_lines.js';
import { Migration20261201002400_journal_line_keys } from './Migration20261201002400_journal_line_keys.js';
import { Migration20261201002410_journal_lines_check_one_pass } from './Migration20261201002410_journal_lines_check_one_pass.js';
import { Migration20261201002420_journal_line_keys_restored } from './Migration20261201002420_journal_line_keys_restored.js';

// Ordered list of every schema migration. Append new ones; never edit or reorder applied ones.
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261122000100_ledger', class: Migration20261122000100_ledger },
  { name: 'Migration20261122000200_auth', class: Migration20261122000200_auth },
  { name: 'Migration20261122000300_lifecycle', class: Migration20261122000300_lifecycle },
  { name: 'Migration20261122000400_audit_log', class: Migration20261122000400_audit_log },
  { name: 'Migration20261122000500_kyc_bank_accounts', class: Migration20261122000500_kyc_bank_accounts },
  { name: 'Migration20261122000600_withdrawals', class: Migration20261122000600_withdrawals },
  { name: 'Migration20261122000700_history_archive', class: Migration20261122000700_history_archive },
  { name: 'Migration20261122000800_session_revocation', class: Migration20261122000800_session_revocation },
  { name: 'Migration20261122000900_audit_request_index', class: Migration20261122000900_audit_request_index },
  { name: 'Migration20261201000100_trading', class: Migration20261201000100_trading },
  { name: 'Migration20261201000200_paper_broker', class: Migration20261201000200_paper_broker },
  { name: 'Migration20261201000300_outbox', class: Migration20261201000300_outbox },
  { name: 'Migration20261201000400_settlement', class: Migration20261201000400_settlement },
  { name: 'Migration20261201000500_registry', class: Migration20261201000500_registry },
  { name: 'Migration20261201000600_reconciliation', class: Migration20261201000600_reconciliation },
  { name: 'Migration20261201000700_ledger_fast_path', class: Migration20261201000700_ledger_fast_path },
  { name: 'Migration20261201000800_admin', class: Migration20261201000800_admin },
  { name: 'Migration20261201000900_api_keys', class: Migration20261201000900_api_keys },
  { name: 'Migration20261201001600_ledger_batched_path', class: Migration20261201001600_ledger_batched_path },
  {
    name: 'Migration20261201001610_journal_payload_hash_check',
    class: Migration20261201001610_journal_payload_hash_check,
  },
  { name: 'Migration20261201001900_history_archive_due', class: Migration20261201001900_history_archive_due },
  { name: 'Migration20261201002100_deposit_screening', class: Migration20261201002100_deposit_screening },
  { name: 'Migration20261201002000_ledger_post_batch', class: Migration20261201002000_ledger_post_batch },
  {
    name: 'Migration20261201002010_ledger_post_entry_columns_name',
    class: Migration20261201002010_ledger_post_entry_columns_name,
  },
  {
    name: 'Migration20261201002300_ledger_post_entry_columns_lines',
    class: Migration20261201002300_ledger_post_entry_columns_lines,
  },
  { name: 'Migration20261201002400_journal_line_keys', class: Migration20261201002400_journal_line_keys },
  {
    name: 'Migration20261201002410_journal_lines_check_one_pass',
    class: Migration20261201002410_journal_lines_check_one_pass,
  },
  {
    name: 'Migration20261201002420_journal_line_keys_restored',
    class: Migration20261201002420_journal_line_keys_restored,
  },
];
