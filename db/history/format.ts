// Facts read from a workflow history in proto3 JSON (the format `temporal workflow show --output json`
// prints, or @temporalio/common's historyToJSON): plain JSON traversal, no Temporal library needed.
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../domain/canonical-json.js';

/** The events of a history document; throws TypeError when `history` is not `{ events: [...] }`. */
export function historyEvents(history: unknown): Record<string, unknown>[] {
  const events = (history as { events?: unknown } | null)?.events;
  if (!Array.isArray(events) || events.length === 0) {
    throw new TypeError('not a workflow history: expected { "events": [ ... ] } with at least one event');
  }
  return events as Record<string, unknown>[];
}

/**
 * The history's fingerprint, as stored in workflow_history_archive.sha256: hex sha256 of its
 * canonical JSON (object keys sorted, no whitespace; domain/canonical-json.ts). Not of the text as
 * printed: Temporal serialises protobuf map fields (payload metadata, search attributes, headers)
 * in no fixed order, so two fetches of one closed history can differ in key order, and PostgreSQL's
 * jsonb keeps keys in its own order. The canonical form is the same for all of them.
 */
export function historySha256(history: unknown): string {
  return createHash('sha256').update(canonicalJson(history), 'utf8').digest('hex');
}

export interface HistoryFacts {
  /** From the WorkflowExecutionStarted event. */
  workflowType: string | null;
  /** Recorded in the started event by current servers; null in older histories. */
  workflowId: string | null;
  /** The run this history belongs to (the started event's originalExecutionRunId). */
  runId: string | null;
  eventCount: number;
  startedAt: string | null;
  /** The close event's type ('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED', ...) or null while running. */
  closeEventType: string | null;
  closedAt: string | null;
}

const CLOSE_EVENTS = new Set([
  'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED',
  'EVENT_TYPE_WORKFLOW_EXECUTION_FAILED',
  'EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT',
  'EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED',
  'EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED',
  'EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW',
]);

export function isCloseEventType(eventType: unknown): boolean {
  return typeof eventType === 'string' && CLOSE_EVENTS.has(eventType);
}

export function historyFacts(history: unknown): HistoryFacts {
  const events = historyEvents(history);
  const first = events[0]!;
  const started = (first.workflowExecutionStartedEventAttributes ?? {}) as {
    workflowType?: { name?: string };
    workflowId?: string;
    originalExecutionRunId?: string;
  };
  const last = events[events.length - 1]!;
  const closed = isCloseEventType(last.eventType);
  return {
    workflowType: started.workflowType?.name ?? null,
    workflowId: started.workflowId || null,
    runId: started.originalExecutionRunId || null,
    eventCount: events.length,
    startedAt: typeof first.eventTime === 'string' ? first.eventTime : null,
    closeEventType: closed ? (last.eventType as string) : null,
    closedAt: closed && typeof last.eventTime === 'string' ? last.eventTime : null,
  };
}
