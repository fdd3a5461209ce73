// Certificate transfers between a client's own registry account and our omnibus at the registry, as
// pure data and rules. The workflow (workflows/certificate-transfer.ts) and the API both use these.
//
//   IN  (the client moves certificates to us at the registry; operations see them arrive):
//   PENDING_RECEIPT ──confirm──▶ COMPLETED   (the received quantity posted: registry.transfer_in)
//          ├──reject──▶ REJECTED  (nothing arrived, or not from the client's account)
//          └──cancel──▶ CANCELLED (the client; nothing was posted)
//
//   OUT (like a withdrawal: the certificates are held the moment it is asked for):
//   PENDING_APPROVAL ──approve_first──▶ PENDING_APPROVAL   (four eyes: one more approver needed)
//          │         ──approve────────▶ PROCESSING ──complete──▶ COMPLETED (delivered: hold posted)
//          │                                       ──fail──────▶ FAILED    (registry refused: hold voided)
//          ├──reject──▶ REJECTED   (hold voided)
//          └──cancel──▶ CANCELLED  (hold voided)
//
// Before either first status the workflow is REQUESTED: it checks KYC and the registry account (and
// for OUT places the hold). A refused request ends DECLINED without ever reaching the read model,
// as a declined withdrawal does. The four-eyes rules are domain/four-eyes.ts's, shared with
// withdrawals.

import { approvalAction, approvalsAtThreshold, type Approval } from './four-eyes.js';
import { checkRequester, fourEyesThresholdProblems, heldTransferChecks } from './held-transfer.js';
import {
  checkDecimalAmount,
  checkUpdate,
  isBusinessId,
  refuse,
  validation,
  type Actor,
  type PermissionTable,
  type Refusal,
  type TimelineEntry,
  type TransitionTable,
} from './lifecycle.js';
import { isUuid } from './ids.js';
import { formatAmount, parseAmount, type AssetCode } from './money.js';
import {
  clientAccountCode,
  systemAccountCode,
  type HoldResolutionRecipe,
  type PostingRecipe,
} from './postings.js';
import type { Registry } from './registry-account.js';

export { approvalAction };
export type { Approval };

export const CERTIFICATE_TRANSFER_TYPE = 'certificate_transfer';

export const CERTIFICATE_ASSETS = ['EUA', 'CEA'] as const;
export type CertificateAsset = (typeof CERTIFICATE_ASSETS)[number];

export function isCertificateAsset(value: unknown): value is CertificateAsset {
  return typeof value === 'string' && (CERTIFICATE_ASSETS as readonly string[]).includes(value);
}

export const TRANSFER_DIRECTIONS = ['IN', 'OUT'] as const;
export type TransferDirection = (typeof TRANSFER_DIRECTIONS)[number];

/** The statuses of the API (lists, filters, the read model). */
export const CERTIFICATE_TRANSFER_STATUSES = [
  'PENDING_RECEIPT',
  'PENDING_APPROVAL',
  'PROCESSING',
  'COMPLETED',
  'FAILED',
  'REJECTED',
  'CANCELLED',
] as const;
export type CertificateTransferStatus = (typeof CERTIFICATE_TRANSFER_STATUSES)[number];

/** What the Query can also say: before the checks (REQUESTED) and after a refusal (DECLINED). */
export type CertificateTransferPhase = CertificateTransferStatus | 'REQUESTED' | 'DECLINED';

export const CERTIFICATE_TRANSFER_ACTIONS = [
  'confirm',
  'approve_first',
  'approve',
  'reject',
  'cancel',
  'complete',
  'fail',
] as const;
export type CertificateTransferAction = (typeof CERTIFICATE_TRANSFER_ACTIONS)[number];

export const CERTIFICATE_TRANSFER_TRANSITIONS: TransitionTable<
  CertificateTransferStatus,
  CertificateTransferAction
> = {
  PENDING_RECEIPT: { confirm: 'COMPLETED', reject: 'REJECTED', cancel: 'CANCELLED' },
  PENDING_APPROVAL: {
    approve_first: 'PENDING_APPROVAL',
    approve: 'PROCESSING',
    reject: 'REJECTED',
    cancel: 'CANCELLED',
  },
  PROCESSING: { complete: 'COMPLETED', fail: 'FAILED' },
  COMPLETED: {},
  FAILED: {},
  REJECTED: {},
  CANCELLED: {},
};

