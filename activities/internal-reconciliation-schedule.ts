// The Temporal Schedule of the internal reconciliation: nightly at 02:00 Europe/Brussels in
// production, every INTERNAL_RECONCILIATION_EVERY_SECONDS seconds when that is set (tests). Created
// idempotently at worker start-up like the settlement schedule (activities/settlement-schedule.ts):
// an existing Schedule is brought to the current spec instead. Overlap ALLOW_ALL: a run with
// differences stays open until every break is explained (days, perhaps), and the books must still be
// checked every night meanwhile; a difference nobody explained yet shows again in the next run. (The
// check itself is one activity of seconds, so two runs reading the books at once is harmless.)
import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleSpec,
} from '@temporalio/client';
import {
  INTERNAL_RECONCILIATION_SCHEDULE_ID,
  SCHEDULED_INTERNAL_RECONCILIATION_PREFIX,
} from '../domain/reconciliation/internal.js';
import { DEFAULT_RECONCILIATION_POLICY } from '../domain/reconciliation/policy.js';
import type { internalReconciliation } from '../workflows/internal-reconciliation.js';

export function internalScheduleSpec(env: Record<string, string | undefined> = process.env): ScheduleSpec {
  const every = Number(env.INTERNAL_RECONCILIATION_EVERY_SECONDS ?? '');
  if (Number.isSafeInteger(every) && every > 0) return { intervals: [{ every: every * 1000 }] };
  return { timezone: 'Europe/Brussels', calendars: [{ hour: 2, minute: 0 }] };
}

export async function ensureInternalReconciliationSchedule(
  client: Client,
  options: { taskQueue: string; scheduleId?: string; spec?: ScheduleSpec },
): Promise<'created' | 'updated'> {
  const scheduleId = options.scheduleId ?? INTERNAL_RECONCILIATION_SCHEDULE_ID;
  const spec = options.spec ?? internalScheduleSpec();
  const action = {
    type: 'startWorkflow' as const,
    workflowType: 'internalReconciliation',
    workflowId: SCHEDULED_INTERNAL_RECONCILIATION_PREFIX,
    taskQueue: options.taskQueue,
    args: [{ breakDueMs: DEFAULT_RECONCILIATION_POLICY.breakDueMs }] satisfies Parameters<
      typeof internalReconciliation
    >,
    staticSummary: 'Internal reconciliation (scheduled)',
  };
  const policies = { overlap: ScheduleOverlapPolicy.ALLOW_ALL };
  try {
    await client.schedule.create({ scheduleId, spec, action, policies });
    return 'created';
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  await client.schedule
    .getHandle(scheduleId)
    .update((previous) => ({ ...previous, spec, action, policies: { ...previous.policies, ...policies } }));
  return 'updated';
}
