// The one activity every lifecycle workflow runs on each transition: it writes the read model
// (lifecycle row, timeline event, tasks) in one transaction and tells listeners. Idempotent: the
// event's (workflow_id, seq) is the key, so a retried attempt finds its work done and does nothing.
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import type pg from 'pg';
import { oweHistoryArchive } from '../db/history/archive-due.js';
import { inTransaction } from '../db/pool.js';
import { insertTaskOverdueEvent, insertTransitionEvent } from '../db/outbox/lifecycle-events.js';
import type { TimelineEntry } from '../domain/lifecycle.js';
import type { Role } from '../domain/roles.js';

/** The PostgreSQL NOTIFY channel; the payload is the workflow id (api/live-updates.ts listens). */
export const LIFECYCLE_CHANNEL = 'lifecycle';

export interface OpenTask {
  kind: string;
  requiredRole: Role;
  subjectType: string;
  subjectId: string;
  /** ISO time; null for no due date. */
  dueAt?: string | null;
  /** One line for the inbox ("Confirm receipt of 1000.00 EUR, CH-…"). */
  summary?: string | null;
  /** Higher comes first in the inbox. */
  priority?: number;
}

export interface CloseTask {
  kind: string;
  /** What became of it: 'confirmed', 'released', 'expired', ... */
  outcome: string;
  /** The user who acted; null when the system closed it. */
  completedBy?: string | null;
  /** 'done' when someone acted on it (default), 'cancelled' when it no longer needs anyone. */
  status?: 'done' | 'cancelled';
}

export interface RecordTransitionInput {
  workflowId: string;
  /** Lifecycle type: 'deposit', 'withdrawal', ... */
  type: string;
  businessId: string;
  /** The client the lifecycle belongs to, if any. */
  ownerId: string | null;
  /** 1 for the first transition, then +1 each: the timeline index the workflow assigns. */
  seq: number;
  /** The domain action that caused it (kept in the event's data for audit). */
  action?: string | null;
  entry: TimelineEntry;
  /** Merged (top-level keys replaced) into lifecycle.attributes. */
  attributes?: Record<string, unknown>;
  /** Extra facts kept on the event only (notes, screening details); staff-only. */
  data?: Record<string, unknown>;
  /** Closed before opened, so a transition may close a kind and open it again. */
  closeTasks?: CloseTask[];
  openTasks?: OpenTask[];
  /** The lifecycle reached a terminal status: stamp closed_at and cancel any task still live. */
  closed?: boolean;
  /** The Update (a person's request) that caused it, kept in the event's data as `updateId`. */
  updateId?: string | null;
  /**
   * With `updateId`: the command that Update handed the workflow (its CommandSlot's `{ action, args }`,
   * the args carrying the actor), kept in the event's data as `command`, so a run that never applied
   * this transition can apply it again instead of failing on its seq (see `superseded`).
   */
  command?: unknown;
  /**
   * Set when the workflow had to make this transition's text storable (workflows/lifecycle.ts):
   * the paths that changed and the first attempt's error. Opens a `data_alert` task for operations
   * and is logged as an error, so somebody finds the bug upstream.
   */
  alert?: { changed: string[]; error: string };
}

/** The task kind an alert opens (see RecordTransitionInput.alert). */
export const DATA_ALERT_TASK = 'data_alert';

export interface RecordTransitionResult {
  /** false when an earlier attempt had already recorded this transition. */
  recorded: boolean;
  /**
   * Set when an earlier attempt recorded this transition at another time. A local activity is run
   * again when its workflow task is retried (a worker died after the commit), and the retried task
   * has a later workflow time; the workflow keeps the recorded time so its timeline equals the read
   * model's.
   */
  storedAt?: string;
  /**
   * With `storedAt`: the transition as that earlier attempt stored it. Anything the workflow derived
   * from its own time (a deposit's hold end, in the reason and the data) differs in the re-run too;
   * the workflow adopts the stored values (workflows/lifecycle.ts), so its state, its timers and the
   * read model agree.
   */
  stored?: StoredTransition;
  /**
   * Set instead of refusing when another Update's transition holds this seq and carries its command:
   * it was committed by a workflow task of this lifecycle that never completed (else the run would
   * have replayed its marker instead of running this activity), so the workflow applies that command
   * first (workflows/command-slot.ts). Nothing was written.
   */
  superseded?: SupersedingTransition;
}

