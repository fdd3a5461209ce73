// What the views of a client's external accounts share (bank accounts, registry accounts): the
// record read from the lifecycle read model, the verification's dates and staff-only facts from the
// account's own row, and the lifecycle part (allowed actions, timeline, tasks). Each view adds its
// own fields in its own place; the keys keep the order they had.
import { z } from 'zod';
import type { LifecycleDetail, LifecycleSummary, Task } from '../db/lifecycle/index.js';
import type { PermissionTable, TransitionTable } from '../domain/lifecycle.js';
import { isClient } from '../domain/roles.js';
import type { SessionUser } from './auth/tokens.js';
import {
  allowedHumanActions,
  isLiveTask,
  openTaskOf,
  transitionsOfDetail,
  type RecordedTransition,
} from './services/lifecycle-records.js';

/** The lifecycle of one account as the read model has it. */
export interface AccountRecord<Status extends string> {
  id: string;
  workflowId: string;
  status: Status;
  clientId: string;
  transitions: RecordedTransition<Status>[];
  /** Live tasks (open or claimed). */
  tasks: Task[];
}

/** What the views of some records read beyond the read model: their rows, and (staff) emails. */
export interface AccountRows<Account> {
  accounts: ReadonlyMap<string, Account>;
  emails: ReadonlyMap<string, string> | null;
}

/** The verification as the account's row keeps it. */
export interface VerificationRow {
  createdAt: string;
  updatedAt: string;
  verifiedAt: string | null;
  rejectedAt: string | null;
  rejectionReason: string | null;
  verifiedBy: string | null;
  verificationNote: string | null;
}

/** The schema fields of the verification's dates (everyone sees them). */
export const verificationDateFields = {
  createdAt: z.string(),
  updatedAt: z.string(),
  verifiedAt: z.string().nullable(),
  rejectedAt: z.string().nullable(),
  rejectionReason: z.string().nullable(),
};

/** The schema fields of who verified it and the note (staff and auditors only). */
export const verifierFields = {
  verifiedBy: z.uuid().nullable().optional().meta({ description: 'Staff and auditors only' }),
  verificationNote: z.string().nullable().optional().meta({ description: 'Staff and auditors only' }),
};

export const clientEmailField = {
  clientEmail: z.string().nullable().optional().meta({ description: 'Staff and auditors only' }),
};

export function accountRecordFromLifecycle<Status extends string>(
  summary: LifecycleSummary,
  transitions: RecordedTransition<Status>[],
  tasks: Task[],
): AccountRecord<Status> {
  return {
    id: summary.businessId,
    workflowId: summary.workflowId,
    status: summary.status as Status,
    clientId: summary.ownerId ?? '',
    transitions,
    tasks: tasks.filter(isLiveTask),
  };
}

export function accountRecordFromDetail<Status extends string>(
  detail: LifecycleDetail,
): AccountRecord<Status> {
  return accountRecordFromLifecycle(detail, transitionsOfDetail<Status>(detail), detail.tasks);
}

/** The row of `record`; `noun` names it in the error of a lifecycle without one (a bug). */
export function accountRowOf<Account>(
  record: { id: string },
  rows: AccountRows<Account>,
  noun: string,
): Account {
  const account = rows.accounts.get(record.id);
  // The row is inserted before the workflow starts and never deleted.
  if (!account) throw new Error(`${noun} ${record.id} has a lifecycle but no row`);
  return account;
}

/** id, workflow id, status and client: how every view starts. */
export function accountIdentity<Status extends string>(record: AccountRecord<Status>) {
  return { id: record.id, workflowId: record.workflowId, status: record.status, clientId: record.clientId };
}

/** The verification's dates from the row. */
export function verificationDates(account: VerificationRow) {
  return {
    createdAt: account.createdAt,
    updatedAt: account.updatedAt,
    verifiedAt: account.verifiedAt,
    rejectedAt: account.rejectedAt,
    rejectionReason: account.rejectionReason,
  };
}

/** What `user` may do now and the timeline: how every view's public part ends. */
export function accountLifecycle<Status extends string, Action extends string, Human extends Action>(
  record: AccountRecord<Status>,
  user: SessionUser,
  rules: {
    transitions: TransitionTable<Status, Action>;
    permissions: PermissionTable<Action>;
    humanActions: readonly Human[];
  },
) {
  return {
    allowedActions: allowedHumanActions(
      rules.transitions,
      rules.permissions,
      rules.humanActions,
      record.status,
      user,
      record.clientId,
    ),
    timeline: record.transitions.map((t) => t.entry),
  };
}

/**
 * Staff and auditors also see who verified it, the note, `extra` (the view's own staff-only facts),
 * the client's email and the open tasks; clients see none of it. Adds them to `view`.
 */
export function addStaffFacts<Status extends string>(
  view: Record<string, unknown>,
  record: AccountRecord<Status>,
  user: SessionUser,
  account: VerificationRow,
  emails: ReadonlyMap<string, string> | null,
  extra: Record<string, unknown> = {},
): void {
  if (isClient(user.role)) return;
  Object.assign(view, {
    verifiedBy: account.verifiedBy,
    verificationNote: account.verificationNote,
    ...extra,
    clientEmail: emails?.get(record.clientId) ?? null,
    openTasks: record.tasks.map(openTaskOf),
  });
}
