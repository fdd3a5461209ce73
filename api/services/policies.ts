// Versioned policies (GET /admin/policies, PUT /admin/policies/:name, the pending changes and their
// approval): what the admin page edits. Each policy is the one its lifecycle reads through
// policyFromEnv (api/services/policy-from-env.ts registers it); a save is checked by the
// lifecycle's own check, appended as the next version in one transaction with its audit entry
// (before, after and the field diff), and put into this process's snapshot at once. A change of a
// money-moving field (domain/policies.ts) waits as a pending change for a second admin.
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { inTransaction } from '../../db/pool.js';
import {
  insertPolicyChange,
  decidePolicyChange,
  lockPolicyChange,
  pendingPolicyChanges,
  type PolicyChangeRow,
} from '../../db/policies/changes.js';
import {
  insertPolicyVersion,
  lockPolicy,
  policyHistory,
  type PolicyVersionRow,
} from '../../db/policies/versions.js';
import { userLabels } from '../../db/users/admin.js';
import {
  checkPolicyDecision,
  isPolicyName,
  moneyMovingChanges,
  MONEY_MOVING_FIELDS,
  policyDiff,
  type PolicyFieldChange,
} from '../../domain/policies.js';
import { recordAudit } from '../audit/log.js';
import type { AppDeps } from '../deps.js';
import { ApiError, notFound, validationFailed } from '../errors.js';
import { textField, uuidSchema } from '../validate.js';
import { parseInput, type SessionUser } from './common.js';
import { followInternalReconciliationSchedule } from '../../activities/internal-reconciliation-schedule.js';
import { followSettlementSchedule } from '../../activities/settlement-schedule.js';
import { logger } from '../logger.js';
import { currentReconciliationPolicy } from './reconciliations/lifecycle.js';
import { currentSettlementPolicy } from './settlements.js';
import {
  adoptPolicyVersion,
  registeredPolicies,
  registeredPolicy,
  storedPolicyVersion,
  type RegisteredPolicy,
} from './policy-from-env.js';

/** Versions shown per policy on the page. */
const HISTORY_MAX = 20;

// ---- schemas ---------------------------------------------------------------------------------------

const PersonSchema = z.object({ id: z.uuid(), email: z.string(), name: z.string() }).nullable();

export const PolicyChangeSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    baseVersion: z.number().int(),
    status: z.enum(['PENDING', 'APPROVED', 'REJECTED', 'SUPERSEDED']),
    reason: z.string(),
    policy: z.record(z.string(), z.unknown()),
    diff: z.array(z.object({ path: z.string(), before: z.unknown(), after: z.unknown() })),
    requestedBy: PersonSchema,
    requestedAt: z.iso.datetime(),
    decidedBy: PersonSchema,
    decidedAt: z.iso.datetime().nullable(),
    appliedVersion: z.number().int().nullable(),
  })
  .meta({ id: 'PolicyChange' });

export const PolicyVersionSchema = z.object({
  version: z.number().int(),
  reason: z.string(),
  createdBy: PersonSchema,
  approvedBy: PersonSchema,
  createdAt: z.iso.datetime().nullable(),
  diff: z.array(z.object({ path: z.string(), before: z.unknown(), after: z.unknown() })),
});

export const PolicySchema = z
  .object({
    name: z.string(),
    version: z.number().int().meta({ description: 'New lifecycles start with this version' }),
    source: z.enum(['environment', 'stored']).meta({
      description: 'environment: never edited, the first defaults (domain defaults and the variable)',
    }),
    variable: z.string(),
    policy: z.record(z.string(), z.unknown()),
    moneyMovingFields: z.array(z.string()),
    pending: z.array(PolicyChangeSchema),
    history: z.array(PolicyVersionSchema),
  })
  .meta({ id: 'Policy' });
export type PolicyView = z.output<typeof PolicySchema>;
export type PolicyChangeView = z.output<typeof PolicyChangeSchema>;

export const PolicyListSchema = z.object({ items: z.array(PolicySchema) }).meta({ id: 'PolicyList' });

export const PutPolicyBodySchema = z
  .object({
    policy: z.record(z.string(), z.unknown()).meta({
      description: 'The whole policy or some of its fields; fields left out keep their current value',
    }),
    reason: textField({ max: 500, multiline: true }).optional(),
  })
  .meta({ id: 'PutPolicyBody' });

