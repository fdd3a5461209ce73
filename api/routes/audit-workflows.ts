// The auditor's workflow routes (API.md "Audit"): search, history, replay, export. Auditors and
// admins only; everything is read-only except that a replay runs code (it changes nothing).
import { Router } from 'express';
import { z } from 'zod';
import { AUDIT_READER_ROLES } from '../../domain/roles.js';
import type { AppDeps } from '../deps.js';
import { asyncHandler } from '../errors.js';
import { currentUser, requireRole } from '../middleware/auth.js';
import { bearerAuth, errorResponses, jsonResponse, registry } from '../openapi.js';
import {
  AuditWorkflowPageSchema,
  ReplayResultSchema,
  SearchWorkflowsQuerySchema,
  WorkflowIdParamsSchema,
  exportWorkflow,
  replayWorkflow,
  searchWorkflows,
  workflowHistory,
} from '../services/audit-workflows.js';

const tags = ['audit'];

const HistorySchema = z.object({ events: z.array(z.record(z.string(), z.unknown())) }).meta({
  id: 'WorkflowHistory',
  description:
    'proto3 JSON of temporal.api.history.v1.History, formatted as `temporal workflow show --output json` prints it',
});

const ExportSchema = z
  .object({
    format: z.literal('clearhouse.lifecycle-export.v1'),
    manifest: z
      .object({
        workflowId: z.string(),
        algorithm: z.literal('sha256'),
        files: z.array(
          z.object({
            name: z.string(),
            sha256: z.string(),
            bytes: z.number().int(),
            description: z.string(),
          }),
        ),
      })
      .loose(),
    files: z.record(z.string(), z.string()),
  })
  .meta({ id: 'LifecycleExport' });

registry.registerPath({
  method: 'get',
  path: '/audit/workflows',
  tags,
  summary:
    'Search lifecycles by type, business status, business id, client and time range (lifecycle projection); by executionStatus (Temporal visibility)',
  security: bearerAuth,
  request: { query: SearchWorkflowsQuerySchema },
  responses: {
    200: jsonResponse('A page of workflows', AuditWorkflowPageSchema),
    ...errorResponses(400, 401, 403, 503),
  },
});
registry.registerPath({
  method: 'get',
  path: '/audit/workflows/{workflowId}/history',
  tags,
  summary:
    'The Temporal event history as JSON (from the archive once archived); headers X-History-Source and X-History-Sha256',
  security: bearerAuth,
  request: { params: WorkflowIdParamsSchema },
  responses: {
    200: jsonResponse('The event history', HistorySchema),
    ...errorResponses(400, 401, 403, 404, 503),
  },
});
registry.registerPath({
  method: 'post',
  path: '/audit/workflows/{workflowId}/replay',
  tags,
  summary: 'Replays the history against the workflow code the worker runs now',
  security: bearerAuth,
  request: { params: WorkflowIdParamsSchema },
  responses: {
    200: jsonResponse('The replay result', ReplayResultSchema),
    ...errorResponses(400, 401, 403, 404, 503),
  },
});
registry.registerPath({
  method: 'get',
  path: '/audit/workflows/{workflowId}/export',
  tags,
  summary:
    'One download: history, ledger entries, business timeline, audit-log rows and a manifest of sha256 hashes',
  security: bearerAuth,
  request: { params: WorkflowIdParamsSchema },
  responses: {
    200: jsonResponse('The export (Content-Disposition: attachment)', ExportSchema),
    ...errorResponses(400, 401, 403, 404, 503),
  },
});

export function auditWorkflowsRouter(deps: AppDeps): Router {
  const router = Router();
  const auditors = requireRole(...AUDIT_READER_ROLES);

  router.get(
    '/audit/workflows',
    auditors,
    asyncHandler(async (req, res) => {
      res.json(await searchWorkflows(deps, currentUser(req), req.query));
    }),
  );

  router.get(
    '/audit/workflows/:workflowId/history',
    auditors,
    asyncHandler(async (req, res) => {
      const loaded = await workflowHistory(deps, currentUser(req), String(req.params.workflowId));
      res.setHeader('X-History-Source', loaded.source);
      res.setHeader('X-History-Sha256', loaded.sha256);
      if (loaded.runId) res.setHeader('X-Workflow-Run-Id', loaded.runId);
      // The text as the CLI prints it (not res.json, which would re-format it). X-History-Sha256 is
      // the canonical hash the archive stores (db/history/format.ts), not a hash of these bytes.
      res.type('application/json').send(loaded.text);
    }),
  );

  router.post(
    '/audit/workflows/:workflowId/replay',
    auditors,
    asyncHandler(async (req, res) => {
      res.json(await replayWorkflow(deps, currentUser(req), String(req.params.workflowId)));
    }),
  );

  router.get(
    '/audit/workflows/:workflowId/export',
    auditors,
    asyncHandler(async (req, res) => {
      const { filename, bundle } = await exportWorkflow(
        deps,
        currentUser(req),
        String(req.params.workflowId),
      );
      res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
      res.type('application/json').send(JSON.stringify(bundle, null, 2));
    }),
  );

  return router;
}
