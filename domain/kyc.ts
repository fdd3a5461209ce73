// The KYC review lifecycle as pure data and rules: statuses, actions, the transition table, who may
// do what, the documents a submission needs, the policy, and the checks every Update runs. The
// workflow (workflows/kyc.ts) and the API both use these, so a rule is written once.
//
//   NOT_STARTED ──submit──▶ PENDING_REVIEW ──approve─────────▶ APPROVED ──expire──▶ EXPIRED
//                               ▲             ──reject──────────▶ REJECTED (final)
//                               │             ──request_changes─▶ CHANGES_REQUESTED
//                               └──submit── CHANGES_REQUESTED | EXPIRED
//
// One workflow per client (`kyc-<clientId>`), long-lived: it continues-as-new after each review
// decision, carrying its status and timeline. `reject` is the final compliance decision; a fixable
// problem is `request_changes`, whose comments the client sees. An approval lasts the policy's
// validity period; then the documents it accepted stop counting and the client submits fresh ones.

import {
  checkArgsPresent,
  checkLifecycleAction,
  checkUpdate,
  durationProblems,
  refuse,
  validation,
  type Actor,
  type PermissionTable,
  type Refusal,
  type TimelineEntry,
  type TransitionTable,
} from './lifecycle.js';
import { isUuid } from './ids.js';

export const KYC_TYPE = 'kyc';

export const KYC_STATUSES = [
  'NOT_STARTED',
  'PENDING_REVIEW',
  'APPROVED',
  'REJECTED',
  'CHANGES_REQUESTED',
  'EXPIRED',
] as const;
export type KycStatus = (typeof KYC_STATUSES)[number];

export const KYC_ACTIONS = ['submit', 'approve', 'reject', 'request_changes', 'expire'] as const;
export type KycAction = (typeof KYC_ACTIONS)[number];

export const KYC_TRANSITIONS: TransitionTable<KycStatus, KycAction> = {
  NOT_STARTED: { submit: 'PENDING_REVIEW' },
  PENDING_REVIEW: { approve: 'APPROVED', reject: 'REJECTED', request_changes: 'CHANGES_REQUESTED' },
  APPROVED: { expire: 'EXPIRED' },
  REJECTED: {},
  CHANGES_REQUESTED: { submit: 'PENDING_REVIEW' },
  EXPIRED: { submit: 'PENDING_REVIEW' },
};

/** Reviews are operations' work (an admin covers operations); only the client submits their own. */
export const KYC_PERMISSIONS: PermissionTable<KycAction> = {
  submit: { kind: 'owner' },
  approve: { kind: 'roles', roles: ['operations'] },
  reject: { kind: 'roles', roles: ['operations'] },
  request_changes: { kind: 'roles', roles: ['operations'] },
  expire: { kind: 'system' },
};

/** The actions a person asks for through an Update (`expire` is the workflow's own timer). */
export const KYC_HUMAN_ACTIONS = ['submit', 'approve', 'reject', 'request_changes'] as const;
export type KycHumanAction = (typeof KYC_HUMAN_ACTIONS)[number];

export const KYC_TASKS = {
  /** operations: look at the submitted documents; approve, reject or request changes. */
  review: 'kyc.review',
} as const;

/** The only status that lets money leave the platform (withdrawals) and, later, orders. */
export function isKycApproved(status: string | null | undefined): boolean {
  return status === 'APPROVED';
}

export function isKycStatus(value: unknown): value is KycStatus {
  return typeof value === 'string' && (KYC_STATUSES as readonly string[]).includes(value);
}

/** `kyc-<clientId>`: one review lifecycle per client. */
export function kycWorkflowId(clientId: string): string {
  return `${KYC_TYPE}-${clientId}`;
}

// ---------------------------------------------------------------------------------------------
// Documents

