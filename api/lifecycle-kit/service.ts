// The one service every lifecycle runs on: start, read, list, stream and act, made from its
// descriptor (descriptor.ts). The JSON routes and the pages call what this returns, so every rule
// is applied once. Everything thrown is an ApiError (or a bug → 500).
//
// Order of checks for an action: role (403) → body shape (400) → the lifecycle exists and the
// caller may see it (404, also for another client's) → the caller may do it to this one (403) → it
// has not ended (409) → values that need the lifecycle (400) → the workflow's Update validator,
// which is authoritative (409 / 403 / 400 / 409 busy), then its handler (422 business rules).
import {
  ApplicationFailure,
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowUpdateFailedError,
  type Workflow,
  type WorkflowStartOptions,
} from '@temporalio/client';
import type { z } from 'zod';
import { getLifecycle, type LifecycleDetail } from '../../db/lifecycle/index.js';
import { authorize, type Actor, type TimelineEntry } from '../../domain/lifecycle.js';
import { auditStaffAction } from '../audit/log.js';
import type { AppDeps } from '../deps.js';
import { conflict, invalidState, temporarilyUnavailable, type ApiError } from '../errors.js';
import {
  actorOf,
  parseInput,
  refuseIfEnded,
  refusalToApiError,
  requireActionRole,
  type SessionUser,
} from '../services/common.js';
import { listLifecycleRecords, loadVisibleLifecycle } from '../services/lifecycle-records.js';
import {
  failureToApiError,
  requestUpdateId,
  runLifecycleUpdate,
  temporalClient,
  updateErrorToApiError,
  updateIdFor,
  withDeadline,
} from './workflow-calls.js';
import type {
  ActionSpec,
  LifecycleDescriptor,
  LifecycleStateShape,
  StartingActionSpec,
  StartSpec,
} from './descriptor.js';

/** The transition this request's Update made, if the read model has one (workflows/lifecycle.ts). */
function appliedBefore(detail: LifecycleDetail, action: string, requestId: string) {
  const updateId = requestUpdateId(action, requestId);
  return updateId === null ? undefined : detail.events.find((event) => event.data.updateId === updateId);
}

/** The Update id of the start: one per workflow, so a retried start attaches to the first. */
const STARTED_UPDATE_ID = 'started';

export interface ListQuery {
  status?: string;
  clientId?: string;
  limit?: number;
  cursor?: string;
}

export interface StartHooks {
  /** The workflow refused the start (a business rule, e.g. insufficient_funds): before it is thrown. */
  refused?: (failure: ApplicationFailure) => Promise<void>;
  /** The error a refusal becomes (default: failureToApiError). */
  refusalError?: (failure: ApplicationFailure) => ApiError;
}

export function lifecycleService<
  Status extends string,
  Action extends string,
  State extends LifecycleStateShape,
  Rec,
  View,
  Loaded = undefined,
