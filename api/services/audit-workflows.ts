// The auditor's view of workflows (API.md "Audit"): search lifecycles, read a workflow's Temporal
// event history, replay it against the code the worker runs now, and export one lifecycle as
// evidence. The JSON routes (api/routes/audit-workflows.ts) and the pages (api/web/audit.ts) call
// these same functions; each checks the caller's role itself (auditor or admin).
//
// Where each piece comes from:
//   - Search filters type, business status, business id, client and time range: the `lifecycle`
//     projection in PostgreSQL. It is ours, indexed, and outlives Temporal's retention.
//   - Search filter executionStatus (Running, Completed, Failed, ...): Temporal visibility (a
//     List Filter query), because only Temporal knows whether an execution failed, was terminated
//     or is still running. Projection-only filters are then applied to that page.
//   - A history: the archive (workflow_history_archive) when present — a closed run's history never
//     changes — else Temporal, archiving it on the way when it has closed (a workflow type without
//     the archiver step still ends up archived on first read). Temporal's "not found" after the
//     archive missed means 404.
//   - Replay: @temporalio/worker's replayer with the same workflow code the worker runs
//     (WORKFLOW_BUNDLE_PATH when set, else workflows/index.ts bundled once per process).
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { ServiceError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { temporal as proto } from '@temporalio/proto';
import { ReplayError, Worker, bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import type pg from 'pg';
import { z } from 'zod';
import {
  getHistoryArchive,
  getHistoryArchiveSummaries,
  getHistoryArchiveSummary,
  historyFacts,
  historySha256,
  isCloseEventType,
  saveHistoryArchive,
  searchLifecycles,
  type AuditLifecycleRow,
  type HistoryArchiveSummary,
} from '../../db/history/index.js';
import { listEntries, type Entry } from '../../db/ledger/index.js';
import { auditLogAbout, type AuditLogEntry } from '../audit/log.js';
import { getLifecycle, InvalidCursorError, type LifecycleDetail } from '../../db/lifecycle/index.js';
import { encodeCursor, decodeCursor } from '../../db/lifecycle/cursor.js';
import { formatAmount } from '../../domain/money.js';
import { hasAnyRole, type Role } from '../../domain/roles.js';
import { ARCHIVE_WORKFLOW_TYPE } from '../../workflows/archive.js';
import type { AppDeps } from '../deps.js';
import { ApiError, forbidden, notFound, validationFailed } from '../errors.js';
import { listQuerySchema } from '../validate.js';
import {
  actorIds,
  buildHistoryTimeline,
  withActorEmails,
  type HistoryTimeline,
} from './audit-workflows-timeline.js';
import { parseInput, type SessionUser } from './common.js';
import { serviceUnavailable, temporalClient, withDeadline } from './temporal.js';

export const AUDIT_WORKFLOW_READERS: readonly Role[] = ['auditor', 'admin'];

function assertReader(user: { role: Role }): void {
  if (!hasAnyRole(user.role, AUDIT_WORKFLOW_READERS))
    throw forbidden('the audit area is for auditors and admins');
}

// ---- schemas ----------------------------------------------------------------------------------------

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

// ---- helpers ----------------------------------------------------------------------------------------

/** Temporal's NOT_FOUND, whichever way the client surfaces it. */
function isNotFound(error: unknown): boolean {
  if (error instanceof WorkflowNotFoundError) return true;
  return (error as { code?: unknown } | null)?.code === 5;
}

function isUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof ServiceError || code === 14 || code === 4; // UNAVAILABLE, DEADLINE_EXCEEDED
}

function tsToIso(ts: { seconds?: unknown; nanos?: number | null } | null | undefined): string | null {
  if (!ts || ts.seconds === undefined || ts.seconds === null) return null;
  const ms = Number(String(ts.seconds)) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);
  return new Date(ms).toISOString();
}

type RawExecution = proto.api.workflow.v1.IWorkflowExecutionInfo;

