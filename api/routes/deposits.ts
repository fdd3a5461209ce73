// Deposits over HTTP: thin wrappers around api/services/deposits.ts (the pages call the same
// functions), declared with api/routes/lifecycle-routes.ts. The request id (X-Request-Id, or a
// generated one) is the Update id of every action.
import type { Router } from 'express';
import { z } from 'zod';
import { DepositSchema } from '../deposit-view.js';
import type { AppDeps } from '../deps.js';
import {
  ConfirmDepositBodySchema,
  CreateDepositBodySchema,
  ExtendDepositBodySchema,
  ListDepositsQuerySchema,
  RejectDepositBodySchema,
  ReleaseDepositBodySchema,
  cancelDeposit,
  confirmDeposit,
  createDeposit,
  depositWorkflowIdFor,
  extendDeposit,
  getDeposit,
  listDeposits,
  rejectDeposit,
  releaseDeposit,
} from '../services/deposits.js';
import { uuidSchema } from '../validate.js';
import { LifecycleRoutes } from './lifecycle-routes.js';

const idParams = z.object({ id: uuidSchema.meta({ description: 'The deposit id' }) });
const opsErrors = [400, 401, 403, 404, 409, 422, 503];

const routes = new LifecycleRoutes({ tags: ['deposits'], schema: DepositSchema, params: idParams })
  .create('/deposits', {
    summary: 'Announce a deposit (client)',
    description:
      'Starts the deposit workflow. The same Idempotency-Key returns the same deposit; with another body, 409 idempotency_conflict.',
    body: CreateDepositBodySchema,
    responds: 'The deposit, PENDING, with wire instructions',
    errors: [400, 401, 403, 409, 503],
    run: createDeposit,
  })
  .list('/deposits', {
    summary: 'List deposits (clients: their own; staff and auditors: all)',
    query: ListDepositsQuerySchema,
    responds: 'A page of deposits, newest first',
    errors: [400, 401],
    run: listDeposits,
  })
  .read('/deposits/:id', {
    summary: 'One deposit with its timeline (owner, staff, auditor)',
    responds: 'The deposit',
    errors: [401, 404],
    run: getDeposit,
  })
  .events('/deposits/:id/events', {
    summary: 'Live updates of one deposit (Server-Sent Events)',
    description: 'An `event: state` with the deposit at once, then after every transition.',
    responds: 'text/event-stream of `state` events carrying the Deposit',
    errors: [401, 404],
    workflowIdOf: depositWorkflowIdFor,
    read: getDeposit,
  })
  .action('post', '/deposits/:id/cancel', {
    summary: 'Cancel a PENDING deposit (owner)',
    responds: 'The deposit, CANCELLED',
    errors: [401, 403, 404, 409, 503],
    run: cancelDeposit,
  })
  .action('post', '/ops/deposits/:id/confirm', {
    summary: 'Confirm receipt of the wire (operations)',
    body: ConfirmDepositBodySchema,
    responds: 'The deposit: ON_HOLD, or AML_REVIEW when screening flags it',
    errors: opsErrors,
    run: confirmDeposit,
  })
  .action('post', '/ops/deposits/:id/release', {
    summary: 'Release an AML hold (aml_officer)',
    body: ReleaseDepositBodySchema,
    responds: 'The deposit: CLEARED',
    errors: opsErrors,
    run: releaseDeposit,
  })
  .action('post', '/ops/deposits/:id/extend', {
    summary: 'Extend an AML hold (aml_officer)',
    body: ExtendDepositBodySchema,
    responds: 'The deposit: ON_HOLD with the new holdUntil',
    errors: opsErrors,
    run: extendDeposit,
  })
  .action('post', '/ops/deposits/:id/reject', {
    summary: 'Reject and return the funds (aml_officer)',
    body: RejectDepositBodySchema,
    responds: 'The deposit: REJECTED',
    errors: opsErrors,
    run: rejectDeposit,
  });

export function depositsRouter(deps: AppDeps): Router {
  return routes.router(deps);
}
