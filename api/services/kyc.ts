// KYC: document uploads (judged by their bytes), the client's status with what is missing, the
// submission (update-with-start of the client's `kyc-<clientId>` workflow) and the reviewers'
// decisions (Updates). The JSON routes and the pages call these same functions.
import { createHash } from 'node:crypto';
import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  type UpdateDefinition,
} from '@temporalio/client';
import { fileTypeFromBuffer } from 'file-type';
import { z } from 'zod';
import { isStorableText } from '../../domain/text.js';
import {
  clientKycStatus,
  getKycDocument,
  getKycDocumentContent,
  insertKycDocument,
  listKycDocuments,
  type KycDocument,
} from '../../db/kyc/index.js';
import { getLifecycle, listLifecycles, type LifecycleDetail } from '../../db/lifecycle/index.js';
import {
  KYC_CONTENT_TYPES,
  KYC_DOCUMENT_STATUSES,
  KYC_DOCUMENT_TYPES,
  KYC_DOCUMENT_TYPE_LABELS,
  KYC_HUMAN_ACTIONS,
  KYC_MAX_DOCUMENT_BYTES,
  KYC_PERMISSIONS,
  KYC_STATUSES,
  KYC_TRANSITIONS,
  KYC_TYPE,
  checkKycPolicy,
  currentDocuments,
  isKycContentType,
  isKycStatus,
  kycPolicy,
  kycStaticSummary,
  kycWorkflowId,
  missingRequirements,
  uploadLabelProblem,
  type KycDecision,
  type KycPolicy,
  type KycState,
  type KycStatus,
  type KycSubmission,
} from '../../domain/kyc.js';
import { nextStatus, type Actor, type TimelineEntry } from '../../domain/lifecycle.js';
import { canReadAllClients, isClient, isReadOnly } from '../../domain/roles.js';
import {
  approveKycUpdate,
  kyc,
  rejectKycUpdate,
  requestKycChangesUpdate,
  submitKycUpdate,
} from '../../workflows/kyc.js';
import { auditStaffAction } from '../audit/log.js';
import { TimelineEntrySchema } from '../deposit-view.js';
import type { AppDeps } from '../deps.js';
import { conflict, forbidden, invalidState, notFound, unprocessable, validationFailed } from '../errors.js';
import { idempotentUuid } from '../idempotency.js';
import { listQuerySchema, textField, uuidSchema } from '../validate.js';
import {
  actorOf,
  isUuidText,
  listPage,
  parseInput,
  requireActionRole,
  requireIdempotencyKey,
  type SessionUser,
} from './common.js';
import { allowedHumanActions, isLiveTask, openTaskOf } from './lifecycle-records.js';
import { policyFromEnv } from './policy-from-env.js';
import {
  runLifecycleUpdate,
  temporalClient,
  updateErrorToApiError,
  updateIdFor,
  withDeadline,
} from './temporal.js';

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

export const KycDocumentSchema = z
  .object({
    id: z.uuid(),
    type: z.enum(KYC_DOCUMENT_TYPES),
    typeLabel: z.string(),
    filename: z.string(),
    contentType: z.enum(KYC_CONTENT_TYPES).meta({ description: 'What the bytes are (magic numbers)' }),
    sizeBytes: z.number().int(),
    sha256: z.string(),
    status: z.enum(KYC_DOCUMENT_STATUSES),
    uploadedAt: z.string(),
    submittedAt: z.string().nullable(),
    reviewCycle: z.number().int().nullable(),
    current: z.boolean().meta({ description: 'Counts toward the next (or current) submission' }),
    url: z.string().meta({ description: 'GET it (signed in as the owner or staff) to view the file inline' }),
  })
  .meta({ id: 'KycDocument' });

const RequirementSchema = z.object({
  requirement: z.string().meta({ example: 'proof_of_address' }),
  acceptedTypes: z.array(z.enum(KYC_DOCUMENT_TYPES)),
  description: z.string(),
});

export const KycSchema = z
  .object({
    clientId: z.uuid(),
    clientEmail: z.string().nullable().optional(),
    workflowId: z.string().nullable().meta({ description: 'null until the first submission' }),
    status: z.enum(KYC_STATUSES),
    documents: z.array(KycDocumentSchema),
    missing: z.array(RequirementSchema).meta({ description: 'What the next submission still needs' }),
    submission: z
      .object({ cycle: z.number().int(), submittedAt: z.string(), documentIds: z.array(z.uuid()) })
      .nullable(),
    decision: z
      .object({
        action: z.enum(['approve', 'reject', 'request_changes']),
        at: z.string(),
        text: z
          .string()
          .nullable()
          .meta({ description: 'The reason (reject) or the comments (request changes)' }),
      })
      .nullable(),
    approvedAt: z.string().nullable(),
    expiresAt: z.string().nullable(),
    allowedActions: z.array(z.enum(KYC_HUMAN_ACTIONS)),
    timeline: z.array(TimelineEntrySchema),
    openTasks: z
      .array(
        z.object({
          id: z.uuid(),
          kind: z.string(),
          status: z.string(),
          assignee: z.uuid().nullable(),
          dueAt: z.string().nullable(),
        }),
      )
      .optional()
      .meta({ description: 'Staff and auditors only' }),
  })
  .meta({ id: 'Kyc' });

