// The breaks of an internal reconciliation run (workflows/internal-reconciliation.ts): the run stays
// open at DIFFERENCES until each is explained, and the break actions are Updates of the run's own
// workflow, checked in the kit's order (api/lifecycle-kit/service.ts): the run exists (404), this
// very request was applied already (then nothing is sent again), the run has not ended (409), then
// the workflow's validator. Not through the kit's descriptor: a run's business id is the workflow id
// its Schedule gave it, not a UUID.
import { getLifecycle, type LifecycleDetail } from '../../../db/lifecycle/index.js';
import {
  INTERNAL_RECONCILIATION_TYPE,
  INTERNAL_TRANSITIONS,
  type InternalAction,
} from '../../../domain/reconciliation/internal.js';
import type { BreakResolution } from '../../../domain/reconciliation/lifecycle.js';
import {
  approveInternalAdjustmentUpdate,
  resolveInternalBreakUpdate,
} from '../../../workflows/internal-reconciliation.js';
import type { AppDeps } from '../../deps.js';
import { notFound } from '../../errors.js';
import { appliedBefore } from '../../lifecycle-kit/reading.js';
import { runLifecycleUpdate } from '../../lifecycle-kit/workflow-calls.js';
import { actorOf, refuseIfEnded, type SessionUser } from '../common.js';

const NOUN = 'internal reconciliation';

async function openRun(
  deps: AppDeps,
  workflowId: string,
  action: InternalAction,
  requestId: string,
): Promise<LifecycleDetail | null> {
  const detail = await getLifecycle(deps.pool, workflowId);
  if (!detail || detail.type !== INTERNAL_RECONCILIATION_TYPE) throw notFound(`no such ${NOUN}`);
  if (appliedBefore(detail, action, requestId)) return null;
  refuseIfEnded(INTERNAL_TRANSITIONS, { status: detail.status, closedAt: detail.closedAt }, action, NOUN);
  return detail;
}

/** Audit actions are snake_case (`internal_reconciliation.resolve`); the lifecycle type is not. */
const AUDIT_SUBJECT = 'internal_reconciliation';

const auditOf = (detail: LifecycleDetail) => ({
  subject: { type: AUDIT_SUBJECT, id: detail.businessId },
  before: { status: detail.status },
  after: (state: { status: string; openBreaks: number }) => ({
    status: state.status,
    openBreaks: state.openBreaks,
  }),
});

export interface InternalBreakResolution {
  breakId: string;
  resolution: BreakResolution;
  entryIds: string[] | null;
  note: string | null;
}

/** Dismiss or adjust (matching is refused by the run: it has no lines) a break of run `workflowId`. */
export async function resolveInternalBreak(
  deps: AppDeps,
  user: SessionUser,
  workflowId: string,
  body: InternalBreakResolution,
  requestId: string,
): Promise<void> {
  const detail = await openRun(deps, workflowId, 'resolve', requestId);
  if (!detail) return;
  await runLifecycleUpdate(deps, user, {
    workflowId,
    action: 'resolve',
    requestId,
    update: resolveInternalBreakUpdate,
    args: { ...body, actor: actorOf(user) },
    audit: auditOf(detail),
    view: async () => undefined,
  });
}

/** A second operator approves the adjustment proposed for a break of run `workflowId`. */
export async function approveInternalAdjustment(
  deps: AppDeps,
  user: SessionUser,
  workflowId: string,
  breakId: string,
  requestId: string,
): Promise<void> {
  const detail = await openRun(deps, workflowId, 'approve', requestId);
  if (!detail) return;
  await runLifecycleUpdate(deps, user, {
    workflowId,
    action: 'approve',
    requestId,
    update: approveInternalAdjustmentUpdate,
    args: { breakId, actor: actorOf(user) },
    audit: auditOf(detail),
    view: async () => undefined,
  });
}
