// Certificate transfers on the lifecycle kit (api/lifecycle-kit): the descriptor, the request (its
// input and the early answers) and each human action as data — the kit does the loading, checks,
// Update, audit and view. The JSON routes and the pages call these same functions.
//
// Request: role (403) → body (400) → the preconditions (db/certificate-transfers/preconditions.ts):
// KYC approved (422 kyc_required), the registry account is the caller's (404 otherwise, no
// existence leak), VERIFIED (422 registry_account_unverified) and at the asset's registry (422
// registry_mismatch) → the workflow checks them again and, for OUT, holds the certificates in its
// first step (422 insufficient_position, and `certificate_transfer.request_declined` in the audit
// log). The server writes no ledger entry.
import { z } from 'zod';
import { transferPreconditions } from '../../db/certificate-transfers/preconditions.js';
import { getClientBalances } from '../../db/ledger/index.js';
import {
  CERTIFICATE_ASSETS,
  CERTIFICATE_DECLINE_CODES,
  CERTIFICATE_TRANSFER_PERMISSIONS,
  CERTIFICATE_TRANSFER_STATUSES,
  CERTIFICATE_TRANSFER_TRANSITIONS,
  CERTIFICATE_TRANSFER_TYPE,
  TRANSFER_DIRECTIONS,
  certificateTransferPolicy,
  certificateTransferStaticSummary,
  certificateTransferWorkflowId,
  checkCertificateTransferInput,
  checkCertificateTransferPolicy,
  type CertificateAsset,
  type CertificateTransferInput,
  type CertificateTransferPolicy,
  type CertificateTransferState,
} from '../../domain/certificate-transfer.js';
import { formatAmount } from '../../domain/money.js';
import { isClient } from '../../domain/roles.js';
import {
  approveCertificateTransferUpdate,
  cancelCertificateTransferUpdate,
  certificateTransfer,
  certificateTransferRequestUpdate,
  confirmCertificateTransferUpdate,
  rejectCertificateTransferUpdate,
} from '../../workflows/certificate-transfer.js';
import {
  recordFromDetail,
  recordFromSummary,
  toCertificateTransferView,
  type CertificateTransferView,
} from '../certificate-transfer-view.js';
import type { AppDeps } from '../deps.js';
import { forbidden, notFound } from '../errors.js';
import { idempotentUuid } from '../idempotency.js';
import { lifecycleService } from '../lifecycle-kit/service.js';
import { approvalUpdateError } from '../lifecycle-kit/workflow-calls.js';
import {
  decimalAmountSchema,
  listQuerySchema,
  parseAmountField,
  textField,
  uuidSchema,
} from '../validate.js';
import { actorOf, parseInput, refusalToApiError, requireIdempotencyKey, type SessionUser } from './common.js';
import { policyFromEnv } from './policy-from-env.js';
import { decisionBodySchemas, noteArgs, reasonArgs } from './decision-bodies.js';
import { approvalsAudit, declineHooks, declineOfResult, declinedErrors } from './held-transfers.js';

export { CertificateTransferSchema, type CertificateTransferView } from '../certificate-transfer-view.js';

// ---- policy -----------------------------------------------------------------------------------------

/**
 * The policy new transfers start with: the domain defaults (four eyes at 10 000 certificates),
 * overridden by CERTIFICATE_TRANSFER_POLICY_JSON (e.g. `{"fourEyesThreshold":{"EUA":"500"}}`).
 */
const currentPolicy = policyFromEnv<CertificateTransferPolicy>({
  variable: 'CERTIFICATE_TRANSFER_POLICY_JSON',
  withDefaults: certificateTransferPolicy,
  check: checkCertificateTransferPolicy,
});

// ---- input schemas (also used for the OpenAPI document) --------------------------------------------

export const CreateCertificateTransferBodySchema = z
  .object({
    direction: z
      .enum(TRANSFER_DIRECTIONS)
      .meta({ description: 'IN: to us at the registry; OUT: to your account' }),
    asset: z.enum(CERTIFICATE_ASSETS).meta({ example: 'EUA' }),
    quantity: decimalAmountSchema.meta({ example: '300', description: 'Whole certificates' }),
    registryAccountId: uuidSchema.meta({ description: 'One of your VERIFIED registry accounts' }),
  })
  .meta({ id: 'CreateCertificateTransferBody' });

export const ListCertificateTransfersQuerySchema = listQuerySchema.extend({
  status: z.enum(CERTIFICATE_TRANSFER_STATUSES).optional(),
  clientId: uuidSchema.optional().meta({ description: 'Staff and auditors: one client’s transfers' }),
});

export const ConfirmCertificateTransferBodySchema = z
  .object({
    quantity: decimalAmountSchema.meta({
      example: '300',
      description: 'What arrived at our registry account',
    }),
    note: textField({ max: 2000, multiline: true }).nullish(),
  })
  .meta({ id: 'ConfirmCertificateTransferBody' });
export const { note: ApproveCertificateTransferBodySchema, reason: RejectCertificateTransferBodySchema } =
  decisionBodySchemas('Approve', 'CertificateTransfer');

// ---- the lifecycle ---------------------------------------------------------------------------------

const transfers = lifecycleService({
  type: CERTIFICATE_TRANSFER_TYPE,
  noun: 'certificate transfer',
  workflowId: certificateTransferWorkflowId,
  transitions: CERTIFICATE_TRANSFER_TRANSITIONS,
  permissions: CERTIFICATE_TRANSFER_PERMISSIONS,
  startedUpdate: certificateTransferRequestUpdate,
  refusalOfResult: (state: CertificateTransferState) => declineOfResult(state),
  recordOfDetail: recordFromDetail,
  recordOfSummary: recordFromSummary,
  view: toCertificateTransferView,
  audit: approvalsAudit,
});

