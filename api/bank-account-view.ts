// The bank account as the API and the pages show it: its lifecycle (status, timeline, tasks) from the
// read model, its details from its own row (bank_account, written before its workflow starts and
// then only by the workflow's activities). Clients never see who verified it, the note or tasks.
import { z } from 'zod';
import type { BankAccount } from '../db/bank-accounts/index.js';
import type { LifecycleDetail, LifecycleSummary, Task } from '../db/lifecycle/index.js';
import {
  BANK_ACCOUNT_PERMISSIONS,
  BANK_ACCOUNT_STATUSES,
  BANK_ACCOUNT_TRANSITIONS,
  displayIban,
  type BankAccountStatus,
} from '../domain/bank-account.js';
import type { SessionUser } from './auth/tokens.js';
import { lifecycleViewFields } from './lifecycle-kit/view-schemas.js';
import type { RecordedTransition } from './services/lifecycle-records.js';
import {
  accountIdentity,
  accountLifecycle,
  accountRecordFromDetail,
  accountRecordFromLifecycle,
  accountRowOf,
  addStaffFacts,
  clientEmailField,
  verificationDateFields,
  verificationDates,
  verifierFields,
  type AccountRecord,
  type AccountRows,
} from './verified-account-view.js';

const HUMAN_ACTIONS = ['verify', 'reject', 'remove'] as const;

export const BankAccountSchema = z
  .object({
    id: z.uuid(),
    workflowId: z.string().meta({ example: 'bank-account-0b6f1c0e-…' }),
    status: z.enum(BANK_ACCOUNT_STATUSES),
    clientId: z.uuid(),
    iban: z.string().meta({ example: 'DE89370400440532013000', description: 'Electronic format' }),
    ibanDisplay: z.string().meta({ example: 'DE89 3704 0044 0532 0130 00' }),
    bic: z.string().meta({ example: 'COBADEFFXXX' }),
    accountName: z.string(),
    bankName: z.string(),
    country: z.string(),
    ...verificationDateFields,
    removedAt: z.string().nullable(),
    ...verifierFields,
    ...clientEmailField,
    ...lifecycleViewFields(HUMAN_ACTIONS),
  })
  .meta({ id: 'BankAccount' });

export type BankAccountView = z.infer<typeof BankAccountSchema>;

/** The lifecycle of one account as the read model has it. */
export type BankAccountRecord = AccountRecord<BankAccountStatus>;

/** What the views of some records read beyond the read model: their rows, and (staff) emails. */
export type BankAccountRows = AccountRows<BankAccount>;

export const recordFromLifecycle: (
  summary: LifecycleSummary,
  transitions: RecordedTransition<BankAccountStatus>[],
  tasks: Task[],
) => BankAccountRecord = accountRecordFromLifecycle;

export const recordFromDetail: (detail: LifecycleDetail) => BankAccountRecord = accountRecordFromDetail;

/** The view of `record` for `user` (who has already been found allowed to read it). */
export function toBankAccountView(
  record: BankAccountRecord,
  user: SessionUser,
  rows: BankAccountRows,
): BankAccountView {
  const account = accountRowOf(record, rows, 'bank account');
  const view: BankAccountView = {
    ...accountIdentity(record),
    iban: account.iban,
    ibanDisplay: displayIban(account.iban),
    bic: account.bic,
    accountName: account.accountName,
    bankName: account.bankName,
    country: account.country,
    ...verificationDates(account),
    removedAt: account.removedAt,
    ...accountLifecycle(record, user, {
      transitions: BANK_ACCOUNT_TRANSITIONS,
      permissions: BANK_ACCOUNT_PERMISSIONS,
      humanActions: HUMAN_ACTIONS,
    }),
  };
  addStaffFacts(view, record, user, account, rows.emails);
  return view;
}
