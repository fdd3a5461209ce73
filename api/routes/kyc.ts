// KYC over HTTP: thin wrappers around api/services/kyc.ts (the pages call the same functions), plus
// the multipart upload and the authenticated file route the staff page shows documents inline with.
import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import multer from 'multer';
import { z } from 'zod';
import { KYC_MAX_DOCUMENT_BYTES } from '../../domain/kyc.js';
import type { AppDeps } from '../deps.js';
import { asyncHandler, validationFailed } from '../errors.js';
import { idempotent } from '../idempotency.js';
import { streamLifecycle } from '../live-updates.js';
import { currentUser, requireAuth, requireRole } from '../middleware/auth.js';
import {
  bearerAuth,
  errorResponses,
  idempotencyKeyHeader,
  jsonBody,
  jsonResponse,
  registry,
} from '../openapi.js';
import {
  ApproveKycBodySchema,
  GetKycQuerySchema,
  KycDocumentSchema,
  KycReviewSummarySchema,
  KycSchema,
  ListKycReviewsQuerySchema,
  RejectKycBodySchema,
  RequestKycChangesBodySchema,
  UploadKycDocumentBodySchema,
  approveKyc,
  getKyc,
  getKycDocumentFile,
  getKycDocumentFor,
  kycWorkflowIdFor,
  listKycReviews,
  rejectKyc,
  requestKycChanges,
  submitKyc,
  uploadKycDocument,
} from '../services/kyc.js';
import { listResponseSchema } from '../validate.js';

const tags = ['kyc'];
const requestIdHeader = z.object({
  'X-Request-Id': z
    .string()
    .max(128)
    .optional()
    .meta({ description: 'Retrying with the same value does not apply the action twice' }),
});
const clientParams = z.object({ clientId: z.uuid().meta({ description: 'The client under review' }) });
const documentParams = z.object({ id: z.uuid().meta({ description: 'The document id' }) });

registry.registerPath({
  method: 'post',
  path: '/kyc/documents',
  tags,
  summary: 'Upload a KYC document (client)',
  description:
    'multipart/form-data with `file` and `type`. What the file is comes from its bytes: PDF, PNG or JPEG only, ' +
    'at most 10 MB; a name or declared type that contradicts the bytes is refused. Every refusal is 400 and stores nothing.',
  security: bearerAuth,
  request: {
    headers: idempotencyKeyHeader,
    body: { required: true, content: { 'multipart/form-data': { schema: UploadKycDocumentBodySchema } } },
  },
  responses: {
    201: jsonResponse('The stored document (with its sha256)', KycDocumentSchema),
    ...errorResponses(400, 401, 403, 409),
  },
});
registry.registerPath({
  method: 'get',
  path: '/kyc/documents/{id}',
  tags,
  summary: 'One document’s details (owner, staff, auditor)',
  security: bearerAuth,
  request: { params: documentParams },
  responses: { 200: jsonResponse('The document', KycDocumentSchema), ...errorResponses(401, 404) },
});
registry.registerPath({
  method: 'get',
  path: '/kyc/documents/{id}/content',
  tags,
  summary: 'The stored file, inline, with its content type (owner, staff, auditor)',
  security: bearerAuth,
  request: { params: documentParams },
  responses: {
    200: {
      description: 'The file',
      content: {
        'application/pdf': { schema: z.string().meta({ format: 'binary' }) },
        'image/png': { schema: z.string().meta({ format: 'binary' }) },
        'image/jpeg': { schema: z.string().meta({ format: 'binary' }) },
      },
    },
    ...errorResponses(401, 404),
  },
});
registry.registerPath({
  method: 'post',
  path: '/kyc/submit',
  tags,
  summary: 'Submit the current documents for review (client)',
  description:
    'Starts the client’s KYC workflow on the first submission. 422 kyc_documents_missing lists what is missing.',
  security: bearerAuth,
  request: { headers: requestIdHeader },
  responses: {
    200: jsonResponse('The KYC status, PENDING_REVIEW', KycSchema),
    ...errorResponses(401, 403, 409, 422, 503),
  },
});
registry.registerPath({
  method: 'get',
  path: '/kyc',
  tags,
  summary: 'KYC status, documents, timeline and what is missing (client: own; staff: ?clientId=)',
  security: bearerAuth,
  request: { query: GetKycQuerySchema },
  responses: { 200: jsonResponse('The KYC status', KycSchema), ...errorResponses(400, 401, 403, 404) },
});
registry.registerPath({
  method: 'get',
  path: '/kyc/events',
  tags,
  summary: 'Live updates of a KYC review (Server-Sent Events; staff: ?clientId=)',
  security: bearerAuth,
  request: { query: GetKycQuerySchema },
  responses: {
    200: {
      description: 'text/event-stream of `state` events',
      content: { 'text/event-stream': { schema: z.string() } },
    },
    ...errorResponses(400, 401, 404),
  },
});
registry.registerPath({
  method: 'get',
  path: '/kyc/reviews',
  tags,
  summary: 'KYC reviews of every client, newest first (staff, auditors)',
  security: bearerAuth,
  request: { query: ListKycReviewsQuerySchema },
  responses: {
    200: jsonResponse('A page of KYC reviews', listResponseSchema(KycReviewSummarySchema)),
    ...errorResponses(400, 401, 403),
  },
});
for (const [action, summary, body, outcome] of [
  ['approve', 'Approve a KYC submission (operations)', ApproveKycBodySchema, 'APPROVED'],
  ['reject', 'Reject a KYC submission, finally (operations)', RejectKycBodySchema, 'REJECTED'],
  [
    'request-changes',
    'Ask the client for changes (operations)',
    RequestKycChangesBodySchema,
    'CHANGES_REQUESTED',
  ],
] as const) {
  registry.registerPath({
    method: 'post',
    path: `/ops/kyc/{clientId}/${action}`,
    tags,
    summary,
    security: bearerAuth,
    request: { params: clientParams, headers: requestIdHeader, body: jsonBody(body) },
    responses: {
      200: jsonResponse(`The KYC status: ${outcome}`, KycSchema),
      ...errorResponses(400, 401, 403, 404, 409, 503),
    },
  });
}