/** The transition a lost workflow task recorded at a seq, with what it takes to apply it again. */
export interface SupersedingTransition {
  seq: number;
  /** Its status after, as recorded. */
  to: string;
  /** The Update that caused it. */
  updateId: string;
  /** That Update's command, as RecordTransitionInput.command was. */
  command: unknown;
  actor: { id: string; role: string } | null;
}

/** A recorded transition's reason and data as lifecycle_event holds them. */
export interface StoredTransition {
  at: string;
  reason: string | null;
  /** The event's data: the transition's `data` with `action` and `updateId` beside it. */
  data: Record<string, unknown>;
}

/** The error type of a second, different transition at a seq already recorded. */
export const TRANSITION_CONFLICT = 'transition_conflict';

export interface EscalateTaskInput {
  workflowId: string;
  kind: string;
  /** The live task's priority is raised to at least this. */
  priority: number;
  /** Workflow time of the escalation (ISO); the first escalation's time is kept. */
  at: string;
  /** Replaces the inbox line when given ("Overdue: approve ..."). */
  summary?: string | null;
}

export function createLifecycleActivities(pool: pg.Pool) {
  return {
    /**
     * Marks the live task of `kind` overdue (escalated_at) and raises its priority, without acting
     * on it. Idempotent: an already escalated task at that priority is left alone (no version bump).
     */
    async escalateTask(input: EscalateTaskInput): Promise<{ escalated: boolean }> {
      return inTransaction(pool, async (client) => {
        const updated = await client.query(
          `UPDATE task SET priority = GREATEST(priority, $3), escalated_at = COALESCE(escalated_at, $4),
                  summary = COALESCE($5, summary), version = version + 1
            WHERE workflow_id = $1 AND kind = $2 AND status IN ('open', 'claimed')
              AND (escalated_at IS NULL OR priority < $3 OR summary IS DISTINCT FROM COALESCE($5, summary))`,
          [input.workflowId, input.kind, input.priority, input.at, input.summary ?? null],
        );
        if (updated.rowCount === 0) return { escalated: false };
        await insertTaskOverdueEvent(client, input); // the outbox row, in this transaction
        await client.query('SELECT pg_notify($1, $2)', [LIFECYCLE_CHANNEL, input.workflowId]);
        return { escalated: true };
      });
    },

    async recordTransition(input: RecordTransitionInput): Promise<RecordTransitionResult> {
      return inTransaction(pool, (client) => recordTransitionIn(client, input, currentRunId()));
    },
  };
}

/** The run of the workflow calling this activity; null when called outside one (tests, scripts). */
export function currentRunId(): string | null {
  try {
    return Context.current().info.workflowExecution?.runId ?? null;
  } catch {
    return null;
  }
}

/**
 * recordTransition inside the caller's transaction (activities/deposit.ts puts a posting in the same
 * unit). A (workflow, seq) already recorded is left as it is: the same transition answers
 * `recorded: false` (with what was stored when its time differs); another Update's transition that
 * kept its command answers `superseded` with it; any other transition at that seq is a non-retryable
 * `transition_conflict`. Nothing recorded is ever overwritten. The closing transition also records
 * that run `runId` is owed a history archive (db/history/archive-due.ts), in the same commit, so no
 * lifecycle can close without its history being archived by the sweeper.
 */
export async function recordTransitionIn(
  client: pg.PoolClient,
  input: RecordTransitionInput,
  runId: string | null,
): Promise<RecordTransitionResult> {
  if (!(await insertEvent(client, input, runId))) return alreadyRecorded(client, input);
  await upsertLifecycle(client, input);
  await insertTransitionEvent(client, input); // the outbox row, in this transaction
  await closeTasks(client, input);
  if (input.closed) await cancelLiveTasks(client, input);
  else await openTasks(client, input);
  if (input.alert) await openDataAlert(client, input, input.alert);
  if (input.closed) await oweHistoryArchive(client, input.workflowId, runId);
  await notify(client, input.workflowId);
  return { recorded: true };
}

export type LifecycleActivities = ReturnType<typeof createLifecycleActivities>;

