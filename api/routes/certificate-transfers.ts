// Certificate transfers over HTTP: thin wrappers around api/services/certificate-transfers.ts (the
// pages call the same functions), declared with api/routes/lifecycle-routes.ts. The request id
// (X-Request-Id, or a generated one) is the Update id of every action.
import type { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../deps.js';
import {
  ApproveCertificateTransferBodySchema,
  CertificateTransferSchema,
  ConfirmCertificateTransferBodySchema,
  CreateCertificateTransferBodySchema,
  ListCertificateTransfersQuerySchema,
  RejectCertificateTransferBodySchema,
  approveCertificateTransfer,
  cancelCertificateTransfer,
  certificateTransferWorkflowIdFor,
  confirmCertificateTransfer,
  createCertificateTransfer,
  getCertificateTransfer,
  listCertificateTransfers,
  rejectCertificateTransfer,
} from '../services/certificate-transfers.js';
import { uuidSchema } from '../validate.js';
import { LifecycleRoutes } from './lifecycle-routes.js';

const idParams = z.object({ id: uuidSchema.meta({ description: 'The certificate transfer id' }) });

const routes = new LifecycleRoutes({
  tags: ['certificate transfers'],
  schema: CertificateTransferSchema,
  params: idParams,
})
  .create('/certificate-transfers', {
    summary: 'Announce a transfer in or request a transfer out of certificates (client)',
    description:
      'Needs an approved KYC (422 kyc_required) and a VERIFIED registry account of yours (404 for any other, 422 ' +
      'registry_account_unverified) at the registry of the asset (EUA: EU, CEA: CN; 422 registry_mismatch). IN ' +
      'waits for operations to see the certificates arrive. OUT holds the certificates at once; if they are not ' +
      'available, 422 insufficient_position and no transfer exists; it then needs approval like a withdrawal.',
    body: CreateCertificateTransferBodySchema,
    responds: 'The transfer: PENDING_RECEIPT (IN) or PENDING_APPROVAL (OUT)',
    errors: [400, 401, 403, 404, 409, 422, 503],
    run: createCertificateTransfer,
  })
  .list('/certificate-transfers', {
    summary: 'List certificate transfers (clients: their own; staff and auditors: all)',
    query: ListCertificateTransfersQuerySchema,
    responds: 'A page of certificate transfers, newest first',
    errors: [400, 401, 403],
    run: listCertificateTransfers,
  })
  .read('/certificate-transfers/:id', {
    summary: 'One certificate transfer with its approvals and timeline (owner, staff, auditor)',
    responds: 'The certificate transfer',
    errors: [401, 404],
    run: getCertificateTransfer,
  })
  .events('/certificate-transfers/:id/events', {
    summary: 'Live updates of one certificate transfer (Server-Sent Events)',
    responds: 'text/event-stream of `state` events carrying the CertificateTransfer',
    errors: [401, 404],
    workflowIdOf: certificateTransferWorkflowIdFor,
    read: getCertificateTransfer,
  })
  .action('post', '/certificate-transfers/:id/cancel', {
    summary: 'Cancel a transfer while it waits for receipt or approval (owner); a hold is released',
    responds: 'The certificate transfer, CANCELLED',
    errors: [401, 403, 404, 409, 503],
    run: cancelCertificateTransfer,
  })
  .action('post', '/ops/certificate-transfers/:id/confirm', {
    summary: 'Confirm the registry receipt of a transfer in (operations)',
    description: 'The quantity that arrived becomes available to the client (registry.transfer_in).',
    body: ConfirmCertificateTransferBodySchema,
    responds: 'The certificate transfer, COMPLETED',
    errors: [400, 401, 403, 404, 409, 503],
    run: confirmCertificateTransfer,
  })
  .action('post', '/ops/certificate-transfers/:id/approve', {
    summary: 'Approve a transfer out (operations)',
    description:
      'At or above the policy’s quantity threshold two different people must approve. The requester may never ' +
      'approve (422 self_approval); nobody approves twice (409 already_approved_by_you).',
    body: ApproveCertificateTransferBodySchema,
    responds: 'The transfer: PROCESSING, or still PENDING_APPROVAL waiting for a second approver',
    errors: [400, 401, 403, 404, 409, 422, 503],
    run: approveCertificateTransfer,
  })
  .action('post', '/ops/certificate-transfers/:id/reject', {
    summary: 'Reject a transfer with a reason (operations); a hold is released',
    body: RejectCertificateTransferBodySchema,
    responds: 'The certificate transfer, REJECTED',
    errors: [400, 401, 403, 404, 409, 503],
    run: rejectCertificateTransfer,
  });

export function certificateTransfersRouter(deps: AppDeps): Router {
  return routes.router(deps);
}
