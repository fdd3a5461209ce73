// The auditor's view of workflows (API.md "Audit"): search lifecycles, read a workflow's Temporal
// event history, replay it against the code the worker runs now, and export one lifecycle as
// evidence. The JSON routes (api/routes/audit-workflows.ts) and the pages (api/pages/audit-workflows.ts) call
// these same functions. Each one checks the caller's role (auditors and admins), validates its
// input, calls the auditing module (auditing/) and turns its errors into the API's: a history
// neither Temporal nor the archive has is 404, Temporal unreachable is 503, a foreign cursor 400.
import type pg from 'pg';
import { z } from 'zod';
import {
  EXECUTION_STATUSES,
  HistoryNotFoundError,
  TemporalUnavailableError,
  evidenceExport,
  ledgerEntriesOf,
  loadHistory,
  replayHistoryJson,
  searchWorkflows as searchAuditedWorkflows,
  workflowAuditDetail as auditDetail,
  type AuditingDeps,
  type ExportBundle,
  type LoadedHistory,
  type WorkflowAuditDetail,
} from '../../auditing/index.js';
import { InvalidCursorError, getLifecycle } from '../../db/lifecycle/index.js';
import { auditLogAbout } from '../../db/audit/read.js';
import type { AuditLogEntry } from '../../db/audit/rows.js';
import { assertAuditReader } from '../audit/readers.js';
import type { AppDeps } from '../deps.js';
import { notFound, temporarilyUnavailable, validationFailed } from '../errors.js';
import { listQuerySchema } from '../validate.js';
import { parseInput, type SessionUser } from './common.js';
import { withDeadline } from '../lifecycle-kit/workflow-calls.js';

export type {
  ExecutionStatusName,
  ExportBundle,
  LoadedHistory,
  WorkflowAuditDetail,
} from '../../auditing/index.js';

// ---- schemas ----------------------------------------------------------------------------------------

// Values end up inside a Temporal List Filter query, so they are restricted to characters that need
// no quoting (ids are uuids and lifecycle type names).
const typeSchema = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'a lifecycle type such as "deposit"')
  .meta({ example: 'deposit' });
const idText = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$/, 'letters, digits and _ . : - only');
const instant = z.iso.datetime({ offset: true }).meta({ example: '2026-11-22T00:00:00Z' });

export const WorkflowIdParamsSchema = z.object({
  workflowId: idText.meta({
    description: 'Workflow id, e.g. deposit-<businessId>',
    example: 'deposit-3f0c…',
  }),
});

export const SearchWorkflowsQuerySchema = listQuerySchema
  .extend({
    type: typeSchema.optional().meta({ description: 'Lifecycle type (projection)' }),
    status: z
      .string()
      .regex(/^[A-Z][A-Z0-9_]*(,[A-Z][A-Z0-9_]*)*$/, 'one business status or several separated by commas')
      .max(300)
      .optional()
      .meta({
        description: 'Business status(es), e.g. CLEARED or ON_HOLD,AML_REVIEW (projection)',
        example: 'CLEARED',
      }),
    businessId: idText
      .optional()
      .meta({ description: 'The business id (deposit id, withdrawal id, ...) (projection)' }),
    clientId: z.uuid().optional().meta({ description: 'The client the lifecycle belongs to (projection)' }),
    from: instant
      .optional()
      .meta({ description: 'Started (or closed, see timeField) at or after (projection)' }),
    to: instant.optional().meta({ description: 'Started (or closed) before (projection)' }),
    timeField: z.enum(['startedAt', 'closedAt']).default('startedAt'),
    executionStatus: z
      .enum(EXECUTION_STATUSES)
      .optional()
      .meta({ description: 'Temporal execution status: answered from Temporal visibility' }),
  })
  .meta({ id: 'AuditWorkflowSearchQuery' });
export type SearchWorkflowsQuery = z.input<typeof SearchWorkflowsQuerySchema>;

const ExecutionSchema = z.object({
  runId: z.string(),
  workflowType: z.string(),
  status: z.enum(EXECUTION_STATUSES),
  startTime: z.string().nullable(),
  closeTime: z.string().nullable(),
  historyLength: z.number().int(),
});

export const AuditWorkflowItemSchema = z
  .object({
    workflowId: z.string(),
    type: z
      .string()
      .meta({ description: 'Lifecycle type, or the workflow type for a workflow without a lifecycle' }),
    businessId: z.string().nullable(),
    clientId: z.uuid().nullable(),
    status: z.string().nullable().meta({ description: 'Business status from the projection' }),
    startedAt: z.string().nullable(),
    closedAt: z.string().nullable(),
    transitions: z.number().int().nullable(),
    attributes: z.record(z.string(), z.unknown()).nullable(),
    execution: ExecutionSchema.nullable().meta({
      description: 'Temporal visibility; null when Temporal no longer has the workflow (or is unreachable)',
    }),
    archive: z
      .object({ runId: z.string(), sha256: z.string(), eventCount: z.number().int(), archivedAt: z.string() })
      .nullable(),
  })
  .meta({ id: 'AuditWorkflow' });
export type AuditWorkflowItem = z.output<typeof AuditWorkflowItemSchema>;

