// Acting on a lifecycle for the kit (service.ts): a person's action as an Update, checked in the
// order the service's header gives, applied once per request, audited once.
import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  type Workflow,
} from '@temporalio/client';
import { getLifecycle, type LifecycleDetail } from '../../db/lifecycle/index.js';
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
  runLifecycleUpdate,
  temporalClient,
  updateErrorToApiError,
  updateIdFor,
  withDeadline,
} from './workflow-calls.js';

/**
 * The checks on a lifecycle that exists, before its Update: the caller may do it to this one (403),
 * this very request was not applied already (else its answer, 200), it has not ended (409).
 */
async function checkExisting<D extends AnyDescriptor>(
  d: D,
  deps: AppDeps,
  user: SessionUser,
  detail: LifecycleDetail,
  action: string,
  requestId: string,
): Promise<{ answer: ViewOf<D> } | null> {
  const refused = authorize(d.permissions, action, actorOf(user), detail.ownerId);
  if (refused) throw refusalToApiError(refused);
  const applied = appliedBefore(detail, action, requestId);
  // This very request was applied already (its answer was lost: a 503, a cut connection), perhaps
  // ending the lifecycle: answer as the first time would have, and audit it once.
  if (applied) return { answer: await answerApplied(d, deps, user, detail, action, applied) };
  refuseIfEnded(d.transitions, { status: detail.status, closedAt: detail.closedAt }, action, d.noun);
  return null;
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
  const replayed = await checkExisting(d, deps, user, detail, action, requestId);
  if (replayed) return replayed.answer;
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
  if (detail) {
    const replayed = await checkExisting(d, deps, user, detail, action, requestId);
    if (replayed) return replayed.answer;
  }
  const args = { ...(await spec.args(deps, user, detail)), actor: actorOf(user) } as Args;
  const start = spec.start(user);
  const client = await temporalClient(deps);
  let state: StateOf<D>;
  try {
    state = await withDeadline(client, () =>
      client.workflow.executeUpdateWithStart(spec.update, {
        args: [args],
        updateId: updateIdFor(action, requestId),
        startWorkflowOperation: new WithStartWorkflowOperation(
          start.workflow,
          startOptions<W>(workflowId, deps.taskQueue, start),
        ),
      }),
    );
  } catch (error) {
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
