// GET /ledger/entries and /ledger/trial-balance (api/services/ledger.ts).
import { Router } from 'express';
import type { AppDeps } from '../deps.js';
import { asyncHandler } from '../errors.js';
import { currentUser, requireAuth } from '../middleware/auth.js';
import { bearerAuth, errorResponses, jsonResponse, registry } from '../openapi.js';
import {
  EntrySchema,
  ListEntriesQuerySchema,
  TrialBalanceSchema,
  entriesFor,
  trialBalanceView,
} from '../services/ledger.js';
import { listResponseSchema } from '../validate.js';

const tags = ['ledger'];

registry.registerPath({
  method: 'get',
  path: '/ledger/entries',
  tags,
  summary: 'Journal entries with lines, newest first (staff and auditors: all; clients: their own)',
  security: bearerAuth,
  request: { query: ListEntriesQuerySchema },
  responses: {
    200: jsonResponse('A page of entries', listResponseSchema(EntrySchema)),
    ...errorResponses(400, 401),
  },
});
registry.registerPath({
  method: 'get',
  path: '/ledger/trial-balance',
  tags,
  summary:
    'Trial balance: debits equal credits per asset and every account matches its lines (staff, auditors)',
  security: bearerAuth,
  responses: { 200: jsonResponse('The trial balance', TrialBalanceSchema), ...errorResponses(401, 403) },
});

export function ledgerRouter(deps: AppDeps): Router {
  const router = Router();
  router.get(
    '/ledger/entries',
    requireAuth,
    asyncHandler(async (req, res) => {
      res.json(await entriesFor(deps, currentUser(req), req.query as Record<string, string>));
    }),
  );
  router.get(
    '/ledger/trial-balance',
    requireAuth,
    asyncHandler(async (req, res) => {
      res.json(await trialBalanceView(deps, currentUser(req)));
    }),
  );
  return router;
}