/** Operations confirm, approve and reject (an admin covers operations); only the owner cancels. */
export const CERTIFICATE_TRANSFER_PERMISSIONS: PermissionTable<CertificateTransferAction> = {
  confirm: { kind: 'roles', roles: ['operations'] },
  approve_first: { kind: 'roles', roles: ['operations'] },
  approve: { kind: 'roles', roles: ['operations'] },
  reject: { kind: 'roles', roles: ['operations'] },
  cancel: { kind: 'owner' },
  complete: { kind: 'system' },
  fail: { kind: 'system' },
};

/** The actions a person asks for through an Update. */
export const CERTIFICATE_TRANSFER_HUMAN_ACTIONS = ['confirm', 'approve', 'reject', 'cancel'] as const;
export type CertificateTransferHumanAction = (typeof CERTIFICATE_TRANSFER_HUMAN_ACTIONS)[number];

export const CERTIFICATE_TRANSFER_TASKS = {
  /** operations: the certificates of an IN transfer are seen at our registry account (or not). */
  confirm: 'certificate_transfer.confirm_receipt',
  /** operations: approve or reject an OUT transfer (re-opened for the second approver). */
  approve: 'certificate_transfer.approve',
} as const;

/**
 * Refusals beyond domain/lifecycle.ts's three. The API answers them with 422, except
 * already_approved_by_you (409, like withdrawals).
 */
export type CertificateTransferRefusalCode =
  | 'self_approval'
  | 'already_approved_by_you'
  | 'insufficient_position'
  | 'kyc_required'
  | 'registry_account_unverified'
  | 'registry_mismatch';

/** Why a request was declined before it became a transfer (the request's 422). */
export const CERTIFICATE_DECLINE_CODES: readonly CertificateTransferRefusalCode[] = [
  'insufficient_position',
  'kyc_required',
  'registry_account_unverified',
  'registry_mismatch',
];

// ---------------------------------------------------------------------------------------------
// Policy

const MINUTE_MS = 60 * 1000;
const HOUR_MS = 60 * MINUTE_MS;

export interface CertificateTransferPolicy {
  /** Per certificate, whole certificates: OUT transfers AT OR ABOVE it need two distinct approvers. */
  fourEyesThreshold: Record<CertificateAsset, string>;
  /** Due date of the approval task of an OUT transfer. */
  approvalDueMs: number;
  /** Due date of the receipt task of an IN transfer. */
  receiptDueMs: number;
  /** One delivery attempt may take this long before it is retried (with the same transfer id). */
  deliveryTimeoutMs: number;
}

export const DEFAULT_CERTIFICATE_TRANSFER_POLICY: CertificateTransferPolicy = {
  fourEyesThreshold: { EUA: '10000', CEA: '10000' },
  approvalDueMs: 24 * HOUR_MS,
  receiptDueMs: 3 * 24 * HOUR_MS,
  deliveryTimeoutMs: 30 * 1000,
};

/** The default policy with some fields replaced (tests use seconds and small thresholds). */
export function certificateTransferPolicy(
  overrides: Partial<CertificateTransferPolicy> = {},
): CertificateTransferPolicy {
  return {
    ...DEFAULT_CERTIFICATE_TRANSFER_POLICY,
    ...overrides,
    fourEyesThreshold: {
      ...DEFAULT_CERTIFICATE_TRANSFER_POLICY.fourEyesThreshold,
      ...overrides.fourEyesThreshold,
    },
  };
}

export function checkCertificateTransferPolicy(policy: CertificateTransferPolicy): string[] {
  if (typeof policy !== 'object' || policy === null) return ['the policy is missing'];
  const problems: string[] = [];
  for (const key of ['approvalDueMs', 'receiptDueMs'] as const) {
    if (!(Number.isSafeInteger(policy[key]) && policy[key] > 0))
      problems.push(`${key} must be a positive whole number of milliseconds`);
  }
  if (!(Number.isSafeInteger(policy.deliveryTimeoutMs) && policy.deliveryTimeoutMs >= 1000))
    problems.push('deliveryTimeoutMs must be a whole number of milliseconds, at least 1000');
  return [...problems, ...fourEyesThresholdProblems(CERTIFICATE_ASSETS, policy.fourEyesThreshold)];
}

