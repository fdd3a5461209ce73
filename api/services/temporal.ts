// Talking to workflows from a service: the client (503 when Temporal is unreachable) and the mapping
// of a refused or failed Update to the contract's errors. Workflow validators throw ApplicationFailure
// whose `type` is the refusal code (domain/lifecycle.ts RefusalCode): invalid_state → 409,
// forbidden → 403, validation_failed → 400; any other type is a business rule → 422 with that code.
import {
  ApplicationFailure,
  ServiceError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
} from '@temporalio/client';
import type { AppDeps } from '../deps.js';
import { ApiError, forbidden, invalidState, unprocessable } from '../errors.js';

export const serviceUnavailable = (message: string) => new ApiError(503, 'service_unavailable', message);

/** The Temporal client, or 503 when it cannot be reached. */
export async function temporalClient(deps: AppDeps): Promise<Client> {
  try {
    return await deps.temporal();
  } catch {
    throw serviceUnavailable('the workflow service is unavailable; try again shortly');
  }
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
    return serviceUnavailable('the workflow did not answer in time; retry with the same X-Request-Id');
  }
  if (error instanceof ServiceError) {
    return serviceUnavailable('the workflow service is unavailable; try again shortly');
  }
  return error;
}
