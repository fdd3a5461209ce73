// KYC over HTTP: thin wrappers around api/services/kyc.ts (the pages call the same functions),
// declared with api/routes/lifecycle-routes.ts, plus the multipart upload and the authenticated file
// route the staff page shows documents inline with.
import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import multer from 'multer';
import { z } from 'zod';
import { KYC_MAX_DOCUMENT_BYTES } from '../../domain/kyc.js';
import type { AppDeps } from '../deps.js';
import { asyncHandler, validationFailed } from '../errors.js';
import { idempotent } from '../idempotency.js';
import { currentUser, requireAuth, requireRole } from '../middleware/auth.js';
import { errorResponses, idempotencyKeyHeader, jsonResponse } from '../openapi.js';
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
import { uuidSchema } from '../validate.js';
import { LifecycleRoutes } from './lifecycle-routes.js';

const clientParams = z.object({ clientId: uuidSchema.meta({ description: 'The client under review' }) });
const documentParams = z.object({ id: uuidSchema.meta({ description: 'The document id' }) });
const opsErrors = [400, 401, 403, 404, 409, 503];

// ---- the upload ---------------------------------------------------------------------------------

const upload = multer({
  storage: multer.memoryStorage(),
  // Browsers and curl send a file name as raw UTF-8 bytes; busboy's default reads them as latin1
  // ("pässpört.pdf" became "pÃ¤sspÃ¶rt.pdf"). An RFC 5987 `filename*=` names its charset itself.
  defParamCharset: 'utf8',
  limits: { fileSize: KYC_MAX_DOCUMENT_BYTES, files: 1, fields: 4, fieldSize: 1024, parts: 6 },
});

/** multer's single('file') with its errors as the contract's 400 (nothing has been stored). */
const receiveFile: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
  upload.single('file')(req, res, (error: unknown) => {
    // The file name is checked by the service (uploadedFilename), which the page's form calls too.
    if (!error) {
      return next();
    }
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

const routes = new LifecycleRoutes({ tags: ['kyc'], schema: KycSchema, params: clientParams })
  .route(
    'post',
    '/kyc/documents',
    {
      summary: 'Upload a KYC document (client)',
      description:
        'multipart/form-data with `file` and `type`. What the file is comes from its bytes: PDF, PNG or JPEG only, ' +
        'at most 10 MB; a name or declared type that contradicts the bytes is refused. Every refusal is 400 and stores nothing.',
      request: {
        headers: idempotencyKeyHeader,
        body: { required: true, content: { 'multipart/form-data': { schema: UploadKycDocumentBodySchema } } },
      },
      responses: {
        201: jsonResponse('The stored document (with its sha256)', KycDocumentSchema),
        ...errorResponses(400, 401, 403, 409),
      },
    },
    (deps) => [
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
    ],
  )
  .read('/kyc/documents/:id', {
    summary: 'One document’s details (owner, staff, auditor)',
    params: documentParams,
    schema: KycDocumentSchema,
    responds: 'The document',
    errors: [401, 404],
    run: getKycDocumentFor,
  })
  .route(
    'get',
    '/kyc/documents/:id/content',
    {
      summary: 'The stored file, inline, with its content type (owner, staff, auditor)',
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
    },
    (deps) => [
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
    ],
  )
  .action('post', '/kyc/submit', {
    summary: 'Submit the current documents for review (client)',
    description:
      'Starts the client’s KYC workflow on the first submission. 422 kyc_documents_missing lists what is missing.',
    responds: 'The KYC status, PENDING_REVIEW',
    errors: [401, 403, 409, 422, 503],
    run: (deps, user, _id, requestId) => submitKyc(deps, user, requestId),
  })
  .read('/kyc', {
    summary: 'KYC status, documents, timeline and what is missing (client: own; staff: ?clientId=)',
    query: GetKycQuerySchema,
    responds: 'The KYC status',
    errors: [400, 401, 403, 404],
    run: getKyc,
  })
  .events('/kyc/events', {
    summary: 'Live updates of a KYC review (Server-Sent Events; staff: ?clientId=)',
    query: GetKycQuerySchema,
    responds: 'text/event-stream of `state` events',
    errors: [400, 401, 404],
    workflowIdOf: (deps, user, query: Record<string, string>) => kycWorkflowIdFor(deps, user, query.clientId),
    read: getKyc,
  })
  .list('/kyc/reviews', {
    summary: 'KYC reviews of every client, newest first (staff, auditors)',
    query: ListKycReviewsQuerySchema,
    item: KycReviewSummarySchema,
    responds: 'A page of KYC reviews',
    errors: [400, 401, 403],
    run: listKycReviews,
  })
  .action('post', '/ops/kyc/:clientId/approve', {
    summary: 'Approve a KYC submission (operations)',
    body: ApproveKycBodySchema,
    responds: 'The KYC status: APPROVED',
    errors: opsErrors,
    run: approveKyc,
  })
  .action('post', '/ops/kyc/:clientId/reject', {
    summary: 'Reject a KYC submission, finally (operations)',
    body: RejectKycBodySchema,
    responds: 'The KYC status: REJECTED',
    errors: opsErrors,
    run: rejectKyc,
  })
  .action('post', '/ops/kyc/:clientId/request-changes', {
    summary: 'Ask the client for changes (operations)',
    body: RequestKycChangesBodySchema,
    responds: 'The KYC status: CHANGES_REQUESTED',
    errors: opsErrors,
    run: requestKycChanges,
  });

export function kycRouter(deps: AppDeps): Router {
  return routes.router(deps);
}
