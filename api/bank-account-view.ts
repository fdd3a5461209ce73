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
import { isClient } from '../domain/roles.js';
import type { SessionUser } from './auth/tokens.js';
import { lifecycleViewFields } from './lifecycle-kit/view-schemas.js';
import {
  allowedHumanActions,
  isLiveTask,
  openTaskOf,
  transitionsOfDetail,
  type RecordedTransition,
} from './services/lifecycle-records.js';

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
    createdAt: z.string(),
    updatedAt: z.string(),
    verifiedAt: z.string().nullable(),
    rejectedAt: z.string().nullable(),
    rejectionReason: z.string().nullable(),
    removedAt: z.string().nullable(),
    verifiedBy: z.uuid().nullable().optional().meta({ description: 'Staff and auditors only' }),
    verificationNote: z.string().nullable().optional().meta({ description: 'Staff and auditors only' }),
    clientEmail: z.string().nullable().optional().meta({ description: 'Staff and auditors only' }),
    ...lifecycleViewFields(HUMAN_ACTIONS),
  })
  .meta({ id: 'BankAccount' });

export type BankAccountView = z.infer<typeof BankAccountSchema>;

/** The lifecycle of one account as the read model has it. */
export interface BankAccountRecord {
  id: string;
  workflowId: string;
  status: BankAccountStatus;
  clientId: string;
  transitions: RecordedTransition<BankAccountStatus>[];
  /** Live tasks (open or claimed). */
  tasks: Task[];
}

/** What the views of some records read beyond the read model: their rows, and (staff) emails. */
export interface BankAccountRows {
  accounts: ReadonlyMap<string, BankAccount>;
  emails: ReadonlyMap<string, string> | null;
}

export function recordFromLifecycle(
  summary: LifecycleSummary,
  transitions: RecordedTransition<BankAccountStatus>[],
  tasks: Task[],
): BankAccountRecord {
  return {
    id: summary.businessId,
    workflowId: summary.workflowId,
    status: summary.status as BankAccountStatus,
    clientId: summary.ownerId ?? '',
    transitions,
    tasks: tasks.filter(isLiveTask),
  };
}

export function recordFromDetail(detail: LifecycleDetail): BankAccountRecord {
  return recordFromLifecycle(detail, transitionsOfDetail<BankAccountStatus>(detail), detail.tasks);
}

/** The view of `record` for `user` (who has already been found allowed to read it). */
export function toBankAccountView(
  record: BankAccountRecord,
  user: SessionUser,
  rows: BankAccountRows,
): BankAccountView {
  const account = rows.accounts.get(record.id);
  // The row is inserted before the workflow starts and never deleted.
  if (!account) throw new Error(`bank account ${record.id} has a lifecycle but no row`);
  const view: BankAccountView = {
    id: record.id,
    workflowId: record.workflowId,
    status: record.status,
    clientId: record.clientId,
    iban: account.iban,
    ibanDisplay: displayIban(account.iban),
    bic: account.bic,
    accountName: account.accountName,
    bankName: account.bankName,
    country: account.country,
    createdAt: account.createdAt,
    updatedAt: account.updatedAt,
    verifiedAt: account.verifiedAt,
    rejectedAt: account.rejectedAt,
    rejectionReason: account.rejectionReason,
    removedAt: account.removedAt,
    allowedActions: allowedHumanActions(
      BANK_ACCOUNT_TRANSITIONS,
      BANK_ACCOUNT_PERMISSIONS,
      HUMAN_ACTIONS,
      record.status,
      user,
      record.clientId,
    ),
    timeline: record.transitions.map((t) => t.entry),
  };
  if (!isClient(user.role)) {
    view.verifiedBy = account.verifiedBy;
    view.verificationNote = account.verificationNote;
    view.clientEmail = rows.emails?.get(record.clientId) ?? null;
    view.openTasks = record.tasks.map(openTaskOf);
  }
  return view;
}
