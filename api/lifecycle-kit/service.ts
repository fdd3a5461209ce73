// The one service every lifecycle runs on: start, read, list, stream and act, made from its
// descriptor (descriptor.ts). The JSON routes and the pages call what this returns, so every rule
// is applied once. Everything thrown is an ApiError (or a bug → 500).
//
// Order of checks for an action: role (403) → body shape (400) → the lifecycle exists and the
// caller may see it (404, also for another client's) → the caller may do it to this one (403) →
// this very request was applied already (then its answer, 200) → it has not ended (409) → values
// that need the lifecycle (400) → the workflow's Update validator, which is authoritative (409 /
// 403 / 400 / 409 busy), then its handler (422 business rules).
//
// The work is in reading.ts, starting.ts and acting.ts; this binds it to one descriptor.
import type { Workflow } from '@temporalio/client';
import type { z } from 'zod';
import type { Actor } from '../../domain/lifecycle.js';
import type { AppDeps } from '../deps.js';
import type { SessionUser } from '../services/common.js';
import { act, actWithStart } from './acting.js';
import type {
  ActionSpec,
  LifecycleDescriptor,
  LifecycleStateShape,
  StartingActionSpec,
  StartSpec,
} from './descriptor.js';
import {
  listPage,
  loadVisible,
  viewsOf,
  viewOf,
  visibleViews,
  type ListOptions,
  type ListQuery,
} from './reading.js';
import { startLifecycle, type StartHooks } from './starting.js';

export type { ListQuery } from './reading.js';
export type { StartHooks } from './starting.js';

export function lifecycleService<
  Status extends string,
  Action extends string,
  State extends LifecycleStateShape,
  Rec,
  View,
  Loaded = undefined,
>(d: LifecycleDescriptor<Status, Action, State, Rec, View, Loaded>) {
  return {
    loadVisible: (deps: AppDeps, user: SessionUser, id: string) => loadVisible(d, deps, user, id),
    viewsOf: (deps: AppDeps, user: SessionUser, records: readonly Rec[]): Promise<View[]> =>
      viewsOf(d, deps, user, records),

    get: async (deps: AppDeps, user: SessionUser, id: string): Promise<View> =>
      viewOf(d, deps, await loadVisible(d, deps, user, id), user),

    /** `get` of each of `ids` at once, in their order, leaving out the ones it would refuse (404). */
    getMany: (deps: AppDeps, user: SessionUser, ids: readonly string[]): Promise<View[]> =>
      visibleViews(d, deps, user, ids),

    /** The workflow id of a lifecycle `user` may read (for live updates); 404 otherwise. */
    workflowIdFor: async (deps: AppDeps, user: SessionUser, id: string): Promise<string> =>
      (await loadVisible(d, deps, user, id)).workflowId,

    /** A page of what `user` may list, filtered by `schema`'s parse of the query. */
    lister:
      <Q extends ListQuery>(schema: z.ZodType<Q>, options: ListOptions<Q> = {}) =>
      (deps: AppDeps, user: SessionUser, query: Record<string, unknown>) =>
        listPage(d, schema, deps, user, query, options) as Promise<{
          items: View[];
          nextCursor: string | null;
        }>,

    /** Starts one (update-with-start of `startedUpdate`; starting.ts startLifecycle). */
    start: <W extends Workflow>(
      deps: AppDeps,
      user: SessionUser,
      spec: StartSpec<W, Rec> & { audit: Record<string, unknown> },
      hooks: StartHooks = {},
    ): Promise<View> => startLifecycle(d, deps, user, spec, hooks),

    /** A human action as a service function `(deps, user, id, body, requestId)`. */
    action:
      <Body, Args extends { actor: Actor }>(action: Action, spec: ActionSpec<State, Body, Args>) =>
      (deps: AppDeps, user: SessionUser, id: string, body: unknown, requestId: string): Promise<View> =>
        act(d, action, spec, { deps, user, id, body, requestId }),

    /** An action that may be the lifecycle's first, as `(deps, user, businessId, requestId)`. */
    actWithStart:
      <Args extends { actor: Actor }, W extends Workflow>(
        action: Action,
        spec: StartingActionSpec<State, Args, W>,
      ) =>
      (deps: AppDeps, user: SessionUser, businessId: string, requestId: string): Promise<View> =>
        actWithStart(d, action, spec, { deps, user, businessId, requestId }),
  };
}
