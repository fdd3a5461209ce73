// What the auditing module needs from the outside world, and how it tells Temporal's answers apart.
// The callers (the API service, the worker, scripts) hand in a pool and a Temporal client; the API
// also hands in its per-request deadline. Failures come back as the two errors below, which each
// caller maps to its own answer (the API: 404 and 503).
import { ServiceError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type pg from 'pg';

export interface AuditingDeps {
  pool: pg.Pool;
  /** The Temporal client; may reject when Temporal cannot be reached. */
  temporal: () => Promise<Client>;
  /** Runs `fn`'s Temporal calls under the caller's deadline (default: the client's own timeouts). */
  withDeadline?: <T>(client: Client, fn: () => Promise<T>) => Promise<T>;
}

/** Neither Temporal nor the archive has what was asked for. */
export class HistoryNotFoundError extends Error {
  override readonly name = 'HistoryNotFoundError';
}

/** Only Temporal could answer, and it cannot be reached (or did not answer in time). */
export class TemporalUnavailableError extends Error {
  override readonly name = 'TemporalUnavailableError';
}

/** Temporal's NOT_FOUND, whichever way the client surfaces it. */
export function isNotFound(error: unknown): boolean {
  if (error instanceof WorkflowNotFoundError) return true;
  return (error as { code?: unknown } | null)?.code === 5;
}

/** UNAVAILABLE or DEADLINE_EXCEEDED, or any other failure to reach the server. */
export function isUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof ServiceError || code === 14 || code === 4;
}

/** The Temporal client, or TemporalUnavailableError. */
export async function clientOf(deps: AuditingDeps): Promise<Client> {
  try {
    return await deps.temporal();
  } catch {
    throw new TemporalUnavailableError('the workflow service is unavailable; try again shortly');
  }
}

/** The Temporal client, or null when it cannot be reached (for answers where it only adds detail). */
export async function optionalClientOf(deps: AuditingDeps): Promise<Client | null> {
  try {
    return await deps.temporal();
  } catch {
    return null;
  }
}

/** `fn` under the caller's deadline, when it gave one. */
export function underDeadline<T>(deps: AuditingDeps, client: Client, fn: () => Promise<T>): Promise<T> {
  return deps.withDeadline ? deps.withDeadline(client, fn) : fn();
}
