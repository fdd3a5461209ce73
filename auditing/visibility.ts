// Temporal visibility (List Filter queries over workflow executions): the only source of an
// execution's status (Running, Completed, Failed, ...) — only Temporal knows whether an execution
// failed, was terminated or is still running.
import type { Client } from '@temporalio/client';
import type { temporal as proto } from '@temporalio/proto';
import { TemporalUnavailableError, isUnavailable, underDeadline, type AuditingDeps } from './temporal.js';

/** Temporal's execution statuses as its List Filter spells them. */
export const EXECUTION_STATUSES = [
  'Running',
  'Completed',
  'Failed',
  'Canceled',
  'Terminated',
  'ContinuedAsNew',
  'TimedOut',
] as const;
export type ExecutionStatusName = (typeof EXECUTION_STATUSES)[number];

// temporal.api.enums.v1.WorkflowExecutionStatus values.
const STATUS_BY_CODE: Record<number, ExecutionStatusName> = {
  1: 'Running',
  2: 'Completed',
  3: 'Failed',
  4: 'Canceled',
  5: 'Terminated',
  6: 'ContinuedAsNew',
  7: 'TimedOut',
};

/** One execution as the audit search shows it. */
export interface Execution {
  workflowId: string;
  runId: string;
  workflowType: string;
  status: ExecutionStatusName;
  startTime: string | null;
  closeTime: string | null;
  historyLength: number;
}

function tsToIso(ts: { seconds?: unknown; nanos?: number | null } | null | undefined): string | null {
  if (!ts || ts.seconds === undefined || ts.seconds === null) return null;
  const ms = Number(String(ts.seconds)) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);
  return new Date(ms).toISOString();
}

function toExecution(raw: proto.api.workflow.v1.IWorkflowExecutionInfo): Execution {
  return {
    workflowId: raw.execution?.workflowId ?? '',
    runId: raw.execution?.runId ?? '',
    workflowType: raw.type?.name ?? '',
    status: STATUS_BY_CODE[raw.status ?? 0] ?? 'Running',
    startTime: tsToIso(raw.startTime),
    closeTime: tsToIso(raw.closeTime),
    historyLength: Number(String(raw.historyLength ?? 0)),
  };
}

/** A value inside a List Filter query, quoted. */
export function quote(value: string): string {
  // Every value is schema-checked to need no escaping; this guards against future callers.
  if (/['"\\]/.test(value)) throw new Error('unexpected quote in a visibility query value');
  return `'${value}'`;
}

/** The executions Temporal visibility has for these workflow ids (latest run of each), or null if unreachable. */
export async function executionsOf(
  deps: AuditingDeps,
  client: Client | null,
  workflowIds: readonly string[],
): Promise<Map<string, Execution> | null> {
  if (workflowIds.length === 0) return new Map();
  if (!client) return null;
  try {
    const response = await underDeadline(deps, client, () =>
      client.workflowService.listWorkflowExecutions({
        namespace: client.options.namespace,
        query: `WorkflowId IN (${workflowIds.map(quote).join(', ')})`,
        pageSize: Math.min(1000, workflowIds.length * 4),
      }),
    );
    const byId = new Map<string, Execution>();
    for (const raw of response.executions ?? []) {
      const execution = toExecution(raw);
      const seen = byId.get(execution.workflowId);
      if (!seen || (execution.startTime ?? '') > (seen.startTime ?? ''))
        byId.set(execution.workflowId, execution);
    }
    return byId;
  } catch (error) {
    if (isUnavailable(error)) return null;
    throw error;
  }
}

/** Thrown for a page token the server does not accept: a cursor we did not issue (or one that expired). */
export class InvalidPageTokenError extends Error {
  override readonly name = 'InvalidPageTokenError';
}

/** One page of the executions matching `query`. */
export async function listExecutions(
  deps: AuditingDeps,
  client: Client,
  input: { query: string; pageSize: number; pageToken?: Uint8Array },
): Promise<{ executions: Execution[]; nextPageToken: Uint8Array | null }> {
  let response: proto.api.workflowservice.v1.ListWorkflowExecutionsResponse;
  try {
    response = await underDeadline(deps, client, () =>
      client.workflowService.listWorkflowExecutions({
        namespace: client.options.namespace,
        query: input.query,
        pageSize: input.pageSize,
        nextPageToken: input.pageToken,
      }),
    );
  } catch (error) {
    if (isUnavailable(error))
      throw new TemporalUnavailableError('Temporal visibility is unavailable; try again shortly');
    if ((error as { code?: unknown }).code === 3 && input.pageToken) throw new InvalidPageTokenError();
    throw error;
  }
  const token = response.nextPageToken;
  return {
    executions: (response.executions ?? []).map(toExecution),
    nextPageToken: token && token.length > 0 ? token : null,
  };
}
