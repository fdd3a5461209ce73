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
import { authorize, type Actor } from '../../domain/lifecycle.js';
import { auditStaffAction } from '../audit/log.js';
import type { AppDeps } from '../deps.js';
import { conflict, temporarilyUnavailable, type ApiError } from '../errors.js';
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
  withDeadline,
} from '../services/temporal.js';
import type { ActionSpec, LifecycleDescriptor, LifecycleStateShape, StartSpec } from './descriptor.js';

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
>(d: LifecycleDescriptor<Status, Action, State, Rec, View>) {
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

  /** The view of the read model, for `user`. */
  const viewOf = (detail: LifecycleDetail, user: SessionUser): View => d.view(d.recordOfDetail(detail), user);

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

    async get(deps: AppDeps, user: SessionUser, id: string): Promise<View> {
      return viewOf(await loadVisible(deps, user, id), user);
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
        return { items: page.records.map((record) => d.view(record, user)), nextCursor: page.nextCursor };
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
      const client = await temporalClient(deps);
      const workflowId = d.workflowId(spec.businessId);
      try {
        await withDeadline(client, () =>
          client.workflow.executeUpdateWithStart(d.startedUpdate, {
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
      return d.view(record, user);
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
        if (applied) {
          // This very request was applied already (its answer was lost: a 503, a cut connection),
          // perhaps ending the lifecycle: answer as the first time would have, and audit it once.
          await auditStaffAction(
            deps.pool,
            user,
            `${d.type}.${action}`,
            { type: d.type, id: detail.businessId },
            { ...d.audit.before(detail), status: applied.from },
            { status: applied.to, replayed: true },
            { once: 'request' },
          );
          return viewOf(detail, user);
        }
        refuseIfEnded(
          d.transitions,
          { status: detail.status as Status, closedAt: detail.closedAt },
          action,
          d.noun,
        );
        const args = { ...spec.args(parsed, detail, user), actor: actorOf(user) } as Args;
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
          view: async () => viewOf(await recorded(deps, detail.workflowId), user),
        });
      };
    },
  };
}

export type LifecycleService = ReturnType<typeof lifecycleService>;
