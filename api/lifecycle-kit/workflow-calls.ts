// Talking to workflows from a service: the client (503 when Temporal is unreachable) and the mapping
// of a refused or failed Update to the contract's errors. Workflow validators throw ApplicationFailure
// whose `type` is the refusal code (domain/lifecycle.ts RefusalCode): invalid_state → 409,
// forbidden → 403, validation_failed → 400; any other type is a business rule → 422 with that code.
// And the one way a lifecycle's human action reaches its workflow (runLifecycleUpdate): the Update
// with the caller as actor under the request's Update id, its failures as API errors, the audit
// entry, then the view read again.
import { randomUUID } from 'node:crypto';
import {
  ApplicationFailure,
  ServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  isGrpcServiceError,
  type Client,
  type UpdateDefinition,
  type Workflow,
  type WorkflowStartOptions,
} from '@temporalio/client';
import type { Actor } from '../../domain/lifecycle.js';
import { noteWorkflow } from '../middleware/request-context.js';
import { temporalCallTimeoutMs, withTemporalDeadline } from '../temporal-client.js';
import { auditStaffAction } from '../audit/log.js';
import type { AppDeps } from '../deps.js';
import {
  ApiError,
  busy,
  conflict,
  forbidden,
  invalidState,
  temporarilyUnavailable,
  unprocessable,
} from '../errors.js';
import type { SessionUser } from '../services/common.js';

/** The Temporal client, or 503 when it cannot be reached. */
export async function temporalClient(deps: AppDeps): Promise<Client> {
  try {
    return await deps.temporal();
  } catch {
    throw temporarilyUnavailable('the workflow service is unavailable; try again shortly');
  }
}

/** `fn`'s calls to Temporal under the request deadline (api/temporal-client.ts temporalCallTimeoutMs). */
export function withDeadline<T>(client: Client, fn: () => Promise<T>): Promise<T> {
  return withTemporalDeadline(client, temporalCallTimeoutMs(), fn);
}

function firstDetail(failure: ApplicationFailure): unknown {
  const details = failure.details;
  return Array.isArray(details) && details.length > 0 ? details[0] : null;
}

/** An ApplicationFailure raised by a workflow (validator or handler) as the API's error. */
export function failureToApiError(failure: ApplicationFailure): ApiError {
  const details = firstDetail(failure);
  switch (failure.type) {
    case 'invalid_state':
      return invalidState(failure.message, details);
    case 'forbidden':
      return forbidden(failure.message);
    case 'validation_failed':
      return new ApiError(400, 'validation_failed', failure.message, details);
    case 'busy':
      return busy(failure.message, details);
    default:
      return unprocessable(failure.type || 'action_failed', failure.message, details);
  }
}

/**
 * Maps what `handle.executeUpdate` threw. `WorkflowNotFoundError` on a workflow we know exists means
 * it has already completed: nothing can change any more (409 invalid_state).
 */
export function updateErrorToApiError(error: unknown): unknown {
  if (error instanceof WorkflowUpdateFailedError) {
    const cause = error.cause;
    if (cause instanceof ApplicationFailure) return failureToApiError(cause);
    return unprocessable('action_failed', cause?.message ?? error.message);
  }
  if (error instanceof WorkflowNotFoundError) {
    return invalidState('this lifecycle has ended; nothing can change any more');
  }
  if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return temporarilyUnavailable('the workflow did not answer in time; retry with the same X-Request-Id');
  }
  if (error instanceof ServiceError) {
    return temporarilyUnavailable('the workflow service is unavailable; try again shortly');
  }
  // Update-with-Start rethrows the failed operation's own gRPC status, not a ServiceError (the SDK's
  // rethrowKnownErrorTypes on a MultiOperationExecutionFailure): a workflow busy (8), a workflow task
  // failed or timed out three times, e.g. after worker kills (9), the namespace unknown while
  // Temporal restarts (5), unavailable (14): all transient; before, each was answered 500.
  if (isGrpcServiceError(error) && TRANSIENT_GRPC_CODES.has(error.code)) {
    return temporarilyUnavailable('the workflow service is unavailable; try again shortly');
  }
  return error;
}

/** UNKNOWN, DEADLINE_EXCEEDED, NOT_FOUND, RESOURCE_EXHAUSTED, FAILED_PRECONDITION, ABORTED, UNAVAILABLE. */
const TRANSIENT_GRPC_CODES: ReadonlySet<number> = new Set([2, 4, 5, 8, 9, 10, 14]);

/**
 * An approval's failure under four eyes (domain/four-eyes.ts): a second approval by the same person is
 * a 409 already_approved_by_you (API.md), self_approval stays a 422; anything else as usual.
 */
