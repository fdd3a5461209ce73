// Withdrawals over HTTP: thin wrappers around api/services/withdrawals.ts (the pages call the same
// functions), declared with api/routes/lifecycle-routes.ts. The request id (X-Request-Id, or a
// generated one) is the Update id of every action.
import type { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../deps.js';
import {
  ApproveWithdrawalBodySchema,
  CreateWithdrawalBodySchema,
  ListWithdrawalsQuerySchema,
  RejectWithdrawalBodySchema,
  approveWithdrawal,
  cancelWithdrawal,
  createWithdrawal,
  getWithdrawal,
  listWithdrawals,
  rejectWithdrawal,
  withdrawalWorkflowIdFor,
} from '../services/withdrawals.js';
import { uuidSchema } from '../validate.js';
import { WithdrawalSchema } from '../withdrawal-view.js';
import { LifecycleRoutes } from './lifecycle-routes.js';

const idParams = z.object({ id: uuidSchema.meta({ description: 'The withdrawal id' }) });

const routes = new LifecycleRoutes({ tags: ['withdrawals'], schema: WithdrawalSchema, params: idParams })
  .create('/withdrawals', {
    summary: 'Request a withdrawal to one of your verified bank accounts (client)',
    description:
      'Needs an approved KYC (422 kyc_required) and a VERIFIED account of yours (404 for any other, 422 ' +
      'bank_account_unverified). The workflow reserves the amount on your available balance at once (a ledger ' +
      'hold); if it is not covered, 422 insufficient_funds and no withdrawal exists. The same Idempotency-Key ' +
      'returns the same withdrawal.',
    body: CreateWithdrawalBodySchema,
    responds: 'The withdrawal, PENDING_APPROVAL, funds reserved',
    errors: [400, 401, 403, 404, 409, 422, 503],
    run: createWithdrawal,
  })
  .list('/withdrawals', {
    summary: 'List withdrawals (clients: their own; staff and auditors: all)',
    query: ListWithdrawalsQuerySchema,
    responds: 'A page of withdrawals, newest first',
    errors: [400, 401, 403],
    run: listWithdrawals,
  })
  .read('/withdrawals/:id', {
    summary: 'One withdrawal with its approvals and timeline (owner, staff, auditor)',
    responds: 'The withdrawal',
    errors: [401, 404],
    run: getWithdrawal,
  })
  .events('/withdrawals/:id/events', {
    summary: 'Live updates of one withdrawal (Server-Sent Events)',
    description: 'An `event: state` with the withdrawal at once, then after every transition.',
    responds: 'text/event-stream of `state` events carrying the Withdrawal',
    errors: [401, 404],
    workflowIdOf: withdrawalWorkflowIdFor,
    read: getWithdrawal,
  })
  .action('post', '/withdrawals/:id/cancel', {
    summary: 'Cancel a withdrawal while PENDING_APPROVAL (owner); the reservation is released',
    responds: 'The withdrawal, CANCELLED',
    errors: [401, 403, 404, 409, 503],
    run: cancelWithdrawal,
  })
  .action('post', '/ops/withdrawals/:id/approve', {
    summary: 'Approve a withdrawal (operations)',
    description:
      'At or above the four-eyes threshold two different people must approve. The requester may never approve ' +
      '(422 self_approval); nobody approves twice (409 already_approved_by_you).',
    body: ApproveWithdrawalBodySchema,
    responds: 'The withdrawal: PROCESSING, or still PENDING_APPROVAL waiting for a second approver',
    errors: [400, 401, 403, 404, 409, 422, 503],
    run: approveWithdrawal,
  })
  .action('post', '/ops/withdrawals/:id/reject', {
    summary: 'Reject a withdrawal with a reason (operations); the reservation is released',
    body: RejectWithdrawalBodySchema,
    responds: 'The withdrawal, REJECTED',
    errors: [400, 401, 403, 404, 409, 503],
    run: rejectWithdrawal,
  });

export function withdrawalsRouter(deps: AppDeps): Router {
  return routes.router(deps);
}
