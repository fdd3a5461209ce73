// Withdrawals over HTTP: thin wrappers around api/services/withdrawals.ts (the pages call the same
// functions). The request id (X-Request-Id, or a generated one) is the Update id of every action.
import { Router, type Request } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../deps.js';
import { asyncHandler } from '../errors.js';
import { idempotent } from '../idempotency.js';
import { streamLifecycle } from '../live-updates.js';
import { currentUser, requireAuth, requireRole } from '../middleware/auth.js';
import {
  bearerAuth,
  errorResponses,
  idempotencyKeyHeader,
  jsonBody,
  jsonResponse,
  registry,
} from '../openapi.js';
import {
  ApproveWithdrawalBodySchema,
  CreateWithdrawalBodySchema,
  ListWithdrawalsQuerySchema,
  RejectWithdrawalBodySchema,
  WithdrawalSchema,
  approveWithdrawal,
  cancelWithdrawal,
  createWithdrawal,
  getWithdrawal,
  listWithdrawals,
  rejectWithdrawal,
  withdrawalWorkflowIdFor,
} from '../services/withdrawals.js';
import { listResponseSchema } from '../validate.js';

const idParams = z.object({ id: z.uuid().meta({ description: 'The withdrawal id' }) });
const requestIdHeader = z.object({
  'X-Request-Id': z
    .string()
    .max(128)
    .optional()
    .meta({ description: 'Retrying with the same value does not apply the action twice' }),
});
const tags = ['withdrawals'];

registry.registerPath({
  method: 'post',
  path: '/withdrawals',
  tags,
  summary: 'Request a withdrawal to one of your verified bank accounts (client)',
  description:
    'Needs an approved KYC (422 kyc_required) and a VERIFIED account of yours (404 for any other, 422 ' +
    'bank_account_unverified). The workflow reserves the amount on your available balance at once (a ledger ' +
    'hold); if it is not covered, 422 insufficient_funds and no withdrawal exists. The same Idempotency-Key ' +
    'returns the same withdrawal.',
  security: bearerAuth,
  request: { headers: idempotencyKeyHeader, body: jsonBody(CreateWithdrawalBodySchema) },
  responses: {
    201: jsonResponse('The withdrawal, PENDING_APPROVAL, funds reserved', WithdrawalSchema),
    ...errorResponses(400, 401, 403, 404, 409, 422, 503),
  },
});
registry.registerPath({
  method: 'get',
  path: '/withdrawals',
  tags,
  summary: 'List withdrawals (clients: their own; staff and auditors: all)',
  security: bearerAuth,
  request: { query: ListWithdrawalsQuerySchema },
  responses: {
    200: jsonResponse('A page of withdrawals, newest first', listResponseSchema(WithdrawalSchema)),
    ...errorResponses(400, 401, 403),
  },
});
registry.registerPath({
  method: 'get',
  path: '/withdrawals/{id}',
  tags,
  summary: 'One withdrawal with its approvals and timeline (owner, staff, auditor)',
  security: bearerAuth,
  request: { params: idParams },
  responses: { 200: jsonResponse('The withdrawal', WithdrawalSchema), ...errorResponses(401, 404) },
});
registry.registerPath({
  method: 'get',
  path: '/withdrawals/{id}/events',
  tags,
  summary: 'Live updates of one withdrawal (Server-Sent Events)',
  description: 'An `event: state` with the withdrawal at once, then after every transition.',
  security: bearerAuth,
  request: { params: idParams },
  responses: {
    200: {
      description: 'text/event-stream of `state` events carrying the Withdrawal',
      content: { 'text/event-stream': { schema: z.string() } },
    },
    ...errorResponses(401, 404),
  },
});
registry.registerPath({
  method: 'post',
  path: '/withdrawals/{id}/cancel',
  tags,
  summary: 'Cancel a withdrawal while PENDING_APPROVAL (owner); the reservation is released',
  security: bearerAuth,
  request: { params: idParams, headers: requestIdHeader },
  responses: {
    200: jsonResponse('The withdrawal, CANCELLED', WithdrawalSchema),
    ...errorResponses(401, 403, 404, 409, 503),
  },
});
registry.registerPath({
  method: 'post',
  path: '/ops/withdrawals/{id}/approve',
  tags,
  summary: 'Approve a withdrawal (operations)',
  description:
    'At or above the four-eyes threshold two different people must approve. The requester may never approve ' +
    '(422 self_approval); nobody approves twice (409 already_approved_by_you).',
  security: bearerAuth,
  request: { params: idParams, headers: requestIdHeader, body: jsonBody(ApproveWithdrawalBodySchema) },
  responses: {
    200: jsonResponse(
      'The withdrawal: PROCESSING, or still PENDING_APPROVAL waiting for a second approver',
      WithdrawalSchema,
    ),
    ...errorResponses(400, 401, 403, 404, 409, 422, 503),
  },
});
registry.registerPath({
  method: 'post',
  path: '/ops/withdrawals/{id}/reject',
  tags,
  summary: 'Reject a withdrawal with a reason (operations); the reservation is released',
  security: bearerAuth,
  request: { params: idParams, headers: requestIdHeader, body: jsonBody(RejectWithdrawalBodySchema) },
  responses: {
    200: jsonResponse('The withdrawal, REJECTED', WithdrawalSchema),
    ...errorResponses(400, 401, 403, 404, 409, 503),
  },
});

const idOf = (req: Request) => String(req.params.id ?? '');

export function withdrawalsRouter(deps: AppDeps): Router {
  const router = Router();

  router.post(
    '/withdrawals',
    requireRole('client'),
    idempotent(),
    asyncHandler(async (req, res) => {
      const view = await createWithdrawal(deps, currentUser(req), req.body ?? {}, req.idempotencyKey!);
      res.status(201).json(view);
    }),
  );

  router.get(
    '/withdrawals',
    requireAuth,
    asyncHandler(async (req, res) => {
      res.json(await listWithdrawals(deps, currentUser(req), req.query as Record<string, string>));
    }),
  );

  router.get(
    '/withdrawals/:id',
    requireAuth,
    asyncHandler(async (req, res) => {
      res.json(await getWithdrawal(deps, currentUser(req), idOf(req)));
    }),
  );

  router.get(
    '/withdrawals/:id/events',
    requireAuth,
    asyncHandler(async (req, res) => {
      const user = currentUser(req);
      const id = idOf(req);
      const workflowId = await withdrawalWorkflowIdFor(deps, user, id);
      await streamLifecycle(req, res, workflowId, () => getWithdrawal(deps, user, id));
    }),
  );

  router.post(
    '/withdrawals/:id/cancel',
    requireAuth,
    asyncHandler(async (req, res) => {
      res.json(await cancelWithdrawal(deps, currentUser(req), idOf(req), req.id));
    }),
  );

  router.post(
    '/ops/withdrawals/:id/approve',
    requireAuth,
    asyncHandler(async (req, res) => {
      res.json(await approveWithdrawal(deps, currentUser(req), idOf(req), req.body ?? {}, req.id));
    }),
  );
  router.post(
    '/ops/withdrawals/:id/reject',
    requireAuth,
    asyncHandler(async (req, res) => {
      res.json(await rejectWithdrawal(deps, currentUser(req), idOf(req), req.body ?? {}, req.id));
    }),
  );

  return router;
}
