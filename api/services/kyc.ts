// KYC on the lifecycle kit (api/lifecycle-kit): the client's review is one long-lived workflow
// (`kyc-<clientId>`, continuing as new after each decision) that the first submission starts
// (update-with-start: `actWithStart`); the reviewers' decisions are actions as data. Documents are
// uploaded before, judged by their bytes. The JSON routes and the pages call these same functions.
import { createHash } from 'node:crypto';
import { fileTypeFromBuffer } from 'file-type';
import { z } from 'zod';
import { userEmails } from '../../db/history/index.js';
import {
  clientKycStatus,
  clientUserIds,
  getKycDocument,
  getKycDocumentContent,
  insertKycDocument,
  isClientUser,
  kycDocumentsOfClients,
  listKycDocuments,
  type KycDocument,
} from '../../db/kyc/index.js';
import { getLifecycle, getLifecyclesByBusinessIds } from '../../db/lifecycle/index.js';
import {
  KYC_DOCUMENT_TYPES,
  KYC_MAX_DOCUMENT_BYTES,
  KYC_PERMISSIONS,
  KYC_STATUSES,
  KYC_TRANSITIONS,
  KYC_TYPE,
  checkKycPolicy,
  currentDocuments,
  isKycContentType,
  kycPolicy,
  kycStaticSummary,
  kycWorkflowId,
  missingRequirements,
  uploadLabelProblem,
  type KycInput,
  type KycPolicy,
  type KycState,
} from '../../domain/kyc.js';
import { isStorableText } from '../../domain/text.js';
import { canReadAllClients, isClient } from '../../domain/roles.js';
import {
  approveKycUpdate,
  kyc,
  rejectKycUpdate,
  requestKycChangesUpdate,
  submitKycUpdate,
} from '../../workflows/kyc.js';
import { auditStaffAction } from '../audit/log.js';
import type { AppDeps } from '../deps.js';
import {
  currentIds,
  documentView,
  recordBeforeReview,
  recordFromDetail,
  recordFromLifecycle,
  requirementView,
  toKycReviewSummary,
  toKycView,
  type KycDocumentView,
  type KycReviewSummary,
  type KycView,
} from '../kyc-view.js';
import { conflict, forbidden, invalidState, notFound, unprocessable, validationFailed } from '../errors.js';
import { idempotentUuid } from '../idempotency.js';
import { lifecycleService } from '../lifecycle-kit/service.js';
import { listQuerySchema, textField, uuidSchema } from '../validate.js';
import { isUuid } from '../../domain/ids.js';
import { parseInput, requireIdempotencyKey, type SessionUser } from './common.js';
import { listLifecycleRecords } from './lifecycle-records.js';
import { policyFromEnv } from './policy-from-env.js';

export {
  KycDocumentSchema,
  KycReviewSummarySchema,
  KycSchema,
  type KycDocumentView,
  type KycView,
} from '../kyc-view.js';

// ---- policy -----------------------------------------------------------------------------------------

/**
 * The policy a client's KYC workflow starts with: the domain defaults, overridden by KYC_POLICY_JSON
 * (a JSON object of KycPolicy fields in milliseconds, e.g. `{"approvalValidityMs":3000}`).
 */
export const currentKycPolicy = policyFromEnv<KycPolicy>({
  variable: 'KYC_POLICY_JSON',
  withDefaults: kycPolicy,
  check: checkKycPolicy,
});

// ---- schemas (also the OpenAPI document) ----------------------------------------------------------

export const UploadKycDocumentBodySchema = z
  .object({
    type: z.enum(KYC_DOCUMENT_TYPES).meta({ description: 'What the document is' }),
    file: z
      .string()
      .meta({ format: 'binary', description: 'PDF, PNG or JPEG, at most 10 MB (judged by its content)' }),
  })
  .meta({ id: 'UploadKycDocumentBody' });

export const GetKycQuerySchema = z.object({
  clientId: uuidSchema.optional().meta({ description: 'Staff and auditors: whose KYC (required for them)' }),
});

export const ListKycReviewsQuerySchema = listQuerySchema.extend({
  status: z.enum(KYC_STATUSES).optional(),
});

export const ApproveKycBodySchema = z
  .object({ note: textField({ max: 2000, multiline: true }).nullish() })
  .meta({ id: 'ApproveKycBody' });