// ---- the upload ---------------------------------------------------------------------------------

const upload = multer({
  storage: multer.memoryStorage(),
  limits: { fileSize: KYC_MAX_DOCUMENT_BYTES, files: 1, fields: 4, fieldSize: 1024, parts: 6 },
});

/** multer's single('file') with its errors as the contract's 400 (nothing has been stored). */
const receiveFile: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
  upload.single('file')(req, res, (error: unknown) => {
    if (!error) return next();
    if (error instanceof multer.MulterError) {
      const message =
        error.code === 'LIMIT_FILE_SIZE'
          ? 'the file is larger than 10 MB'
          : error.code === 'LIMIT_UNEXPECTED_FILE' || error.code === 'LIMIT_FILE_COUNT'
            ? 'send exactly one file, as the multipart field "file"'
            : `the upload is not valid (${error.message})`;
      return next(
        validationFailed(
          [
            {
              path: error.field ?? 'file',
              code: error.code === 'LIMIT_FILE_SIZE' ? 'too_big' : 'invalid_upload',
              message,
            },
          ],
          message,
        ),
      );
    }
    next(
      validationFailed(
        [{ path: 'file', code: 'invalid_upload', message: 'the multipart body could not be read' }],
        'the multipart body could not be read',
      ),
    );
  });
};

/** `inline; filename=...` safe for any name (RFC 6266 / 5987). */
function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `inline; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

export function kycRouter(deps: AppDeps): Router {
  const router = Router();

  router.post(
    '/kyc/documents',
    requireRole('client'),
    receiveFile,
    idempotent(),
    asyncHandler(async (req, res) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const view = await uploadKycDocument(
        deps,
        currentUser(req),
        {
          type: body.type,
          file: req.file
            ? { buffer: req.file.buffer, originalname: req.file.originalname, mimetype: req.file.mimetype }
            : null,
        },
        req.idempotencyKey!,
      );
      res.status(201).json(view);
    }),
  );

  router.get(
    '/kyc/documents/:id',
    requireAuth,
    asyncHandler(async (req, res) => {
      res.json(await getKycDocumentFor(deps, currentUser(req), String(req.params.id ?? '')));
    }),
  );

  router.get(
    '/kyc/documents/:id/content',
    requireAuth,
    asyncHandler(async (req, res) => {
      const { document, content } = await getKycDocumentFile(
        deps,
        currentUser(req),
        String(req.params.id ?? ''),
      );
      res.status(200);
      res.setHeader('Content-Type', document.contentType);
      res.setHeader('Content-Length', String(content.length));
      res.setHeader('Content-Disposition', contentDisposition(document.filename));
      res.setHeader('Cache-Control', 'private, no-store');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      // Unlike JSON answers, a document may be framed by our own pages (the staff review viewer).
      res.setHeader(
        'Content-Security-Policy',
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'",
      );
      res.setHeader('X-Frame-Options', 'SAMEORIGIN');
      res.setHeader('ETag', `"${document.sha256}"`);
      res.end(content);
    }),
  );

  router.post(
    '/kyc/submit',
    requireAuth,
    asyncHandler(async (req, res) => {
      res.json(await submitKyc(deps, currentUser(req), req.id));
    }),
  );

  router.get(
    '/kyc',
    requireAuth,
    asyncHandler(async (req, res) => {
      res.json(await getKyc(deps, currentUser(req), req.query as Record<string, string>));
    }),
  );

  router.get(
    '/kyc/events',
    requireAuth,
    asyncHandler(async (req, res) => {
      const user = currentUser(req);
      const query = req.query as Record<string, string>;
      const workflowId = await kycWorkflowIdFor(deps, user, query.clientId);
      await streamLifecycle(req, res, workflowId, () => getKyc(deps, user, query));
    }),
  );

  router.get(
    '/kyc/reviews',
    requireAuth,
    asyncHandler(async (req, res) => {
      res.json(await listKycReviews(deps, currentUser(req), req.query as Record<string, string>));
    }),
  );

  const clientIdOf = (req: Request) => String(req.params.clientId ?? '');
  router.post(
    '/ops/kyc/:clientId/approve',
    requireAuth,
    asyncHandler(async (req, res) => {
      res.json(await approveKyc(deps, currentUser(req), clientIdOf(req), req.body ?? {}, req.id));
    }),
  );
  router.post(
    '/ops/kyc/:clientId/reject',
    requireAuth,
    asyncHandler(async (req, res) => {
      res.json(await rejectKyc(deps, currentUser(req), clientIdOf(req), req.body ?? {}, req.id));
    }),
  );
  router.post(
    '/ops/kyc/:clientId/request-changes',
    requireAuth,
    asyncHandler(async (req, res) => {
      res.json(await requestKycChanges(deps, currentUser(req), clientIdOf(req), req.body ?? {}, req.id));
    }),
  );

  return router;
}
