// The withdrawal as the API and the pages show it (API.md "lifecycle resources share one shape"),
// built from the lifecycle read model only (recordTransition commits before the workflow answers an
// Update). One builder decides what each role sees: clients never see staff notes, the approval SLA
// or staff tasks.
import { z } from 'zod';
import type { LifecycleDetail, LifecycleSummary } from '../db/lifecycle/index.js';
import type { Task } from '../db/lifecycle/tasks.js';
import type { Actor, TimelineEntry } from '../domain/lifecycle.js';
import type { AssetCode } from '../domain/money.js';
import { approvalsFromJson } from '../domain/four-eyes.js';
import { ROLES, isClient } from '../domain/roles.js';
import {
  WITHDRAWAL_HUMAN_ACTIONS,
  WITHDRAWAL_PERMISSIONS,
  WITHDRAWAL_STATUSES,
  WITHDRAWAL_TRANSITIONS,
  checkApprove,
  type Approval,
  type PayoutAccount,
  type WithdrawalHumanAction,
  type WithdrawalStatus,
} from '../domain/withdrawal.js';
import type { SessionUser } from './auth/tokens.js';
import { ActorSchema, lifecycleViewFields } from './lifecycle-kit/view-schemas.js';
import { actorOf } from './services/common.js';
import {
  allowedHumanActions,
  isLiveTask,
  textOrNull as str,
  transitionsOfDetail,
  type RecordedTransition as LifecycleTransition,
} from './services/lifecycle-records.js';

// ---- the view -------------------------------------------------------------------------------------

export interface WithdrawalTaskView {
  id: string;
  kind: string;
  status: string;
  assignee: string | null;
  summary: string | null;
  priority: number;
  dueAt: string | null;
}

export interface WithdrawalView {
  /** The business id (UUID), the `:id` of every withdrawal route. */
  id: string;
  workflowId: string;
  status: WithdrawalStatus;
  clientId: string;
  amount: string;
  currency: AssetCode;
  bankAccountId: string;
  bankAccount: PayoutAccount | null;
  approvalsRequired: number;
  approvals: { actor: Actor; at: string; note?: string | null }[];
  /** Approvals still needed (0 once decided). */
  approvalsMissing: number;
  /** Four eyes: one approval is in, a second, different person must approve. */
  secondApproverNeeded: boolean;
  approvalDueAt?: string;
  escalatedAt?: string | null;
  bankReference: string | null;
  failureReason: string | null;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  /** What the caller may do now (status, role, owner, four-eyes rules). */
  allowedActions: WithdrawalHumanAction[];
  timeline: TimelineEntry<WithdrawalStatus>[];
  openTasks?: WithdrawalTaskView[];
}

// ---- zod schema (OpenAPI) -------------------------------------------------------------------------

export const WithdrawalSchema = z
  .object({
    id: z.uuid(),
    workflowId: z.string().meta({ example: 'withdrawal-0b6f1c0e-…' }),
    status: z.enum(WITHDRAWAL_STATUSES),
    clientId: z.uuid(),
    amount: z.string().meta({ example: '1250.50' }),
    currency: z.enum(['EUR', 'USD']),
    bankAccountId: z.uuid(),
    bankAccount: z
      .object({
        id: z.uuid(),
        iban: z.string().meta({ example: 'DE89370400440532013000' }),
        bic: z.string().meta({ example: 'COBADEFFXXX' }),
        accountName: z.string(),
        bankName: z.string(),
        country: z.string(),
      })
      .nullable(),
    approvalsRequired: z.number().int().meta({ description: '2 at or above the four-eyes threshold' }),
    approvals: z.array(
      z.object({
        actor: ActorSchema,
        at: z.string(),
        note: z.string().nullable().optional().meta({ description: 'Staff and auditors only' }),
      }),
    ),
    approvalsMissing: z.number().int().meta({ description: 'Approvals still needed before the payout' }),
    secondApproverNeeded: z.boolean(),
    approvalDueAt: z.string().optional().meta({ description: 'Staff and auditors only: the approval SLA' }),
    escalatedAt: z.string().nullable().optional().meta({ description: 'Staff and auditors only' }),
    bankReference: z.string().nullable(),
    failureReason: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    closedAt: z.string().nullable(),
    ...lifecycleViewFields(WITHDRAWAL_HUMAN_ACTIONS, {
      summary: z.string().nullable(),
      priority: z.number().int(),
    }),
  })
  .meta({ id: 'Withdrawal' });

// ---- building it ----------------------------------------------------------------------------------

type RecordedTransition = LifecycleTransition<WithdrawalStatus>;

