// The deposit as the API and the pages show it (API.md "lifecycle resources share one shape"), built
// from the lifecycle read model only (the workflow records a transition before it answers). One
// builder decides what each role sees: clients never see AML screening details, officers' notes or
// staff tasks.
import { z } from 'zod';
import type { LifecycleDetail, LifecycleSummary } from '../db/lifecycle/index.js';
import type { Task } from '../db/lifecycle/tasks.js';
import {
  DEPOSIT_HUMAN_ACTIONS,
  DEPOSIT_PERMISSIONS,
  DEPOSIT_STATUSES,
  DEPOSIT_TRANSITIONS,
  type DepositHumanAction,
  type DepositInput,
  type DepositStatus,
} from '../domain/deposit.js';
import type { TimelineEntry } from '../domain/lifecycle.js';
import type { AssetCode } from '../domain/money.js';
import { ROLES, isClient, type Role } from '../domain/roles.js';
import type { SessionUser } from './auth/tokens.js';
import { lifecycleViewFields } from './lifecycle-kit/view-schemas.js';
import {
  allowedHumanActions,
  isLiveTask,
  textOrNull as str,
  transitionsOfDetail,
  type RecordedTransition as LifecycleTransition,
} from './services/lifecycle-records.js';

// ---- wire instructions ----------------------------------------------------------------------------

/** The platform's client-money (omnibus) account the client wires to; override per environment. */
export const DEFAULT_DEPOSIT_ACCOUNT = {
  iban: 'DE25100200300123456789',
  bic: 'CLRHDEB1XXX',
  beneficiary: 'Clearhouse Markets GmbH - Client Money Account',
} as const;

export interface DepositInstructions {
  iban: string;
  bic: string;
  beneficiary: string;
  /** The deposit's own reference (CH-XXXXXXXXXX): the wire must carry it. */
  reference: string;
}

export function depositInstructions(
  reference: string,
  env: NodeJS.ProcessEnv = process.env,
): DepositInstructions {
  return {
    iban: env.DEPOSIT_ACCOUNT_IBAN || DEFAULT_DEPOSIT_ACCOUNT.iban,
    bic: env.DEPOSIT_ACCOUNT_BIC || DEFAULT_DEPOSIT_ACCOUNT.bic,
    beneficiary: env.DEPOSIT_ACCOUNT_BENEFICIARY || DEFAULT_DEPOSIT_ACCOUNT.beneficiary,
    reference,
  };
}

// ---- the view -------------------------------------------------------------------------------------

export interface DepositScreeningView {
  score: number;
  decision: string;
  reasons: string[];
}

export interface DepositTaskView {
  id: string;
  kind: string;
  status: string;
  requiredRole: Role;
  assignee: string | null;
  summary: string | null;
  createdAt: string;
  dueAt: string | null;
}

export interface DepositView {
  /** The business id (UUID), the `:id` of every deposit route. */
  id: string;
  workflowId: string;
  status: DepositStatus;
  clientId: string;
  /** Announced amount, decimal string in asset units. */
  amount: string;
  currency: AssetCode;
  /** The client's own reference given when announcing. */
  wireReference: string | null;
  /** Our reference (the same as instructions.reference). */
  reference: string;
  instructions: DepositInstructions;
  receivedAmount: string | null;
  receivedAt: string | null;
  holdUntil: string | null;
  /** Staff and auditors only; omitted for clients (no tipping-off). */
  screening?: DepositScreeningView | null;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  /** What the caller may do now (status allows it and the role/owner permits it). */
  allowedActions: DepositHumanAction[];
  timeline: TimelineEntry<DepositStatus>[];
  /** Staff and auditors only: live tasks (open or claimed) of this deposit. */
  openTasks?: DepositTaskView[];
}

// ---- zod schemas (OpenAPI) ------------------------------------------------------------------------

export const DepositSchema = z
  .object({
    id: z.uuid(),
    workflowId: z.string().meta({ example: 'deposit-0b6f1c0e-…' }),
    status: z.enum(DEPOSIT_STATUSES),
    clientId: z.uuid(),
    amount: z.string().meta({ example: '1250.50' }),
    currency: z.enum(['EUR', 'USD']),
    wireReference: z.string().nullable(),
    reference: z.string().meta({ example: 'CH-7K2M9Q4X1B' }),
    instructions: z.object({
      iban: z.string().meta({ example: DEFAULT_DEPOSIT_ACCOUNT.iban }),
      bic: z.string().meta({ example: DEFAULT_DEPOSIT_ACCOUNT.bic }),
      beneficiary: z.string(),
      reference: z.string(),
    }),
    receivedAmount: z.string().nullable(),
    receivedAt: z.string().nullable(),
    holdUntil: z.string().nullable(),
    screening: z
      .object({ score: z.number(), decision: z.string(), reasons: z.array(z.string()) })
      .nullable()
      .optional()
      .meta({ description: 'Staff and auditors only' }),
    createdAt: z.string(),
    updatedAt: z.string(),
    closedAt: z.string().nullable(),
    ...lifecycleViewFields(DEPOSIT_HUMAN_ACTIONS, {
      requiredRole: z.enum(ROLES),
      summary: z.string().nullable(),
      createdAt: z.string(),
    }),
  })
  .meta({ id: 'Deposit' });