export function approvalUpdateError(error: unknown): unknown {
  const mapped = updateErrorToApiError(error);
  if (mapped instanceof ApiError && mapped.code === 'already_approved_by_you')
    return conflict(mapped.code, mapped.message, mapped.details);
  return mapped;
}

/**
 * The Update id of `action` for one request: the request id (X-Request-Id, or a fresh UUID when it
 * is missing or unfit), so a retried HTTP call is not applied twice; prefixed with the action, so a
 * caller reusing one X-Request-Id for two different actions does not get the first one's answer for
 * the second.
 */
export function updateIdFor(action: string, requestId: string): string {
  return requestUpdateId(action, requestId) ?? `${action}:${randomUUID()}`;
}

/** The Update id a request id makes for `action`, or null when the request id is unfit (see updateIdFor). */
export function requestUpdateId(action: string, requestId: unknown): string | null {
  return typeof requestId === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(requestId)
    ? `${action}:${requestId}`
    : null;
}

export interface LifecycleUpdate<State, Args extends { actor: Actor }, View> {
  workflowId: string;
  /** The human action; also names the audit entry (`<subject.type>.<action>`). */
  action: string;
  /** The request id the Update id is made of (see updateIdFor). */
  requestId: string;
  update: UpdateDefinition<State, [Args]>;
  /** The Update's argument; `actor` is always the caller (actorOf), never a request body. */
  args: Args;
  /** A refused or failed Update as the contract's error (default: updateErrorToApiError). */
  mapError?: (error: unknown) => unknown;
  /**
   * The audit entry: what it is about, its before and its after (to which the args, less the actor,
   * are added as `input`).
   */
  audit: {
    subject: { type: string; id: string };
    before: Record<string, unknown>;
    after: (state: State) => Record<string, unknown>;
  };
  /** The view to answer with, read again now that the Update has been applied. */
  view: (state: State) => Promise<View>;
  /**
   * Sends the Update to this run only, and answers `otherwise()` when that run has ended or refuses
   * it: a retried request whose transition the read model holds (see acting.ts confirmApplied).
   */
  retried?: { runId: string; otherwise: () => Promise<View> };
}

/**
 * What the run a retried request names says when asked again: it ended (continued as new, completed)
 * or refused, so the read model's answer stands. Anything else (unreachable, timed out) is an error.
 */
export function runHasMovedOn(error: unknown): boolean {
  return error instanceof WorkflowNotFoundError || error instanceof WorkflowUpdateFailedError;
}

/**
 * The status the newest transition by `userId` in an Update's answer left: the one this Update
 * made (a retried request gets the first answer back, so this stays right however often it is
 * asked). Null when the answer has no such entry.
 */
export function appliedFrom(state: unknown, userId: string): string | null {
  const timeline = (state as { timeline?: unknown } | null)?.timeline;
  if (!Array.isArray(timeline)) return null;
  for (let i = timeline.length - 1; i >= 0; i--) {
    const entry = timeline[i] as { from?: string | null; actor?: { id?: string } | null };
    if (entry?.actor?.id === userId) return entry.from ?? null;
  }
  return null;
}

/**
 * Sends a human action to its lifecycle workflow as an Update and answers the view after it. The
 * caller has already checked what the API decides on its own (role, visibility, state); the Update's
 * validator has the last word. The audit entry is written only once the Update was accepted (the
 * action took effect) and never throws.
 */
export async function runLifecycleUpdate<State, Args extends { actor: Actor }, View>(
  deps: AppDeps,
  user: SessionUser,
  u: LifecycleUpdate<State, Args, View>,
): Promise<View> {
  const client = await temporalClient(deps);
  noteWorkflow(u.workflowId);
  let state: State;
  try {
    state = await withDeadline(client, () =>
      client.workflow.getHandle(u.workflowId, u.retried?.runId).executeUpdate(u.update, {
        args: [u.args],
        updateId: updateIdFor(u.action, u.requestId),
      }),
    );
  } catch (error) {
    if (u.retried && runHasMovedOn(error)) return u.retried.otherwise();
    throw (u.mapError ?? updateErrorToApiError)(error);
  }
  const { actor: _actor, ...input } = u.args;
  // The status before is the one the workflow moved from when it applied this Update (a retried
  // request gets the first answer back, so this stays right however often it is asked).
  const from = appliedFrom(state, user.id);
  await auditStaffAction(
    deps.pool,
    user,
    `${u.audit.subject.type}.${u.action}`,
    u.audit.subject,
    from !== null ? { ...u.audit.before, status: from } : u.audit.before,
    { ...u.audit.after(state), input },
    { once: 'request' },
  );
  return u.view(state);
}