export const KYC_DOCUMENT_TYPES = [
  'passport',
  'national_id',
  'proof_of_address',
  'company_registration',
] as const;
export type KycDocumentType = (typeof KYC_DOCUMENT_TYPES)[number];

export const KYC_DOCUMENT_TYPE_LABELS: Record<KycDocumentType, string> = {
  passport: 'Passport',
  national_id: 'National ID card',
  proof_of_address: 'Proof of address',
  company_registration: 'Company registration',
};

export function isKycDocumentType(value: unknown): value is KycDocumentType {
  return typeof value === 'string' && (KYC_DOCUMENT_TYPES as readonly string[]).includes(value);
}

/** UPLOADED (in no submission yet) → SUBMITTED → ACCEPTED | RETURNED; ACCEPTED → EXPIRED. */
export const KYC_DOCUMENT_STATUSES = ['UPLOADED', 'SUBMITTED', 'ACCEPTED', 'RETURNED', 'EXPIRED'] as const;
export type KycDocumentStatus = (typeof KYC_DOCUMENT_STATUSES)[number];

/** What an upload may be, decided from its bytes (magic numbers), never from its name or header. */
export const KYC_CONTENT_TYPES = ['application/pdf', 'image/png', 'image/jpeg'] as const;
export type KycContentType = (typeof KYC_CONTENT_TYPES)[number];

export const KYC_MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;

/** File name endings that honestly describe each allowed content type. */
export const KYC_EXTENSIONS: Record<KycContentType, readonly string[]> = {
  'application/pdf': ['pdf'],
  'image/png': ['png'],
  'image/jpeg': ['jpg', 'jpeg', 'jpe', 'jfif'],
};

export function isKycContentType(value: unknown): value is KycContentType {
  return typeof value === 'string' && (KYC_CONTENT_TYPES as readonly string[]).includes(value);
}