// ---- the steps of recordTransition, each in the transition's transaction -------------------------

/**
 * The timeline event; false when an earlier attempt already inserted this (workflow, seq). It keeps
 * the run that recorded it: a local activity commits before its workflow task does, so an Update's
 * transition can be here while the run never applied it (the task was lost with a Temporal restart).
 * A retried request asks that run again (api/lifecycle-kit/acting.ts confirmApplied).
 */
async function insertEvent(
  client: pg.PoolClient,
  input: RecordTransitionInput,
  runId: string | null,
): Promise<boolean> {
  const { workflowId, seq, entry } = input;
  const event = await client.query(
    `INSERT INTO lifecycle_event (workflow_id, seq, at, from_status, to_status, actor_id, actor_role, reason, data)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (workflow_id, seq) DO NOTHING
           RETURNING id`,
    [
      workflowId,
      seq,
      entry.at,
      entry.from,
      entry.to,
      entry.actor?.id ?? null,
      entry.actor?.role ?? null,
      entry.reason,
      JSON.stringify({
        ...(input.action ? { action: input.action } : {}),
        ...(input.updateId ? { updateId: input.updateId } : {}),
        ...(input.updateId && runId ? { runId } : {}),
        ...input.data,
        // Last, so no fact in `data` can hide it: what supersedes another transition at this seq.
        ...(input.updateId && input.command !== undefined ? { command: input.command } : {}),
      }),
    ],
  );
  return event.rowCount !== 0;
}

/**
 * The event at (workflow, seq) exists. A retried regular activity brings the same input; a local
 * activity re-run by a retried workflow task may bring a later time. Another Update's transition that
 * kept its command supersedes this one (`superseded`). Any other transition (an event from before
 * commands were kept) is refused, so the read model is never rewritten.
 */
async function alreadyRecorded(
  client: pg.PoolClient,
  input: RecordTransitionInput,
): Promise<RecordTransitionResult> {
  const { rows } = await client.query<StoredEventRow>(
    `SELECT at, to_status, actor_id, actor_role, reason, data
       FROM lifecycle_event WHERE workflow_id = $1 AND seq = $2`,
    [input.workflowId, input.seq],
  );
  const stored = rows[0];
  if (!stored) return { recorded: false };
  const superseded = supersedingTransition(stored, input);
  if (superseded) return { recorded: false, superseded };
  if (stored.to_status !== input.entry.to) {
    throw ApplicationFailure.create({
      type: TRANSITION_CONFLICT,
      message: `transition ${input.seq} of ${input.workflowId} was recorded as ${stored.to_status}, not ${input.entry.to}`,
      nonRetryable: true,
      details: [{ seq: input.seq, recorded: stored.to_status, attempted: input.entry.to }],
    });
  }
  const storedAt = stored.at.toISOString();
  if (storedAt === input.entry.at) return { recorded: false };
  return {
    recorded: false,
    storedAt,
    stored: { at: storedAt, reason: stored.reason, data: stored.data ?? {} },
  };
}

interface StoredEventRow {
  at: Date;
  to_status: string;
  actor_id: string | null;
  actor_role: string | null;
  reason: string | null;
  data: Record<string, unknown> | null;
}

/**
 * The stored event as a transition to apply first: an Update's, with its command kept, and not this
 * attempt's own Update (the same Update again, re-run or retried, is the same transition).
 */
function supersedingTransition(
  stored: StoredEventRow,
  input: RecordTransitionInput,
): SupersedingTransition | null {
  const data = stored.data ?? {};
  const updateId = data.updateId;
  if (typeof updateId !== 'string' || data.command === undefined) return null;
  if (updateId === input.updateId) return null;
  return {
    seq: input.seq,
    to: stored.to_status,
    updateId,
    command: data.command,
    actor: stored.actor_id && stored.actor_role ? { id: stored.actor_id, role: stored.actor_role } : null,
  };
}