export type KycView = z.infer<typeof KycSchema>;
export type KycDocumentView = z.infer<typeof KycDocumentSchema>;

export const KycReviewSummarySchema = z
  .object({
    clientId: z.uuid(),
    clientEmail: z.string().nullable(),
    status: z.enum(KYC_STATUSES),
    cycle: z.number().int().nullable(),
    submittedAt: z.string().nullable(),
    expiresAt: z.string().nullable(),
    updatedAt: z.string(),
  })
  .meta({ id: 'KycReviewSummary' });

// ---- views ----------------------------------------------------------------------------------------

export function documentUrl(id: string): string {
  return `/api/v1/kyc/documents/${id}/content`;
}

function documentView(doc: KycDocument, current: ReadonlySet<string>): KycDocumentView {
  return {
    id: doc.id,
    type: doc.type,
    typeLabel: KYC_DOCUMENT_TYPE_LABELS[doc.type],
    filename: doc.filename,
    contentType: doc.contentType,
    sizeBytes: doc.sizeBytes,
    sha256: doc.sha256,
    status: doc.status,
    uploadedAt: doc.uploadedAt,
    submittedAt: doc.submittedAt,
    reviewCycle: doc.reviewCycle,
    current: current.has(doc.id),
    url: documentUrl(doc.id),
  };
}

function submissionOf(value: unknown): KycSubmission | null {
  if (typeof value !== 'object' || value === null) return null;
  const s = value as Partial<KycSubmission>;
  return typeof s.cycle === 'number' && Array.isArray(s.documents) && typeof s.submittedAt === 'string'
    ? { cycle: s.cycle, documents: s.documents, submittedAt: s.submittedAt }
    : null;
}

function decisionOf(value: unknown): KycDecision | null {
  if (typeof value !== 'object' || value === null) return null;
  const d = value as Partial<KycDecision>;
  return d.action && typeof d.at === 'string' ? (d as KycDecision) : null;
}

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);

async function buildView(
  deps: AppDeps,
  user: SessionUser,
  clientId: string,
  detail: LifecycleDetail | null,
): Promise<KycView> {
  const [documents, projected] = await Promise.all([
    listKycDocuments(deps.pool, clientId),
    detail ? Promise.resolve(null) : clientKycStatus(deps.pool, clientId),
  ]);
  const status: KycStatus =
    detail && isKycStatus(detail.status) ? detail.status : (projected ?? 'NOT_STARTED');
  const current = currentDocuments(documents);
  const settled = status === 'PENDING_REVIEW' || status === 'APPROVED' || status === 'REJECTED';
  const missing = settled ? [] : missingRequirements(current);
  const submission = submissionOf(detail?.attributes.submission);
  const decision = decisionOf(detail?.attributes.decision);
  const staff = !isClient(user.role);
  const view: KycView = {
    clientId,
    workflowId: detail?.workflowId ?? null,
    status,
    documents: documents.map((d) => documentView(d, new Set(current.map((c) => c.id)))),
    missing: missing.map((m) => ({
      requirement: m.key,
      acceptedTypes: [...m.types],
      description: m.description,
    })),
    submission: submission && {
      cycle: submission.cycle,
      submittedAt: submission.submittedAt,
      documentIds: submission.documents.map((d) => d.id),
    },
    decision: decision && { action: decision.action, at: decision.at, text: decision.text },
    approvedAt: str(detail?.attributes.approvedAt),
    expiresAt: str(detail?.attributes.expiresAt),
    allowedActions: allowedHumanActions(
      KYC_TRANSITIONS,
      KYC_PERMISSIONS,
      KYC_HUMAN_ACTIONS,
      status,
      user,
      clientId,
    ),
    timeline: (detail?.timeline ?? []) as TimelineEntry<KycStatus>[],
  };
  if (staff) {
    const { rows } = await deps.pool.query<{ email: string }>(`SELECT email FROM app_user WHERE id = $1`, [
      clientId,
    ]);
    view.clientEmail = rows[0]?.email ?? null;
    view.openTasks = (detail?.tasks ?? []).filter(isLiveTask).map(openTaskOf);
  }
  return view;
}

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
  if (!isUuidText(clientId)) throw notFound('no such client');
  const id = clientId.toLowerCase();
  const { rows } = await deps.pool.query(`SELECT 1 FROM app_user WHERE id = $1 AND role = 'client'`, [id]);
  if (rows.length === 0) throw notFound('no such client');
  return id;
}

