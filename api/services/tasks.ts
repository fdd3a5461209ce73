// The staff inbox: list the tasks the caller's role may act on, claim one (an optimistic lock),
// release it. Acting on a task is the lifecycle's own route (confirm, release, ...), which closes it.
import type pg from 'pg';
import { z } from 'zod';
import {
  InvalidCursorError,
  LIVE_TASK_STATUSES,
  claimTask,
  getTask,
  listTasks,
  releaseTask,
  taskSubjects,
  type Task,
  type TaskChangeResult,
  type TaskStatus,
  type TaskSubject,
} from '../../db/lifecycle/index.js';
import { ROLES, canActOnTasks, taskRolesFor } from '../../domain/roles.js';
import { auditStaffAction } from '../audit/log.js';
import type { AppDeps } from '../deps.js';
import { ApiError, conflict, forbidden, invalidState, notFound, validationFailed } from '../errors.js';
import { listQuerySchema, textField } from '../validate.js';
import { isUuid } from '../../domain/ids.js';
import { parseInput, type SessionUser } from './common.js';

export const TASK_STATUSES = [
  'open',
  'claimed',
  'done',
  'cancelled',
] as const satisfies readonly TaskStatus[];

/** What the inbox shows about the thing a task is about (for deposits: amount, currency, client). */
export interface TaskSubjectView {
  type: string;
  id: string;
  status: string | null;
  clientId: string | null;
  clientEmail: string | null;
  amount: string | null;
  currency: string | null;
  receivedAmount: string | null;
  reference: string | null;
}

export interface TaskView extends Task {
  /** Whole seconds since the task was opened. */
  ageSeconds: number;
  /** Still live (open or claimed) and past its due date. */
  overdue: boolean;
  /** Claimed by the caller. */
  mine: boolean;
  subject: TaskSubjectView;
}

export const ListTasksQuerySchema = listQuerySchema.extend({
  kind: textField({ max: 100, required: true }).optional().meta({ example: 'deposit.confirm_receipt' }),
  status: z.enum(TASK_STATUSES).optional().meta({ description: 'Default: open and claimed' }),
  assignee: z.literal('me').optional().meta({ description: '`me`: only tasks I have claimed' }),
});

const TaskSubjectSchema = z.object({
  type: z.string(),
  id: z.string(),
  status: z.string().nullable(),
  clientId: z.uuid().nullable(),
  clientEmail: z.string().nullable(),
  amount: z.string().nullable(),
  currency: z.string().nullable(),
  receivedAmount: z.string().nullable(),
  reference: z.string().nullable(),
});

export const TaskSchema = z
  .object({
    id: z.uuid(),
    kind: z.string().meta({ example: 'deposit.confirm_receipt' }),
    workflowId: z.string(),
    subjectType: z.string(),
    subjectId: z.string(),
    requiredRole: z.enum(ROLES),
    status: z.enum(TASK_STATUSES),
    assignee: z.uuid().nullable(),
    claimedAt: z.string().nullable(),
    summary: z.string().nullable(),
    priority: z.number().int(),
    version: z.number().int(),
    createdAt: z.string(),
    dueAt: z.string().nullable(),
    completedAt: z.string().nullable(),
    completedBy: z.uuid().nullable(),
    outcome: z.string().nullable(),
    ageSeconds: z.number().int(),
    overdue: z.boolean(),
    mine: z.boolean(),
    subject: TaskSubjectSchema,
  })
  .meta({ id: 'Task' });

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);

function toTaskView(
  task: Task,
  subject: TaskSubject | undefined,
  user: SessionUser,
  nowMs: number,
): TaskView {
  const live = (LIVE_TASK_STATUSES as readonly string[]).includes(task.status);
  const a = subject?.attributes ?? {};
  return {
    ...task,
    ageSeconds: Math.max(0, Math.floor((nowMs - Date.parse(task.createdAt)) / 1000)),
    overdue: live && task.dueAt !== null && Date.parse(task.dueAt) < nowMs,
    mine: task.status === 'claimed' && task.assignee === user.id,
    subject: {
      type: task.subjectType,
      id: task.subjectId,
      status: subject?.status ?? null,
      clientId: subject?.ownerId ?? null,
      clientEmail: subject?.ownerEmail ?? null,
      amount: str(a.amount),
      currency: str(a.currency),
      receivedAmount: str(a.receivedAmount),
      reference: str(a.reference),
    },
  };
}

