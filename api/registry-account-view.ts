// The registry account as the API and the pages show it: its lifecycle (status, timeline, tasks)
// from the read model, its details from its own row (registry_account, written before its workflow
// starts and then only by the workflow's activity). Clients never see who verified it, the note,
// the registry's answer or tasks.
import { z } from 'zod';
import type { RegistryAccount } from '../db/registry-accounts/index.js';
import type { LifecycleDetail, LifecycleSummary, Task } from '../db/lifecycle/index.js';
import {
  REGISTRIES,
  REGISTRY_ACCOUNT_PERMISSIONS,
  REGISTRY_ACCOUNT_STATUSES,
  REGISTRY_ACCOUNT_TRANSITIONS,
  type RegistryAccountStatus,
} from '../domain/registry-account.js';
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

const HUMAN_ACTIONS = ['verify', 'reject'] as const;

export const RegistryAccountSchema = z
  .object({
    id: z.uuid(),
    workflowId: z.string().meta({ example: 'registry-account-0b6f1c0e-…' }),
    status: z.enum(REGISTRY_ACCOUNT_STATUSES),
    clientId: z.uuid(),
    registry: z.enum(REGISTRIES),
    accountId: z.string().meta({ example: 'EU-100-5012345-0-61' }),
    holderName: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    verifiedAt: z.string().nullable(),
    rejectedAt: z.string().nullable(),
    rejectionReason: z.string().nullable(),
    verifiedBy: z.uuid().nullable().optional().meta({ description: 'Staff and auditors only' }),
    verificationNote: z.string().nullable().optional().meta({ description: 'Staff and auditors only' }),
    registryHolderName: z
      .string()
      .nullable()
      .optional()
      .meta({ description: 'Staff and auditors only: the holder the registry named at verification' }),
    clientEmail: z.string().nullable().optional().meta({ description: 'Staff and auditors only' }),
    ...lifecycleViewFields(HUMAN_ACTIONS),
  })
  .meta({ id: 'RegistryAccount' });

export type RegistryAccountView = z.infer<typeof RegistryAccountSchema>;

export interface RegistryAccountRecord {
  id: string;
  workflowId: string;
  status: RegistryAccountStatus;
  clientId: string;
  transitions: RecordedTransition<RegistryAccountStatus>[];
  tasks: Task[];
}

/** What the views of some records read beyond the read model: their rows, and (staff) emails. */
export interface RegistryAccountRows {
  accounts: ReadonlyMap<string, RegistryAccount>;
  emails: ReadonlyMap<string, string> | null;
}

export function recordFromLifecycle(
  summary: LifecycleSummary,
  transitions: RecordedTransition<RegistryAccountStatus>[],
  tasks: Task[],
): RegistryAccountRecord {
  return {
    id: summary.businessId,
    workflowId: summary.workflowId,
    status: summary.status as RegistryAccountStatus,
    clientId: summary.ownerId ?? '',
    transitions,
    tasks: tasks.filter(isLiveTask),
  };
}

export function recordFromDetail(detail: LifecycleDetail): RegistryAccountRecord {
  return recordFromLifecycle(detail, transitionsOfDetail<RegistryAccountStatus>(detail), detail.tasks);
}

/** The view of `record` for `user` (who has already been found allowed to read it). */
export function toRegistryAccountView(
  record: RegistryAccountRecord,
  user: SessionUser,
  rows: RegistryAccountRows,
): RegistryAccountView {
  const account = rows.accounts.get(record.id);
  // The row is inserted before the workflow starts and never deleted.
  if (!account) throw new Error(`registry account ${record.id} has a lifecycle but no row`);
  const view: RegistryAccountView = {
    id: record.id,
    workflowId: record.workflowId,
    status: record.status,
    clientId: record.clientId,
    registry: account.registry,
    accountId: account.accountId,
    holderName: account.holderName,
    createdAt: account.createdAt,
    updatedAt: account.updatedAt,
    verifiedAt: account.verifiedAt,
    rejectedAt: account.rejectedAt,
    rejectionReason: account.rejectionReason,
    allowedActions: allowedHumanActions(
      REGISTRY_ACCOUNT_TRANSITIONS,
      REGISTRY_ACCOUNT_PERMISSIONS,
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
    view.registryHolderName = account.registryHolderName;
    view.clientEmail = rows.emails?.get(record.clientId) ?? null;
    view.openTasks = record.tasks.map(openTaskOf);
  }
  return view;
}