export const RejectKycBodySchema = z
  .object({ reason: textField({ max: 2000, required: true, multiline: true }) })
  .meta({ id: 'RejectKycBody' });
export const RequestKycChangesBodySchema = z
  .object({
    comments: textField({ max: 2000, required: true, multiline: true }).meta({
      description: 'Shown to the client',
    }),
  })
  .meta({ id: 'RequestKycChangesBody' });

// ---- the lifecycle ---------------------------------------------------------------------------------

const kycs = lifecycleService({
  type: KYC_TYPE,
  noun: 'KYC review',
  workflowId: kycWorkflowId,
  transitions: KYC_TRANSITIONS,
  permissions: KYC_PERMISSIONS,
  recordOfDetail: recordFromDetail,
  recordOfSummary: recordFromLifecycle,
  load: async (deps, user, records) => {
    const clientIds = records.map((r) => r.clientId);
    const [documents, emails] = await Promise.all([
      kycDocumentsOfClients(deps.pool, clientIds),
      isClient(user.role) ? null : userEmails(deps.pool, clientIds),
    ]);
    return { documents, emails };
  },
  view: toKycView,
  audit: {
    before: (detail) => ({ status: detail.status }),
    after: (state: KycState) => ({
      status: state.status,
      cycle: state.submission?.cycle ?? null,
      expiresAt: state.expiresAt,
    }),
  },
});

// ---- reading --------------------------------------------------------------------------------------

/** Whose KYC `user` asks about: their own (client), or `clientId` (staff); 404 for anyone else's. */
async function resolveClient(
  deps: AppDeps,
  user: SessionUser,
  clientId: string | undefined,
): Promise<string> {
  if (isClient(user.role)) {
    if (clientId !== undefined && clientId.toLowerCase() !== user.id) throw notFound('no such client');
    return user.id;
  }
  if (!canReadAllClients(user.role)) throw forbidden();
  if (clientId === undefined) {
    throw validationFailed([
      { path: 'clientId', code: 'required', message: 'staff name the client: ?clientId=' },
    ]);
  }
  const id = clientId.toLowerCase();
  if (!isUuid(id) || !(await isClientUser(deps.pool, id))) throw notFound('no such client');
  return id;
}

/** GET /kyc: `{ status, documents, timeline, missing, ... }` of the caller (client) or `?clientId=` (staff). */
export async function getKyc(
  deps: AppDeps,
  user: SessionUser,
  query: { clientId?: string },
): Promise<KycView> {
  const q = parseInput(GetKycQuerySchema, query, 'query');
  const clientId = await resolveClient(deps, user, q.clientId);
  const detail = await getLifecycle(deps.pool, kycWorkflowId(clientId));
  const record = detail
    ? recordFromDetail(detail)
    : recordBeforeReview(clientId, await clientKycStatus(deps.pool, clientId));
  return (await kycs.viewsOf(deps, user, [record]))[0]!;
}

/**
 * getKyc of each of `clientIds` at once (the staff review list's rows), in their order, leaving out
 * the ones it would answer 404 for: a client sees only their own, staff only clients'. A few queries
 * however many, not a round per client.
 */
export async function getKycs(
  deps: AppDeps,
  user: SessionUser,
  clientIds: readonly string[],
): Promise<KycView[]> {
  if (!isClient(user.role) && !canReadAllClients(user.role)) throw forbidden();
  const ids = clientIds.filter(isUuid).map((id) => id.toLowerCase());
  const clients = isClient(user.role) ? new Set([user.id]) : await clientUserIds(deps.pool, ids);
  const allowed = ids.filter((id) => clients.has(id));
  const details = await getLifecyclesByBusinessIds(deps.pool, KYC_TYPE, [...new Set(allowed)]);
  const records = await Promise.all(
    allowed.map(async (clientId) => {
      // A client's KYC lifecycle has the client's id as its business id (workflow `kyc-<clientId>`).
      const detail = details.get(clientId);
      return detail
        ? recordFromDetail(detail)
        : recordBeforeReview(clientId, await clientKycStatus(deps.pool, clientId));
    }),
  );
  return kycs.viewsOf(deps, user, records);
}

