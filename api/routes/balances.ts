// GET /balances (api/services/balances.ts).
import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../deps.js';
import { asyncHandler, validationFailed } from '../errors.js';
import { currentUser, requireAuth } from '../middleware/auth.js';
import { bearerAuth, errorResponses, jsonResponse, registry } from '../openapi.js';
import { BalanceSchema, BalancesQuerySchema, balancesFor } from '../services/balances.js';

registry.registerPath({
  method: 'get',
  path: '/balances',
  tags: ['ledger'],
  summary: 'Balances per asset (clients: their own; staff and auditors: ?clientId=)',
  security: bearerAuth,
  request: { query: BalancesQuerySchema },
  responses: {
    200: jsonResponse('Balances as decimal strings', z.object({ items: z.array(BalanceSchema) })),
    ...errorResponses(400, 401, 403, 404),
  },
});

export function balancesRouter(deps: AppDeps): Router {
  const router = Router();
  router.get(
    '/balances',
    requireAuth,
    asyncHandler(async (req, res) => {
      const clientId = req.query.clientId;
      if (clientId !== undefined && typeof clientId !== 'string') {
        throw validationFailed([{ path: 'clientId', code: 'invalid_type', message: 'give one clientId' }]);
      }
      res.json({ items: await balancesFor(deps, currentUser(req), clientId) });
    }),
  );
  return router;
}
