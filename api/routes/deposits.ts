// Deposits over HTTP: thin wrappers around api/services/deposits.ts (the pages call the same
// functions). The request id (X-Request-Id, or a generated one) is the Update id of every action.
import { Router, type Request } from 'express';
import { z } from 'zod';
import { DepositSchema } from '../deposit-view.js';
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
import { listResponseSchema } from '../validate.js';

const idParams = z.object({ id: z.uuid().meta({ description: 'The deposit id' }) });
const requestIdHeader = z.object({
  'X-Request-Id': z
    .string()
    .max(128)
    .optional()
    .meta({ description: 'Retrying with the same value does not apply the action twice' }),
});
const tags = ['deposits'];

registry.registerPath({
  method: 'post',
  path: '/deposits',
  tags,
  summary: 'Announce a deposit (client)',
  description:
    'Starts the deposit workflow. The same Idempotency-Key returns the same deposit; with another body, 409 idempotency_conflict.',
  security: bearerAuth,
  request: { headers: idempotencyKeyHeader, body: jsonBody(CreateDepositBodySchema) },
  responses: {
    201: jsonResponse('The deposit, PENDING, with wire instructions', DepositSchema),
    ...errorResponses(400, 401, 403, 409, 503),
  },
});
registry.registerPath({
  method: 'get',
  path: '/deposits',
  tags,
  summary: 'List deposits (clients: their own; staff and auditors: all)',
  security: bearerAuth,
  request: { query: ListDepositsQuerySchema },
  responses: {
    200: jsonResponse('A page of deposits, newest first', listResponseSchema(DepositSchema)),
    ...errorResponses(400, 401),
  },
});
registry.registerPath({
  method: 'get',
  path: '/deposits/{id}',
  tags,
  summary: 'One deposit with its timeline (owner, staff, auditor)',
  security: bearerAuth,
  request: { params: idParams },
  responses: { 200: jsonResponse('The deposit', DepositSchema), ...errorResponses(401, 404) },
});
registry.registerPath({
  method: 'get',
  path: '/deposits/{id}/events',
  tags,
  summary: 'Live updates of one deposit (Server-Sent Events)',
  description: 'An `event: state` with the deposit at once, then after every transition.',
  security: bearerAuth,
  request: { params: idParams },
  responses: {
    200: {
      description: 'text/event-stream of `state` events carrying the Deposit',
      content: { 'text/event-stream': { schema: z.string() } },
    },
    ...errorResponses(401, 404),
  },
});
registry.registerPath({
  method: 'post',
  path: '/deposits/{id}/cancel',
  tags,
  summary: 'Cancel a PENDING deposit (owner)',
  security: bearerAuth,
  request: { params: idParams, headers: requestIdHeader },
  responses: {
    200: jsonResponse('The deposit, CANCELLED', DepositSchema),
    ...errorResponses(401, 403, 404, 409, 503),
  },
});

const opsActions = [
  [
    'confirm',
    'Confirm receipt of the wire (operations)',
    ConfirmDepositBodySchema,
    'ON_HOLD, or AML_REVIEW when screening flags it',
  ],
  ['release', 'Release an AML hold (aml_officer)', ReleaseDepositBodySchema, 'CLEARED'],
  ['extend', 'Extend an AML hold (aml_officer)', ExtendDepositBodySchema, 'ON_HOLD with the new holdUntil'],
  ['reject', 'Reject and return the funds (aml_officer)', RejectDepositBodySchema, 'REJECTED'],
] as const;
for (const [action, summary, body, outcome] of opsActions) {
  registry.registerPath({
    method: 'post',
    path: `/ops/deposits/{id}/${action}`,
    tags,
    summary,
    security: bearerAuth,
    request: { params: idParams, headers: requestIdHeader, body: jsonBody(body) },
    responses: {
      200: jsonResponse(`The deposit: ${outcome}`, DepositSchema),
      ...errorResponses(400, 401, 403, 404, 409, 422, 503),
    },
  });
}

const idOf = (req: Request) => String(req.params.id ?? '');

export function depositsRouter(deps: AppDeps): Router {
  const router = Router();

  router.post(
    '/deposits',
    requireRole('client'),
    idempotent(),
    asyncHandler(async (req, res) => {
      const view = await createDeposit(deps, currentUser(req), req.body ?? {}, req.idempotencyKey!);
      res.status(201).json(view);
    }),
  );

  router.get(
    '/deposits',
    requireAuth,
    asyncHandler(async (req, res) => {
      res.json(await listDeposits(deps, currentUser(req), req.query as Record<string, string>));
    }),
  );

  router.get(
    '/deposits/:id',
    requireAuth,
    asyncHandler(async (req, res) => {
      res.json(await getDeposit(deps, currentUser(req), idOf(req)));
    }),
  );

  router.get(
    '/deposits/:id/events',
    requireAuth,
    asyncHandler(async (req, res) => {
      const user = currentUser(req);
      const id = idOf(req);
      const workflowId = await depositWorkflowIdFor(deps, user, id);
      await streamLifecycle(req, res, workflowId, () => getDeposit(deps, user, id));
    }),
  );

  router.post(
    '/deposits/:id/cancel',
    requireAuth,
    asyncHandler(async (req, res) => {
      res.json(await cancelDeposit(deps, currentUser(req), idOf(req), req.id));
    }),
  );

  router.post(
    '/ops/deposits/:id/confirm',
    requireAuth,
    asyncHandler(async (req, res) => {
      res.json(await confirmDeposit(deps, currentUser(req), idOf(req), req.body ?? {}, req.id));
    }),
  );
  router.post(
    '/ops/deposits/:id/release',
    requireAuth,
    asyncHandler(async (req, res) => {
      res.json(await releaseDeposit(deps, currentUser(req), idOf(req), req.body ?? {}, req.id));
    }),
  );
  router.post(
    '/ops/deposits/:id/extend',
    requireAuth,
    asyncHandler(async (req, res) => {
      res.json(await extendDeposit(deps, currentUser(req), idOf(req), req.body ?? {}, req.id));
    }),
  );
  router.post(
    '/ops/deposits/:id/reject',
    requireAuth,
    asyncHandler(async (req, res) => {
      res.json(await rejectDeposit(deps, currentUser(req), idOf(req), req.body ?? {}, req.id));
    }),
  );

  return router;
}
