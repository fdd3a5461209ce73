// Acting on a lifecycle for the kit (service.ts): a person's action as an Update, checked in the
// order the service's header gives, applied once per request, audited once.
import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  type Workflow,
} from '@temporalio/client';
import { getLifecycle, type LifecycleDetail, type LifecycleEvent } from '../../db/lifecycle/index.js';
import { authorize, type Actor } from '../../domain/lifecycle.js';
import { auditStaffAction } from '../audit/log.js';
import type { AppDeps } from '../deps.js';
import { noteWorkflow } from '../middleware/request-context.js';
import { invalidState } from '../errors.js';
import {
  actorOf,
  parseInput,
  refuseIfEnded,
  refusalToApiError,
  requireActionRole,
  type SessionUser,
} from '../services/common.js';
import type { ActionSpec, AnyDescriptor, StartingActionSpec, StateOf, ViewOf } from './descriptor.js';
import { answerApplied, appliedBefore, loadVisible, recorded, viewOf } from './reading.js';
import { startOptions } from './starting.js';
import {
  appliedFrom,
  runHasMovedOn,
  runLifecycleUpdate,
  temporalClient,
  updateErrorToApiError,
  updateIdFor,
  withDeadline,
} from './workflow-calls.js';

/** A transition of this very request that the read model holds, and the run that recorded it. */
interface Applied {
  event: LifecycleEvent;
  /** Null for transitions recorded before runs were kept with them: the read model's word stands. */
  runId: string | null;
}

/**
 * The checks on a lifecycle that exists, before its Update: the caller may do it to this one (403),
 * this very request was not applied already (else that transition, for confirmApplied), it has not
 * ended (409).
 */
function checkExisting<D extends AnyDescriptor>(
  d: D,
  user: SessionUser,
  detail: LifecycleDetail,
  action: string,
  requestId: string,
): Applied | null {
  const refused = authorize(d.permissions, action, actorOf(user), detail.ownerId);
  if (refused) throw refusalToApiError(refused);
  const event = appliedBefore(detail, action, requestId);
  if (event) return { event, runId: typeof event.data.runId === 'string' ? event.data.runId : null };
  refuseIfEnded(d.transitions, { status: detail.status, closedAt: detail.closedAt }, action, d.noun);
  return null;
}

/**
 * This very request was applied already (its answer was lost: a 503, a cut connection), perhaps
 * ending the lifecycle: answer as the first time would have, and audit it once. The read model alone
 * is not proof: a transition's local activity commits before its workflow task, so after a lost task
 * (a Temporal restart) the read model can hold a transition the run never applied. While that run is
 * open the Update goes to it again under the same id: Temporal answers one it applied with its first
 * outcome, and applies one it never saw. A run that has ended or refuses leaves the read model's word.
 */
function answerFromReadModel<D extends AnyDescriptor>(
  d: D,
  deps: AppDeps,
  user: SessionUser,
  detail: LifecycleDetail,
  action: string,
  applied: Applied,
): () => Promise<ViewOf<D>> {
  return () => answerApplied(d, deps, user, detail, action, applied.event);
}

/** A human action on `id` (see the order of checks in service.ts). */
export async function act<D extends AnyDescriptor, Body, Args extends { actor: Actor }>(
  d: D,
  action: string,
  spec: ActionSpec<StateOf<D>, Body, Args>,
  call: { deps: AppDeps; user: SessionUser; id: string; body: unknown; requestId: string },
): Promise<ViewOf<D>> {
  const { deps, user, id, requestId } = call;
  requireActionRole(d.permissions, user, action);
  const parsed = (spec.body ? parseInput(spec.body, call.body, 'body') : {}) as Body;
  spec.check?.(parsed);
  const detail = await loadVisible(d, deps, user, id);
  const applied = checkExisting(d, user, detail, action, requestId);
  if (applied && applied.runId === null) return answerFromReadModel(d, deps, user, detail, action, applied)();
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
    view: async () => viewOf(d, deps, await recorded(d, deps, detail.workflowId), user),
    retried: applied?.runId
      ? { runId: applied.runId, otherwise: answerFromReadModel(d, deps, user, detail, action, applied) }
      : undefined,
  });
}

/**
 * An action that may be the lifecycle's first (KYC's submit): update-with-start of its Update under
 * the request's Update id, so a retried request is applied once. On a lifecycle that exists the
 * checks of `act` apply (a request applied already answers 200, an ended lifecycle 409).
 */
export async function actWithStart<
  D extends AnyDescriptor,
  Args extends { actor: Actor },
  W extends Workflow,
>(
  d: D,
  action: string,
  spec: StartingActionSpec<StateOf<D>, Args, W>,
  call: { deps: AppDeps; user: SessionUser; businessId: string; requestId: string },
): Promise<ViewOf<D>> {
  const { deps, user, requestId } = call;
  requireActionRole(d.permissions, user, action);
  const workflowId = d.workflowId(call.businessId);
  noteWorkflow(workflowId);
  const detail = await getLifecycle(deps.pool, workflowId);
  const applied = detail ? checkExisting(d, user, detail, action, requestId) : null;
  if (detail && applied && applied.runId === null)
    return answerFromReadModel(d, deps, user, detail, action, applied)();
  const args = { ...(await spec.args(deps, user, detail)), actor: actorOf(user) } as Args;
  const start = spec.start(user);
  const client = await temporalClient(deps);
  const updateId = updateIdFor(action, requestId);
  let state: StateOf<D>;
  try {
    state = await withDeadline(client, () =>
      applied?.runId
        ? // Asked again of the run that recorded it (see answerFromReadModel), never started anew.
          client.workflow
            .getHandle(workflowId, applied.runId)
            .executeUpdate(spec.update, { args: [args], updateId })
        : client.workflow.executeUpdateWithStart(spec.update, {
            args: [args],
            updateId,
            startWorkflowOperation: new WithStartWorkflowOperation(
              start.workflow,
              startOptions<W>(workflowId, deps.taskQueue, start),
            ),
          }),
    );
  } catch (error) {
    if (detail && applied && runHasMovedOn(error))
      return answerFromReadModel(d, deps, user, detail, action, applied)();
    // The workflow of this id has ended (its id is not reused): nothing can change any more.
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      throw invalidState(`the ${d.noun} has ended; nothing can change any more`);
    }
    throw (spec.mapError ?? updateErrorToApiError)(error);
  }
  const after = await recorded(d, deps, workflowId);
  const { actor: _actor, ...input } = args;
  await auditStaffAction(
    deps.pool,
    user,
    `${d.type}.${action}`,
    { type: d.type, id: after.businessId },
    { ...(detail ? d.audit.before(detail) : {}), status: appliedFrom(state, user.id) },
    { ...d.audit.after(state), input },
    { once: 'request' },
  );
  return viewOf(d, deps, after, user);
}
