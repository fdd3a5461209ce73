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
    ...verificationDateFields,
    ...verifierFields,
    registryHolderName: z
      .string()
      .nullable()
      .optional()
      .meta({ description: 'Staff and auditors only: the holder the registry named at verification' }),
    ...clientEmailField,
    ...lifecycleViewFields(HUMAN_ACTIONS),
  })
  .meta({ id: 'RegistryAccount' });

export type RegistryAccountView = z.infer<typeof RegistryAccountSchema>;

export type RegistryAccountRecord = AccountRecord<RegistryAccountStatus>;

/** What the views of some records read beyond the read model: their rows, and (staff) emails. */
export type RegistryAccountRows = AccountRows<RegistryAccount>;

export const recordFromLifecycle: (
  summary: LifecycleSummary,
  transitions: RecordedTransition<RegistryAccountStatus>[],
  tasks: Task[],
) => RegistryAccountRecord = accountRecordFromLifecycle;

export const recordFromDetail: (detail: LifecycleDetail) => RegistryAccountRecord = accountRecordFromDetail;

/** The view of `record` for `user` (who has already been found allowed to read it). */
export function toRegistryAccountView(
  record: RegistryAccountRecord,
  user: SessionUser,
  rows: RegistryAccountRows,
): RegistryAccountView {
  const account = accountRowOf(record, rows, 'registry account');
  const view: RegistryAccountView = {
    ...accountIdentity(record),
    registry: account.registry,
    accountId: account.accountId,
    holderName: account.holderName,
    ...verificationDates(account),
    ...accountLifecycle(record, user, {
      transitions: REGISTRY_ACCOUNT_TRANSITIONS,
      permissions: REGISTRY_ACCOUNT_PERMISSIONS,
      humanActions: HUMAN_ACTIONS,
    }),
  };
  addStaffFacts(view, record, user, account, rows.emails, {
    registryHolderName: account.registryHolderName,
  });
  return view;
}
