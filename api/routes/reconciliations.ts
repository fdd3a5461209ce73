// Reconciliation over HTTP (API.md "Reconciliation"): thin wrappers around
// api/services/reconciliations.ts, declared with api/routes/lifecycle-routes.ts, plus the multipart
// upload and the CSV report download.
import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import multer from 'multer';
import { z } from 'zod';
import type { AppDeps } from '../deps.js';
import { asyncHandler, validationFailed } from '../errors.js';
import { idempotent } from '../idempotency.js';
import { currentUser, requireAuth, requireRole } from '../middleware/auth.js';
import { errorResponses, idempotencyKeyHeader, jsonResponse } from '../openapi.js';
import { DepositSchema } from '../deposit-view.js';
import {
  ImportStatementBodySchema,
  ImportedStatementsSchema,
  ListBreaksQuerySchema,
  ListLinesQuerySchema,
  ListReconciliationsQuerySchema,
  ReconciliationBreakSchema,
  ReconciliationSchema,
  ResolveBreakBodySchema,
  STATEMENT_MAX_BYTES,
  StatementLineSchema,
  approveBreakAdjustment,
  confirmDepositFromLine,
  getReconciliation,
  importStatements,
  listBreaks,
  listLines,
  listReconciliations,
  reconciliationReport,
  reconciliationWorkflowIdFor,
  resolveBreak,
} from '../services/reconciliations.js';
import { listResponseSchema, uuidSchema } from '../validate.js';
import { LifecycleRoutes, requestIdHeader } from './lifecycle-routes.js';

const idParams = z.object({ id: uuidSchema.meta({ description: 'The reconciliation (statement) id' }) });
const breakParams = z.object({ id: uuidSchema.meta({ description: 'The break id' }) });
const lineParams = idParams.extend({ lineId: z.string().meta({ description: 'The statement line id' }) });
const opsErrors = [400, 401, 403, 404, 409, 422, 503];

const upload = multer({
  storage: multer.memoryStorage(),
  defParamCharset: 'utf8',
  limits: { fileSize: STATEMENT_MAX_BYTES, files: 1, fields: 4, fieldSize: 1024, parts: 6 },
});

/** multer's single('file') with its errors as the contract's 400 (nothing has been stored). */
const receiveFile: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
  upload.single('file')(req, res, (error: unknown) => {
    if (!error) return next();
    const message =
      error instanceof multer.MulterError && error.code === 'LIMIT_FILE_SIZE'
        ? `the file is larger than ${STATEMENT_MAX_BYTES / 1024 / 1024} MB`
        : 'send one statement file as the multipart field "file", with `source`';
    next(validationFailed([{ path: 'file', code: 'invalid_upload', message }], message));
  });
};

