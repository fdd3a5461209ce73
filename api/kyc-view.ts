// KYC as the API and the pages show it: the client's documents (with what the next submission still
// needs) and their review lifecycle from the read model, or NOT_STARTED before the first submission.
// Clients never see staff tasks or their own email echoed back.
import { z } from 'zod';
import type { KycDocument } from '../db/kyc/index.js';
import type { LifecycleDetail, LifecycleSummary, Task } from '../db/lifecycle/index.js';
import {
  KYC_CONTENT_TYPES,
  KYC_DOCUMENT_STATUSES,
  KYC_DOCUMENT_TYPES,
  KYC_DOCUMENT_TYPE_LABELS,
  KYC_HUMAN_ACTIONS,
  KYC_PERMISSIONS,
  KYC_STATUSES,
  KYC_TRANSITIONS,
  currentDocuments,
  isKycStatus,
  missingRequirements,
  type KycDecision,
  type KycRequirement,
  type KycStatus,
  type KycSubmission,
} from '../domain/kyc.js';
import type { TimelineEntry } from '../domain/lifecycle.js';
import { isClient } from '../domain/roles.js';
import type { SessionUser } from './auth/tokens.js';
import { lifecycleViewFields } from './lifecycle-kit/view-schemas.js';
import {
  allowedHumanActions,
  isLiveTask,
  openTaskOf,
  textOrNull as str,
  transitionsOfDetail,
  type RecordedTransition,
} from './services/lifecycle-records.js';

// ---- schemas (OpenAPI) ------------------------------------------------------------------------

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
    ...lifecycleViewFields(KYC_HUMAN_ACTIONS),
  })
  .meta({ id: 'Kyc' });

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

export type KycView = z.infer<typeof KycSchema>;
export type KycDocumentView = z.infer<typeof KycDocumentSchema>;
export type KycReviewSummary = z.infer<typeof KycReviewSummarySchema>;

// ---- building it ----------------------------------------------------------------------------------

function documentUrl(id: string): string {
  return `/api/v1/kyc/documents/${id}/content`;
}

/** One document; `current` holds the ids of those the next (or current) submission counts. */
export function documentView(doc: KycDocument, current: ReadonlySet<string>): KycDocumentView {
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

/** The ids of the documents that count toward the next (or current) submission. */
export const currentIds = (documents: readonly KycDocument[]): Set<string> =>
  new Set(currentDocuments(documents).map((d) => d.id));

/** A requirement as the API words it (`missing`, and the 422 kyc_documents_missing details). */
export function requirementView(m: KycRequirement) {
  return { requirement: m.key, acceptedTypes: [...m.types], description: m.description };
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

/** A client's KYC review as the read model has it (none yet: workflowId null, NOT_STARTED). */
export interface KycRecord {
  clientId: string;
  workflowId: string | null;
  status: KycStatus;
  submission: KycSubmission | null;
  decision: KycDecision | null;
  approvedAt: string | null;
  expiresAt: string | null;
  updatedAt: string | null;
  timeline: TimelineEntry<KycStatus>[];
  /** Live tasks (open or claimed). */
  tasks: Task[];
}

/** What the views of some records read beyond the read model: documents, and (staff) emails. */
export interface KycExtras {
  documents: ReadonlyMap<string, KycDocument[]>;
  emails: ReadonlyMap<string, string> | null;
}

export function recordFromLifecycle(
  summary: LifecycleSummary,
  transitions: RecordedTransition<KycStatus>[],
  tasks: Task[],
): KycRecord {
  const a = summary.attributes;
  return {
    clientId: summary.businessId,
    workflowId: summary.workflowId,
    status: isKycStatus(summary.status) ? summary.status : 'NOT_STARTED',
    submission: submissionOf(a.submission),
    decision: decisionOf(a.decision),
    approvedAt: str(a.approvedAt),
    expiresAt: str(a.expiresAt),
    updatedAt: summary.updatedAt,
    timeline: transitions.map((t) => t.entry),
    tasks: tasks.filter(isLiveTask),
  };
}

export function recordFromDetail(detail: LifecycleDetail): KycRecord {
  return recordFromLifecycle(detail, transitionsOfDetail<KycStatus>(detail), detail.tasks);
}

/** Before the first submission: the status the client's row has (NOT_STARTED), no lifecycle. */
export function recordBeforeReview(clientId: string, projected: KycStatus | null): KycRecord {
  return {
    clientId,
    workflowId: null,
    status: projected ?? 'NOT_STARTED',
    submission: null,
    decision: null,
    approvedAt: null,
    expiresAt: null,
    updatedAt: null,
    timeline: [],
    tasks: [],
  };
}

const SETTLED: ReadonlySet<KycStatus> = new Set(['PENDING_REVIEW', 'APPROVED', 'REJECTED']);

/** The view of `record` for `user` (who has already been found allowed to read it). */
export function toKycView(record: KycRecord, user: SessionUser, extras: KycExtras): KycView {
  const documents = extras.documents.get(record.clientId) ?? [];
  const current = currentDocuments(documents);
  const currentSet = new Set(current.map((c) => c.id));
  const { submission, decision } = record;
  const view: KycView = {
    clientId: record.clientId,
    workflowId: record.workflowId,
    status: record.status,
    documents: documents.map((d) => documentView(d, currentSet)),
    missing: SETTLED.has(record.status) ? [] : missingRequirements(current).map(requirementView),
    submission: submission && {
      cycle: submission.cycle,
      submittedAt: submission.submittedAt,
      documentIds: submission.documents.map((d) => d.id),
    },
    decision: decision && { action: decision.action, at: decision.at, text: decision.text },
    approvedAt: record.approvedAt,
    expiresAt: record.expiresAt,
    allowedActions: allowedHumanActions(
      KYC_TRANSITIONS,
      KYC_PERMISSIONS,
      KYC_HUMAN_ACTIONS,
      record.status,
      user,
      record.clientId,
    ),
    timeline: record.timeline,
  };
  if (!isClient(user.role)) {
    view.clientEmail = extras.emails?.get(record.clientId) ?? null;
    view.openTasks = record.tasks.map(openTaskOf);
  }
  return view;
}

/** A row of the staff's review list. */
export function toKycReviewSummary(record: KycRecord, emails: ReadonlyMap<string, string>): KycReviewSummary {
  return {
    clientId: record.clientId,
    clientEmail: emails.get(record.clientId) ?? null,
    status: record.status,
    cycle: record.submission?.cycle ?? null,
    submittedAt: record.submission?.submittedAt ?? null,
    expiresAt: record.expiresAt,
    updatedAt: record.updatedAt ?? '',
  };
}