export const PolicySavedSchema = z
  .object({
    outcome: z.enum(['saved', 'pending_approval', 'unchanged']),
    policy: PolicySchema,
    change: PolicyChangeSchema.nullable(),
  })
  .meta({ id: 'PolicySaved' });

export const PolicyParamsSchema = z.object({ name: z.string().max(40) });
export const PolicyChangeParamsSchema = z.object({ name: z.string().max(40), id: uuidSchema });

// ---- reading ---------------------------------------------------------------------------------------

type PolicyDeps = Pick<AppDeps, 'pool' | 'temporal' | 'taskQueue'>;

/** The Schedule a saved version moves, per policy: its next runs start with the version. */
const SCHEDULE_FOLLOWERS: Record<
  string,
  (client: Client, taskQueue: string) => Promise<'updated' | 'absent'>
> = {
  settlement: (client, taskQueue) =>
    followSettlementSchedule(client, { taskQueue, policy: currentSettlementPolicy() }),
  reconciliation: (client, taskQueue) =>
    followInternalReconciliationSchedule(client, { taskQueue, policy: currentReconciliationPolicy() }),
};

/**
 * Best effort: the version is stored either way, and a worker starting later brings the Schedule to
 * it (the settlement batches; the internal reconciliation's break due dates).
 */
async function followSchedule(deps: PolicyDeps, name: string): Promise<void> {
  const follow = SCHEDULE_FOLLOWERS[name];
  if (!follow) return;
  try {
    const outcome = await follow(await deps.temporal(), deps.taskQueue);
    logger.info({ policy: name, outcome }, 'schedule follows the saved policy');
  } catch (error) {
    logger.warn({ err: error, policy: name }, 'schedule not updated; a worker start brings it to the policy');
  }
}

/**
 * A saved version into this process's snapshot at once (other processes reload it within
 * POLICY_REFRESH_MS), and into the Schedule whose runs it shapes, if any.
 */
async function adoptSaved(deps: PolicyDeps, name: string, saved: PolicyVersionRow): Promise<void> {
  adoptPolicyVersion(name, saved.version, saved.document);
  await followSchedule(deps, name);
}

type Labels = Awaited<ReturnType<typeof userLabels>>;

function person(labels: Labels, id: string | null) {
  if (!id) return null;
  const label = labels.get(id);
  return { id, email: label?.email ?? '', name: label?.displayName ?? '' };
}

/** The policy in force now for `known`: the newest stored version, else the environment's. */
function inForce(known: RegisteredPolicy): {
  version: number;
  policy: Record<string, unknown>;
  source: 'environment' | 'stored';
} {
  const stored = storedPolicyVersion(known.name);
  if (stored)
    return { version: stored.version, policy: stored.policy as Record<string, unknown>, source: 'stored' };
  return { version: 1, policy: known.fromEnv() as Record<string, unknown>, source: 'environment' };
}

function changeView(
  row: PolicyChangeRow,
  current: Record<string, unknown>,
  labels: Labels,
): PolicyChangeView {
  return {
    id: row.id,
    name: row.name,
    baseVersion: row.baseVersion,
    status: row.status,
    reason: row.reason,
    policy: row.document,
    diff: policyDiff(current, row.document),
    requestedBy: person(labels, row.requestedBy),
    requestedAt: row.requestedAt.toISOString(),
    decidedBy: person(labels, row.decidedBy),
    decidedAt: row.decidedAt?.toISOString() ?? null,
    appliedVersion: row.appliedVersion,
  };
}