const routes = new LifecycleRoutes({
  tags: ['reconciliation'],
  schema: ReconciliationSchema,
  params: idParams,
})
  .route(
    'post',
    '/ops/reconciliations',
    {
      summary: 'Import a bank or registry statement and reconcile it (operations)',
      description:
        'multipart/form-data with `file` (CSV, camt.053 XML or MT940; the format is detected from the content), ' +
        '`source` (bank, registry) and optionally `accountCode`. One statement → the reconciliation; several → `items`. ' +
        '409 duplicate_statement for a statement imported before; 400 unreadable_statement names the line or element ' +
        '(`details.at`) and stores nothing; 422 unknown_account.',
      request: {
        headers: idempotencyKeyHeader,
        body: { required: true, content: { 'multipart/form-data': { schema: ImportStatementBodySchema } } },
      },
      responses: {
        201: {
          description: 'The reconciliation (or, for a file of several statements, every one of them)',
          content: {
            'application/json': { schema: z.union([ReconciliationSchema, ImportedStatementsSchema]) },
          },
        },
        ...errorResponses(400, 401, 403, 409, 422, 503),
      },
    },
    (deps) => [
      requireRole('operations'),
      receiveFile,
      idempotent(),
      asyncHandler(async (req, res) => {
        const body = (req.body ?? {}) as Record<string, unknown>;
        const view = await importStatements(
          deps,
          currentUser(req),
          {
            file: req.file ? { buffer: req.file.buffer, originalname: req.file.originalname } : null,
            source: body.source,
            accountCode: body.accountCode,
          },
          req.idempotencyKey!,
        );
        res.status(201).json(view);
      }),
    ],
  )
  .list('/ops/reconciliations', {
    summary: 'Reconciliations, newest first (staff, auditors)',
    query: ListReconciliationsQuerySchema,
    responds: 'A page of reconciliations',
    errors: [400, 401, 403],
    run: listReconciliations,
  })
  .read('/ops/reconciliations/:id', {
    summary: 'One reconciliation with its statement, counts and timeline (staff, auditors)',
    responds: 'The reconciliation',
    errors: [401, 403, 404],
    run: getReconciliation,
  })
  .events('/ops/reconciliations/:id/events', {
    summary: 'Live updates of one reconciliation (Server-Sent Events)',
    responds: 'text/event-stream of `state` events',
    errors: [401, 403, 404],
    workflowIdOf: reconciliationWorkflowIdFor,
    read: getReconciliation,
  })
  .route(
    'get',
    '/ops/reconciliations/:id/lines',
    {
      summary: 'The statement’s lines with their match status, in file order (staff, auditors)',
      request: { params: idParams, query: ListLinesQuerySchema },
      responses: {
        200: jsonResponse('A page of statement lines', listResponseSchema(StatementLineSchema)),
        ...errorResponses(400, 401, 403, 404),
      },
    },
    (deps) => [
      requireAuth,
      asyncHandler(async (req, res) => {
        res.json(await listLines(deps, currentUser(req), String(req.params.id ?? ''), req.query));
      }),
    ],
  )
  .route(
    'get',
    '/ops/reconciliations/:id/breaks',
    {
      summary: 'The reconciliation’s breaks, oldest first (staff, auditors)',
      request: { params: idParams, query: ListBreaksQuerySchema },
      responses: {
        200: jsonResponse('A page of breaks', listResponseSchema(ReconciliationBreakSchema)),
        ...errorResponses(400, 401, 403, 404),
      },
    },
    (deps) => [
      requireAuth,
      asyncHandler(async (req, res) => {
        res.json(await listBreaks(deps, currentUser(req), String(req.params.id ?? ''), req.query));
      }),
    ],
  )
  .route(
    'get',
    '/ops/reconciliations/:id/report.csv',
    {
      summary: 'The report: every line and break with its outcome, as CSV (staff, auditors)',
      request: { params: idParams },
      responses: {
        200: { description: 'text/csv', content: { 'text/csv': { schema: z.string() } } },
        ...errorResponses(401, 403, 404),
      },
    },
    (deps) => [
      requireAuth,
      asyncHandler(async (req, res) => {
        const report = await reconciliationReport(deps, currentUser(req), String(req.params.id ?? ''));
        res.status(200);
        res.setHeader('Content-Type', 'text/csv; charset=utf-8');
        res.setHeader('Content-Disposition', `attachment; filename="${report.filename}"`);
        res.setHeader('Cache-Control', 'private, no-store');
        for await (const chunk of report.chunks) if (chunk) res.write(chunk);
        res.end();
      }),
    ],
  )
  .route(
    'post',
    '/ops/reconciliations/:id/lines/:lineId/confirm-deposit',
    {
      summary: 'Confirm the PENDING deposit a statement line matched, with the line’s amount (operations)',
      description:
        'The deposit’s own confirm (receivedAmount = the line’s amount, receivedAt = its booking day, ' +
        'senderReference = its reference); 409 when the line names no PENDING deposit.',
      request: { params: lineParams, headers: requestIdHeader },
      responses: { 200: jsonResponse('The deposit', DepositSchema), ...errorResponses(...opsErrors) },
    },
    (deps) => [
      requireAuth,
      asyncHandler(async (req, res) => {
        res.json(
          await confirmDepositFromLine(
            deps,
            currentUser(req),
            String(req.params.id ?? ''),
            String(req.params.lineId ?? ''),
            req.id,
          ),
        );
      }),
    ],
  )
  .action('post', '/ops/reconciliation-breaks/:id/resolve', {
    summary: 'Resolve a break: match by hand, dismiss with a reason, or propose an adjustment (operations)',
    description:
      '`{ resolution: "match", entryIds }`, `{ resolution: "dismiss", reason }` or `{ resolution: "adjust", note }`; ' +
      'an adjustment (recon.adjust against suspense) waits for a second operator’s approve.',
    params: breakParams,
    body: ResolveBreakBodySchema,
    schema: ReconciliationBreakSchema,
    responds: 'The break',
    errors: opsErrors,
    run: resolveBreak,
  })
  .action('post', '/ops/reconciliation-breaks/:id/approve', {
    summary: 'Approve a proposed adjustment: the adjusting entry is posted (operations, not the proposer)',
    params: breakParams,
    schema: ReconciliationBreakSchema,
    responds: 'The break, RESOLVED with its adjustment entry',
    errors: opsErrors,
    run: approveBreakAdjustment,
  });

export function reconciliationsRouter(deps: AppDeps): Router {
  return routes.router(deps);
}
