// The certificate transfer as the API and the pages show it (the lifecycle shape), built from the
// read model only. Clients never see staff notes or staff tasks; the allowed actions follow the
// four-eyes rules (an operator who approved already is not offered approve again).
import { z } from 'zod';
import type { LifecycleDetail, LifecycleSummary } from '../db/lifecycle/index.js';
import type { Task } from '../db/lifecycle/tasks.js';
import {
  CERTIFICATE_ASSETS,
  CERTIFICATE_TRANSFER_HUMAN_ACTIONS,
  CERTIFICATE_TRANSFER_PERMISSIONS,
  CERTIFICATE_TRANSFER_STATUSES,
  CERTIFICATE_TRANSFER_TRANSITIONS,
  TRANSFER_DIRECTIONS,
  checkApproveTransfer,
  type Approval,
  type CertificateAsset,
  type CertificateTransferStatus,
  type TransferDirection,
  type TransferRegistryAccount,
} from '../domain/certificate-transfer.js';
import { approvalsFromJson } from '../domain/four-eyes.js';
import { REGISTRIES } from '../domain/registry-account.js';
import { isClient } from '../domain/roles.js';
import type { SessionUser } from './auth/tokens.js';
import { ActorSchema, lifecycleViewFields } from './lifecycle-kit/view-schemas.js';
import { actorOf } from './services/common.js';
import {
  allowedHumanActions,
  isLiveTask,
  openTaskOf,
  textOrNull as str,
  transitionsOfDetail,
  type RecordedTransition,
} from './services/lifecycle-records.js';

export const CertificateTransferSchema = z
  .object({
    id: z.uuid(),
    workflowId: z.string().meta({ example: 'certificate-transfer-0b6f1c0e-…' }),
    status: z.enum(CERTIFICATE_TRANSFER_STATUSES),
    clientId: z.uuid(),
    direction: z.enum(TRANSFER_DIRECTIONS),
    asset: z.enum(CERTIFICATE_ASSETS),
    quantity: z.string().meta({ example: '300', description: 'Whole certificates, as requested' }),
    receivedQuantity: z
      .string()
      .nullable()
      .meta({ description: 'IN: what arrived at the registry and became available' }),
    registryAccountId: z.uuid(),
    registryAccount: z
      .object({ id: z.uuid(), registry: z.enum(REGISTRIES), accountId: z.string(), holderName: z.string() })
      .nullable(),
    reference: z.string().meta({ description: 'The transfer id the registry sees' }),
    registryReference: z.string().nullable(),
    approvalsRequired: z.number().int().meta({ description: 'OUT: 2 at or above the four-eyes threshold' }),
    approvals: z.array(
      z.object({
        actor: ActorSchema,
        at: z.string(),
        note: z.string().nullable().optional().meta({ description: 'Staff and auditors only' }),
      }),
    ),
    approvalsMissing: z.number().int(),
    failureReason: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    closedAt: z.string().nullable(),
    ...lifecycleViewFields(CERTIFICATE_TRANSFER_HUMAN_ACTIONS),
  })
  .meta({ id: 'CertificateTransfer' });

export type CertificateTransferView = z.infer<typeof CertificateTransferSchema>;

export interface CertificateTransferRecord {
  businessId: string;
  workflowId: string;
  status: CertificateTransferStatus;
  clientId: string;
  attributes: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  transitions: RecordedTransition<CertificateTransferStatus>[];
  tasks: Task[];
}

/** The approvals the read model's attributes carry (untyped JSON). */
export const transferApprovalsOf = approvalsFromJson;

export function recordFromSummary(
  summary: LifecycleSummary,
  transitions: RecordedTransition<CertificateTransferStatus>[],
  tasks: Task[],
): CertificateTransferRecord {
  return {
    businessId: summary.businessId,
    workflowId: summary.workflowId,
    status: summary.status as CertificateTransferStatus,
    clientId: summary.ownerId ?? '',
    attributes: summary.attributes,
    createdAt: summary.createdAt,
    updatedAt: summary.updatedAt,
    closedAt: summary.closedAt,
    transitions,
    tasks: tasks.filter(isLiveTask),
  };
}

export function recordFromDetail(detail: LifecycleDetail): CertificateTransferRecord {
  return recordFromSummary(detail, transitionsOfDetail<CertificateTransferStatus>(detail), detail.tasks);
}

/** What a client reads on their timeline: facts, never staff notes. */
function clientReason(
  t: RecordedTransition<CertificateTransferStatus>,
  a: Record<string, unknown>,
): string | null {
  switch (t.action) {
    case 'approve_first':
      return 'First approval given; a second approver is needed';
    case 'approve':
      return 'Approved; the delivery is under way';
    case 'confirm':
      return `${str(a.receivedQuantity) ?? ''} ${str(a.asset) ?? ''} received at the registry; available`;
    default:
      return t.entry.reason;
  }
}

function approvalsRequiredOf(value: unknown): 0 | 1 | 2 {
  return value === 2 ? 2 : value === 1 ? 1 : 0;
}

/** What `user` may do now: status, role and ownership, less an approval four eyes refuses them. */
function actionsFor(record: CertificateTransferRecord, user: SessionUser, approvals: Approval[]) {
  if (record.closedAt) return [];
  const allowed = allowedHumanActions(
    CERTIFICATE_TRANSFER_TRANSITIONS,
    CERTIFICATE_TRANSFER_PERMISSIONS,
    CERTIFICATE_TRANSFER_HUMAN_ACTIONS,
    record.status,
    user,
    record.clientId,
  );
  const view = {
    status: record.status,
    clientId: record.clientId,
    requestedBy: record.clientId,
    asset: (str(record.attributes.asset) ?? 'EUA') as CertificateAsset,
    approvals,
    approvalsRequired: approvalsRequiredOf(record.attributes.approvalsRequired),
  };
  return allowed.filter(
    (a) => a !== 'approve' || checkApproveTransfer(view, { actor: actorOf(user) }) === null,
  );
}

/** The view of `record` for `user` (who has already been found allowed to read it). */
export function toCertificateTransferView(
  record: CertificateTransferRecord,
  user: SessionUser,
): CertificateTransferView {
  const client = isClient(user.role);
  const a = record.attributes;
  const approvals = transferApprovalsOf(a.approvals);
  const approvalsRequired = approvalsRequiredOf(a.approvalsRequired);
  const view: CertificateTransferView = {
    id: record.businessId,
    workflowId: record.workflowId,
    status: record.status,
    clientId: record.clientId,
    direction: (str(a.direction) ?? 'IN') as TransferDirection,
    asset: (str(a.asset) ?? 'EUA') as CertificateAsset,
    quantity: str(a.quantity) ?? '',
    receivedQuantity: str(a.receivedQuantity),
    registryAccountId: str(a.registryAccountId) ?? '',
    registryAccount: (a.registryAccount as TransferRegistryAccount | null | undefined) ?? null,
    reference: str(a.reference) ?? '',
    registryReference: str(a.registryReference),
    approvalsRequired,
    approvals: approvals.map((x) =>
      client ? { actor: x.actor, at: x.at } : { actor: x.actor, at: x.at, note: x.note },
    ),
    approvalsMissing:
      record.status === 'PENDING_APPROVAL' ? Math.max(0, approvalsRequired - approvals.length) : 0,
    failureReason: str(a.failureReason),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    closedAt: record.closedAt,
    allowedActions: actionsFor(record, user, approvals),
    timeline: record.transitions.map((t) => (client ? { ...t.entry, reason: clientReason(t, a) } : t.entry)),
  };
  if (!client) view.openTasks = record.tasks.map(openTaskOf);
  return view;
}