async function policyView(deps: Pick<AppDeps, 'pool'>, known: RegisteredPolicy): Promise<PolicyView> {
  const [history, pending] = await Promise.all([
    policyHistory(deps.pool, known.name, HISTORY_MAX + 1),
    pendingPolicyChanges(deps.pool, known.name),
  ]);
  // The snapshot may lag another process's save by POLICY_REFRESH_MS; the rows are the truth.
  const newest = history[0];
  if (newest) adoptPolicyVersion(known.name, newest.version, newest.document);
  const current = inForce(known);
  const labels = await userLabels(
    deps.pool,
    [
      ...history.flatMap((v) => [v.createdBy, v.approvedBy]),
      ...pending.flatMap((c) => [c.requestedBy, c.decidedBy]),
    ].filter((id): id is string => id !== null),
  );
  const versions: PolicyView['history'] = history
    .slice(0, HISTORY_MAX)
    .map((row: PolicyVersionRow, index) => ({
      version: row.version,
      reason: row.reason,
      createdBy: person(labels, row.createdBy),
      approvedBy: person(labels, row.approvedBy),
      createdAt: row.createdAt.toISOString(),
      diff: policyDiff(history[index + 1]?.document ?? {}, row.document),
    }));
  if (versions.length === 0)
    versions.push({
      version: 1,
      reason: `first defaults (${known.variable})`,
      createdBy: null,
      approvedBy: null,
      createdAt: null,
      diff: [],
    });
  return {
    name: known.name,
    version: current.version,
    source: current.source,
    variable: known.variable,
    policy: current.policy,
    moneyMovingFields: [...(isPolicyName(known.name) ? MONEY_MOVING_FIELDS[known.name] : [])],
    pending: pending.map((row) => changeView(row, current.policy, labels)),
    history: versions,
  };
}

function knownPolicy(rawName: string): RegisteredPolicy {
  const { name } = parseInput(PolicyParamsSchema, { name: rawName }, 'path');
  const known = registeredPolicy(name);
  if (!known) throw notFound('no such policy');
  return known;
}

export async function listPolicies(deps: Pick<AppDeps, 'pool'>): Promise<z.output<typeof PolicyListSchema>> {
  // Each view reads its own rows (three queries); read side by side, the page waits for the slowest
  // policy instead of every policy's round trips one after another.
  return { items: await Promise.all(registeredPolicies().map((known) => policyView(deps, known))) };
}

export function getPolicy(deps: Pick<AppDeps, 'pool'>, rawName: string): Promise<PolicyView> {
  return policyView(deps, knownPolicy(rawName));
}

// ---- saving ----------------------------------------------------------------------------------------

/** The completed policy for `document`, or 400 with every problem the lifecycle's check finds. */
function completeAndCheck(
  known: RegisteredPolicy,
  document: Record<string, unknown>,
): Record<string, unknown> {
  let policy: unknown;
  let problems: string[];
  try {
    policy = known.complete(document);
    problems = known.check(policy);
  } catch {
    // A check written for well-typed policies may trip over a field of the wrong type.
    problems = ['the policy has fields of the wrong type'];
  }
  if (problems.length > 0)
    throw validationFailed(
      problems.map((message) => ({
        path: `policy.${message.split(/[ :]/)[0] ?? ''}`,
        code: 'invalid_policy',
        message,
      })),
      `the ${known.name} policy is not usable: ${problems.join('; ')}`,
    );
  return JSON.parse(JSON.stringify(policy)) as Record<string, unknown>;
}

async function appendVersion(
  client: Parameters<typeof insertPolicyVersion>[0],
  known: RegisteredPolicy,
  currentVersion: number,
  document: Record<string, unknown>,
  meta: { reason: string; createdBy: string; approvedBy: string | null },
): Promise<PolicyVersionRow> {
  // The first save also stores version 1, the environment's defaults it replaces: the history and
  // its diffs then start where the lifecycles started.
  let version = currentVersion;
  if (version === 0) {
    await insertPolicyVersion(client, {
      name: known.name,
      version: 1,
      document: known.fromEnv(),
      reason: `first defaults (${known.variable})`,
      createdBy: null,
      approvedBy: null,
    });
    version = 1;
  }
  return insertPolicyVersion(client, { name: known.name, version: version + 1, document, ...meta });
}

/**
 * PUT /admin/policies/:name. Fields left out keep their current value. Answers `saved` (a new
 * version, in force for lifecycles started from now on), `pending_approval` (a money-moving field
 * changed: a second admin must approve) or `unchanged`.
 */