/** OUT: 2 at or above the asset's threshold, else 1. IN needs no approval (0). */
export function approvalsRequiredFor(
  direction: TransferDirection,
  asset: CertificateAsset,
  quantity: string,
  policy: CertificateTransferPolicy,
): 0 | 1 | 2 {
  if (direction === 'IN') return 0;
  const threshold = policy.fourEyesThreshold[asset];
  return approvalsAtThreshold(
    parseAmount(asset, quantity),
    typeof threshold === 'string' ? parseAmount(asset, threshold) : null,
  );
}

// ---------------------------------------------------------------------------------------------
// Identities

/** `certificate-transfer-<businessId>`: a retried request finds the same workflow. */
export function certificateTransferWorkflowId(businessId: string): string {
  return `certificate-transfer-${businessId}`;
}

/**
 * The reference the registry and the ledger see: "CHC" and the business id's 32 hex digits. Every
 * retry of a delivery sends the same transfer id (the adapter's exactly-once key).
 */
export function certificateTransferReference(businessId: string): string {
  return `CHC${businessId.replaceAll('-', '').toUpperCase()}`;
}

export function certificateTransferStaticSummary(
  input: Pick<CertificateTransferInput, 'direction' | 'quantity' | 'asset' | 'clientId'>,
): string {
  const way = input.direction === 'IN' ? 'in' : 'out';
  return `Certificate transfer ${way} of ${input.quantity} ${input.asset} for client ${input.clientId}`;
}

// ---------------------------------------------------------------------------------------------
// Ledger recipes (the hold of an OUT transfer; an IN transfer posts domain/postings.ts's
// registryTransferIn)

/** With `holdEntry`: reserves the client's available certificates for a delivery out. */
export function certificateTransferOutHold(
  clientId: string,
  asset: CertificateAsset,
  quantity: bigint,
): PostingRecipe {
  if (typeof quantity !== 'bigint') throw new TypeError('quantity must be a bigint of whole certificates');
  return {
    kind: 'certificate_transfer.hold',
    description: `Transfer out of ${formatAmount(asset, quantity)} ${asset} reserved`,
    transfers: [
      {
        debit: clientAccountCode(clientId, asset, 'available'),
        credit: systemAccountCode('omnibus', asset),
        amount: quantity,
      },
    ],
  };
}

/** With `postHold`: the registry delivered the certificates to the client's account. */
export function certificateTransferOutPost(reference: string): HoldResolutionRecipe {
  return { kind: 'certificate_transfer.post', description: `Transfer out delivered (${reference})` };
}

/** With `voidHold`: rejected, cancelled or refused by the registry; the certificates are released. */
export function certificateTransferOutVoid(reason: string): HoldResolutionRecipe {
  return { kind: 'certificate_transfer.void', description: `Transfer out released: ${reason}` };
}

// ---------------------------------------------------------------------------------------------
// Inputs, Update arguments, state

export interface CertificateTransferInput {
  businessId: string;
  clientId: string;
  direction: TransferDirection;
  asset: CertificateAsset;
  /** Whole certificates, a decimal string ("300"). */
  quantity: string;
  /** A VERIFIED registry_account of the client at the asset's registry. */
  registryAccountId: string;
  policy: CertificateTransferPolicy;
  /** The client who asked; never an approver. */
  requestedBy: Actor;
}

/** The registry account as it was when the request was accepted. */
export interface TransferRegistryAccount {
  id: string;
  registry: Registry;
  accountId: string;
  holderName: string;
}

export interface ConfirmCertificateTransferArgs {
  actor: Actor;
  /** What arrived at our registry account (whole certificates): the quantity that is posted. */
  quantity: string;
  note?: string | null;
}
export interface ApproveCertificateTransferArgs {
  actor: Actor;
  note?: string | null;
}
export interface RejectCertificateTransferArgs {
  actor: Actor;
  reason: string;
}
export interface CancelCertificateTransferArgs {
  actor: Actor;
}

