// Orders, trades and positions over HTTP: thin wrappers around api/services/orders.ts and
// api/services/positions.ts (the pages call the same functions), declared with
// api/routes/lifecycle-routes.ts. The request id (X-Request-Id, or a generated one) is the Update id
// of every action.
import type { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../deps.js';
import { asyncHandler } from '../errors.js';
import { currentUser, requireAuth } from '../middleware/auth.js';
import { errorResponses, jsonResponse } from '../openapi.js';
import { OrderSchema } from '../order-view.js';
import {
  AmendOrderBodySchema,
  CreateOrderBodySchema,
  ListOrdersQuerySchema,
  amendOrder,
  cancelOrder,
  createOrder,
  getOrder,
  listOrders,
  orderWorkflowIdFor,
} from '../services/orders.js';
import {
  ListTradesQuerySchema,
  LotsSchema,
  PositionsQuerySchema,
  PositionsSchema,
  TradeSchema,
  listTrades,
  lotsFor,
  positionsFor,
} from '../services/positions.js';
import { uuidSchema } from '../validate.js';
import { LifecycleRoutes } from './lifecycle-routes.js';

const idParams = z.object({ id: uuidSchema.meta({ description: 'The order id' }) });
const assetParams = z.object({ asset: z.string().meta({ example: 'EUA' }) });

const routes = new LifecycleRoutes({ tags: ['orders'], schema: OrderSchema, params: idParams })
  .create('/orders', {
    summary: 'Place an order (client, KYC approved)',
    description:
      'Starts the order workflow and answers once the order is routed, with its immediate fills. The same clientOrderId (else the same Idempotency-Key) is the same order; with another body, 409 idempotency_conflict. A pre-trade refusal is 422 with its code; the order is kept REJECTED (error.details.orderId).',
    body: CreateOrderBodySchema,
    responds: 'The order: ROUTED, PARTIALLY_FILLED, FILLED or CANCELLED (IOC/FOK rest)',
    errors: [400, 401, 403, 409, 422, 503],
    run: createOrder,
  })
  .list('/orders', {
    summary: 'List orders (clients: their own; staff and auditors: all — the blotter)',
    query: ListOrdersQuerySchema,
    responds: 'A page of orders, newest first',
    errors: [400, 401, 403],
    run: listOrders,
  })
  .read('/orders/:id', {
    summary: 'One order with its fills and timeline (owner, staff, auditor)',
    responds: 'The order',
    errors: [401, 404],
    run: getOrder,
  })
  .events('/orders/:id/events', {
    summary: 'Live updates of one order (Server-Sent Events)',
    description: 'An `event: state` with the order at once, then after every transition.',
    responds: 'text/event-stream of `state` events carrying the Order',
    errors: [401, 404],
    workflowIdOf: orderWorkflowIdFor,
    read: getOrder,
  })
  .action('post', '/orders/:id/cancel', {
    summary: 'Cancel the unfilled rest of an order (owner)',
    responds: 'The order, CANCELLED',
    errors: [401, 403, 404, 409, 503],
    run: cancelOrder,
  })
  .action('post', '/orders/:id/amend', {
    summary: 'Amend a working order (owner): a lower quantity keeps time priority, a new price loses it',
    body: AmendOrderBodySchema,
    responds: 'The order with its new quantity or price',
    errors: [400, 401, 403, 404, 409, 422, 503],
    run: amendOrder,
  })
  .list('/trades', {
    summary: 'Executions (clients: their own; staff and auditors: all)',
    query: ListTradesQuerySchema,
    item: TradeSchema,
    responds: 'A page of executions, newest first',
    errors: [400, 401, 403],
    run: listTrades,
  })
  .route(
    'get',
    '/positions',
    {
      summary:
        'Positions per asset, FIFO, marked to the last trade, and cash (clients: own; staff ?clientId=)',
      request: { query: PositionsQuerySchema },
      responses: {
        200: jsonResponse('Positions and cash balances as decimal strings', PositionsSchema),
        ...errorResponses(400, 401, 403, 404),
      },
    },
    (deps: AppDeps) => [
      requireAuth,
      asyncHandler(async (req, res) => {
        res.json(await positionsFor(deps, currentUser(req), req.query as Record<string, unknown>));
      }),
    ],
  )
  .route(
    'get',
    '/positions/:asset/lots',
    {
      summary: 'The open FIFO lots of one asset (clients: own; staff ?clientId=)',
      request: { params: assetParams, query: PositionsQuerySchema },
      responses: {
        200: jsonResponse('Open lots, oldest first', LotsSchema),
        ...errorResponses(400, 401, 403, 404),
      },
    },
    (deps: AppDeps) => [
      requireAuth,
      asyncHandler(async (req, res) => {
        const query = req.query as Record<string, unknown>;
        res.json(await lotsFor(deps, currentUser(req), String(req.params.asset ?? ''), query));
      }),
    ],
  );

export function ordersRouter(deps: AppDeps): Router {
  return routes.router(deps);
}
