// Refusals in workflow code (workflows/lifecycle.ts re-exports them): a domain Refusal, or a
// lifecycle's own business refusal, as the non-retryable ApplicationFailure the API maps.
import { ApplicationFailure } from '@temporalio/workflow';

/**
 * What an Update validator or a step refuses with: a domain Refusal, or a lifecycle's own business
 * refusal (`self_approval`, `already_approved_by_you`, `insufficient_funds`, ...).
 */
export interface RefusalLike {
  code: string;
  message: string;
  details?: unknown;
}

/** A refusal as the ApplicationFailure the API maps (type = refusal code, details[0] = details). */
export function refusalFailure(refusal: RefusalLike): ApplicationFailure {
  return ApplicationFailure.create({
    type: refusal.code,
    message: refusal.message,
    nonRetryable: true,
    details: refusal.details === undefined ? [] : [refusal.details],
  });
}

/** For Update validators: throw to reject the Update before it enters history. */
export function guard(refusal: RefusalLike | null): void {
  if (refusal) throw refusalFailure(refusal);
}
