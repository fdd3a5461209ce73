// Resolving breaks, shared by a statement's reconciliation and the internal one: each resolution is
// one activity (the break row and its inbox task change together) and one transition of the
// lifecycle, in that order. Workflow code: deterministic. The order of these two commands is part of
// both workflows' histories; change it only behind patched() in the callers.
import { proxyActivities } from '@temporalio/workflow';
import type { ReconciliationActivities } from '../activities/reconciliation.js';
import type {
  ApproveAdjustmentArgs,
  PendingAdjustments,
  ResolveBreakArgs,
} from '../domain/reconciliation/lifecycle.js';
import { LIFECYCLE_ACTIVITY_OPTIONS, type LifecycleRecorder } from './lifecycle.js';

const { resolveReconciliationBreak, approveReconciliationAdjustment } =
  proxyActivities<ReconciliationActivities>(LIFECYCLE_ACTIVITY_OPTIONS);

/** A person's action on a break, as the command slot hands it to the main loop. */
export type BreakCommand =
  { action: 'resolve'; args: ResolveBreakArgs } | { action: 'approve'; args: ApproveAdjustmentArgs };

export interface BreakResolutionOptions<Status extends string> {
  lifecycle: LifecycleRecorder<Status, 'resolve' | 'approve'>;
  /** The ledger account reconciled, when there is one (a statement's). */
  accountCode?: string;
  /** Adjustments waiting for their second operator, by break id; changed in place. */
  pendingAdjustments: PendingAdjustments;
  /** Told the count of open breaks after every step. */
  setOpenBreaks: (openBreaks: number) => void;
}

export function breakResolution<Status extends string>(options: BreakResolutionOptions<Status>) {
  const { lifecycle, pendingAdjustments } = options;
  const { workflowId } = lifecycle;
  const nowIso = () => new Date(Date.now()).toISOString();

  async function resolve(args: ResolveBreakArgs): Promise<void> {
    const result = await resolveReconciliationBreak.executeWithOptions(
      { summary: `${args.resolution} break ${args.breakId}` },
      [
        {
          workflowId,
          breakId: args.breakId,
          resolution: args.resolution,
          entryIds: args.entryIds ?? null,
          note: args.note?.trim() || null,
          actorId: args.actor.id,
          at: nowIso(),
        },
      ],
    );
    if (args.resolution === 'adjust') pendingAdjustments[args.breakId] = { proposedBy: args.actor.id };
    options.setOpenBreaks(result.openBreaks);
    await lifecycle.transition('resolve', args.actor, {
      reason:
        args.resolution === 'adjust'
          ? `Adjustment of break ${args.breakId} proposed; a second operator must approve it`
          : `Break ${args.breakId} ${args.resolution === 'match' ? 'matched by hand' : 'dismissed'}`,
      data: {
        breakId: args.breakId,
        resolution: args.resolution,
        entryIds: args.entryIds ?? null,
        note: args.note ?? null,
      },
    });
  }

  async function approve(args: ApproveAdjustmentArgs): Promise<void> {
    const result = await approveReconciliationAdjustment.executeWithOptions(
      { summary: `post adjustment of ${args.breakId}` },
      [
        {
          workflowId,
          breakId: args.breakId,
          accountCode: options.accountCode,
          actorId: args.actor.id,
          at: nowIso(),
        },
      ],
    );
    const proposedBy = pendingAdjustments[args.breakId]?.proposedBy ?? null;
    delete pendingAdjustments[args.breakId];
    options.setOpenBreaks(result.openBreaks);
    await lifecycle.transition('approve', args.actor, {
      reason: `Adjustment of break ${args.breakId} approved and posted`,
      data: { breakId: args.breakId, entryId: result.entryId, proposedBy },
    });
  }

  /** Runs one command (the main loop's `run`). */
  const run = (command: BreakCommand) =>
    command.action === 'resolve' ? resolve(command.args) : approve(command.args);
  return { resolve, approve, run };
}
