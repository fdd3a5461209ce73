// The Temporal Schedule that starts one SettlementBatch per cutoff of the `settlement` policy
// (default: 16:00 Europe/Brussels on business days; SETTLEMENT_POLICY_JSON overrides, tests use an
// interval of seconds, and an admin's stored version on the policy page outranks it). Created
// idempotently at worker start-up: an existing Schedule is updated to the current policy instead; a
// saved version updates it at once (followSettlementSchedule). Batches already running keep the
// policy in their input.
//
// Overlap policy BUFFER_ALL with a catch-up window: batches run one after another, never two for the
// same cutoff (each scheduled run's workflow id is the action's id plus its scheduled time, and the
// batch's cutoff is unique in settlement_batch), and cutoffs missed while Temporal or the workers
// were down are run in order once they are back, if they are at most `catchupWindowMs` late.
import type pg from 'pg';
import {
  ScheduleOverlapPolicy,
  type Client,
  type DayOfWeek,
  type ScheduleOptionsAction,
  type ScheduleSpec,
} from '@temporalio/client';
import {
  SCHEDULED_BATCH_WORKFLOW_PREFIX,
  SETTLEMENT_SCHEDULE_ID,
  checkSettlementPolicy,
  settlementPolicy,
  type SettlementPolicy,
} from '../domain/settlement.js';
import { minutesOfLocalTime } from '../domain/trading-policy.js';
import { policyFromJsonEnv, type PolicyFromEnv } from '../domain/policy-env.js';
import { followSchedule, storedPolicy, upsertSchedule } from './policy-schedule.js';
import type { settlementBatch } from '../workflows/settlement-batch.js';

const ISO_WEEKDAYS: Record<number, DayOfWeek> = {
  1: 'MONDAY',
  2: 'TUESDAY',
  3: 'WEDNESDAY',
  4: 'THURSDAY',
  5: 'FRIDAY',
  6: 'SATURDAY',
  7: 'SUNDAY',
};

/** How the `settlement` policy is read (the API's reader, api/services/settlements.ts, too). */
export const SETTLEMENT_POLICY_ENV: PolicyFromEnv<SettlementPolicy> = {
  variable: 'SETTLEMENT_POLICY_JSON',
  withDefaults: settlementPolicy,
  check: checkSettlementPolicy,
};

/** The Schedule's calendar from the policy's. */
export function scheduleSpecOf(policy: SettlementPolicy): ScheduleSpec {
  const calendar = policy.calendar;
  if (calendar.kind === 'interval') return { intervals: [{ every: calendar.everySeconds * 1000 }] };
  return {
    timezone: calendar.timeZone,
    calendars: calendar.cutoffs.map((cutoff) => {
      const minutes = minutesOfLocalTime(cutoff);
      if (minutes === null) throw new Error(`cutoff "${cutoff}" is not "HH:MM"`);
      return {
        hour: Math.floor(minutes / 60),
        minute: minutes % 60,
        dayOfWeek: calendar.days.map((d) => ISO_WEEKDAYS[d] as DayOfWeek),
      };
    }),
  };
}

function actionOf(policy: SettlementPolicy, taskQueue: string): ScheduleOptionsAction {
  return {
    type: 'startWorkflow',
    workflowType: 'settlementBatch',
    workflowId: SCHEDULED_BATCH_WORKFLOW_PREFIX,
    taskQueue,
    args: [{ origin: 'schedule', requestedBy: null, policy }] satisfies Parameters<typeof settlementBatch>,
    staticSummary: 'Settlement batch (scheduled cutoff)',
  };
}

/** The settlement policy in force for the worker (activities/policy-schedule.ts storedPolicy). */
export async function storedSettlementPolicy(
  db: pg.Pool,
  env: Record<string, string | undefined> = process.env,
): Promise<SettlementPolicy> {
  return storedPolicy(db, SETTLEMENT_POLICY_ENV, env);
}

interface ScheduleOptions {
  taskQueue: string;
  policy?: SettlementPolicy;
  scheduleId?: string;
}

function scheduleParts(options: ScheduleOptions) {
  const policy = options.policy ?? policyFromJsonEnv(SETTLEMENT_POLICY_ENV, process.env);
  return {
    scheduleId: options.scheduleId ?? SETTLEMENT_SCHEDULE_ID,
    spec: scheduleSpecOf(policy),
    action: actionOf(policy, options.taskQueue),
    policies: { overlap: ScheduleOverlapPolicy.BUFFER_ALL, catchupWindow: policy.catchupWindowMs },
  };
}

/** Creates the Schedule, or brings an existing one to the current policy. Answers what it did. */
export async function ensureSettlementSchedule(
  client: Client,
  options: ScheduleOptions,
): Promise<'created' | 'updated'> {
  return upsertSchedule(client, scheduleParts(options));
}

/** Brings an existing Schedule to `policy` after an admin saved a version (creates none). */
export async function followSettlementSchedule(
  client: Client,
  options: ScheduleOptions & { policy: SettlementPolicy },
): Promise<'updated' | 'absent'> {
  return followSchedule(client, scheduleParts(options));
}
