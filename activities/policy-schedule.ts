// What the worker's policy-driven Schedules share (the settlement batches' and the internal
// reconciliation's): the policy in force read from the stored versions (the environment only as
// first defaults, like api/services/policy-from-env.ts), and creating, updating or following a
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

/** How one policy is read: its stored name, its variable, and how to complete and check it. */
export interface PolicyReading<P> {
  name: string;
  variable: string;
  complete: (overrides: Partial<P>) => P;
  check: (policy: P) => string[];
}

/** The policy from its JSON variable over the defaults; throws on an unusable one. */
export function policyFromJsonEnv<P>(
  reading: PolicyReading<P>,
  env: Record<string, string | undefined> = process.env,
): P {
  const raw = env[reading.variable]?.trim();
  const overrides: unknown = raw ? JSON.parse(raw) : {};
  if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides))
    throw new Error(`${reading.variable} must be a JSON object`);
  const policy = reading.complete(overrides as Partial<P>);
  const problems = reading.check(policy);
  if (problems.length > 0) throw new Error(`${reading.variable} is not usable: ${problems.join('; ')}`);
  return policy;
}

/**
 * The policy in force for the worker: the newest version an admin stored (completed over the
 * defaults), or the environment's first defaults while none is stored or the stored one is no
 * longer usable (the API's readers answer the same).
 */
export async function storedPolicy<P>(
  db: pg.Pool,
  reading: PolicyReading<P>,
  env: Record<string, string | undefined> = process.env,
): Promise<P> {
  const [newest] = await policyHistory(db, reading.name, 1);
  if (newest) {
    const policy = reading.complete(newest.document as Partial<P>);
    if (reading.check(policy).length === 0) return policy;
  }
  return policyFromJsonEnv(reading, env);
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
