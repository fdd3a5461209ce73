// The staff inbox. Workflows open and close tasks (through recordTransition); people list, claim and
// release them here. A claim is an optimistic lock: `version` rises on every change, and a claim may
// name the version it saw, so two people clicking "claim" at once get one winner and one 409.
import type pg from 'pg';
import { isUuid } from '../../domain/ids.js';
import { canActOnTask, type Role } from '../../domain/roles.js';
import { clampLimit, decodeCursor, encodeCursor, type Page } from './cursor.js';

export type TaskStatus = 'open' | 'claimed' | 'done' | 'cancelled';
export const LIVE_TASK_STATUSES: readonly TaskStatus[] = ['open', 'claimed'];

export interface Task {
  id: string;
  kind: string;
  workflowId: string;
  subjectType: string;
  subjectId: string;
  requiredRole: Role;
  status: TaskStatus;
  assignee: string | null;
  claimedAt: string | null;
  summary: string | null;
  priority: number;
  version: number;
  createdAt: string;
  dueAt: string | null;
  completedAt: string | null;
  completedBy: string | null;
  outcome: string | null;
}

export interface TaskRow {
  id: string;
  kind: string;
  workflow_id: string;
  subject_type: string;
  subject_id: string;
  required_role: Role;
  status: TaskStatus;
  assignee: string | null;
  claimed_at: Date | null;
  summary: string | null;
  priority: number;
  version: number;
  created_at: Date;
  due_at: Date | null;
  completed_at: Date | null;
  completed_by: string | null;
  outcome: string | null;
}

export const TASK_COLUMNS = `id, kind, workflow_id, subject_type, subject_id, required_role, status, assignee, claimed_at,
  summary, priority, version, created_at, due_at, completed_at, completed_by, outcome`;

export function toTask(row: TaskRow): Task {
  return {
    id: row.id,
    kind: row.kind,
    workflowId: row.workflow_id,
    subjectType: row.subject_type,
    subjectId: row.subject_id,
    requiredRole: row.required_role,
    status: row.status,
    assignee: row.assignee,
    claimedAt: row.claimed_at?.toISOString() ?? null,
    summary: row.summary,
    priority: row.priority,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    dueAt: row.due_at?.toISOString() ?? null,
    completedAt: row.completed_at?.toISOString() ?? null,
    completedBy: row.completed_by,
    outcome: row.outcome,
  };
}

export interface ListTasksInput {
  /** The required roles the caller may act on: roles.ts taskRolesFor(role). Empty → no tasks. */
  roles: readonly Role[];
  /** Default: open and claimed. */
  status?: TaskStatus | readonly TaskStatus[];
  /** The kind, or its prefix before `:` (a reconciliation break's kind carries its id after it). */
  kind?: string;
  /** Only tasks claimed by this user (`assignee=me`). */
  assignee?: string;
  workflowId?: string;
  limit?: number;
  cursor?: string | null;
}

/**
 * The inbox order: priority (high first), due date (soonest first, none last), then oldest first.
 * Keyset-paginated on (−priority, due_at or +∞, created_at, id).
 */
export async function listTasks(pool: pg.Pool, input: ListTasksInput): Promise<Page<Task>> {
  const limit = clampLimit(input.limit);
  if (input.roles.length === 0) return { items: [], nextCursor: null };
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const statuses =
    input.status === undefined
      ? LIVE_TASK_STATUSES
      : typeof input.status === 'string'
        ? [input.status]
        : input.status;
  const conditions = [
    `required_role = ANY(${param([...input.roles])}::text[])`,
    `status = ANY(${param([...statuses])}::text[])`,
  ];
  if (input.kind !== undefined) {
    const kind = param(input.kind);
    conditions.push(`(kind = ${kind} OR starts_with(kind, ${kind} || ':'))`);
  }
  if (input.assignee !== undefined) {
    if (!isUuid(input.assignee)) return { items: [], nextCursor: null };
    conditions.push(`assignee = ${param(input.assignee)}`);
  }
  if (input.workflowId !== undefined) conditions.push(`workflow_id = ${param(input.workflowId)}`);
  const sortKey = `(-priority, COALESCE(due_at, 'infinity'::timestamptz), created_at, id)`;
  if (input.cursor) {
    const [negPriority, due, created, id] = decodeCursor('task', input.cursor, ['n', 's', 's', 's']);
    conditions.push(
      `${sortKey} > (${param(negPriority)}::int, ${param(due)}::timestamptz, ${param(created)}::timestamptz, ${param(id)}::uuid)`,
    );
  }
  const { rows } = await pool.query<TaskRow>(
    `SELECT ${TASK_COLUMNS} FROM task WHERE ${conditions.join(' AND ')}
      ORDER BY -priority, COALESCE(due_at, 'infinity'::timestamptz), created_at, id
      LIMIT ${param(limit + 1)}`,
    params,
  );
  const items = rows.slice(0, limit).map(toTask);
  const last = items[items.length - 1];
  return {
    items,
    nextCursor:
      rows.length > limit && last
        ? encodeCursor('task', [-last.priority, last.dueAt ?? 'infinity', last.createdAt, last.id])
        : null,
  };
}

export async function getTask(pool: pg.Pool, taskId: string): Promise<Task | null> {
  if (!isUuid(taskId)) return null;
  const { rows } = await pool.query<TaskRow>(`SELECT ${TASK_COLUMNS} FROM task WHERE id = $1`, [taskId]);
  return rows[0] ? toTask(rows[0]) : null;
}