/** The lower-case extension of a file name ('scan.PDF' → 'pdf'), or null when it has none. */
export function fileExtension(filename: string): string | null {
  const base = filename.split(/[\\/]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  if (dot <= 0 || dot === base.length - 1) return null;
  return base.slice(dot + 1).toLowerCase();
}

/**
 * Why an upload whose bytes say `detected` is refused given what the client claimed, or null.
 * The bytes decide what the file is; a name ending or declared type that says otherwise means the
 * file is mislabelled (a renamed file is a classic way of slipping something past a reviewer).
 */
export function uploadLabelProblem(
  detected: KycContentType,
  filename: string,
  declaredType: string | null | undefined,
): string | null {
  const ext = fileExtension(filename);
  const shown =
    detected === 'application/pdf' ? 'a PDF' : detected === 'image/png' ? 'a PNG image' : 'a JPEG image';
  if (ext !== null && !KYC_EXTENSIONS[detected].includes(ext)) {
    return `the file's content is ${shown} but its name ends in .${ext}`;
  }
  const declared = declaredType?.split(';')[0]?.trim().toLowerCase();
  const generic = !declared || declared === 'application/octet-stream' || declared === 'binary/octet-stream';
  // image/jpg and image/pjpeg are common spellings of image/jpeg.
  const normalized = declared === 'image/jpg' || declared === 'image/pjpeg' ? 'image/jpeg' : declared;
  if (!generic && normalized !== detected) {
    return `the file's content is ${shown} but it was sent as ${declared}`;
  }
  return null;
}

/** One thing a submission must contain: any one of `types`. */
export interface KycRequirement {
  key: string;
  types: readonly KycDocumentType[];
  description: string;
}

/** An identity document and a proof of address; a company registration is welcome, not required. */
export const KYC_REQUIREMENTS: readonly KycRequirement[] = [
  {
    key: 'identity_document',
    types: ['passport', 'national_id'],
    description: 'An identity document: a passport or a national ID card',
  },
  {
    key: 'proof_of_address',
    types: ['proof_of_address'],
    description: 'A proof of address (a recent utility bill or bank statement)',
  },
];

export interface KycDocumentRef {
  id: string;
  type: KycDocumentType;
}

export interface KycDocumentFacts extends KycDocumentRef {
  status: KycDocumentStatus;
  /** ISO time; the newest of a type is the one that counts. */
  uploadedAt: string;
}

/**
 * The documents the next submission consists of: the newest of each type, leaving out documents
 * whose approval expired. Oldest type first (KYC_DOCUMENT_TYPES order).
 */
export function currentDocuments<D extends KycDocumentFacts>(documents: readonly D[]): D[] {
  const newest = new Map<KycDocumentType, D>();
  for (const doc of documents) {
    if (doc.status === 'EXPIRED') continue;
    const seen = newest.get(doc.type);
    if (
      !seen ||
      doc.uploadedAt > seen.uploadedAt ||
      (doc.uploadedAt === seen.uploadedAt && doc.id > seen.id)
    ) {
      newest.set(doc.type, doc);
    }
  }
  return KYC_DOCUMENT_TYPES.flatMap((type) => (newest.has(type) ? [newest.get(type)!] : []));
}

/** The requirements `documents` (a submission, or the current documents) do not meet. */
export function missingRequirements(documents: readonly Pick<KycDocumentRef, 'type'>[]): KycRequirement[] {
  const types = new Set(documents.map((d) => d.type));
  return KYC_REQUIREMENTS.filter((requirement) => !requirement.types.some((type) => types.has(type)));
}

// ---------------------------------------------------------------------------------------------
// Policy

const DAY_MS = 24 * 60 * 60 * 1000;

export interface KycPolicy {
  /** How long an approval lasts before a new review is needed. */
  approvalValidityMs: number;
  /** Service level for a review task (its due date). */
  reviewDueMs: number;
}

export const DEFAULT_KYC_POLICY: KycPolicy = {
  approvalValidityMs: 365 * DAY_MS,
  reviewDueMs: 2 * DAY_MS,
};

/** The default policy with some fields replaced (tests use seconds instead of a year). */
export function kycPolicy(overrides: Partial<KycPolicy> = {}): KycPolicy {
  return { ...DEFAULT_KYC_POLICY, ...overrides };
}

export function checkKycPolicy(policy: KycPolicy): string[] {
  return durationProblems(policy, ['approvalValidityMs', 'reviewDueMs'] as const);
}

// ---------------------------------------------------------------------------------------------
// Input, carried state, Update arguments, the Query.

/** The documents one submission handed to the reviewers. */
export interface KycSubmission {
  /** 1 for the first submission, then +1 each. */
  cycle: number;
  documents: KycDocumentRef[];
  submittedAt: string;
}

/** The last review decision, as shown to the client (reason or comments) and to staff. */
export interface KycDecision {
  action: 'approve' | 'reject' | 'request_changes';
  cycle: number;
  at: string;
  actor: Actor;
  /** The reviewer's note (approve), reason (reject) or comments (request_changes). */
  text: string | null;
}

/** What one run hands the next when it continues-as-new. */
export interface KycCarriedState {
  status: KycStatus;
  timeline: TimelineEntry<KycStatus>[];
  submission: KycSubmission | null;
  decision: KycDecision | null;
  approvedAt: string | null;
  expiresAt: string | null;
  createdAt: string;
  /** How many runs came before this one. */
  runs: number;
}

export interface KycInput {
  clientId: string;
  policy: KycPolicy;
  /** Absent on the first run. */
  carried?: KycCarriedState | null;
}

export interface SubmitKycArgs {
  actor: Actor;
  /** The client's current documents (currentDocuments), as the API read them. */
  documents: KycDocumentRef[];
}
export interface ApproveKycArgs {
  actor: Actor;
  note?: string | null;
}
export interface RejectKycArgs {
  actor: Actor;
  reason: string;
}
export interface RequestKycChangesArgs {
  actor: Actor;
  comments: string;
}

/** The Query `state`. */
export interface KycState {
  clientId: string;
  workflowId: string;
  type: typeof KYC_TYPE;
  status: KycStatus;
  submission: KycSubmission | null;
  decision: KycDecision | null;
  approvedAt: string | null;
  expiresAt: string | null;
  createdAt: string;
  closedAt: string | null;
  /** Runs before this one (continue-as-new). */
  runs: number;
  allowedActions: KycHumanAction[];
  timeline: TimelineEntry<KycStatus>[];
}

/** The part of the state the Update checks look at. */
export interface KycView {
  status: KycStatus;
  clientId: string;
}

// ---------------------------------------------------------------------------------------------
// Checks: null (go ahead) or the Refusal to raise; shape first, then permission, then status.

export function checkKycInput(input: KycInput): Refusal | null {
  if (typeof input !== 'object' || input === null) return validation('', 'invalid_type', 'input is missing');
  if (!isUuid(input.clientId)) return validation('clientId', 'invalid_string', 'clientId must be a UUID');
  const problems = checkKycPolicy(input.policy);
  if (problems.length > 0)
    return refuse('validation_failed', `the KYC policy is not usable: ${problems.join('; ')}`);
  const carried = input.carried;
  if (carried !== undefined && carried !== null) {
    if (!isKycStatus(carried.status))
      return validation('carried.status', 'invalid_enum_value', 'unknown status');
    if (!Array.isArray(carried.timeline) || carried.timeline.length === 0) {
      return validation('carried.timeline', 'invalid_type', 'a carried state has a timeline');
    }
  }
  return null;
}

export function checkKycAction(view: KycView, action: KycAction, actor: unknown): Refusal | null {
  return checkLifecycleAction(KYC_TRANSITIONS, KYC_PERMISSIONS, view, action, actor);
}

/** The documents must be well-formed, distinct, and meet every requirement. */
export function checkSubmit(view: KycView, args: SubmitKycArgs): Refusal | null {
  const absent = checkArgsPresent(args);
  if (absent) return absent;
  const refused = checkKycAction(view, 'submit', args.actor);
  if (refused) return refused;
  if (!Array.isArray(args.documents) || args.documents.length > KYC_DOCUMENT_TYPES.length * 4) {
    return validation('documents', 'invalid_type', 'documents must be a short list');
  }
  const ids = new Set<string>();
  for (const doc of args.documents) {
    if (typeof doc !== 'object' || doc === null || !isUuid(doc.id) || !isKycDocumentType(doc.type)) {
      return validation('documents', 'invalid_type', 'each document is { id: UUID, type }');
    }
    if (ids.has(doc.id)) return validation('documents', 'duplicate', 'a document is listed twice');
    ids.add(doc.id);
  }
  const missing = missingRequirements(args.documents);
  if (missing.length > 0) {
    return validation(
      'documents',
      'missing_documents',
      `a submission needs ${missing.map((m) => m.description.toLowerCase()).join(' and ')}`,
    );
  }
  return null;
}

export function checkApprove(view: KycView, args: ApproveKycArgs): Refusal | null {
  return checkUpdate(args, (actor) => checkKycAction(view, 'approve', actor), {
    field: 'note',
    required: false,
  });
}

export function checkReject(view: KycView, args: RejectKycArgs): Refusal | null {
  return checkUpdate(args, (actor) => checkKycAction(view, 'reject', actor), {
    field: 'reason',
    required: true,
  });
}

export function checkRequestChanges(view: KycView, args: RequestKycChangesArgs): Refusal | null {
  return checkUpdate(args, (actor) => checkKycAction(view, 'request_changes', actor), {
    field: 'comments',
    required: true,
  });
}

/** The one-line label of the workflow in the Temporal UI. */
export function kycStaticSummary(clientId: string, email?: string): string {
  return `KYC review of client ${email ? `${email} (${clientId})` : clientId}`;
}