export async function savePolicy(
  deps: PolicyDeps,
  admin: SessionUser,
  rawName: string,
  rawBody: unknown,
): Promise<z.output<typeof PolicySavedSchema>> {
  const known = knownPolicy(rawName);
  const body = parseInput(PutPolicyBodySchema, rawBody, 'body');
  const reason = body.reason?.trim() ?? '';
  const result = await inTransaction(deps.pool, async (client) => {
    const storedVersion = await lockPolicy(client, known.name);
    const rows = storedVersion > 0 ? await policyHistory(client, known.name, 1) : [];
    const before = rows[0]?.document ?? (known.fromEnv() as Record<string, unknown>);
    const after = completeAndCheck(known, { ...before, ...body.policy });
    const diff = policyDiff(before, after);
    if (diff.length === 0) return { outcome: 'unchanged' as const, change: null };
    const currentVersion = Math.max(storedVersion, 1);
    if (isPolicyName(known.name) && moneyMovingChanges(known.name, diff).length > 0) {
      const change = await insertPolicyChange(client, {
        name: known.name,
        baseVersion: currentVersion,
        document: after,
        reason,
        requestedBy: admin.id,
      });
      await recordAudit(client, {
        actor: admin,
        action: 'admin.policy_change_requested',
        subject: { type: 'policy', id: known.name },
        before: { version: currentVersion, policy: before },
        after: { changeId: change.id, policy: after, diff, reason },
      });
      return { outcome: 'pending_approval' as const, change };
    }
    const saved = await appendVersion(client, known, storedVersion, after, {
      reason,
      createdBy: admin.id,
      approvedBy: null,
    });
    await recordAudit(client, {
      actor: admin,
      action: 'admin.policy_update',
      subject: { type: 'policy', id: known.name },
      before: { version: currentVersion, policy: before },
      after: { version: saved.version, policy: after, diff, reason },
    });
    return { outcome: 'saved' as const, change: null, saved };
  });
  if ('saved' in result && result.saved) await adoptSaved(deps, known.name, result.saved);
  const view = await policyView(deps, known);
  const change = result.change ? (view.pending.find((c) => c.id === result.change?.id) ?? null) : null;
  return { outcome: result.outcome, policy: view, change };
}

/**
 * POST /admin/policies/:name/changes/:id/approve | reject. Approval by another admin than the one
 * who asked makes the change the next version; a change made on an older version is refused (409).
 */
export async function decidePolicy(
  deps: PolicyDeps,
  admin: SessionUser,
  rawName: string,
  rawId: string,
  decision: 'approve' | 'reject',
): Promise<PolicyView> {
  const known = knownPolicy(rawName);
  const { id } = parseInput(PolicyChangeParamsSchema, { name: rawName, id: rawId }, 'path');
  const saved = await inTransaction(deps.pool, async (client) => {
    const storedVersion = await lockPolicy(client, known.name);
    const change = await lockPolicyChange(client, id);
    if (!change || change.name !== known.name) throw notFound('no such policy change');
    const refusal = checkPolicyDecision({
      requesterId: change.requestedBy,
      deciderId: admin.id,
      status: change.status,
      baseVersion: change.baseVersion,
      currentVersion: Math.max(storedVersion, 1),
      decision,
    });
    if (refusal) throw new ApiError(refusal.code === 'forbidden' ? 403 : 409, refusal.code, refusal.message);
    if (decision === 'reject') {
      await decidePolicyChange(client, id, { status: 'REJECTED', decidedBy: admin.id, appliedVersion: null });
      await recordAudit(client, {
        actor: admin,
        action: 'admin.policy_change_rejected',
        subject: { type: 'policy', id: known.name },
        before: { changeId: id, status: 'PENDING' },
        after: { changeId: id, status: 'REJECTED' },
      });
      return null;
    }
    const rows = storedVersion > 0 ? await policyHistory(client, known.name, 1) : [];
    const before = rows[0]?.document ?? (known.fromEnv() as Record<string, unknown>);
    const after = completeAndCheck(known, change.document);
    const version = await appendVersion(client, known, storedVersion, after, {
      reason: change.reason,
      createdBy: change.requestedBy,
      approvedBy: admin.id,
    });
    await decidePolicyChange(client, id, {
      status: 'APPROVED',
      decidedBy: admin.id,
      appliedVersion: version.version,
    });
    const diff: PolicyFieldChange[] = policyDiff(before, after);
    await recordAudit(client, {
      actor: admin,
      action: 'admin.policy_change_approved',
      subject: { type: 'policy', id: known.name },
      before: { version: Math.max(storedVersion, 1), policy: before },
      after: { version: version.version, policy: after, diff, changeId: id, requestedBy: change.requestedBy },
    });
    return version;
  });
  if (saved) await adoptSaved(deps, known.name, saved);
  return policyView(deps, known);
}
