// The read-model pieces every lifecycle's view is built from: a lifecycle's transitions with their
// actions, its live tasks, and a page of them gathered in one query (two for staff: their tasks).
import type pg from 'pg';
import {
  getLifecycleByBusinessId,
  getLifecyclesByBusinessIds,
  listLifecyclesWithTransitions,
  type LifecycleDetail,
  type LifecycleSummary,
  type Task,
} from '../../db/lifecycle/index.js';
import {
  liveTasksOfWorkflows,
  transitionsOfWorkflows,
  type RecordedTransition,
} from '../../db/lifecycle/timelines.js';
import { actionsFor, type PermissionTable, type TransitionTable } from '../../domain/lifecycle.js';
import { canReadAllClients, isClient, isReadOnly } from '../../domain/roles.js';
import type { AppDeps } from '../deps.js';
import { notFound } from '../errors.js';
import { isUuid } from '../../domain/ids.js';
import { actorOf, listOwner, listPage, type SessionUser } from './common.js';

export type { RecordedTransition } from '../../db/lifecycle/timelines.js';

/** `value` when it is text, else null (attributes of the read model are untyped JSON). */
export const textOrNull = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** A task someone can still work on. */
export const isLiveTask = (task: Task): boolean => task.status === 'open' || task.status === 'claimed';

/** A task as a lifecycle's `openTasks` shows it to staff (the short form). */
export function openTaskOf(task: Task): {
  id: string;
  kind: string;
  status: string;
  assignee: string | null;
  dueAt: string | null;
} {
  return { id: task.id, kind: task.kind, status: task.status, assignee: task.assignee, dueAt: task.dueAt };
}

/**
 * The human actions `user` could perform now on a lifecycle in `status` owned by `ownerId`
 * (allowed from the status and permitted); none for read-only roles.
 */
export function allowedHumanActions<Status extends string, Action extends string, Human extends Action>(
  table: TransitionTable<Status, Action>,
  permissions: PermissionTable<Action>,
  humanActions: readonly Human[],
  status: Status,
  user: SessionUser,
  ownerId: string | null,
): Human[] {
  if (isReadOnly(user.role)) return [];
  return actionsFor(table, permissions, status, actorOf(user), ownerId).filter((a): a is Human =>
    (humanActions as readonly string[]).includes(a),
  );
}

/** The transitions of a read-model lifecycle, each with the action its event data names. */
export function transitionsOfDetail<Status extends string>(
  detail: LifecycleDetail,
): RecordedTransition<Status>[] {
  return detail.events.map(({ at, from, to, actor, reason, data }) => ({
    entry: { at, from: from as Status | null, to: to as Status, actor, reason },
    action: textOrNull(data.action),
  }));
}

/** The records of a page of lifecycles, with their timelines and (when asked) live tasks, in two queries. */
export async function recordsOfSummaries<Status extends string, R>(
  pool: pg.Pool,
  summaries: LifecycleSummary[],
  withTasks: boolean,
  build: (summary: LifecycleSummary, transitions: RecordedTransition<Status>[], tasks: Task[]) => R,
  /** The transitions when the page's query brought them already (listLifecycleRecords). */
  known?: ReadonlyMap<string, RecordedTransition<Status>[]>,
): Promise<R[]> {
  if (summaries.length === 0) return [];
  const ids = summaries.map((s) => s.workflowId);
  const [transitions, tasks] = await Promise.all([
    known ?? transitionsOfWorkflows<Status>(pool, ids),
    withTasks ? liveTasksOfWorkflows(pool, ids) : Promise.resolve(new Map<string, Task[]>()),
  ]);
  return summaries.map((s) => build(s, transitions.get(s.workflowId) ?? [], tasks.get(s.workflowId) ?? []));
}

/** Whether `user` may see `detail`: staff and auditors every one, a client their own. */
function mayRead(user: SessionUser, detail: LifecycleDetail): boolean {
  return canReadAllClients(user.role) || detail.ownerId === user.id;
}

/**
 * The lifecycle of `type` with business id `id` as the read model has it, if `user` may see it
 * (staff, or the client it belongs to); otherwise 404 with `missing` (no existence leak).
 */
export async function loadVisibleLifecycle(
  deps: AppDeps,
  user: SessionUser,
  type: string,
  id: string,
  missing: string,
): Promise<LifecycleDetail> {
  if (!isUuid(id)) throw notFound(missing);
  const detail = await getLifecycleByBusinessId(deps.pool, type, id.toLowerCase());
  if (!detail || !mayRead(user, detail)) throw notFound(missing);
  return detail;
}

/**
 * loadVisibleLifecycle of each of `ids` at once (three queries), in their order, leaving out each
 * one it would answer 404 for: the rows of a staff list page, read as one.
 */
export async function loadVisibleLifecycles(
  deps: AppDeps,
  user: SessionUser,
  type: string,
  ids: readonly string[],
): Promise<LifecycleDetail[]> {
  const wanted = ids.filter(isUuid).map((id) => id.toLowerCase());
  const found = await getLifecyclesByBusinessIds(deps.pool, type, [...new Set(wanted)]);
  return wanted.flatMap((id) => {
    const detail = found.get(id);
    return detail && mayRead(user, detail) ? [detail] : [];
  });
}

/**
 * A page of the lifecycles of `type` `user` may list (a client: their own; staff: all, or one
 * client's), as records with their timelines and, for staff, their live tasks.
 */
export async function listLifecycleRecords<Status extends string, R>(
  deps: AppDeps,
  user: SessionUser,
  type: string,
  query: {
    status?: string;
    clientId?: string;
    limit?: number;
    cursor?: string;
    /** Exact values of lifecycle attributes (db/lifecycle listLifecycles). */
    attributes?: Readonly<Record<string, string>>;
  },
  build: (summary: LifecycleSummary, transitions: RecordedTransition<Status>[], tasks: Task[]) => R,
): Promise<{ records: R[]; nextCursor: string | null }> {
  const owner = listOwner(user, query.clientId);
  if (owner === null) return { records: [], nextCursor: null };
  // The page and its timelines in one statement: a client's list read is one round trip.
  const page = await listPage(() =>
    listLifecyclesWithTransitions(deps.pool, {
      type,
      ownerId: owner.ownerId,
      status: query.status,
      attributes: query.attributes,
      limit: query.limit,
      cursor: query.cursor,
    }),
  );
  const known = new Map(
    page.items.map((item) => [item.workflowId, item.transitions as RecordedTransition<Status>[]]),
  );
  const records = await recordsOfSummaries(deps.pool, page.items, !isClient(user.role), build, known);
  return { records, nextCursor: page.nextCursor };
}