/** The lifecycle row: created by the first transition, moved forward only by a later seq. */
async function upsertLifecycle(client: pg.PoolClient, input: RecordTransitionInput): Promise<void> {
  const { workflowId, seq, entry } = input;
  await client.query(
    `INSERT INTO lifecycle AS l
             (workflow_id, type, business_id, owner_id, status, attributes, created_at, updated_at, closed_at, last_seq)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9)
           ON CONFLICT (workflow_id) DO UPDATE SET
             status = EXCLUDED.status,
             attributes = l.attributes || EXCLUDED.attributes,
             updated_at = EXCLUDED.updated_at,
             closed_at = COALESCE(l.closed_at, EXCLUDED.closed_at),
             last_seq = EXCLUDED.last_seq
           WHERE l.last_seq < EXCLUDED.last_seq`,
    [
      workflowId,
      input.type,
      input.businessId,
      input.ownerId,
      entry.to,
      JSON.stringify(input.attributes ?? {}),
      entry.at,
      input.closed ? entry.at : null,
      seq,
    ],
  );
}

/** The live tasks of each kind in `closeTasks`, done or cancelled with their outcome. */
async function closeTasks(client: pg.PoolClient, input: RecordTransitionInput): Promise<void> {
  const { workflowId, entry } = input;
  for (const task of input.closeTasks ?? []) {
    await client.query(
      `UPDATE task SET status = $3, completed_at = $4, completed_by = $5, outcome = $6, version = version + 1
             WHERE workflow_id = $1 AND kind = $2 AND status IN ('open', 'claimed')`,
      [workflowId, task.kind, task.status ?? 'done', entry.at, task.completedBy ?? null, task.outcome],
    );
  }
}

/** A closed lifecycle needs nobody any more: every task still live is cancelled. */
async function cancelLiveTasks(client: pg.PoolClient, input: RecordTransitionInput): Promise<void> {
  const { workflowId, entry } = input;
  await client.query(
    `UPDATE task SET status = 'cancelled', completed_at = $2, outcome = $3, version = version + 1
             WHERE workflow_id = $1 AND status IN ('open', 'claimed')`,
    [workflowId, entry.at, `lifecycle_${entry.to.toLowerCase()}`],
  );
}

/** The tasks in `openTasks`; opening a kind that is already live refreshes it instead of adding a second one. */
async function openTasks(client: pg.PoolClient, input: RecordTransitionInput): Promise<void> {
  const { workflowId, entry } = input;
  for (const task of input.openTasks ?? []) {
    await client.query(
      `INSERT INTO task (kind, workflow_id, subject_type, subject_id, required_role, created_at, due_at, summary, priority)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
               ON CONFLICT (workflow_id, kind) WHERE status IN ('open', 'claimed') DO UPDATE SET
                 due_at = EXCLUDED.due_at, summary = EXCLUDED.summary, priority = EXCLUDED.priority,
                 version = task.version + 1`,
      [
        task.kind,
        workflowId,
        task.subjectType,
        task.subjectId,
        task.requiredRole,
        entry.at,
        task.dueAt ?? null,
        task.summary ?? null,
        task.priority ?? 0,
      ],
    );
  }
}

/** Text made storable: logged as an error and a `data_alert` task for operations. */
async function openDataAlert(
  client: pg.PoolClient,
  input: RecordTransitionInput,
  alert: NonNullable<RecordTransitionInput['alert']>,
): Promise<void> {
  const { workflowId, seq, entry } = input;
  log.error('transition recorded with text made storable', {
    workflowId,
    seq,
    changed: alert.changed,
    error: alert.error,
    alert: true,
  });
  // Its own kind, so closing the lifecycle's tasks leaves it for a person to look at.
  await client.query(
    `INSERT INTO task (kind, workflow_id, subject_type, subject_id, required_role, created_at, summary, priority)
             VALUES ($1, $2, $3, $4, 'operations', $5, $6, 20)
             ON CONFLICT (workflow_id, kind) WHERE status IN ('open', 'claimed') DO NOTHING`,
    [
      DATA_ALERT_TASK,
      workflowId,
      input.type,
      input.businessId,
      entry.at,
      `Alert: text that cannot be stored was replaced in ${input.type} ${input.businessId} (${alert.changed.join(', ')})`,
    ],
  );
}

/** Delivered on COMMIT only, so listeners never see a transition that rolled back. */
async function notify(client: pg.PoolClient, workflowId: string): Promise<void> {
  await client.query('SELECT pg_notify($1, $2)', [LIFECYCLE_CHANNEL, workflowId]);
}