>(d: LifecycleDescriptor<Status, Action, State, Rec, View, Loaded>) {
  const missing = `no such ${d.noun}`;

  /** The lifecycle `id` as the read model has it, if `user` may see it; otherwise 404. */
  function loadVisible(deps: AppDeps, user: SessionUser, id: string): Promise<LifecycleDetail> {
    return loadVisibleLifecycle(deps, user, d.type, id, missing);
  }

  /** The read model of `workflowId` right after the workflow said it recorded it. */
  async function recorded(deps: AppDeps, workflowId: string): Promise<LifecycleDetail> {
    const detail = await getLifecycle(deps.pool, workflowId);
    // recordTransition commits before the workflow answers, so this is only a database that lost
    // the connection in between: the same request again finds it.
    if (!detail) throw temporarilyUnavailable(`the ${d.noun} is being set up; retry the same request`, 1);
    return detail;
  }

  /** The views of `records` for `user`, with what `load` reads for all of them at once. */
  async function viewsOf(deps: AppDeps, user: SessionUser, records: readonly Rec[]): Promise<View[]> {
    const loaded = d.load ? await d.load(deps, user, records) : (undefined as Loaded);
    return records.map((record) => d.view(record, user, loaded));
  }

  /** The view of the read model, for `user`. */
  const viewOf = async (deps: AppDeps, detail: LifecycleDetail, user: SessionUser): Promise<View> =>
    (await viewsOf(deps, user, [d.recordOfDetail(detail)]))[0]!;

  /** This very request was applied already (its answer was lost): the answer, audited once. */
  async function answerApplied(
    deps: AppDeps,
    user: SessionUser,
    detail: LifecycleDetail,
    action: Action,
    applied: { from: string | null; to: string },
  ): Promise<View> {
    await auditStaffAction(
      deps.pool,
      user,
      `${d.type}.${action}`,
      { type: d.type, id: detail.businessId },
      { ...d.audit.before(detail), status: applied.from },
      { status: applied.to, replayed: true },
      { once: 'request' },
    );
    return viewOf(deps, detail, user);
  }

  /** A failed start (the workflow refused it, or Temporal did not answer) as the contract's error. */
  async function startError(error: unknown, hooks: StartHooks): Promise<unknown> {
    const failure =
      error instanceof WorkflowUpdateFailedError || error instanceof WorkflowFailedError
        ? error.cause
        : error instanceof ApplicationFailure
          ? error
          : null;
    if (failure instanceof ApplicationFailure) {
      await hooks.refused?.(failure);
      return (hooks.refusalError ?? failureToApiError)(failure);
    }
    return updateErrorToApiError(error);
  }

  return {
    loadVisible,
    viewsOf,

    async get(deps: AppDeps, user: SessionUser, id: string): Promise<View> {
      return viewOf(deps, await loadVisible(deps, user, id), user);
    },

    /** The workflow id of a lifecycle `user` may read (for live updates); 404 otherwise. */
    async workflowIdFor(deps: AppDeps, user: SessionUser, id: string): Promise<string> {
      return (await loadVisible(deps, user, id)).workflowId;
    },

    /** A page of what `user` may list, filtered by `schema`'s parse of the query. */
    lister<Q extends ListQuery>(schema: z.ZodType<Q>) {
      return async (
        deps: AppDeps,
        user: SessionUser,
        query: Record<string, unknown>,
      ): Promise<{ items: View[]; nextCursor: string | null }> => {
        const q = parseInput(schema, query, 'query');
        const page = await listLifecycleRecords(deps, user, d.type, q, d.recordOfSummary);
        return { items: await viewsOf(deps, user, page.records), nextCursor: page.nextCursor };
      };
    },

    /**
     * Starts a lifecycle (update-with-start, the same for every lifecycle): its workflow id comes from
     * the business id, itself from the caller's Idempotency-Key, so a retried request reaches the same
     * workflow, never a second one. Answers once the workflow has recorded its first transition (the
     * read model has it), with the workflow's refusal (422 …), or 503 with Retry-After when it could
     * not within the deadline (the workflow stays started; the same request later finds it). The same
     * key with another body is 409 idempotency_conflict. The creation is audited once.
     */
    async start<W extends Workflow>(
      deps: AppDeps,
      user: SessionUser,
      spec: StartSpec<W, Rec> & { audit: Record<string, unknown> },
      hooks: StartHooks = {},
    ): Promise<View> {
      const startedUpdate = d.startedUpdate;
      if (!startedUpdate) throw new Error(`the ${d.noun} lifecycle is started by an action (actWithStart)`);
      const client = await temporalClient(deps);
      const workflowId = d.workflowId(spec.businessId);
      try {
        await withDeadline(client, () =>
          client.workflow.executeUpdateWithStart(startedUpdate, {
            updateId: STARTED_UPDATE_ID,
            // The cast: TypeScript cannot see that these options are the conditional type again.
            startWorkflowOperation: new WithStartWorkflowOperation(spec.workflow, {
              workflowId,
              taskQueue: deps.taskQueue,
              args: spec.args,
              staticSummary: spec.staticSummary,
              workflowIdConflictPolicy: 'USE_EXISTING',
              workflowIdReusePolicy: 'REJECT_DUPLICATE',
            } as unknown as WorkflowStartOptions<W> & { workflowIdConflictPolicy: 'USE_EXISTING' }),
          }),
        );
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw await startError(error, hooks);
        // This key's workflow has ended already: it is still the one the key created. A workflow
        // that ended without recording anything refused its start: answer that refusal again.
        const recordedBefore = await getLifecycle(deps.pool, workflowId);
        if (!recordedBefore) {
          const outcome = await withDeadline(client, () =>
            client.workflow.getHandle(workflowId).result(),
          ).then(
            (result: unknown) => d.refusalOfResult?.(result as State) ?? null,
            (e: unknown) => e,
          );
          throw outcome
            ? await startError(outcome, hooks)
            : temporarilyUnavailable(`the ${d.noun} is being set up`);
        }
      }
      const detail = await recorded(deps, workflowId);
      const record = d.recordOfDetail(detail);
      if (detail.ownerId !== user.id || spec.conflicts(record)) {
        throw conflict(
          'idempotency_conflict',
          `this Idempotency-Key was already used for a different ${d.noun}`,
        );
      }
      await auditStaffAction(
        deps.pool,
        user,
        `${d.type}.create`,
        { type: d.type, id: detail.businessId },
        null,
        { status: detail.status, ...spec.audit },
        { once: 'subject' },
      );
      return (await viewsOf(deps, user, [record]))[0]!;
    },

    /**
     * A human action as a service function `(deps, user, id, body, requestId)`: see the order of
     * checks at the top of this file. The Update id is made of the request id, so a retried request
     * is applied once; the audit entry is written once, from what the workflow applied.
     */
    action<Body, Args extends { actor: Actor }>(action: Action, spec: ActionSpec<State, Body, Args>) {
      return async (
        deps: AppDeps,
        user: SessionUser,
        id: string,
        body: unknown,
        requestId: string,
      ): Promise<View> => {
        requireActionRole(d.permissions, user, action);
        const parsed = (spec.body ? parseInput(spec.body, body, 'body') : {}) as Body;
        spec.check?.(parsed);
        const detail = await loadVisible(deps, user, id);
        const refused = authorize(d.permissions, action, actorOf(user), detail.ownerId);
        if (refused) throw refusalToApiError(refused);
        const applied = appliedBefore(detail, action, requestId);
        // This very request was applied already (its answer was lost: a 503, a cut connection),
        // perhaps ending the lifecycle: answer as the first time would have, and audit it once.
        if (applied) return answerApplied(deps, user, detail, action, applied);
        refuseIfEnded(
          d.transitions,
          { status: detail.status as Status, closedAt: detail.closedAt },
          action,
          d.noun,
        );
        const args = { ...spec.args(parsed, detail, user), actor: actorOf(user) } as Args;
        await spec.before?.(deps, detail);
        return runLifecycleUpdate(deps, user, {
          workflowId: detail.workflowId,
          action,
          requestId,
          update: spec.update,
          args,
          mapError: spec.mapError,
          audit: {
            subject: { type: d.type, id: detail.businessId },
            before: d.audit.before(detail),
            after: d.audit.after,
          },
          // recordTransition commits inside the transition, before the Update answers.
          view: async () => viewOf(deps, await recorded(deps, detail.workflowId), user),
        });
      };
    },

    /**
     * An action that may be the lifecycle's first (KYC's submit) as `(deps, user, businessId,
     * requestId)`: update-with-start of its Update under the request's Update id, so a retried
     * request is applied once. On a lifecycle that exists the checks of `action` apply (a request
     * applied already answers 200, an ended lifecycle 409); the audit entry is written once.
     */
    actWithStart<Args extends { actor: Actor }, W extends Workflow>(
      action: Action,
      spec: StartingActionSpec<State, Args, W>,
    ) {
      return async (
        deps: AppDeps,
        user: SessionUser,
        businessId: string,
        requestId: string,
      ): Promise<View> => {
        requireActionRole(d.permissions, user, action);
        const workflowId = d.workflowId(businessId);
        const detail = await getLifecycle(deps.pool, workflowId);
        if (detail) {
          const refused = authorize(d.permissions, action, actorOf(user), detail.ownerId);
          if (refused) throw refusalToApiError(refused);
          const applied = appliedBefore(detail, action, requestId);
          if (applied) return answerApplied(deps, user, detail, action, applied);
          refuseIfEnded(
            d.transitions,
            { status: detail.status as Status, closedAt: detail.closedAt },
            action,
            d.noun,
          );
        }
        const args = { ...(await spec.args(deps, user, detail)), actor: actorOf(user) } as Args;
        const start = spec.start(user);
        const client = await temporalClient(deps);
        let state: State;
        try {
          state = await withDeadline(client, () =>
            client.workflow.executeUpdateWithStart(spec.update, {
              args: [args],
              updateId: updateIdFor(action, requestId),
              startWorkflowOperation: new WithStartWorkflowOperation(start.workflow, {
                workflowId,
                taskQueue: deps.taskQueue,
                args: start.args,
                staticSummary: start.staticSummary,
                workflowIdConflictPolicy: 'USE_EXISTING',
                workflowIdReusePolicy: 'REJECT_DUPLICATE',
              } as unknown as WorkflowStartOptions<W> & { workflowIdConflictPolicy: 'USE_EXISTING' }),
            }),
          );
        } catch (error) {
          // The workflow of this id has ended (its id is not reused): nothing can change any more.
          if (error instanceof WorkflowExecutionAlreadyStartedError) {
            throw invalidState(`the ${d.noun} has ended; nothing can change any more`);
          }
          throw (spec.mapError ?? updateErrorToApiError)(error);
        }
        const after = await recorded(deps, workflowId);
        const { actor: _actor, ...input } = args;
        await auditStaffAction(
          deps.pool,
          user,
          `${d.type}.${action}`,
          { type: d.type, id: after.businessId },
          { ...(detail ? d.audit.before(detail) : {}), status: appliedFrom(state.timeline, user.id) },
          { ...d.audit.after(state), input },
          { once: 'request' },
        );
        return viewOf(deps, after, user);
      };
    },
  };
}

/** The status the newest transition by `userId` left (the one an Update just made), else null. */
function appliedFrom(timeline: readonly unknown[], userId: string): string | null {
  const entries = timeline as readonly TimelineEntry[];
  for (let i = entries.length - 1; i >= 0; i--) {
    if (entries[i]?.actor?.id === userId) return entries[i]!.from;
  }
  return null;
}

export type LifecycleService = ReturnType<typeof lifecycleService>;
