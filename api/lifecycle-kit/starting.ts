// Starting a lifecycle for the kit (service.ts): update-with-start of the descriptor's
// `startedUpdate`, the same for every lifecycle that a POST creates.
import {
  ApplicationFailure,
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowUpdateFailedError,
  type Workflow,
  type WorkflowStartOptions,
} from '@temporalio/client';
import { getLifecycle } from '../../db/lifecycle/index.js';
import { auditStaffAction } from '../audit/log.js';
import type { AppDeps } from '../deps.js';
import { noteWorkflow } from '../middleware/request-context.js';
import { conflict, temporarilyUnavailable, type ApiError } from '../errors.js';
import type { SessionUser } from '../services/common.js';
import type { LifecycleDetail } from '../../db/lifecycle/index.js';
import type { AnyDescriptor, RecOf, StartSpec, StateOf, ViewOf } from './descriptor.js';
import { recorded, viewsOf } from './reading.js';
import { answersOnStart } from './started-unrecorded.js';
import { failureToApiError, temporalClient, updateErrorToApiError, withDeadline } from './workflow-calls.js';

/** The Update id of the start: one per workflow, so a retried start attaches to the first. */
const STARTED_UPDATE_ID = 'started';

export interface StartHooks {
  /** The workflow refused the start (a business rule, e.g. insufficient_funds): before it is thrown. */
  refused?: (failure: ApplicationFailure) => Promise<void>;
  /** The error a refusal becomes (default: failureToApiError). */
  refusalError?: (failure: ApplicationFailure) => ApiError;
}

/** The options of a start whose id may already be in use (the same key again). */
export function startOptions<W extends Workflow>(
  workflowId: string,
  taskQueue: string,
  start: { args: Parameters<W>; staticSummary: string },
): WorkflowStartOptions<W> & { workflowIdConflictPolicy: 'USE_EXISTING' } {
  // The cast: TypeScript cannot see that these options are the conditional type again.
  return {
    workflowId,
    taskQueue,
    args: start.args,
    staticSummary: start.staticSummary,
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
  } as unknown as WorkflowStartOptions<W> & { workflowIdConflictPolicy: 'USE_EXISTING' };
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

/**
 * This key's workflow has ended already: it is still the one the key created. One that ended
 * without recording anything refused its start: that refusal again (else 503, being set up).
 */
async function refusalOfEnded<D extends AnyDescriptor>(
  d: D,
  deps: AppDeps,
  workflowId: string,
  hooks: StartHooks,
): Promise<void> {
  if (await getLifecycle(deps.pool, workflowId)) return;
  const client = await temporalClient(deps);
  const outcome = await withDeadline(client, () => client.workflow.getHandle(workflowId).result()).then(
    (result: unknown) => d.refusalOfResult?.(result as StateOf<D>) ?? null,
    (e: unknown) => e,
  );
  throw outcome ? await startError(outcome, hooks) : temporarilyUnavailable(`the ${d.noun} is being set up`);
}

/**
 * The start as LIFECYCLE_START_ANSWER=started makes it (started-unrecorded.ts): the workflow alone,
 * answered once Temporal holds it, with the row it will record first. Null when this key's workflow
 * exists already (a retry): that one is answered as before, from what it recorded (409 if the body
 * differs). A start that did not come back (deadline) is 503; the same request again finds it.
 */
async function startAnsweringFromInput<D extends AnyDescriptor, W extends Workflow>(
  d: D,
  deps: AppDeps,
  spec: StartSpec<W, RecOf<D>>,
  workflowId: string,
  hooks: StartHooks,
): Promise<LifecycleDetail | null> {
  const detailOfStart = d.detailOfStart;
  if (!detailOfStart) throw new Error(`the ${d.noun} lifecycle has no detailOfStart`);
  const detail = detailOfStart(spec.args, new Date().toISOString());
  // Its workflow would refuse these arguments: let it say so the usual way.
  if (!detail) return null;
  if (detail.workflowId !== workflowId)
    throw new Error(`${workflowId}: detailOfStart made another lifecycle`);
  const client = await temporalClient(deps);
  // FAIL, not USE_EXISTING: a start that succeeds is this request's own, so its body is the one.
  const options = { ...startOptions<W>(workflowId, deps.taskQueue, spec), workflowIdConflictPolicy: 'FAIL' };
  try {
    await withDeadline(client, () =>
      client.workflow.start(spec.workflow, options as WorkflowStartOptions<W>),
    );
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return null;
    throw await startError(error, hooks);
  }
  return detail;
}

/** Update-with-start of the `started` Update: answers once the workflow recorded its first transition. */
async function startAndWaitForRecord<D extends AnyDescriptor, W extends Workflow>(
  d: D,
  deps: AppDeps,
  spec: StartSpec<W, RecOf<D>>,
  workflowId: string,
  hooks: StartHooks,
): Promise<LifecycleDetail> {
  const startedUpdate = d.startedUpdate;
  if (!startedUpdate) throw new Error(`the ${d.noun} lifecycle is started by an action (actWithStart)`);
  const client = await temporalClient(deps);
  try {
    await withDeadline(client, () =>
      client.workflow.executeUpdateWithStart(startedUpdate, {
        updateId: STARTED_UPDATE_ID,
        startWorkflowOperation: new WithStartWorkflowOperation(
          spec.workflow,
          startOptions<W>(workflowId, deps.taskQueue, spec),
        ),
      }),
    );
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw await startError(error, hooks);
    await refusalOfEnded(d, deps, workflowId, hooks);
  }
  return recorded(d, deps, workflowId);
}

/**
 * Starts a lifecycle: its workflow id comes from the business id, itself from the caller's
 * Idempotency-Key, so a retried request reaches the same workflow, never a second one. Answers once
 * the workflow has recorded its first transition (the read model has it) — or, with
 * LIFECYCLE_START_ANSWER=started, once Temporal holds a new workflow (started-unrecorded.ts) — with the workflow's
 * refusal (422 …), or 503 with Retry-After when it could not within the deadline (the workflow stays
 * started; the same request later finds it). The same key with another body is 409
 * idempotency_conflict. The creation is audited once.
 */
export async function startLifecycle<D extends AnyDescriptor, W extends Workflow>(
  d: D,
  deps: AppDeps,
  user: SessionUser,
  spec: StartSpec<W, RecOf<D>> & { audit: Record<string, unknown> },
  hooks: StartHooks = {},
): Promise<ViewOf<D>> {
  if (!d.startedUpdate) throw new Error(`the ${d.noun} lifecycle is started by an action (actWithStart)`);
  const workflowId = d.workflowId(spec.businessId);
  noteWorkflow(workflowId);
  const early =
    d.detailOfStart && answersOnStart()
      ? await startAnsweringFromInput(d, deps, spec, workflowId, hooks)
      : null;
  const detail = early ?? (await startAndWaitForRecord(d, deps, spec, workflowId, hooks));
  const record = d.recordOfDetail(detail) as RecOf<D>;
  const owner = spec.ownerId === undefined ? user.id : spec.ownerId;
  if (detail.ownerId !== owner || spec.conflicts(record)) {
    throw conflict('idempotency_conflict', `this Idempotency-Key was already used for a different ${d.noun}`);
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
  return (await viewsOf(d, deps, user, [record]))[0]!;
}