// ---- reading --------------------------------------------------------------------------------------

/** GET /kyc: `{ status, documents, timeline, missing, ... }` of the caller (client) or `?clientId=` (staff). */
export async function getKyc(
  deps: AppDeps,
  user: SessionUser,
  query: { clientId?: string },
): Promise<KycView> {
  const q = parseInput(GetKycQuerySchema, query, 'query');
  const clientId = await resolveClient(deps, user, q.clientId);
  return buildView(deps, user, clientId, await getLifecycle(deps.pool, kycWorkflowId(clientId)));
}

/** The workflow id of a KYC `user` may read (for live updates); 404 when there is none yet. */
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
): Promise<{ items: z.infer<typeof KycReviewSummarySchema>[]; nextCursor: string | null }> {
  if (!canReadAllClients(user.role)) throw forbidden('the KYC review list is for staff and auditors');
  const q = parseInput(ListKycReviewsQuerySchema, query, 'query');
  const page = await listPage(() =>
    listLifecycles(deps.pool, {
      type: KYC_TYPE,
      status: q.status,
      limit: q.limit,
      cursor: q.cursor,
    }),
  );
  const ids = page.items.map((l) => l.businessId);
  const { rows } = ids.length
    ? await deps.pool.query<{ id: string; email: string }>(
        `SELECT id, email FROM app_user WHERE id = ANY($1::uuid[])`,
        [ids],
      )
    : { rows: [] as { id: string; email: string }[] };
  const emails = new Map(rows.map((r) => [r.id, r.email]));
  return {
    items: page.items.map((l) => {
      const submission = submissionOf(l.attributes.submission);
      return {
        clientId: l.businessId,
        clientEmail: emails.get(l.businessId) ?? null,
        status: l.status as KycStatus,
        cycle: submission?.cycle ?? null,
        submittedAt: submission?.submittedAt ?? null,
        expiresAt: str(l.attributes.expiresAt),
        updatedAt: l.updatedAt,
      };
    }),
    nextCursor: page.nextCursor,
  };
}

/** The stored file for the owner or staff (404 for anyone else, no existence leak). */
export async function getKycDocumentFile(
  deps: AppDeps,
  user: SessionUser,
  id: string,
): Promise<{ document: KycDocument; content: Buffer }> {
  if (!isUuidText(id)) throw notFound('no such document');
  const found = await getKycDocumentContent(deps.pool, id.toLowerCase());
  if (!found) throw notFound('no such document');
  if (!canReadAllClients(user.role) && found.document.clientId !== user.id)
    throw notFound('no such document');
  return found;
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
  const current = currentDocuments(await listKycDocuments(deps.pool, user.id));
  return documentView(document, new Set(current.map((c) => c.id)));
}

// ---- submitting and deciding ----------------------------------------------------------------------

/**
 * POST /kyc/submit: the client's current documents go to review (PENDING_REVIEW). Starts the
 * client's workflow on the first submission (update-with-start). 422 kyc_documents_missing (with
 * `details.missing`) when a required document is missing; 409 when the status does not allow it.
 */