function toExecution(raw: RawExecution): z.output<typeof ExecutionSchema> & { workflowId: string } {
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

function itemOf(
  workflowId: string,
  row: AuditLifecycleRow | undefined,
  execution: (z.output<typeof ExecutionSchema> & { workflowId: string }) | undefined,
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
    execution: execution ? (executionView as z.output<typeof ExecutionSchema>) : null,
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

function quote(value: string): string {
  // Every value is schema-checked to need no escaping; this guards against future callers.
  if (/['"\\]/.test(value)) throw new Error('unexpected quote in a visibility query value');
  return `'${value}'`;
}

/** The executions Temporal visibility has for these workflow ids (latest run of each), or null if unreachable. */
async function executionsOf(
  deps: AppDeps,
  client: Client | null,
  workflowIds: readonly string[],
): Promise<Map<string, z.output<typeof ExecutionSchema> & { workflowId: string }> | null> {
  if (workflowIds.length === 0) return new Map();
  if (!client) return null;
  try {
    const response = await withDeadline(client, () =>
      client.workflowService.listWorkflowExecutions({
        namespace: client.options.namespace,
        query: `WorkflowId IN (${workflowIds.map(quote).join(', ')})`,
        pageSize: Math.min(1000, workflowIds.length * 4),
      }),
    );
    const byId = new Map<string, z.output<typeof ExecutionSchema> & { workflowId: string }>();
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

async function optionalClient(deps: AppDeps): Promise<Client | null> {
  try {
    return await deps.temporal();
  } catch {
    return null;
  }
}

// ---- search -----------------------------------------------------------------------------------------

/**
 * GET /audit/workflows. Without `executionStatus` the projection answers every filter and Temporal
 * visibility only adds each item's execution (best effort). With `executionStatus` Temporal
 * visibility lists the executions (type, time range and business id are pushed into its query),
 * and the projection-only filters (status, clientId) narrow that page — so a page may hold fewer
 * items than `limit` while `nextCursor` is still set.
 */
export async function searchWorkflows(
  deps: AppDeps,
  user: SessionUser,
  query: unknown,
): Promise<AuditWorkflowPage> {
  assertReader(user);
  const q = parseInput(SearchWorkflowsQuerySchema, query, 'query');
  const statuses = q.status?.split(',');
  try {
    if (q.executionStatus === undefined) {
      const page = await searchLifecycles(deps.pool, {
        type: q.type,
        status: statuses,
        businessId: q.businessId,
        ownerId: q.clientId,
        from: q.from,
        to: q.to,
        timeField: q.timeField,
        limit: q.limit,
        cursor: q.cursor ?? null,
      });
      const client = await optionalClient(deps);
      const executions = await executionsOf(
        deps,
        client,
        page.items.map((item) => item.workflowId),
      );
      return {
        items: page.items.map((row) =>
          itemOf(row.workflowId, row, executions?.get(row.workflowId), undefined),
        ),
        nextCursor: page.nextCursor,
        sources: { filters: 'projection', execution: executions ? 'temporal-visibility' : 'unavailable' },
      };
    }
    return await searchByExecutionStatus(deps, q, statuses);
  } catch (error) {
    if (error instanceof InvalidCursorError) {
      throw validationFailed([{ path: 'cursor', code: 'invalid_cursor', message: error.message }]);
    }
    throw error;
  }
}

async function searchByExecutionStatus(
  deps: AppDeps,
  q: z.output<typeof SearchWorkflowsQuerySchema>,
  statuses: string[] | undefined,
): Promise<AuditWorkflowPage> {
  const client = await temporalClient(deps);
  const clauses = [`ExecutionStatus = ${quote(q.executionStatus!)}`];
  if (q.type) clauses.push(`WorkflowType = ${quote(q.type)}`);
  else clauses.push(`WorkflowType != ${quote(ARCHIVE_WORKFLOW_TYPE)}`);
  if (q.businessId) {
    // Workflow ids are `<type>-<businessId>` (DESIGN.md); without a type, the projection knows which.
    let ids: string[];
    if (q.type) ids = [`${q.type}-${q.businessId}`];
    else {
      const found = await deps.pool.query<{ workflow_id: string }>(
        'SELECT workflow_id FROM lifecycle WHERE business_id = $1',
        [q.businessId],
      );
      ids = found.rows.map((r) => r.workflow_id);
    }
    if (ids.length === 0)
      return {
        items: [],
        nextCursor: null,
        sources: { filters: 'temporal-visibility', execution: 'temporal-visibility' },
      };
    clauses.push(`WorkflowId IN (${ids.map(quote).join(', ')})`);
  }
  const timeAttribute = q.timeField === 'closedAt' ? 'CloseTime' : 'StartTime';
  if (q.from) clauses.push(`${timeAttribute} >= ${quote(new Date(q.from).toISOString())}`);
  if (q.to) clauses.push(`${timeAttribute} < ${quote(new Date(q.to).toISOString())}`);

  let nextPageToken: Uint8Array | undefined;
  if (q.cursor) {
    const [token] = decodeCursor('audit-visibility', q.cursor, ['s']) as [string];
    nextPageToken = Buffer.from(token, 'base64url');
  }
  let response: proto.api.workflowservice.v1.ListWorkflowExecutionsResponse;
  try {
    response = await withDeadline(client, () =>
      client.workflowService.listWorkflowExecutions({
        namespace: client.options.namespace,
        query: clauses.join(' AND '),
        pageSize: q.limit,
        nextPageToken,
      }),
    );
  } catch (error) {
    if (isUnavailable(error))
      throw serviceUnavailable('Temporal visibility is unavailable; try again shortly');
    // A page token the server does not accept is a cursor we did not issue (or one that expired).
    if ((error as { code?: unknown }).code === 3 && q.cursor) throw new InvalidCursorError(q.cursor);
    throw error;
  }
  const executions = (response.executions ?? []).map(toExecution);
  const ids = executions.map((e) => e.workflowId);
  const [rows, archives] = await Promise.all([
    ids.length
      ? searchLifecycles(deps.pool, { workflowIds: ids, limit: 200 })
      : Promise.resolve({ items: [] }),
    getHistoryArchiveSummaries(deps.pool, ids),
  ]);
  const rowById = new Map(rows.items.map((row) => [row.workflowId, row]));
  const narrowsByProjection = statuses !== undefined || q.clientId !== undefined;
  const items = executions
    .filter((execution) => {
      if (!narrowsByProjection) return true;
      const row = rowById.get(execution.workflowId);
      if (!row) return false;
      if (statuses && !statuses.includes(row.status)) return false;
      if (q.clientId && row.ownerId !== q.clientId.toLowerCase()) return false;
      return true;
    })
    .map((execution) =>
      itemOf(
        execution.workflowId,
        rowById.get(execution.workflowId),
        execution,
        archives.get(execution.workflowId),
      ),
    );
  const token = response.nextPageToken;
  return {
    items,
    nextCursor:
      token && token.length > 0
        ? encodeCursor('audit-visibility', [Buffer.from(token).toString('base64url')])
        : null,
    sources: { filters: 'temporal-visibility', execution: 'temporal-visibility' },
  };
}

// ---- histories --------------------------------------------------------------------------------------

export interface LoadedHistory {
  workflowId: string;
  runId: string | null;
  workflowType: string | null;
  /** Where it came from: the PostgreSQL archive or the Temporal server. */
  source: 'archive' | 'temporal';
  /** The JSON text as `temporal workflow show --output json` prints it (without its final newline). */
  text: string;
  history: { events: Record<string, unknown>[] };
  /** Canonical sha256 (db/history/format.ts historySha256): equal to the archive's when intact. */
  sha256: string;
  eventCount: number;
  closed: boolean;
  /** The archive row, when archived (now or before). */
  archive: HistoryArchiveSummary | null;
  /** Archive only: the served text hashes to the stored sha256 (false means the row was altered). */
  archiveIntact: boolean | null;
}

/**
 * The history of `workflowId`: the archive when present, else Temporal (archiving a closed one on
 * the way). 404 when neither has it; 503 when only Temporal could answer and it is unreachable.
 */
export async function loadHistory(deps: AppDeps, workflowId: string): Promise<LoadedHistory> {
  const archived = await getHistoryArchive(deps.pool, workflowId);
  if (archived) {
    // Re-serialised through the protobuf schema so the text is in the CLI's field order and
    // formatting again (jsonb keeps keys in its own order). The integrity check hashes what is
    // stored, canonically (db/history/format.ts).
    const text = historyToJSON(historyFromJSON(archived.history));
    const history = JSON.parse(text) as LoadedHistory['history'];
    const sha256 = historySha256(archived.history);
    const { history: _h, ...summary } = archived;
    return {
      workflowId,
      runId: archived.runId,
      workflowType: archived.type,
      source: 'archive',
      text,
      history,
      sha256,
      eventCount: history.events.length,
      closed: true,
      archive: summary,
      archiveIntact: sha256 === archived.sha256,
    };
  }

  const client = await temporalClient(deps);
  let text: string;
  let runId: string;
  let type: string;
  let closeTime: Date | undefined;
  try {
    const description = await withDeadline(client, () => client.workflow.getHandle(workflowId).describe());
    runId = description.runId;
    type = description.type;
    closeTime = description.closeTime;
    const events = await withDeadline(client, () =>
      client.workflow.getHandle(workflowId, runId).fetchHistory(),
    );
    text = historyToJSON(events);
  } catch (error) {
    if (isNotFound(error)) throw notFound(`no workflow ${workflowId} in Temporal or in the history archive`);
    if (isUnavailable(error))
      throw serviceUnavailable('the workflow service is unavailable; try again shortly');
    throw error;
  }
  const history = JSON.parse(text) as LoadedHistory['history'];
  const last = history.events[history.events.length - 1];
  const closed = isCloseEventType(last?.eventType);
  let archive: HistoryArchiveSummary | null = null;
  if (closed) {
    // Archive on first read: covers workflow types without the archiver step, and runs that closed
    // before the archiver existed. Idempotent; a failure here must not fail the read.
    archive = await saveHistoryArchive(deps.pool, {
      workflowId,
      runId,
      type,
      closedAt: closeTime ?? new Date(),
      historyText: text,
    })
      .then((saved) => saved.archive)
      .catch(() => null);
  }
  return {
    workflowId,
    runId,
    workflowType: type,
    source: 'temporal',
    text,
    history,
    sha256: historySha256(history),
    eventCount: history.events.length,
    closed,
    archive,
    archiveIntact: archive ? archive.sha256 === historySha256(history) : null,
  };
}

/** GET /audit/workflows/:workflowId/history. */
export async function workflowHistory(
  deps: AppDeps,
  user: SessionUser,
  workflowId: string,
): Promise<LoadedHistory> {
  assertReader(user);
  const { workflowId: id } = parseInput(WorkflowIdParamsSchema, { workflowId }, 'path');
  return loadHistory(deps, id);
}

// ---- replay -----------------------------------------------------------------------------------------

export type ReplayBundle = { codePath: string } | WorkflowBundle;

let bundled: Promise<WorkflowBundle> | undefined;

const quietLogger = {
  log() {},
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/**
 * The workflow code to replay against: the code the worker runs. WORKFLOW_BUNDLE_PATH (a bundle
 * made by bundleWorkflowCode, as the worker may be given) when set, read at every replay; otherwise
 * workflows/index.ts bundled once per process (a few seconds, on the first replay).
 */
export function currentWorkflowBundle(env: NodeJS.ProcessEnv = process.env): Promise<ReplayBundle> {
  const path = env.WORKFLOW_BUNDLE_PATH?.trim();
  if (path) return Promise.resolve({ codePath: path });
  bundled ??= bundleWorkflowCode({
    workflowsPath: fileURLToPath(new URL('../../workflows/index.ts', import.meta.url)),
    logger: quietLogger,
  });
  bundled.catch(() => (bundled = undefined));
  return bundled;
}

export interface ReplayOutcome {
  deterministic: boolean;
  events: number;
  error?: string;
  errorKind?: 'nondeterminism' | 'failure';
  divergence?: { eventId: number | null; eventType: string | null };
}

/** The event a replayer message names ("... HistoryEvent(id: 12, TimerStarted) ..." and similar). */
export function divergenceOf(
  message: string,
  history: unknown,
): { eventId: number | null; eventType: string | null } {
  const match =
    /HistoryEvent\(\s*id:\s*(\d+)/i.exec(message) ??
    /event[ _]id[:= ]\s*(\d+)/i.exec(message) ??
    /\bevent (\d+)\b/i.exec(message);
  const eventId = match ? Number(match[1]) : null;
  let eventType: string | null = null;
  if (eventId !== null) {
    const events = (history as { events?: { eventId?: unknown; eventType?: unknown }[] }).events ?? [];
    const event = events.find((e) => Number(e.eventId) === eventId);
    eventType = typeof event?.eventType === 'string' ? event.eventType : null;
  }
  return { eventId, eventType };
}

// One replay at a time per process: each builds a replay worker with its own workflow sandbox.
let replayQueue: Promise<unknown> = Promise.resolve();

/**
 * Replays `history` (proto3 JSON, from this API, the archive or `temporal workflow show --output
 * json`) against `bundle`. Never throws for a replay that fails: that is the answer.
 */
export async function replayHistoryJson(
  history: unknown,
  options: { workflowId?: string; bundle?: ReplayBundle } = {},
): Promise<ReplayOutcome> {
  const facts = historyFacts(history);
  const bundle = options.bundle ?? (await currentWorkflowBundle());
  const run = async (): Promise<ReplayOutcome> => {
    try {
      await Worker.runReplayHistory(
        { workflowBundle: bundle, replayName: `audit-replay-${facts.workflowType ?? 'workflow'}` },
        history,
        options.workflowId ?? facts.workflowId ?? 'replayed-workflow',
      );
      return { deterministic: true, events: facts.eventCount };
    } catch (error) {
      if (error instanceof DeterminismViolationError || error instanceof ReplayError) {
        const message = error.message;
        return {
          deterministic: false,
          events: facts.eventCount,
          error: message,
          errorKind: error instanceof DeterminismViolationError ? 'nondeterminism' : 'failure',
          divergence: divergenceOf(message, history),
        };
      }
      throw error;
    }
  };
  const next = replayQueue.then(run, run);
  replayQueue = next.catch(() => undefined);
  return next;
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

// ---- ledger entries, audit log, people ----------------------------------------------------------------

export interface AuditEntryView {
  id: string;
  idempotencyKey: string;
  kind: string;
  description: string;
  status: string;
  workflowId: string | null;
  runId: string | null;
  activity: string | null;
  createdAt: string;
  effectiveAt: string;
  reversesEntryId: string | null;
  pendingEntryId: string | null;
  holdState: string | null;
  lines: { accountCode: string; asset: string; debit: string; credit: string; pending: boolean }[];
}

function entryView(entry: Entry): AuditEntryView {
  return {
    id: entry.id,
    idempotencyKey: entry.idempotencyKey,
    kind: entry.kind,
    description: entry.description,
    status: entry.status,
    workflowId: entry.workflowId,
    runId: entry.runId,
    activity: entry.activity,
    createdAt: entry.createdAt.toISOString(),
    effectiveAt: entry.effectiveAt.toISOString(),
    reversesEntryId: entry.reversesEntryId,
    pendingEntryId: entry.pendingEntryId,
    holdState: entry.holdState,
    lines: entry.lines.map((line) => ({
      accountCode: line.accountCode,
      asset: line.asset,
      debit: formatAmount(line.asset, line.debit),
      credit: formatAmount(line.asset, line.credit),
      pending: line.pending,
    })),
  };
}

/** Every journal entry the workflow posted, oldest first. */
export async function ledgerEntriesOf(pool: pg.Pool, workflowId: string): Promise<AuditEntryView[]> {
  const all: Entry[] = [];
  let cursor: string | null = null;
  do {
    const page = await listEntries(pool, { workflowId, limit: 500, cursor });
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return all.reverse().map(entryView);
}

/**
 * Audit-log rows about this lifecycle (api/audit/log.ts): the business subject (`deposit`
 * <businessId>), the workflow id, and its tasks (claims and releases).
 */
export function auditLogOf(
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

/** user id → email, for the people a history mentions. */
async function directoryOf(pool: pg.Pool, ids: string[]): Promise<Map<string, string>> {
  const uuids = ids.filter((id) =>
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id),
  );
  if (uuids.length === 0) return new Map();
  const { rows } = await pool.query<{ id: string; email: string }>(
    'SELECT id, email FROM app_user WHERE id = ANY($1::uuid[])',
    [uuids],
  );
  return new Map(rows.map((row) => [row.id, row.email]));
}

// ---- one lifecycle for the page -------------------------------------------------------------------------

export interface WorkflowAuditDetail {
  workflowId: string;
  lifecycle: LifecycleDetail | null;
  /** null when neither Temporal nor the archive has the history (or Temporal is unreachable). */
  history: Omit<LoadedHistory, 'text' | 'history'> | null;
  historyProblem: string | null;
  timeline: HistoryTimeline | null;
  /** Raw events by id, for "show the JSON" next to each step. */
  rawEvents: Record<string, unknown>[];
  entries: AuditEntryView[];
  archive: HistoryArchiveSummary | null;
  /** user id → email for everyone who acted (business timeline and history). */
  people: Record<string, string>;
}

/** Everything the lifecycle page shows; 404 when nothing at all is known about `workflowId`. */
export async function workflowAuditDetail(
  deps: AppDeps,
  user: SessionUser,
  workflowId: string,
): Promise<WorkflowAuditDetail> {
  assertReader(user);
  const { workflowId: id } = parseInput(WorkflowIdParamsSchema, { workflowId }, 'path');
  const [lifecycle, entries] = await Promise.all([
    getLifecycle(deps.pool, id),
    ledgerEntriesOf(deps.pool, id),
  ]);
  let loaded: LoadedHistory | null = null;
  let historyProblem: string | null = null;
  try {
    loaded = await loadHistory(deps, id);
  } catch (error) {
    if (!(error instanceof ApiError) || (error.status !== 404 && error.status !== 503)) throw error;
    if (!lifecycle && entries.length === 0) throw error;
    historyProblem = error.message;
  }
  const timeline: HistoryTimeline | null = loaded ? buildHistoryTimeline(loaded.history) : null;
  const ids = new Set<string>(timeline ? actorIds(timeline) : []);
  for (const event of lifecycle?.events ?? []) if (event.actor) ids.add(event.actor.id);
  const directory = await directoryOf(deps.pool, [...ids]);
  if (timeline) withActorEmails(timeline, directory);
  const { text: _t, history: _h, ...history } = loaded ?? ({} as LoadedHistory);
  return {
    workflowId: id,
    lifecycle,
    history: loaded ? history : null,
    historyProblem,
    timeline,
    rawEvents: loaded?.history.events ?? [],
    entries,
    archive: loaded?.archive ?? (await getHistoryArchiveSummary(deps.pool, id)),
    people: Object.fromEntries(directory),
  };
}

// ---- export -----------------------------------------------------------------------------------------

export const EXPORT_FORMAT = 'clearhouse.lifecycle-export.v1';

export interface ExportBundle {
  format: typeof EXPORT_FORMAT;
  manifest: {
    workflowId: string;
    runId: string | null;
    workflowType: string | null;
    businessId: string | null;
    exportedAt: string;
    exportedBy: { id: string; role: string; email: string };
    historySource: 'archive' | 'temporal';
    archive: { sha256: string; archivedAt: string; intact: boolean | null } | null;
    /** How to check a file: sha256 of the UTF-8 bytes of `files[name]`, hex. */
    algorithm: 'sha256';
    files: { name: string; sha256: string; bytes: number; description: string }[];
    notes: string[];
  };
  /** Each file's exact text (JSON documents); `history.json` is replayable as it is. */
  files: Record<string, string>;
}

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * GET /audit/workflows/:workflowId/export: one JSON document holding the history (CLI format), the
 * ledger entries, the business timeline and tasks, the audit-log rows, and a manifest with the
 * sha256 of each file.
 */
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
  const notes: string[] = [];
  if (!lifecycle) notes.push('lifecycle.json is null: no lifecycle projection for this workflow');
  if (loaded.archiveIntact === false)
    notes.push('WARNING: the archived history does not match its stored sha256');

  const described: { name: string; text: string; description: string }[] = [
    {
      name: 'history.json',
      text: loaded.text,
      description:
        'Temporal event history, the format of `temporal workflow show --output json`; replay with `npm run replay -- --file history.json`',
    },
    {
      name: 'ledger-entries.json',
      text: JSON.stringify(entries, null, 2),
      description: 'Journal entries the workflow posted, with lines and idempotency keys',
    },
    {
      name: 'lifecycle.json',
      text: JSON.stringify(lifecycle, null, 2),
      description: 'The business timeline (lifecycle_event) and tasks from the projection',
    },
    {
      name: 'audit-log.json',
      text: JSON.stringify(auditRows, null, 2),
      description: 'Audit-log rows about this lifecycle, with their chain hashes',
    },
  ];
  const bundle: ExportBundle = {
    format: EXPORT_FORMAT,
    manifest: {
      workflowId: loaded.workflowId,
      runId: loaded.runId,
      workflowType: loaded.workflowType,
      businessId: lifecycle?.businessId ?? null,
      exportedAt: new Date().toISOString(),
      exportedBy: { id: user.id, role: user.role, email: user.email },
      historySource: loaded.source,
      archive: loaded.archive
        ? {
            sha256: loaded.archive.sha256,
            archivedAt: loaded.archive.archivedAt,
            intact: loaded.archiveIntact,
          }
        : null,
      algorithm: 'sha256',
      files: described.map((file) => ({
        name: file.name,
        sha256: sha256Hex(file.text),
        bytes: Buffer.byteLength(file.text, 'utf8'),
        description: file.description,
      })),
      notes,
    },
    files: Object.fromEntries(described.map((file) => [file.name, file.text])),
  };
  const safe = loaded.workflowId.replace(/[^A-Za-z0-9_.-]/g, '_');
  return { filename: `${safe}.audit-export.json`, bundle };
}
