// The break actions: match by hand, dismiss, propose an adjustment, approve it. Each is an Update of
// the workflow the break belongs to, found by the break's id: a statement's reconciliation, or the
// internal reconciliation run that found the difference (internal-breaks.ts).
import { z } from 'zod';
import { getBreakWithTask } from '../../../db/reconciliation/index.js';
import { BREAK_RESOLUTIONS } from '../../../domain/reconciliation/lifecycle.js';
import { approveAdjustmentUpdate, resolveBreakUpdate } from '../../../workflows/reconciliation.js';
import type { AppDeps } from '../../deps.js';
import { toBreakView, type ReconciliationBreakView } from '../../reconciliation-view.js';
import { textField, uuidSchema } from '../../validate.js';
import { parseInput, type SessionUser } from '../common.js';
import { reconciliations, requireOperations } from './lifecycle.js';
import { approveInternalAdjustment, resolveInternalBreak } from './internal-breaks.js';
import { getBreakFor } from './lines.js';

export const ResolveBreakBodySchema = z
  .object({
    resolution: z.enum(BREAK_RESOLUTIONS),
    entryIds: z
      .array(uuidSchema)
      .min(1)
      .max(100)
      .optional()
      .meta({ description: 'match: the ledger entries' }),
    note: textField({ max: 2000, multiline: true })
      .optional()
      .meta({ description: 'adjust: why (required)' }),
    reason: textField({ max: 2000, multiline: true })
      .optional()
      .meta({ description: 'dismiss: why (required)' }),
  })
  .meta({ id: 'ResolveBreakBody' });
const ResolveOnWorkflowSchema = ResolveBreakBodySchema.extend({ breakId: uuidSchema });
const ApproveOnWorkflowSchema = z.object({ breakId: uuidSchema });

type ResolveBody = z.infer<typeof ResolveBreakBodySchema>;

/** A dismissal's text comes as `reason` (or `note`); an adjustment's and a match's as `note`. */
function resolutionOf(breakId: string, body: ResolveBody) {
  return {
    breakId,
    resolution: body.resolution,
    entryIds: body.entryIds ?? null,
    note: (body.resolution === 'dismiss' ? (body.reason ?? body.note) : body.note) ?? null,
  };
}

const resolveOnWorkflow = reconciliations.action('resolve', {
  update: resolveBreakUpdate,
  body: ResolveOnWorkflowSchema,
  args: (body) => resolutionOf(body.breakId, body),
});
const approveOnWorkflow = reconciliations.action('approve', {
  update: approveAdjustmentUpdate,
  body: ApproveOnWorkflowSchema,
  args: (body) => ({ breakId: body.breakId }),
});

/** POST /ops/reconciliation-breaks/:id/resolve: an Update of the break's reconciliation. */
export async function resolveBreak(
  deps: AppDeps,
  user: SessionUser,
  breakId: string,
  body: unknown,
  requestId: string,
): Promise<ReconciliationBreakView> {
  requireOperations(user, 'resolve breaks');
  const parsed = parseInput(ResolveBreakBodySchema, body, 'body');
  const row = await getBreakFor(deps, user, breakId);
  if (row.statementId === null)
    await resolveInternalBreak(deps, user, row.workflowId, resolutionOf(row.id, parsed), requestId);
  else await resolveOnWorkflow(deps, user, row.statementId, { ...parsed, breakId: row.id }, requestId);
  return toBreakView((await getBreakWithTask(deps.pool, row.id)) ?? row);
}

/** POST /ops/reconciliation-breaks/:id/approve: a second operator posts the adjusting entry. */
export async function approveBreakAdjustment(
  deps: AppDeps,
  user: SessionUser,
  breakId: string,
  requestId: string,
): Promise<ReconciliationBreakView> {
  requireOperations(user, 'approve adjustments');
  const row = await getBreakFor(deps, user, breakId);
  if (row.statementId === null)
    await approveInternalAdjustment(deps, user, row.workflowId, row.id, requestId);
  else await approveOnWorkflow(deps, user, row.statementId, { breakId: row.id }, requestId);
  return toBreakView((await getBreakWithTask(deps.pool, row.id)) ?? row);
}