/** The workflow id of a KYC `user` may read (for live updates), whether or not it has started. */
export async function kycWorkflowIdFor(
  deps: AppDeps,
  user: SessionUser,
  clientId: string | undefined,
): Promise<string> {
  return kycWorkflowId(await resolveClient(deps, user, clientId));
}

/** GET /kyc/reviews (staff): KYC lifecycles, newest first, by status. */
export async function listKycReviews(
  deps: AppDeps,
  user: SessionUser,
  query: { status?: string; limit?: number | string; cursor?: string },
): Promise<{ items: KycReviewSummary[]; nextCursor: string | null }> {
  if (!canReadAllClients(user.role)) throw forbidden('the KYC review list is for staff and auditors');
  const q = parseInput(ListKycReviewsQuerySchema, query, 'query');
  const page = await listLifecycleRecords(deps, user, KYC_TYPE, q, recordFromLifecycle);
  const emails = await userEmails(
    deps.pool,
    page.records.map((r) => r.clientId),
  );
  return { items: page.records.map((r) => toKycReviewSummary(r, emails)), nextCursor: page.nextCursor };
}

/** The stored file for the owner or staff (404 for anyone else, no existence leak). */
export async function getKycDocumentFile(
  deps: AppDeps,
  user: SessionUser,
  id: string,
): Promise<{ document: KycDocument; content: Buffer }> {
  if (!isUuid(id)) throw notFound('no such document');
  const found = await getKycDocumentContent(deps.pool, id.toLowerCase());
  if (!found) throw notFound('no such document');
  if (!canReadAllClients(user.role) && found.document.clientId !== user.id)
    throw notFound('no such document');
  return found;
}

/** Metadata of one document for the owner or staff (404 otherwise). */
export async function getKycDocumentFor(
  deps: AppDeps,
  user: SessionUser,
  id: string,
): Promise<KycDocumentView> {
  if (!isUuid(id)) throw notFound('no such document');
  const doc = await getKycDocument(deps.pool, id.toLowerCase());
  if (!doc || (!canReadAllClients(user.role) && doc.clientId !== user.id)) throw notFound('no such document');
  return documentView(doc, currentIds(await listKycDocuments(deps.pool, doc.clientId)));
}

// ---- uploading ------------------------------------------------------------------------------------

export interface UploadedFile {
  buffer: Buffer;
  /** The name the client's file had. */
  originalname: string;
  /** What the client said it is (never trusted). */
  mimetype?: string | null;
}

const fileIssue = (code: string, message: string) =>
  validationFailed([{ path: 'file', code, message }], message);

/** Longest file name kept, in characters; a longer one is refused (400), not cut. */
export const KYC_FILENAME_MAX = 200;

/**
 * The uploaded file's name fit to show and to put in a Content-Disposition header: no path parts,
 * no control characters or quotes; 400 validation_failed on `file` when it is not valid text or is
 * longer than KYC_FILENAME_MAX. The API route and the page's form both come through here.
 */
