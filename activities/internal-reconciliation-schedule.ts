// The Temporal Schedule of the internal reconciliation: nightly at 02:00 Europe/Brussels in
// production, every INTERNAL_RECONCILIATION_EVERY_SECONDS seconds when that is set (tests). Created
// idempotently at worker start-up like the settlement schedule (activities/settlement-schedule.ts):
// an existing Schedule is brought to the current spec instead. Overlap ALLOW_ALL: a run with
// differences stays open until every break is explained (days, perhaps), and the books must still be
// checked every night meanwhile; a difference nobody explained yet shows again in the next run. (The
// check itself is one activity of seconds, so two runs reading the books at once is harmless.)
//
// Its breaks' due date comes from the `reconciliation` policy's breakDueMs: the worker builds the
// action from the stored version (storedReconciliationPolicy), and a saved version moves the action
// at once (followInternalReconciliationSchedule). Runs already started keep breakDueMs in their input.
import type pg from 'pg';
import { ScheduleOverlapPolicy, type Client, type ScheduleSpec } from '@temporalio/client';
import {
  INTERNAL_RECONCILIATION_SCHEDULE_ID,
  SCHEDULED_INTERNAL_RECONCILIATION_PREFIX,
} from '../domain/reconciliation/internal.js';
import { policyFromJsonEnv } from '../domain/policy-env.js';
import { RECONCILIATION_POLICY_ENV, type ReconciliationPolicy } from '../domain/reconciliation/policy.js';
import type { internalReconciliation } from '../workflows/internal-reconciliation.js';
import { followSchedule, storedPolicy, upsertSchedule } from './policy-schedule.js';

/** The reconciliation policy in force for the worker (activities/policy-schedule.ts storedPolicy). */
export async function storedReconciliationPolicy(
  db: pg.Pool,
  env: Record<string, string | undefined> = process.env,
): Promise<ReconciliationPolicy> {
  return storedPolicy(db, RECONCILIATION_POLICY_ENV, env);
}

export function internalScheduleSpec(env: Record<string, string | undefined> = process.env): ScheduleSpec {
  const every = Number(env.INTERNAL_RECONCILIATION_EVERY_SECONDS ?? '');
  if (Number.isSafeInteger(every) && every > 0) return { intervals: [{ every: every * 1000 }] };
  return { timezone: 'Europe/Brussels', calendars: [{ hour: 2, minute: 0 }] };
}

interface InternalScheduleOptions {
  taskQueue: string;
  scheduleId?: string;
  /** Default: the policy from RECONCILIATION_POLICY_JSON over the defaults. */
  policy?: ReconciliationPolicy;
}

function scheduleParts(options: InternalScheduleOptions) {
  const policy = options.policy ?? policyFromJsonEnv(RECONCILIATION_POLICY_ENV, process.env);
  return {
    // The environment's id lets a test have a Schedule of its own on a shared Temporal server.
    scheduleId:
      options.scheduleId ??
      (process.env.INTERNAL_RECONCILIATION_SCHEDULE_ID || INTERNAL_RECONCILIATION_SCHEDULE_ID),
    action: {
      type: 'startWorkflow' as const,
      workflowType: 'internalReconciliation',
      workflowId: SCHEDULED_INTERNAL_RECONCILIATION_PREFIX,
      taskQueue: options.taskQueue,
      args: [{ breakDueMs: policy.breakDueMs }] satisfies Parameters<typeof internalReconciliation>,
      staticSummary: 'Internal reconciliation (scheduled)',
    },
    policies: { overlap: ScheduleOverlapPolicy.ALLOW_ALL },
  };
}

export async function ensureInternalReconciliationSchedule(
  client: Client,
  options: InternalScheduleOptions & { spec?: ScheduleSpec },
): Promise<'created' | 'updated'> {
  return upsertSchedule(client, { ...scheduleParts(options), spec: options.spec ?? internalScheduleSpec() });
}

/**
 * Brings an existing Schedule's action to `policy` after an admin saved a version; its spec stays
 * the worker's (the API process need not know INTERNAL_RECONCILIATION_EVERY_SECONDS). Creates none.
 */
export async function followInternalReconciliationSchedule(
  client: Client,
  options: InternalScheduleOptions & { policy: ReconciliationPolicy },
): Promise<'updated' | 'absent'> {
  return followSchedule(client, scheduleParts(options));
}
