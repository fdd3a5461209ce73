// What the worker's policy-driven Schedules share (the settlement batches' and the internal
// reconciliation's): the policy in force read from the stored versions (the environment only as
// first defaults, read by domain/policy-env.ts like the API's readers), and creating, updating or following a
// Schedule. Workflows already started keep the policy in their input; only the Schedule's next runs
// see a saved version.
import type pg from 'pg';
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  type Client,
  type ScheduleOptions,
  type ScheduleOptionsAction,
  type ScheduleSpec,
} from '@temporalio/client';
import { policyHistory } from '../db/policies/versions.js';
import { policyFromJsonEnv, policyNameOf, type PolicyFromEnv } from '../domain/policy-env.js';

/**
 * The policy in force for the worker: the newest version an admin stored (completed over the
 * defaults), or the environment's first defaults while none is stored or the stored one is no
 * longer usable (the API's readers answer the same).
 */
export async function storedPolicy<P>(
  db: pg.Pool,
  spec: PolicyFromEnv<P>,
  env: Record<string, string | undefined> = process.env,
): Promise<P> {
  const [newest] = await policyHistory(db, policyNameOf(spec.variable), 1);
  if (newest) {
    const policy = spec.withDefaults(newest.document as Partial<P>);
    if (spec.check(policy).length === 0) return policy;
  }
  return policyFromJsonEnv(spec, env);
}

/** A Schedule as its policy makes it; without `spec`, an update keeps the Schedule's own. */
export interface ScheduleParts {
  scheduleId: string;
  spec?: ScheduleSpec;
  action: ScheduleOptionsAction;
  policies: NonNullable<ScheduleOptions['policies']>;
}

async function updateSchedule(client: Client, parts: ScheduleParts): Promise<void> {
  const { spec, action, policies } = parts;
  await client.schedule.getHandle(parts.scheduleId).update((previous) => ({
    ...previous,
    spec: spec ?? previous.spec,
    action,
    policies: { ...previous.policies, ...policies },
  }));
}

/** Creates the Schedule, or brings an existing one to `parts`. Answers what it did. */
export async function upsertSchedule(
  client: Client,
  parts: ScheduleParts & { spec: ScheduleSpec },
): Promise<'created' | 'updated'> {
  const { scheduleId, spec, action, policies } = parts;
  try {
    await client.schedule.create({ scheduleId, spec, action, policies });
    return 'created';
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  await updateSchedule(client, parts);
  return 'updated';
}

/**
 * Brings an existing Schedule to `parts` after an admin saved a version. Creates none: where no
 * worker made one (its Schedule switched off, tests) there is nothing to follow, and a worker
 * starting later creates it from the stored version.
 */
export async function followSchedule(client: Client, parts: ScheduleParts): Promise<'updated' | 'absent'> {
  try {
    await updateSchedule(client, parts);
    return 'updated';
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return 'absent';
    throw error;
  }
}