/** Everything a view is made of: the read model's row, timeline and live tasks. */
export interface WithdrawalRecord {
  businessId: string;
  workflowId: string;
  status: WithdrawalStatus;
  clientId: string;
  attributes: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  transitions: RecordedTransition[];
  tasks: Task[];
}

/** The approvals the read model's attributes carry (untyped JSON). */
export const approvalsOf = approvalsFromJson;

export function recordFromSummary(
  summary: LifecycleSummary,
  transitions: RecordedTransition[],
  tasks: Task[],
): WithdrawalRecord {
  return {
    businessId: summary.businessId,
    workflowId: summary.workflowId,
    status: summary.status as WithdrawalStatus,
    clientId: summary.ownerId ?? '',
    attributes: summary.attributes,
    createdAt: summary.createdAt,
    updatedAt: summary.updatedAt,
    closedAt: summary.closedAt,
    transitions,
    tasks: tasks.filter(isLiveTask),
  };
}

export function recordFromDetail(detail: LifecycleDetail): WithdrawalRecord {
  return recordFromSummary(detail, transitionsOfDetail<WithdrawalStatus>(detail), detail.tasks);
}

/** What a client reads on their timeline: facts, never staff notes. */
function clientReason(t: RecordedTransition): string | null {
  const { from, to, reason } = t.entry;
  const action =
    t.action ??
    (from === 'PENDING_APPROVAL' && to === 'PENDING_APPROVAL' && t.entry.actor
      ? 'approve_first'
      : from === 'PENDING_APPROVAL' && to === 'PROCESSING'
        ? 'approve'
        : null);
  switch (action) {
    case 'approve_first':
      return 'First approval given; a second approver is needed';
    case 'approve':
      return 'Approved; the payout is under way';
    case 'escalate':
      return 'The approval is taking longer than planned; it has been escalated';
    default:
      return reason;
  }
}

/**
 * What `user` may do now: the actions the status allows and the role or ownership permits (the same
 * rule as every lifecycle), less an approval the four-eyes rule refuses them (already approved).
 */
function actionsFor(record: WithdrawalRecord, user: SessionUser, approvals: Approval[]) {
  if (record.closedAt) return [];
  const allowed = allowedHumanActions(
    WITHDRAWAL_TRANSITIONS,
    WITHDRAWAL_PERMISSIONS,
    WITHDRAWAL_HUMAN_ACTIONS,
    record.status,
    user,
    record.clientId,
  );
  const fourEyes = {
    status: record.status,
    clientId: record.clientId,
    requestedBy: record.clientId,
    approvals,
    approvalsRequired: record.attributes.approvalsRequired === 2 ? 2 : 1,
  } as const;
  return allowed.filter((a) => a !== 'approve' || checkApprove(fourEyes, { actor: actorOf(user) }) === null);
}

/** The view of `record` for `user` (who has already been found allowed to read it). */
export function toWithdrawalView(record: WithdrawalRecord, user: SessionUser): WithdrawalView {
  const client = isClient(user.role);
  const a = record.attributes;
  const approvals = approvalsOf(a.approvals);
  const approvalsRequired = a.approvalsRequired === 2 ? 2 : 1;
  const missing =
    record.status === 'PENDING_APPROVAL' ? Math.max(0, approvalsRequired - approvals.length) : 0;
  const view: WithdrawalView = {
    id: record.businessId,
    workflowId: record.workflowId,
    status: record.status,
    clientId: record.clientId,
    amount: str(a.amount) ?? '',
    currency: (str(a.currency) ?? 'EUR') as AssetCode,
    bankAccountId: str(a.bankAccountId) ?? '',
    bankAccount: (a.bankAccount as PayoutAccount | null | undefined) ?? null,
    approvalsRequired,
    approvals: approvals.map((x) =>
      client ? { actor: x.actor, at: x.at } : { actor: x.actor, at: x.at, note: x.note },
    ),
    approvalsMissing: missing,
    secondApproverNeeded: approvalsRequired === 2 && approvals.length === 1 && missing === 1,
    bankReference: str(a.bankReference),
    failureReason: str(a.failureReason),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    closedAt: record.closedAt,
    allowedActions: actionsFor(record, user, approvals),
    timeline: record.transitions.map((t) => (client ? { ...t.entry, reason: clientReason(t) } : t.entry)),
  };
  if (!client) {
    view.approvalDueAt = str(a.approvalDueAt) ?? undefined;
    view.escalatedAt = str(a.escalatedAt);
    view.openTasks = record.tasks.map((task) => ({
      id: task.id,
      kind: task.kind,
      status: task.status,
      assignee: task.assignee,
      summary: task.summary,
      priority: task.priority,
      dueAt: task.dueAt,
    }));
  }
  return view;
}
