// Shared by every service: input parsing with the routes' error shape, and domain refusals as errors.
// Services are called by the JSON routes and, in-process, by the Remix loaders and actions, so they
// validate their own input (which may come from a form) instead of trusting the caller.
import { z } from 'zod';
import type { Refusal } from '../../domain/lifecycle.js';
import type { SessionUser } from '../auth/tokens.js';
import { ApiError, forbidden, invalidState, validationFailed, zodIssues } from '../errors.js';

export type { SessionUser } from '../auth/tokens.js';

/** `schema`'s output for `value`, or 400 validation_failed with the zod issues in details.issues. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: 'body' | 'query' | 'path',
): z.output<S> {
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw validationFailed(zodIssues(result.error), `the request ${where} is not valid`);
  return result.data;
}

/** A domain Refusal (domain/lifecycle.ts) as the API error of the same code. */
export function refusalToApiError(refusal: Refusal): ApiError {
  switch (refusal.code) {
    case 'forbidden':
      return forbidden(refusal.message);
    case 'invalid_state':
      return invalidState(refusal.message, refusal.details ?? null);
    case 'validation_failed':
      return new ApiError(400, 'validation_failed', refusal.message, refusal.details ?? null);
  }
}

/** The actor an Update carries: always the authenticated caller, never a request body. */
export function actorOf(user: SessionUser): { id: string; role: SessionUser['role'] } {
  return { id: user.id, role: user.role };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuidText(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}
