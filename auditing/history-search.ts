// The audit search over workflows. Business filters (type, business status, business id, client,
// time range) are answered by the `lifecycle` projection in PostgreSQL: it is ours, indexed, and
// outlives Temporal's retention. The execution status filter (Running, Completed, Failed, ...) is
// answered by Temporal visibility (visibility.ts); projection-only filters then narrow that page.
import type { Client } from '@temporalio/client';
import {
  getHistoryArchiveSummaries,
  searchLifecycles,
  workflowIdsOfBusiness,
  type AuditLifecycleRow,
  type HistoryArchiveSummary,
} from '../db/history/index.js';
import { decodeCursor, encodeCursor, InvalidCursorError } from '../db/lifecycle/cursor.js';
import { ARCHIVE_WORKFLOW_TYPE } from '../workflows/archive.js';
import { clientOf, optionalClientOf, type AuditingDeps } from './temporal.js';
import {
  InvalidPageTokenError,
  executionsOf,
  listExecutions,
  quote,
  type Execution,
  type ExecutionStatusName,
} from './visibility.js';

/** A search, as validated by the caller (api/services/audit-workflows.ts SearchWorkflowsQuerySchema). */
export interface WorkflowSearch {
  type?: string;
  /** One business status or several. */
  statuses?: string[];
  businessId?: string;
  clientId?: string;
  from?: string;
  to?: string;
  timeField: 'startedAt' | 'closedAt';
  executionStatus?: ExecutionStatusName;
  limit: number;
  cursor?: string | null;
}

export interface AuditWorkflowItem {
  workflowId: string;
  type: string;
  businessId: string | null;
  clientId: string | null;
  status: string | null;
  startedAt: string | null;
  closedAt: string | null;
  transitions: number | null;
  attributes: Record<string, unknown> | null;
  execution: Omit<Execution, 'workflowId'> | null;
  archive: { runId: string; sha256: string; eventCount: number; archivedAt: string } | null;
}

export interface AuditWorkflowPage {
  items: AuditWorkflowItem[];
  nextCursor: string | null;
  sources: {
    filters: 'projection' | 'temporal-visibility';
    execution: 'temporal-visibility' | 'unavailable';
  };
}

function itemOf(
  workflowId: string,
  row: AuditLifecycleRow | undefined,
  execution: Execution | undefined,
  archive: HistoryArchiveSummary | undefined,
): AuditWorkflowItem {
  const { workflowId: _id, ...executionView } = execution ?? { workflowId };
  return {
    workflowId,
    type: row?.type ?? execution?.workflowType ?? archive?.type ?? 'unknown',
    businessId: row?.businessId ?? null,
    clientId: row?.ownerId ?? null,
    status: row?.status ?? null,
    startedAt: row?.startedAt ?? execution?.startTime ?? null,
    closedAt: row?.closedAt ?? execution?.closeTime ?? null,
    transitions: row?.transitions ?? null,
    attributes: row?.attributes ?? null,
    execution: execution ? (executionView as Omit<Execution, 'workflowId'>) : null,
    archive: archive
      ? {
          runId: archive.runId,
          sha256: archive.sha256,
          eventCount: archive.eventCount,
          archivedAt: archive.archivedAt,
        }
      : (row?.archive ?? null),
  };
}

/**
 * Without `executionStatus` the projection answers every filter and Temporal visibility only adds
 * each item's execution (best effort). With `executionStatus` Temporal visibility lists the
 * executions (type, time range and business id are pushed into its query), and the
 * projection-only filters (status, clientId) narrow that page — so a page may hold fewer items
 * than `limit` while `nextCursor` is still set. Throws InvalidCursorError for a foreign cursor.
 */