/** The Query `state` (and every Update's answer). */
export interface CertificateTransferState {
  id: string;
  workflowId: string;
  type: typeof CERTIFICATE_TRANSFER_TYPE;
  status: CertificateTransferPhase;
  clientId: string;
  direction: TransferDirection;
  asset: CertificateAsset;
  quantity: string;
  /** IN: what operations saw arrive (null until confirmed). */
  receivedQuantity: string | null;
  registryAccountId: string;
  registryAccount: TransferRegistryAccount | null;
  approvalsRequired: 0 | 1 | 2;
  approvals: Approval[];
  holdEntryId: string | null;
  /** The id the registry sees (CHC…). */
  reference: string;
  registryReference: string | null;
  failureReason: string | null;
  declined: { code: string; message: string } | null;
  createdAt: string;
  closedAt: string | null;
  timeline: TimelineEntry<CertificateTransferStatus>[];
}

/** The part of the state the Update checks look at. */
export interface CertificateTransferView {
  status: CertificateTransferPhase;
  clientId: string;
  requestedBy: string;
  asset: CertificateAsset;
  approvals: readonly { actor: { id: string } }[];
  approvalsRequired: 0 | 1 | 2;
}

// ---------------------------------------------------------------------------------------------
// Checks: validation_failed for malformed input, then forbidden, then invalid_state, then the
// business rules (self_approval, already_approved_by_you), then values.

/** Whole certificates, canonical ("0300" → "300"), or a validation refusal naming `field`. */
export function checkQuantity(
  asset: CertificateAsset,
  value: unknown,
  field = 'quantity',
): { ok: true; quantity: string } | { ok: false; refusal: Refusal } {
  const checked = checkDecimalAmount(asset, value, field);
  return checked.ok ? { ok: true, quantity: checked.amount } : checked;
}

export function checkCertificateTransferInput(input: CertificateTransferInput): Refusal | null {
  if (typeof input !== 'object' || input === null) return validation('', 'invalid_type', 'input is missing');
  if (!isBusinessId(input.businessId))
    return validation('businessId', 'invalid_string', 'businessId must be 1-128 letters, digits or ._:-');
  if (!isUuid(input.clientId)) return validation('clientId', 'invalid_string', 'clientId must be a UUID');
  if (!(TRANSFER_DIRECTIONS as readonly string[]).includes(input.direction))
    return validation('direction', 'invalid_enum_value', 'direction is IN or OUT');
  if (!isCertificateAsset(input.asset))
    return validation('asset', 'invalid_enum_value', 'certificate transfers are of EUA or CEA');
  const quantity = checkQuantity(input.asset, input.quantity);
  if (!quantity.ok) return quantity.refusal;
  if (!isUuid(input.registryAccountId))
    return validation('registryAccountId', 'invalid_string', 'registryAccountId must be a UUID');
  const requester = checkRequester(input.requestedBy, input.clientId, 'a certificate transfer');
  if (requester) return requester;
  const problems = checkCertificateTransferPolicy(input.policy);
  if (problems.length > 0)
    return refuse(
      'validation_failed',
      `the certificate transfer policy is not usable: ${problems.join('; ')}`,
    );
  return null;
}

const checks = heldTransferChecks({
  transitions: CERTIFICATE_TRANSFER_TRANSITIONS,
  permissions: CERTIFICATE_TRANSFER_PERMISSIONS,
  noun: 'certificate transfer',
});

export function checkConfirmTransfer(
  view: CertificateTransferView,
  args: ConfirmCertificateTransferArgs,
): Refusal | null {
  const refused = checkUpdate(args, (actor) => checks.checkAction(view, 'confirm', actor), {
    field: 'note',
    required: false,
  });
  if (refused) return refused;
  const quantity = checkQuantity(view.asset, args.quantity);
  return quantity.ok ? null : quantity.refusal;
}

export function checkApproveTransfer(
  view: CertificateTransferView,
  args: ApproveCertificateTransferArgs,
): Refusal | { code: CertificateTransferRefusalCode; message: string; details?: unknown } | null {
  return checks.approve(view, args);
}

export function checkRejectTransfer(
  view: CertificateTransferView,
  args: RejectCertificateTransferArgs,
): Refusal | null {
  return checks.reject(view, args);
}

export function checkCancelTransfer(
  view: CertificateTransferView,
  args: CancelCertificateTransferArgs,
): Refusal | null {
  return checks.cancel(view, args);
}