export function uploadedFilename(raw: string): string {
  // eslint-disable-next-line no-control-regex
  const name = (raw.split(/[\\/]/).pop() ?? '').replace(/[\u0000-\u001f\u007f-\u009f"]/g, '').trim();
  if (!isStorableText(name) || [...name].length > KYC_FILENAME_MAX) {
    const message = `the file name must be valid text of at most ${KYC_FILENAME_MAX} characters`;
    throw validationFailed([{ path: 'file', code: 'invalid_filename', message }], message);
  }
  return name;
}

const EXTENSION_OF: Record<string, string> = {
  'application/pdf': 'pdf',
  'image/png': 'png',
  'image/jpeg': 'jpg',
};

/**
 * POST /kyc/documents. What the file is comes from its bytes (file-type's magic numbers): only PDF,
 * PNG and JPEG, at most 10 MB, and a name or declared type that says otherwise is refused as
 * mislabelled. Every refusal is 400 and stores nothing. The id comes from the Idempotency-Key.
 */
export async function uploadKycDocument(
  deps: AppDeps,
  user: SessionUser,
  input: { type?: unknown; file?: UploadedFile | null },
  idempotencyKey: string,
): Promise<KycDocumentView> {
  if (!isClient(user.role)) throw forbidden('only clients upload their own KYC documents');
  const parsed = parseInput(z.object({ type: z.enum(KYC_DOCUMENT_TYPES) }), { type: input.type }, 'body');
  const file = input.file;
  if (!file || !Buffer.isBuffer(file.buffer))
    throw fileIssue('required', 'attach the document as the multipart field "file"');
  if (file.buffer.length === 0) throw fileIssue('too_small', 'the file is empty');
  if (file.buffer.length > KYC_MAX_DOCUMENT_BYTES)
    throw fileIssue('too_big', 'the file is larger than 10 MB');
  const detected = await fileTypeFromBuffer(file.buffer);
  if (!detected || !isKycContentType(detected.mime)) {
    throw fileIssue(
      'unsupported_file_type',
      detected
        ? `only PDF, PNG or JPEG files are accepted; this file is ${detected.ext.toUpperCase()} (${detected.mime})`
        : 'only PDF, PNG or JPEG files are accepted; this file is none of them (text or an unknown format)',
    );
  }
  const contentType = detected.mime;
  const problem = uploadLabelProblem(contentType, file.originalname ?? '', file.mimetype);
  if (problem)
    throw fileIssue('mislabelled_file', `${problem}; only files whose name and content agree are accepted`);
  requireIdempotencyKey(idempotencyKey);
  const status = await clientKycStatus(deps.pool, user.id);
  if (status === 'REJECTED')
    throw invalidState('your KYC review was rejected; documents can no longer be added', { status });

  const sha256 = createHash('sha256').update(file.buffer).digest('hex');
  const id = idempotentUuid(user.id, idempotencyKey, 'kyc_document');
  const { document, created } = await insertKycDocument(deps.pool, {
    id,
    clientId: user.id,
    type: parsed.type,
    filename: uploadedFilename(file.originalname ?? '') || `document.${EXTENSION_OF[contentType]!}`,
    contentType,
    sha256,
    content: file.buffer,
    uploadedBy: user.id,
  });
  if (
    !created &&
    (document.clientId !== user.id || document.sha256 !== sha256 || document.type !== parsed.type)
  ) {
    throw conflict('idempotency_conflict', 'this Idempotency-Key was already used for a different document');
  }
  if (created) {
    await auditStaffAction(deps.pool, user, 'kyc.document_upload', { type: 'kyc_document', id }, null, {
      type: document.type,
      contentType,
      sizeBytes: document.sizeBytes,
      sha256,
    });
  }
  return documentView(document, currentIds(await listKycDocuments(deps.pool, user.id)));
}

// ---- submitting and deciding ----------------------------------------------------------------------

const submit = kycs.actWithStart('submit', {
  update: submitKycUpdate,
  // What the client has uploaded now goes to review; the workflow checks the list again.
  args: async (deps, user) => {
    const current = currentDocuments(await listKycDocuments(deps.pool, user.id));
    const missing = missingRequirements(current);
    if (missing.length > 0) {
      throw unprocessable(
        'kyc_documents_missing',
        `upload ${missing.map((m) => m.description.toLowerCase()).join(' and ')} before submitting`,
        { missing: missing.map(requirementView) },
      );
    }
    return { documents: current.map((d) => ({ id: d.id, type: d.type })) };
  },
  start: (user) => ({
    workflow: kyc,
    args: [{ clientId: user.id, policy: currentKycPolicy() }] as [KycInput],
    staticSummary: kycStaticSummary(user.id, user.email),
  }),
});

/**
 * POST /kyc/submit: the client's current documents go to review (PENDING_REVIEW). Starts the
 * client's workflow on the first submission. 422 kyc_documents_missing (with `details.missing`)
 * when a required document is missing; 409 when the status does not allow it.
 */
export const submitKyc = (deps: AppDeps, user: SessionUser, requestId: string): Promise<KycView> =>
  submit(deps, user, user.id, requestId);

export const approveKyc = kycs.action('approve', {
  update: approveKycUpdate,
  body: ApproveKycBodySchema,
  args: (body) => ({ note: body.note?.trim() || null }),
});

export const rejectKyc = kycs.action('reject', {
  update: rejectKycUpdate,
  body: RejectKycBodySchema,
  args: (body) => ({ reason: body.reason }),
});

export const requestKycChanges = kycs.action('request_changes', {
  update: requestKycChangesUpdate,
  body: RequestKycChangesBodySchema,
  args: (body) => ({ comments: body.comments }),
});