// ---- building it ----------------------------------------------------------------------------------

/** One transition with the domain action that caused it (null when unknown). */
type RecordedTransition = LifecycleTransition<DepositStatus>;

/** Everything a view is made of, whatever the source. */
export interface DepositRecord {
  businessId: string;
  workflowId: string;
  status: DepositStatus;
  clientId: string;
  amount: string;
  currency: AssetCode;
  reference: string;
  wireReference: string | null;
  receivedAmount: string | null;
  receivedAt: string | null;
  holdUntil: string | null;
  screening: DepositScreeningView | null;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  transitions: RecordedTransition[];
  /** Live tasks (open or claimed). */
  tasks: Task[];
}

function screeningOf(value: unknown): DepositScreeningView | null {
  if (typeof value !== 'object' || value === null) return null;
  const s = value as { score?: unknown; decision?: unknown; reasons?: unknown };
  return {
    score: typeof s.score === 'number' ? s.score : 0,
    decision: typeof s.decision === 'string' ? s.decision : 'unknown',
    reasons: Array.isArray(s.reasons) ? s.reasons.filter((r): r is string => typeof r === 'string') : [],
  };
}

/** From the read model (`getLifecycle*`). */
export function recordFromLifecycle(
  summary: LifecycleSummary,
  transitions: RecordedTransition[],
  tasks: Task[],
): DepositRecord {
  const a = summary.attributes;
  return {
    businessId: summary.businessId,
    workflowId: summary.workflowId,
    status: summary.status as DepositStatus,
    clientId: summary.ownerId ?? '',
    amount: str(a.amount) ?? '',
    currency: (str(a.currency) ?? 'EUR') as AssetCode,
    reference: str(a.reference) ?? '',
    wireReference: str(a.wireReference),
    receivedAmount: str(a.receivedAmount),
    receivedAt: str(a.receivedAt),
    holdUntil: str(a.holdUntil),
    screening: screeningOf(a.screening),
    createdAt: summary.createdAt,
    updatedAt: summary.updatedAt,
    closedAt: summary.closedAt,
    transitions,
    tasks: tasks.filter(isLiveTask),
  };
}

export function recordFromDetail(detail: LifecycleDetail): DepositRecord {
  return recordFromLifecycle(detail, transitionsOfDetail<DepositStatus>(detail), detail.tasks);
}

/** What an AML decision looks like to the client: the fact, never the officer's reasoning. */
const CLIENT_REASONS: Partial<Record<string, string>> = {
  release: 'Funds released after review',
  extend: 'Hold extended',
  reject: 'Deposit rejected; the funds are returned to the sender',
};

function actionOf(t: RecordedTransition): string | null {
  if (t.action) return t.action;
  const { from, to, actor } = t.entry;
  if (actor?.role !== 'aml_officer') return null;
  if (to === 'REJECTED') return 'reject';
  if (to === 'CLEARED') return 'release';
  if (to === 'ON_HOLD' && (from === 'ON_HOLD' || from === 'AML_REVIEW')) return 'extend';
  return null;
}

function clientTimelineEntry(t: RecordedTransition): TimelineEntry<DepositStatus> {
  const generic = CLIENT_REASONS[actionOf(t) ?? ''];
  return generic ? { ...t.entry, reason: generic } : t.entry;
}

/** The view of `record` for `user` (who has already been found allowed to read it). */
export function toDepositView(record: DepositRecord, user: SessionUser): DepositView {
  const client = isClient(user.role);
  const allowed = allowedHumanActions(
    DEPOSIT_TRANSITIONS,
    DEPOSIT_PERMISSIONS,
    DEPOSIT_HUMAN_ACTIONS,
    record.status,
    user,
    record.clientId,
  );
  const view: DepositView = {
    id: record.businessId,
    workflowId: record.workflowId,
    status: record.status,
    clientId: record.clientId,
    amount: record.amount,
    currency: record.currency,
    wireReference: record.wireReference,
    reference: record.reference,
    instructions: depositInstructions(record.reference),
    receivedAmount: record.receivedAmount,
    receivedAt: record.receivedAt,
    holdUntil: record.holdUntil,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    closedAt: record.closedAt,
    allowedActions: allowed,
    timeline: record.transitions.map((t) => (client ? clientTimelineEntry(t) : t.entry)),
  };
  if (!client) {
    view.screening = record.screening;
    view.openTasks = record.tasks.map((task) => ({
      id: task.id,
      kind: task.kind,
      status: task.status,
      requiredRole: task.requiredRole,
      assignee: task.assignee,
      summary: task.summary,
      createdAt: task.createdAt,
      dueAt: task.dueAt,
    }));
  }
  return view;
}
