// Shared by every service: input parsing with the routes' error shape, domain refusals as errors, and
// the checks every lifecycle's create and action functions make before they reach a workflow.
// Services are called by the JSON routes and, in-process, by the Remix loaders and actions, so they
// validate their own input (which may come from a form) instead of trusting the caller.
import { z } from 'zod';
import { InvalidCursorError } from '../../db/lifecycle/index.js';
import {
  authorize,
  isTerminal,
  nextStatus,
  type PermissionTable,
  type Refusal,
  type TransitionTable,
} from '../../domain/lifecycle.js';
import { canReadAllClients, isClient, isReadOnly } from '../../domain/roles.js';
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

/** domain/ids.ts isUuid, under the name the services already use. */

/** 400 unless `key` is a usable Idempotency-Key header (1 to 200 characters). */
export function requireIdempotencyKey(key: unknown): void {
  if (typeof key !== 'string' || key.length < 1 || key.length > 200) {
    throw validationFailed([
      {
        path: 'Idempotency-Key',
        code: 'invalid_header',
        message: 'the Idempotency-Key header is required (1 to 200 characters)',
      },
    ]);
  }
}

/**
 * Whose resources a list shows `user`: a client their own, staff and auditors everyone's or, with
 * `clientId`, one client's; anyone else is refused (403). Filters narrow what the caller may see,
 * never widen it: a client asking for another client's gets `null`, an empty list.
 */
export function listOwner(user: SessionUser, clientId: string | undefined): { ownerId?: string } | null {
  const client = isClient(user.role);
  if (!client && !canReadAllClients(user.role)) throw forbidden();
  if (client && clientId !== undefined && clientId.toLowerCase() !== user.id) return null;
  return { ownerId: client ? user.id : clientId?.toLowerCase() };
}

/** `list()`'s page; a cursor it cannot read is 400 invalid_cursor. */
export async function listPage<T>(list: () => Promise<T>): Promise<T> {
  try {
    return await list();
  } catch (error) {
    if (error instanceof InvalidCursorError) {
      throw validationFailed([{ path: 'cursor', code: 'invalid_cursor', message: error.message }]);
    }
    throw error;
  }
}

/**
 * 403 unless the caller's role may ever do `action` under `permissions` (a lifecycle's PermissionTable).
 * Auditors never act. For owner-only actions the caller stands in as the owner: whether the resource
 * really is theirs is checked once it is loaded (404 otherwise).
 */
export function requireActionRole<Action extends string>(
  permissions: PermissionTable<Action>,
  user: SessionUser,
  action: Action,
): void {
  if (isReadOnly(user.role)) throw forbidden('auditors have read-only access');
  const permission = permissions[action];
  const refused = authorize(permissions, action, actorOf(user), permission.kind === 'owner' ? user.id : null);
  if (refused) throw refusalToApiError(refused);
}

/**
 * 409 invalid_state when the lifecycle has ended (closed, or in a status nothing leaves): "the
 * <noun> is already <status>", or the transition table's own refusal of `action`. Anything short of
 * that is left to the workflow's Update validator, which is authoritative.
 */
export function refuseIfEnded<Status extends string, Action extends string>(
  transitions: TransitionTable<Status, Action>,
  lifecycle: { status: Status; closedAt: string | null },
  action: Action,
  noun: string,
): void {
  const { status, closedAt } = lifecycle;
  if (closedAt === null && !isTerminal(transitions, status)) return;
  const next = nextStatus(transitions, status, action);
  throw invalidState(
    next.ok ? `the ${noun} is already ${status}` : next.refusal.message,
    next.ok ? { status } : next.refusal.details,
  );
}