/** The inbox views of `tasks` (their subjects read in one query); also the sorted inbox's (api/pages/task-lists.ts). */
export async function viewsOf(pool: pg.Pool, tasks: Task[], user: SessionUser): Promise<TaskView[]> {
  const subjects = await taskSubjects(
    pool,
    tasks.map((task) => task.workflowId),
  );
  const now = Date.now();
  return tasks.map((task) => toTaskView(task, subjects.get(task.workflowId), user, now));
}

function requireTaskRole(user: SessionUser): void {
  if (!canActOnTasks(user.role)) throw forbidden('the task inbox is for operations and AML officers');
}

/** GET /tasks: open and claimed tasks (or `status`) for the caller's roles, most urgent first. */
export async function listTasksFor(
  deps: AppDeps,
  user: SessionUser,
  query: {
    kind?: string;
    status?: string;
    assignee?: 'me' | string;
    limit?: number | string;
    cursor?: string;
  },
): Promise<{ items: TaskView[]; nextCursor: string | null }> {
  requireTaskRole(user);
  const q = parseInput(ListTasksQuerySchema, query, 'query');
  let page;
  try {
    page = await listTasks(deps.pool, {
      roles: taskRolesFor(user.role),
      status: q.status,
      kind: q.kind,
      assignee: q.assignee === 'me' ? user.id : undefined,
      limit: q.limit,
      cursor: q.cursor,
    });
  } catch (error) {
    // A cursor we did not issue, or one whose values PostgreSQL cannot read (22xxx: data exception).
    const code = (error as { code?: unknown }).code;
    if (
      error instanceof InvalidCursorError ||
      (q.cursor && typeof code === 'string' && code.startsWith('22'))
    ) {
      throw validationFailed([
        { path: 'cursor', code: 'invalid_cursor', message: 'this cursor was not issued by this list' },
      ]);
    }
    throw error;
  }
  return { items: await viewsOf(deps.pool, page.items, user), nextCursor: page.nextCursor };
}

function changeResult(result: TaskChangeResult): Task {
  if (result.ok) return result.task;
  switch (result.code) {
    case 'not_found':
      return raise(notFound('no such task'));
    case 'forbidden':
      return raise(forbidden(result.message));
    case 'task_claimed':
      return raise(conflict('task_claimed', result.message, { assignee: result.task?.assignee ?? null }));
    case 'version_conflict':
      return raise(conflict('version_conflict', result.message));
    case 'invalid_state':
      return raise(invalidState(result.message, { status: result.task?.status ?? null }));
  }
}

function raise(error: ApiError): never {
  throw error;
}

/** POST /tasks/:id/claim: 200 claimed by the caller (again, if already theirs); 409 task_claimed if someone else holds it. */
export async function claimTaskFor(deps: AppDeps, user: SessionUser, id: string): Promise<TaskView> {
  requireTaskRole(user);
  if (!isUuid(id)) throw notFound('no such task');
  const before = await getTask(deps.pool, id);
  const task = changeResult(
    await claimTask(deps.pool, { taskId: id, actor: { id: user.id, role: user.role } }),
  );
  await auditTaskChange(deps, user, 'task.claim', before, task);
  return (await viewsOf(deps.pool, [task], user))[0]!;
}

/** POST /tasks/:id/release: only the claimant (403 otherwise); 409 once the task is closed. */
export async function releaseTaskFor(deps: AppDeps, user: SessionUser, id: string): Promise<TaskView> {
  requireTaskRole(user);
  if (!isUuid(id)) throw notFound('no such task');
  const before = await getTask(deps.pool, id);
  const task = changeResult(
    await releaseTask(deps.pool, { taskId: id, actor: { id: user.id, role: user.role } }),
  );
  await auditTaskChange(deps, user, 'task.release', before, task);
  return (await viewsOf(deps.pool, [task], user))[0]!;
}

/** Audit (api/audit/log.ts) of a claim or release that succeeded; `before` is the task as read just before. Never throws. */
async function auditTaskChange(
  deps: AppDeps,
  user: SessionUser,
  action: string,
  before: Task | null,
  after: Task,
) {
  const state = (task: Task) => ({ status: task.status, assignee: task.assignee, version: task.version });
  await auditStaffAction(
    deps.pool,
    user,
    action,
    { type: 'task', id: after.id },
    before ? state(before) : null,
    { ...state(after), kind: after.kind, workflowId: after.workflowId },
  );
}
