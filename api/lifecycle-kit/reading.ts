// Reading a lifecycle for the kit (service.ts): the one a caller may see, the read model right after
// the workflow answered, views built a page at a time, and whether this very request was applied.
import type { z } from 'zod';
import { getLifecycle, getLifecycleByBusinessId, type LifecycleDetail } from '../../db/lifecycle/index.js';
import { isUuid } from '../../domain/ids.js';
import { canReadAllClients } from '../../domain/roles.js';
import { auditStaffAction } from '../audit/log.js';
import type { AppDeps } from '../deps.js';
import { ApiError, temporarilyUnavailable } from '../errors.js';
import { parseInput, type SessionUser } from '../services/common.js';
import {
  listLifecycleRecords,
  loadVisibleLifecycle,
  loadVisibleLifecycles,
} from '../services/lifecycle-records.js';
import type { AnyDescriptor, LoadedOf, RecOf, ViewOf } from './descriptor.js';
import { startedUnrecorded, answersOnStart } from './started-unrecorded.js';
import { requestUpdateId } from './workflow-calls.js';

export interface ListQuery {
  status?: string;
  clientId?: string;
  limit?: number;
  cursor?: string;
}

/**
 * The lifecycle `id` as the read model has it, if `user` may see it; otherwise 404. With
 * LIFECYCLE_START_ANSWER=started, one whose start was answered before its workflow recorded it is
 * found from the workflow's start (started-unrecorded.ts) until the read model has it.
 */
export async function loadVisible(
  d: AnyDescriptor,
  deps: AppDeps,
  user: SessionUser,
  id: string,
): Promise<LifecycleDetail> {
  try {
    return await loadVisibleLifecycle(deps, user, d.type, id, `no such ${d.noun}`);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404) || !d.detailOfStart || !answersOnStart())
      throw error;
    if (!isUuid(id) || (await getLifecycleByBusinessId(deps.pool, d.type, id.toLowerCase()))) throw error;
    const started = await startedUnrecorded(d, deps, d.workflowId(id.toLowerCase()));
    if (!started || (!canReadAllClients(user.role) && started.ownerId !== user.id)) throw error;
    return started;
  }
}

/**
 * The views of the lifecycles `ids` that `user` may see, in the order of `ids`, each as `get` builds
 * it; one `get` would answer 404 for is left out. The read model of all of them in three queries and
 * `load` once, not a round of reads per id: a staff list page's rows. Ids come from the read model
 * (a list query), so none is a start the worker has not recorded yet (loadVisible's fallback).
 */
export async function visibleViews<D extends AnyDescriptor>(
  d: D,
  deps: AppDeps,
  user: SessionUser,
  ids: readonly string[],
): Promise<ViewOf<D>[]> {
  const details = await loadVisibleLifecycles(deps, user, d.type, ids);
  return viewsOf(
    d,
    deps,
    user,
    details.map((detail) => d.recordOfDetail(detail) as RecOf<D>),
  );
}

/** The read model of `workflowId` right after the workflow said it recorded it. */
export async function recorded(
  d: AnyDescriptor,
  deps: AppDeps,
  workflowId: string,
): Promise<LifecycleDetail> {
  const detail = await getLifecycle(deps.pool, workflowId);
  // recordTransition commits before the workflow answers, so this is only a database that lost
  // the connection in between: the same request again finds it.
  if (!detail) throw temporarilyUnavailable(`the ${d.noun} is being set up; retry the same request`, 1);
  return detail;
}

/** The views of `records` for `user`, with what `load` reads for all of them at once. */
export async function viewsOf<D extends AnyDescriptor>(
  d: D,
  deps: AppDeps,
  user: SessionUser,
  records: readonly RecOf<D>[],
): Promise<ViewOf<D>[]> {
  const loaded = (d.load ? await d.load(deps, user, records) : undefined) as LoadedOf<D>;
  return records.map((record) => d.view(record, user, loaded) as ViewOf<D>);
}

/** The view of the read model, for `user`. */
export async function viewOf<D extends AnyDescriptor>(
  d: D,
  deps: AppDeps,
  detail: LifecycleDetail,
  user: SessionUser,
): Promise<ViewOf<D>> {
  return (await viewsOf(d, deps, user, [d.recordOfDetail(detail) as RecOf<D>]))[0]!;
}

/** Query fields that filter on the lifecycle's attributes of the same name (exact values). */
export interface ListOptions<Q> {
  attributes?: readonly (keyof Q & string)[];
}

/** A page of what `user` may list, filtered by `schema`'s parse of the query. */
export async function listPage<D extends AnyDescriptor, Q extends ListQuery>(
  d: D,
  schema: z.ZodType<Q>,
  deps: AppDeps,
  user: SessionUser,
  query: Record<string, unknown>,
  options: ListOptions<Q> = {},
): Promise<{ items: ViewOf<D>[]; nextCursor: string | null }> {
  const q = parseInput(schema, query, 'query');
  const attributes: Record<string, string> = {};
  for (const key of options.attributes ?? []) {
    const value = q[key];
    if (value !== undefined && value !== null) attributes[key] = String(value);
  }
  const page = await listLifecycleRecords(deps, user, d.type, { ...q, attributes }, d.recordOfSummary);
  return { items: await viewsOf(d, deps, user, page.records as RecOf<D>[]), nextCursor: page.nextCursor };
}

/** The transition this request's Update made, if the read model has one (workflows/lifecycle.ts). */
export function appliedBefore(detail: LifecycleDetail, action: string, requestId: string) {
  const updateId = requestUpdateId(action, requestId);
  return updateId === null ? undefined : detail.events.find((event) => event.data.updateId === updateId);
}

/** This very request was applied already (its answer was lost): the answer, audited once. */
export async function answerApplied<D extends AnyDescriptor>(
  d: D,
  deps: AppDeps,
  user: SessionUser,
  detail: LifecycleDetail,
  action: string,
  applied: { from: string | null; to: string },
): Promise<ViewOf<D>> {
  await auditStaffAction(
    deps.pool,
    user,
    `${d.type}.${action}`,
    { type: d.type, id: detail.businessId },
    { ...d.audit.before(detail), status: applied.from },
    { status: applied.to, replayed: true },
    { once: 'request' },
  );
  return viewOf(d, deps, detail, user);
}