/** The lifecycle a task is about, as the inbox shows it beside the task. */
export interface TaskSubject {
  workflowId: string;
  status: string;
  /** The client the lifecycle belongs to, if any. */
  ownerId: string | null;
  attributes: Record<string, unknown>;
  /** That client's email (null without an owner). */
  ownerEmail: string | null;
}

interface TaskSubjectRow {
  workflow_id: string;
  status: string;
  owner_id: string | null;
  attributes: Record<string, unknown>;
  email: string | null;
}

/** The lifecycles of these workflow ids (duplicates are fine), keyed by workflow id; unknown ids are absent. */
export async function taskSubjects(
  pool: pg.Pool,
  workflowIds: readonly string[],
): Promise<Map<string, TaskSubject>> {
  const ids = [...new Set(workflowIds)];
  if (ids.length === 0) return new Map();
  const { rows } = await pool.query<TaskSubjectRow>(
    `SELECT l.workflow_id, l.status, l.owner_id, l.attributes, u.email
       FROM lifecycle l LEFT JOIN app_user u ON u.id = l.owner_id
      WHERE l.workflow_id = ANY($1::text[])`,
    [ids],
  );
  return new Map(
    rows.map((row) => [
      row.workflow_id,
      {
        workflowId: row.workflow_id,
        status: row.status,
        ownerId: row.owner_id,
        attributes: row.attributes,
        ownerEmail: row.email,
      },
    ]),
  );
}

/**
 * Why a claim or release did not happen, as the API's error codes: 404 not_found, 403 forbidden,
 * 409 task_claimed (someone else holds it) / invalid_state (closed, or not claimed) / version_conflict.
 */
export type TaskRefusalCode =
  'not_found' | 'forbidden' | 'task_claimed' | 'invalid_state' | 'version_conflict';

export type TaskChangeResult =
  { ok: true; task: Task } | { ok: false; code: TaskRefusalCode; message: string; task: Task | null };

export interface TaskActor {
  id: string;
  role: Role;
}

/**
 * Claims an open task for `actor`. Claiming a task one already holds succeeds again (a retried
 * request). `expectedVersion`, when given, must be the version the caller saw.
 */
export async function claimTask(
  pool: pg.Pool,
  input: { taskId: string; actor: TaskActor; expectedVersion?: number },
): Promise<TaskChangeResult> {
  const { taskId, actor } = input;
  const current = await getTask(pool, taskId);
  if (!current) return { ok: false, code: 'not_found', message: 'no such task', task: null };
  if (!canActOnTask(actor.role, current.requiredRole)) {
    return { ok: false, code: 'forbidden', message: `this task is for ${current.requiredRole}`, task: null };
  }
  const { rows } = await pool.query<TaskRow>(
    `UPDATE task SET status = 'claimed', assignee = $2, claimed_at = now(), version = version + 1
      WHERE id = $1 AND status = 'open' AND ($3::int IS NULL OR version = $3::int)
      RETURNING ${TASK_COLUMNS}`,
    [taskId, actor.id, input.expectedVersion ?? null],
  );
  if (rows[0]) return { ok: true, task: toTask(rows[0]) };
  return explain(pool, taskId, actor, 'claim', input.expectedVersion);
}

/** Puts a task the caller holds back to open. Releasing an open task one could claim is a no-op success. */
export async function releaseTask(
  pool: pg.Pool,
  input: { taskId: string; actor: TaskActor; expectedVersion?: number },
): Promise<TaskChangeResult> {
  const { taskId, actor } = input;
  const { rows } = await pool.query<TaskRow>(
    `UPDATE task SET status = 'open', assignee = NULL, claimed_at = NULL, version = version + 1
      WHERE id = $1 AND status = 'claimed' AND assignee = $2 AND ($3::int IS NULL OR version = $3::int)
      RETURNING ${TASK_COLUMNS}`,
    [taskId, isUuid(actor.id) ? actor.id : null, input.expectedVersion ?? null],
  );
  if (rows[0]) return { ok: true, task: toTask(rows[0]) };
  return explain(pool, taskId, actor, 'release', input.expectedVersion);
}

/** After a conditional UPDATE matched nothing: read the task again and say why. */
async function explain(
  pool: pg.Pool,
  taskId: string,
  actor: TaskActor,
  change: 'claim' | 'release',
  expectedVersion: number | undefined,
): Promise<TaskChangeResult> {
  const task = await getTask(pool, taskId);
  if (!task) return { ok: false, code: 'not_found', message: 'no such task', task: null };
  if (!canActOnTask(actor.role, task.requiredRole)) {
    return { ok: false, code: 'forbidden', message: `this task is for ${task.requiredRole}`, task: null };
  }
  if (task.status === 'done' || task.status === 'cancelled') {
    return { ok: false, code: 'invalid_state', message: `the task is already ${task.status}`, task };
  }
  const mine = task.status === 'claimed' && task.assignee === actor.id;
  if (change === 'claim') {
    if (mine) return { ok: true, task };
    if (task.status === 'claimed')
      return { ok: false, code: 'task_claimed', message: 'someone else has claimed this task', task };
  } else {
    if (task.status === 'open') return { ok: true, task };
    if (!mine)
      return {
        ok: false,
        code: 'forbidden',
        message: 'only the person who claimed a task may release it',
        task,
      };
  }
  if (expectedVersion !== undefined && task.version !== expectedVersion) {
    return {
      ok: false,
      code: 'version_conflict',
      message: 'the task changed since you loaded it; reload',
      task,
    };
  }
  return { ok: false, code: 'invalid_state', message: `cannot ${change} the task now`, task };
}
