// Bank accounts over HTTP: thin wrappers around api/services/bank-accounts.ts (the pages call the same
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
  BankAccountSchema,
  CreateBankAccountBodySchema,
  ListBankAccountsQuerySchema,
  RejectBankAccountBodySchema,
  VerifyBankAccountBodySchema,
  createBankAccount,
  getBankAccountFor,
  listBankAccountsFor,
  rejectBankAccount,
  removeBankAccountFor,
  verifyBankAccount,
} from '../services/bank-accounts.js';
import { listResponseSchema } from '../validate.js';

const idParams = z.object({ id: z.uuid().meta({ description: 'The bank account id' }) });
const requestIdHeader = z.object({
  'X-Request-Id': z
    .string()
    .max(128)
    .optional()
    .meta({ description: 'Retrying with the same value does not apply the action twice' }),
});
const tags = ['bank accounts'];

registry.registerPath({
  method: 'post',
  path: '/bank-accounts',
  tags,
  summary: 'Register a bank account (client)',
  description:
    'IBAN (per-country length and structure, mod-97 check digits) and BIC (format, country) are checked and ' +
    'stored in electronic format; the IBAN, BIC and country must name the same country. Starts the ' +
    'verification workflow (a task for operations). 400 lists every problem in words.',
  security: bearerAuth,
  request: { headers: idempotencyKeyHeader, body: jsonBody(CreateBankAccountBodySchema) },
  responses: {
    201: jsonResponse('The bank account, PENDING_VERIFICATION', BankAccountSchema),
    ...errorResponses(400, 401, 403, 409, 503),
  },
});
registry.registerPath({
  method: 'get',
  path: '/bank-accounts',
  tags,
  summary: 'List bank accounts (clients: their own; staff and auditors: all)',
  security: bearerAuth,
  request: { query: ListBankAccountsQuerySchema },
  responses: {
    200: jsonResponse('A page of bank accounts, newest first', listResponseSchema(BankAccountSchema)),
    ...errorResponses(400, 401, 403),
  },
});
registry.registerPath({
  method: 'get',
  path: '/bank-accounts/{id}',
  tags,
  summary: 'One bank account with its timeline (owner, staff, auditor)',
  security: bearerAuth,
  request: { params: idParams },
  responses: { 200: jsonResponse('The bank account', BankAccountSchema), ...errorResponses(401, 404) },
});
registry.registerPath({
  method: 'get',
  path: '/bank-accounts/{id}/events',
  tags,
  summary: 'Live updates of one bank account (Server-Sent Events)',
  security: bearerAuth,
  request: { params: idParams },
  responses: {
    200: {
      description: 'text/event-stream of `state` events',
      content: { 'text/event-stream': { schema: z.string() } },
    },
    ...errorResponses(401, 404),
  },
});
registry.registerPath({
  method: 'delete',
  path: '/bank-accounts/{id}',
  tags,
  summary: 'Remove a bank account (owner)',
  description: 'Marks it REMOVED. 409 while a withdrawal to it is in flight.',
  security: bearerAuth,
  request: { params: idParams, headers: requestIdHeader },
  responses: {
    200: jsonResponse('The bank account, REMOVED', BankAccountSchema),
    ...errorResponses(401, 403, 404, 409, 503),
  },
});
for (const [action, summary, body, outcome] of [
  ['verify', 'Verify a bank account (operations)', VerifyBankAccountBodySchema, 'VERIFIED'],
  ['reject', 'Reject a bank account (operations)', RejectBankAccountBodySchema, 'REJECTED'],
] as const) {
  registry.registerPath({
    method: 'post',
    path: `/ops/bank-accounts/{id}/${action}`,
    tags,
    summary,
    security: bearerAuth,
    request: { params: idParams, headers: requestIdHeader, body: jsonBody(body) },
    responses: {
      200: jsonResponse(`The bank account: ${outcome}`, BankAccountSchema),
      ...errorResponses(400, 401, 403, 404, 409, 503),
    },
  });
}

const idOf = (req: Request) => String(req.params.id ?? '');

export function bankAccountsRouter(deps: AppDeps): Router {
  const router = Router();

  router.post(
    '/bank-accounts',
    requireRole('client'),
    idempotent(),
    asyncHandler(async (req, res) => {
      const view = await createBankAccount(deps, currentUser(req), req.body ?? {}, req.idempotencyKey!);
      res.status(201).json(view);
    }),
  );

  router.get(
    '/bank-accounts',
    requireAuth,
    asyncHandler(async (req, res) => {
      res.json(await listBankAccountsFor(deps, currentUser(req), req.query as Record<string, string>));
    }),
  );

  router.get(
    '/bank-accounts/:id',
    requireAuth,
    asyncHandler(async (req, res) => {
      res.json(await getBankAccountFor(deps, currentUser(req), idOf(req)));
    }),
  );

  router.get(
    '/bank-accounts/:id/events',
    requireAuth,
    asyncHandler(async (req, res) => {
      const user = currentUser(req);
      const id = idOf(req);
      const account = await getBankAccountFor(deps, user, id);
      await streamLifecycle(req, res, account.workflowId, () => getBankAccountFor(deps, user, id));
    }),
  );

  router.delete(
    '/bank-accounts/:id',
    requireAuth,
    asyncHandler(async (req, res) => {
      res.json(await removeBankAccountFor(deps, currentUser(req), idOf(req), req.id));
    }),
  );

  router.post(
    '/ops/bank-accounts/:id/verify',
    requireAuth,
    asyncHandler(async (req, res) => {
      res.json(await verifyBankAccount(deps, currentUser(req), idOf(req), req.body ?? {}, req.id));
    }),
  );
  router.post(
    '/ops/bank-accounts/:id/reject',
    requireAuth,
    asyncHandler(async (req, res) => {
      res.json(await rejectBankAccount(deps, currentUser(req), idOf(req), req.body ?? {}, req.id));
    }),
  );

  return router;
}