export async function submitKyc(deps: AppDeps, user: SessionUser, requestId: string): Promise<KycView> {
  if (isReadOnly(user.role)) throw forbidden('auditors have read-only access');
  if (!isClient(user.role)) throw forbidden('only the client submits their own KYC documents');
  const workflowId = kycWorkflowId(user.id);
  const [detail, documents] = await Promise.all([
    getLifecycle(deps.pool, workflowId),
    listKycDocuments(deps.pool, user.id),
  ]);
  const status: KycStatus = detail && isKycStatus(detail.status) ? detail.status : 'NOT_STARTED';
  const next = nextStatus(KYC_TRANSITIONS, status, 'submit');
  if (!next.ok) {
    throw invalidState(
      status === 'REJECTED'
        ? 'your KYC review was rejected; it cannot be submitted again'
        : next.refusal.message,
      next.refusal.details,
    );
  }
  const current = currentDocuments(documents);
  const missing = missingRequirements(current);
  if (missing.length > 0) {
    throw unprocessable(
      'kyc_documents_missing',
      `upload ${missing.map((m) => m.description.toLowerCase()).join(' and ')} before submitting`,
      {
        missing: missing.map((m) => ({
          requirement: m.key,
          acceptedTypes: [...m.types],
          description: m.description,
        })),
      },
    );
  }

  const client = await temporalClient(deps);
  let state: KycState;
  try {
    state = await withDeadline(client, () =>
      client.workflow.executeUpdateWithStart(submitKycUpdate, {
        args: [{ actor: actorOf(user), documents: current.map((d) => ({ id: d.id, type: d.type })) }],
        updateId: updateIdFor('submit', requestId),
        startWorkflowOperation: new WithStartWorkflowOperation(kyc, {
          workflowId,
          taskQueue: deps.taskQueue,
          args: [{ clientId: user.id, policy: currentKycPolicy() }],
          staticSummary: kycStaticSummary(user.id, user.email),
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        }),
      }),
    );
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      throw invalidState('your KYC review was rejected; it cannot be submitted again', {
        status: 'REJECTED',
      });
    }
    throw updateErrorToApiError(error);
  }
  await auditStaffAction(
    deps.pool,
    user,
    'kyc.submit',
    { type: 'kyc', id: user.id },
    { status },
    {
      status: state.status,
      cycle: state.submission?.cycle ?? null,
      documents: state.submission?.documents ?? [],
    },
  );
  return buildView(deps, user, user.id, await getLifecycle(deps.pool, workflowId));
}

/** One reviewer's decision: a review exists (404) → its status allows `action` (409) → the Update. */
async function decide<Args extends { actor: Actor }>(
  deps: AppDeps,
  user: SessionUser,
  clientId: string,
  action: 'approve' | 'reject' | 'request_changes',
  requestId: string,
  update: UpdateDefinition<KycState, [Args]>,
  args: Args,
): Promise<KycView> {
  if (!isUuidText(clientId)) throw notFound('no KYC review for this client');
  const id = clientId.toLowerCase();
  const detail = await getLifecycle(deps.pool, kycWorkflowId(id));
  if (!detail) throw notFound('no KYC review for this client');
  const status = detail.status as KycStatus;
  const next = nextStatus(KYC_TRANSITIONS, status, action);
  if (!next.ok) throw invalidState(next.refusal.message, next.refusal.details);
  return runLifecycleUpdate(deps, user, {
    workflowId: detail.workflowId,
    action,
    requestId,
    update,
    args,
    audit: {
      subject: { type: 'kyc', id },
      before: { status },
      after: (state) => ({
        status: state.status,
        cycle: state.submission?.cycle ?? null,
        expiresAt: state.expiresAt,
      }),
    },
    view: async () => buildView(deps, user, id, await getLifecycle(deps.pool, detail.workflowId)),
  });
}

export async function approveKyc(
  deps: AppDeps,
  user: SessionUser,
  clientId: string,
  body: { note?: string | null },
  requestId: string,
): Promise<KycView> {
  requireActionRole(KYC_PERMISSIONS, user, 'approve');
  const parsed = parseInput(ApproveKycBodySchema, body, 'body');
  return decide(deps, user, clientId, 'approve', requestId, approveKycUpdate, {
    actor: actorOf(user),
    note: parsed.note?.trim() || null,
  });
}

export async function rejectKyc(
  deps: AppDeps,
  user: SessionUser,
  clientId: string,
  body: { reason: string },
  requestId: string,
): Promise<KycView> {
  requireActionRole(KYC_PERMISSIONS, user, 'reject');
  const parsed = parseInput(RejectKycBodySchema, body, 'body');
  return decide(deps, user, clientId, 'reject', requestId, rejectKycUpdate, {
    actor: actorOf(user),
    reason: parsed.reason,
  });
}

export async function requestKycChanges(
  deps: AppDeps,
  user: SessionUser,
  clientId: string,
  body: { comments: string },
  requestId: string,
): Promise<KycView> {
  requireActionRole(KYC_PERMISSIONS, user, 'request_changes');
  const parsed = parseInput(RequestKycChangesBodySchema, body, 'body');
  return decide(deps, user, clientId, 'request_changes', requestId, requestKycChangesUpdate, {
    actor: actorOf(user),
    comments: parsed.comments,
  });
}

/** Metadata of one document for the owner or staff (404 otherwise). */
export async function getKycDocumentFor(
  deps: AppDeps,
  user: SessionUser,
  id: string,
): Promise<KycDocumentView> {
  if (!isUuidText(id)) throw notFound('no such document');
  const doc = await getKycDocument(deps.pool, id.toLowerCase());
  if (!doc || (!canReadAllClients(user.role) && doc.clientId !== user.id)) throw notFound('no such document');
  const current = currentDocuments(await listKycDocuments(deps.pool, doc.clientId));
  return documentView(doc, new Set(current.map((c) => c.id)));
}