export const getCertificateTransfer = transfers.get;
/** getCertificateTransfer of each of `ids` at once, the ones it would refuse left out (staff list pages). */
export const getCertificateTransfers = transfers.getMany;
export const certificateTransferWorkflowIdFor = transfers.workflowIdFor;
export const listCertificateTransfers = transfers.lister(ListCertificateTransfersQuerySchema);

/** The caller's available certificates (decimal strings), for the request form. */
export async function availableCertificatesFor(
  deps: AppDeps,
  user: SessionUser,
): Promise<{ asset: CertificateAsset; available: string }[]> {
  if (!isClient(user.role)) return [];
  const balances = await getClientBalances(deps.pool, user.id);
  return CERTIFICATE_ASSETS.map((asset) => ({
    asset,
    available: formatAmount(asset, balances.find((b) => b.asset === asset)?.available ?? 0n),
  }));
}

// ---- requesting -----------------------------------------------------------------------------------

const DECLINE_MESSAGES: Record<string, string> = {
  insufficient_position: 'your available certificates do not cover this transfer',
  kyc_required: 'certificate transfers need an approved KYC review',
  registry_account_unverified: 'certificate transfers use a verified registry account only',
  registry_mismatch: 'this certificate is held at another registry',
};

const declinedError = declinedErrors(
  CERTIFICATE_DECLINE_CODES,
  DECLINE_MESSAGES,
  'certificate_transfer_declined',
);

/**
 * POST /certificate-transfers. The business id comes from the caller's Idempotency-Key, so a
 * retried request reaches the same workflow (a declined one stays declined); the same key with
 * another body is 409 idempotency_conflict.
 */
export async function createCertificateTransfer(
  deps: AppDeps,
  user: SessionUser,
  body: Record<string, unknown>,
  idempotencyKey: string,
): Promise<CertificateTransferView> {
  if (!isClient(user.role)) throw forbidden('only clients request certificate transfers');
  const parsed = parseInput(CreateCertificateTransferBodySchema, body, 'body');
  const asset = parsed.asset;
  const quantity = formatAmount(asset, parseAmountField(asset, parsed.quantity, 'quantity'));
  const registryAccountId = parsed.registryAccountId.toLowerCase();
  const direction = parsed.direction;
  requireIdempotencyKey(idempotencyKey);

  // The early answer: KYC and the account. The certificates are the workflow's to decide (its hold).
  const checked = await transferPreconditions(deps.pool, { clientId: user.id, asset, registryAccountId });
  if (!checked.ok) {
    const { code, message, details } = checked.refusal;
    throw code === 'registry_account_not_found'
      ? notFound('no such registry account')
      : declinedError(code, message, details);
  }

  const businessId = idempotentUuid(user.id, idempotencyKey, CERTIFICATE_TRANSFER_TYPE);
  const input: CertificateTransferInput = {
    businessId,
    clientId: user.id,
    direction,
    asset,
    quantity,
    registryAccountId,
    policy: currentPolicy(),
    requestedBy: actorOf(user),
  };
  const refused = checkCertificateTransferInput(input);
  if (refused) throw refusalToApiError(refused);

  const asked = { direction, asset, quantity, registryAccountId };
  return transfers.start(
    deps,
    user,
    {
      businessId,
      workflow: certificateTransfer,
      args: [input],
      staticSummary: `${certificateTransferStaticSummary(input)} (${user.email})`,
      conflicts: (record) =>
        record.attributes.direction !== direction ||
        record.attributes.asset !== asset ||
        record.attributes.quantity !== quantity ||
        record.attributes.registryAccountId !== registryAccountId,
      audit: asked,
    },
    declineHooks(deps, user, {
      action: 'certificate_transfer.request_declined',
      subject: { type: CERTIFICATE_TRANSFER_TYPE, id: businessId },
      asked,
      fallback: 'certificate_transfer_declined',
      error: declinedError,
    }),
  );
}

// ---- actions --------------------------------------------------------------------------------------

/** IN: the registry receipt was seen; the received quantity (at most the asset's scale) is posted. */
export const confirmCertificateTransfer = transfers.action('confirm', {
  update: confirmCertificateTransferUpdate,
  body: ConfirmCertificateTransferBodySchema,
  args: (body, detail) => {
    const asset = (detail.attributes.asset === 'CEA' ? 'CEA' : 'EUA') as CertificateAsset;
    const quantity = formatAmount(asset, parseAmountField(asset, body.quantity, 'quantity'));
    return { quantity, note: body.note?.trim() || null };
  },
});

export const approveCertificateTransfer = transfers.action('approve', {
  update: approveCertificateTransferUpdate,
  body: ApproveCertificateTransferBodySchema,
  args: noteArgs,
  mapError: approvalUpdateError,
});

export const rejectCertificateTransfer = transfers.action('reject', {
  update: rejectCertificateTransferUpdate,
  body: RejectCertificateTransferBodySchema,
  args: reasonArgs,
});

const cancel = transfers.action('cancel', { update: cancelCertificateTransferUpdate, args: () => ({}) });
export const cancelCertificateTransfer = (deps: AppDeps, user: SessionUser, id: string, requestId: string) =>
  cancel(deps, user, id, {}, requestId);
