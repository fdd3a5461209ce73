// Market makers over HTTP: POST /orders/bulk (all or nothing, api/services/order-bulk.ts) and
// PUT /quotes/:symbol (a two-sided quote replacing the previous one, api/services/quotes.ts) and
// GET /market/:symbol/maker-stream (the book and own fills, api/services/maker-stream.ts).
import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../deps.js';
import { asyncHandler, forbidden } from '../errors.js';
import { idempotent } from '../idempotency.js';
import { currentUser, requireRole } from '../middleware/auth.js';
import {
  bearerAuth,
  errorResponses,
  idempotencyKeyHeader,
  jsonBody,
  jsonResponse,
  registry,
} from '../openapi.js';
import { OrderSchema } from '../order-view.js';
import { BulkOrdersBodySchema, createBulkOrders, MAX_BULK_ORDERS } from '../services/order-bulk.js';
import { streamForMaker } from '../services/maker-stream.js';
import { QuoteBodySchema, QuoteSchema, replaceQuote } from '../services/quotes.js';

const tags = ['orders'];
const security = bearerAuth;
const symbolParams = z.object({ symbol: z.string().max(16).meta({ example: 'EUA' }) });

registry.registerPath({
  method: 'post',
  path: '/orders/bulk',
  tags,
  summary: `Place up to ${MAX_BULK_ORDERS} LIMIT orders: all accepted (201) or none (422)`,
  description:
    'Every order is checked against the pre-trade rules and every reservation is held in one ledger transaction before any order is placed; a refusal answers 422 with `details.index` and leaves no order and no hold. Then the orders are placed in the order given. A client signed in, or an API key with orders:write (X-API-Key).',
  security,
  request: { headers: idempotencyKeyHeader, body: jsonBody(BulkOrdersBodySchema) },
  responses: {
    201: jsonResponse('Every order, as POST /orders answers it', z.object({ items: z.array(OrderSchema) })),
    ...errorResponses(400, 401, 403, 409, 422, 429, 503),
  },
});
registry.registerPath({
  method: 'put',
  path: '/quotes/{symbol}',
  tags,
  summary: 'Replace the caller’s two-sided quote on a symbol (API key with orders:write)',
  description:
    'Cancels the previous quote’s orders, then places the new bid and ask together (both or neither). Two PUTs of one caller on one symbol take turns; the last one’s pair is what stays working.',
  security,
  request: { params: symbolParams, body: jsonBody(QuoteBodySchema) },
  responses: {
    200: jsonResponse('The new pair and the orders it replaced', QuoteSchema),
    ...errorResponses(400, 401, 403, 404, 422, 429, 503),
  },
});

registry.registerPath({
  method: 'get',
  path: '/market/{symbol}/maker-stream',
  tags: ['market'],
  summary: 'The book and the caller’s own fills on one symbol (Server-Sent Events; client or API key)',
  description:
    '`event: book` at once and after every change; `event: fills` first with the latest own executions, then `event: fill` for each new one.',
  security,
  request: { params: symbolParams },
  responses: {
    200: {
      description: 'text/event-stream of `book`, `fills` and `fill` events',
      content: { 'text/event-stream': { schema: z.string() } },
    },
    ...errorResponses(401, 403, 404),
  },
});

export function quotesRouter(deps: AppDeps): Router {
  const router = Router();
  router.post(
    '/orders/bulk',
    requireRole('client'),
    idempotent(),
    asyncHandler(async (req, res) => {
      res
        .status(201)
        .json(await createBulkOrders(deps, currentUser(req), req.body, req.idempotencyKey ?? ''));
    }),
  );
  router.put(
    '/quotes/:symbol',
    requireRole('client'),
    asyncHandler(async (req, res) => {
      // Quotes are a program's business: a person signed in places orders instead.
      if (!req.apiKey) throw forbidden('quotes are placed with an API key (X-API-Key)');
      res.json(await replaceQuote(deps, currentUser(req), String(req.params.symbol ?? ''), req.body));
    }),
  );
  router.get(
    '/market/:symbol/maker-stream',
    requireRole('client'),
    asyncHandler(async (req, res) => {
      await streamForMaker(deps, currentUser(req), req, res, String(req.params.symbol ?? ''));
    }),
  );
  return router;
}