export async function searchWorkflows(
  deps: AuditingDeps,
  search: WorkflowSearch,
): Promise<AuditWorkflowPage> {
  if (search.executionStatus !== undefined)
    return searchByExecutionStatus(deps, search, search.executionStatus);
  const page = await searchLifecycles(deps.pool, {
    type: search.type,
    status: search.statuses,
    businessId: search.businessId,
    ownerId: search.clientId,
    from: search.from,
    to: search.to,
    timeField: search.timeField,
    limit: search.limit,
    cursor: search.cursor ?? null,
  });
  const client = await optionalClientOf(deps);
  const executions = await executionsOf(
    deps,
    client,
    page.items.map((item) => item.workflowId),
  );
  return {
    items: page.items.map((row) => itemOf(row.workflowId, row, executions?.get(row.workflowId), undefined)),
    nextCursor: page.nextCursor,
    sources: { filters: 'projection', execution: executions ? 'temporal-visibility' : 'unavailable' },
  };
}

/** The List Filter query for a search by execution status; null when nothing can match. */
async function visibilityQuery(
  deps: AuditingDeps,
  search: WorkflowSearch,
  executionStatus: ExecutionStatusName,
): Promise<string | null> {
  const clauses = [`ExecutionStatus = ${quote(executionStatus)}`];
  if (search.type) clauses.push(`WorkflowType = ${quote(search.type)}`);
  else clauses.push(`WorkflowType != ${quote(ARCHIVE_WORKFLOW_TYPE)}`);
  if (search.businessId) {
    // Workflow ids are `<type>-<businessId>` (DESIGN.md); without a type, the projection knows which.
    const ids = search.type
      ? [`${search.type}-${search.businessId}`]
      : await workflowIdsOfBusiness(deps.pool, search.businessId);
    if (ids.length === 0) return null;
    clauses.push(`WorkflowId IN (${ids.map(quote).join(', ')})`);
  }
  const timeAttribute = search.timeField === 'closedAt' ? 'CloseTime' : 'StartTime';
  if (search.from) clauses.push(`${timeAttribute} >= ${quote(new Date(search.from).toISOString())}`);
  if (search.to) clauses.push(`${timeAttribute} < ${quote(new Date(search.to).toISOString())}`);
  return clauses.join(' AND ');
}

async function visibilityPage(client: Client, deps: AuditingDeps, query: string, search: WorkflowSearch) {
  let pageToken: Uint8Array | undefined;
  if (search.cursor) {
    const [token] = decodeCursor('audit-visibility', search.cursor, ['s']) as [string];
    pageToken = Buffer.from(token, 'base64url');
  }
  try {
    return await listExecutions(deps, client, { query, pageSize: search.limit, pageToken });
  } catch (error) {
    if (error instanceof InvalidPageTokenError && search.cursor) throw new InvalidCursorError(search.cursor);
    throw error;
  }
}

async function searchByExecutionStatus(
  deps: AuditingDeps,
  search: WorkflowSearch,
  executionStatus: ExecutionStatusName,
): Promise<AuditWorkflowPage> {
  const sources = { filters: 'temporal-visibility', execution: 'temporal-visibility' } as const;
  const client = await clientOf(deps);
  const query = await visibilityQuery(deps, search, executionStatus);
  if (query === null) return { items: [], nextCursor: null, sources };
  const { executions, nextPageToken } = await visibilityPage(client, deps, query, search);
  const ids = executions.map((e) => e.workflowId);
  const [rows, archives] = await Promise.all([
    ids.length
      ? searchLifecycles(deps.pool, { workflowIds: ids, limit: 200 })
      : Promise.resolve({ items: [] }),
    getHistoryArchiveSummaries(deps.pool, ids),
  ]);
  const rowById = new Map(rows.items.map((row) => [row.workflowId, row]));
  const narrowsByProjection = search.statuses !== undefined || search.clientId !== undefined;
  const matches = (execution: Execution) => {
    if (!narrowsByProjection) return true;
    const row = rowById.get(execution.workflowId);
    if (!row) return false;
    if (search.statuses && !search.statuses.includes(row.status)) return false;
    return !search.clientId || row.ownerId === search.clientId.toLowerCase();
  };
  return {
    items: executions
      .filter(matches)
      .map((e) => itemOf(e.workflowId, rowById.get(e.workflowId), e, archives.get(e.workflowId))),
    nextCursor: nextPageToken
      ? encodeCursor('audit-visibility', [Buffer.from(nextPageToken).toString('base64url')])
      : null,
    sources,
  };
}