export const AuditWorkflowPageSchema = z
  .object({
    items: z.array(AuditWorkflowItemSchema),
    nextCursor: z.string().nullable(),
    sources: z.object({
      filters: z.enum(['projection', 'temporal-visibility']),
      execution: z.enum(['temporal-visibility', 'unavailable']),
    }),
  })
  .meta({ id: 'AuditWorkflowPage' });
export type AuditWorkflowPage = z.output<typeof AuditWorkflowPageSchema>;

export const ReplayResultSchema = z
  .object({
    workflowId: z.string(),
    runId: z.string().nullable(),
    workflowType: z.string().nullable(),
    source: z.enum(['temporal', 'archive']),
    deterministic: z.boolean(),
    events: z.number().int().meta({ description: 'Events in the replayed history' }),
    error: z.string().optional().meta({ description: 'The replayer’s exact message when not deterministic' }),
    errorKind: z.enum(['nondeterminism', 'failure']).optional(),
    divergence: z
      .object({ eventId: z.number().int().nullable(), eventType: z.string().nullable() })
      .optional()
      .meta({ description: 'The history event the code no longer matches, when the message names it' }),
    replayedAt: z.string(),
  })
  .meta({ id: 'ReplayResult' });
export type ReplayResult = z.output<typeof ReplayResultSchema>;

// ---- calls ------------------------------------------------------------------------------------------

/** What the auditing module needs: the pool, the Temporal client, and this API's deadline per call. */
function auditing(deps: AppDeps): AuditingDeps {
  return { pool: deps.pool, temporal: deps.temporal, withDeadline };
}

/** The auditing module's errors as the API's; anything else unchanged. */
async function answering<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof HistoryNotFoundError) throw notFound(error.message);
    if (error instanceof TemporalUnavailableError) throw temporarilyUnavailable(error.message);
    if (error instanceof InvalidCursorError)
      throw validationFailed([{ path: 'cursor', code: 'invalid_cursor', message: error.message }]);
    throw error;
  }
}

function workflowIdOf(workflowId: string): string {
  return parseInput(WorkflowIdParamsSchema, { workflowId }, 'path').workflowId;
}

/** GET /audit/workflows (auditing/history-search.ts says which source answers which filter). */
export async function searchWorkflows(
  deps: AppDeps,
  user: SessionUser,
  query: unknown,
): Promise<AuditWorkflowPage> {
  assertAuditReader(user);
  const { status, ...q } = parseInput(SearchWorkflowsQuerySchema, query, 'query');
  return answering(searchAuditedWorkflows(auditing(deps), { ...q, statuses: status?.split(',') }));
}

/** GET /audit/workflows/:workflowId/history: the archive when present, else Temporal. */
export async function workflowHistory(
  deps: AppDeps,
  user: SessionUser,
  workflowId: string,
): Promise<LoadedHistory> {
  assertAuditReader(user);
  return answering(loadHistory(auditing(deps), workflowIdOf(workflowId)));
}

/** POST /audit/workflows/:workflowId/replay. */
export async function replayWorkflow(
  deps: AppDeps,
  user: SessionUser,
  workflowId: string,
): Promise<ReplayResult> {
  const loaded = await workflowHistory(deps, user, workflowId);
  const outcome = await replayHistoryJson(loaded.history, { workflowId: loaded.workflowId });
  return {
    workflowId: loaded.workflowId,
    runId: loaded.runId,
    workflowType: loaded.workflowType,
    source: loaded.source,
    ...outcome,
    replayedAt: new Date().toISOString(),
  };
}

/** Everything the lifecycle page shows; 404 when nothing at all is known about `workflowId`. */
export async function workflowAuditDetail(
  deps: AppDeps,
  user: SessionUser,
  workflowId: string,
): Promise<WorkflowAuditDetail> {
  assertAuditReader(user);
  return answering(auditDetail(auditing(deps), workflowIdOf(workflowId)));
}

/**
 * Audit-log rows about this lifecycle (api/audit/log.ts): the business subject (`deposit`
 * <businessId>), the workflow id, and its tasks (claims and releases).
 */
function auditLogOf(
  pool: pg.Pool,
  lifecycle: { workflowId: string; businessId: string | null; taskIds: string[] },
): Promise<AuditLogEntry[]> {
  return auditLogAbout(pool, {
    workflowId: lifecycle.workflowId,
    subjectIds: [
      lifecycle.workflowId,
      ...(lifecycle.businessId ? [lifecycle.businessId] : []),
      ...lifecycle.taskIds,
    ],
  });
}

/** GET /audit/workflows/:workflowId/export (auditing/evidence-export.ts). */
export async function exportWorkflow(
  deps: AppDeps,
  user: SessionUser,
  workflowId: string,
): Promise<{ filename: string; bundle: ExportBundle }> {
  const loaded = await workflowHistory(deps, user, workflowId);
  const [lifecycle, entries] = await Promise.all([
    getLifecycle(deps.pool, loaded.workflowId),
    ledgerEntriesOf(deps.pool, loaded.workflowId),
  ]);
  const auditRows = await auditLogOf(deps.pool, {
    workflowId: loaded.workflowId,
    businessId: lifecycle?.businessId ?? null,
    taskIds: lifecycle?.tasks.map((task) => task.id) ?? [],
  });
  const exportedBy = { id: user.id, role: user.role, email: user.email };
  return evidenceExport({ loaded, lifecycle, entries, auditRows, exportedBy });
}
