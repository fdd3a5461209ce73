// Instruments and market data over HTTP (api/services/market.ts): the catalogue, book, public
// trades, candles, the market stream (SSE) and the halts of operations.
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../deps.js';
import { asyncHandler } from '../errors.js';
import { currentUser, requireAuth, requireRole } from '../middleware/auth.js';
import { bearerAuth, errorResponses, jsonBody, jsonResponse, registry } from '../openapi.js';
import {
  BookQuerySchema,
  BookSchema,
  CandleSchema,
  CandlesQuerySchema,
  HaltBodySchema,
  InstrumentSchema,
  MarketTradesQuerySchema,
  PublicTradeSchema,
  ResumeBodySchema,
  SymbolParamsSchema,
  bookFor,
  candlesFor,
  changeInstrumentStatus,
  instrumentsFor,
  marketTradesFor,
  streamMarket,
} from '../services/market.js';

type Query = Record<string, unknown>;
const symbolOf = (params: Record<string, string | undefined>) => String(params.symbol ?? '');

const routes: { method: 'get' | 'post'; path: string; handlers: (deps: AppDeps) => RequestHandler[] }[] = [];

function route(
  method: 'get' | 'post',
  path: string,
  doc: Omit<Parameters<typeof registry.registerPath>[0], 'method' | 'path' | 'tags' | 'security'>,
  handlers: (deps: AppDeps) => RequestHandler[],
): void {
  registry.registerPath({
    method,
    path: path.replace(/:(\w+)/g, '{$1}'),
    tags: ['market'],
    security: bearerAuth,
    ...doc,
  });
  routes.push({ method, path, handlers });
}

route(
  'get',
  '/instruments',
  {
    summary: 'The tradable instruments with their status and reference price (signed in)',
    responses: {
      200: jsonResponse('Every instrument', z.object({ items: z.array(InstrumentSchema) })),
      ...errorResponses(401),
    },
  },
  (deps) => [
    requireAuth,
    asyncHandler(async (_req, res) => void res.json({ items: await instrumentsFor(deps) })),
  ],
);

route(
  'get',
  '/market/:symbol/book',
  {
    summary: 'The order book aggregated per price level, best first, without owners (signed in)',
    request: { params: SymbolParamsSchema, query: BookQuerySchema },
    responses: { 200: jsonResponse('The book', BookSchema), ...errorResponses(400, 401, 404) },
  },
  (deps) => [
    requireAuth,
    asyncHandler(
      async (req, res) => void res.json(await bookFor(deps, symbolOf(req.params), req.query as Query)),
    ),
  ],
);

route(
  'get',
  '/market/:symbol/trades',
  {
    summary: 'Recent public trades, newest first (signed in)',
    request: { params: SymbolParamsSchema, query: MarketTradesQuerySchema },
    responses: {
      200: jsonResponse('Public trades', z.object({ items: z.array(PublicTradeSchema) })),
      ...errorResponses(400, 401, 404),
    },
  },
  (deps) => [
    requireAuth,
    asyncHandler(async (req, res) => {
      res.json({ items: await marketTradesFor(deps, symbolOf(req.params), req.query as Query) });
    }),
  ],
);

route(
  'get',
  '/market/:symbol/candles',
  {
    summary: 'Candles (open, high, low, close, volume) per 1m, 1h or 1d over [from, to) (signed in)',
    request: { params: SymbolParamsSchema, query: CandlesQuerySchema },
    responses: {
      200: jsonResponse('Candles, oldest first', z.object({ items: z.array(CandleSchema) })),
      ...errorResponses(400, 401, 404),
    },
  },
  (deps) => [
    requireAuth,
    asyncHandler(async (req, res) => {
      res.json({ items: await candlesFor(deps, symbolOf(req.params), req.query as Query) });
    }),
  ],
);

route(
  'get',
  '/market/:symbol/stream',
  {
    summary: 'Live market data (Server-Sent Events, signed in)',
    description: 'An `event: market` with `{ book, trades }` at once, then after every book change or trade.',
    request: { params: SymbolParamsSchema },
    responses: {
      200: {
        description: 'text/event-stream of `market` events',
        content: { 'text/event-stream': { schema: z.string() } },
      },
      ...errorResponses(401, 404),
    },
  },
  (deps) => [
    requireAuth,
    asyncHandler(async (req, res) => {
      await streamMarket(deps, req, res, symbolOf(req.params));
    }),
  ],
);

for (const [change, body, what] of [
  [
    'halt',
    HaltBodySchema,
    'Halt trading in an instrument (operations, admin): new orders get 422 instrument_halted',
  ],
  ['resume', ResumeBodySchema, 'Resume trading in a halted instrument (operations, admin)'],
] as const) {
  route(
    'post',
    `/ops/instruments/:symbol/${change}`,
    {
      summary: what,
      request: { params: SymbolParamsSchema, body: jsonBody(body) },
      responses: {
        200: jsonResponse('The instrument with its new status', InstrumentSchema),
        ...errorResponses(400, 401, 403, 404, 409),
      },
    },
    (deps) => [
      requireRole('operations'),
      asyncHandler(async (req, res) => {
        res.json(
          await changeInstrumentStatus(deps, currentUser(req), symbolOf(req.params), change, req.body),
        );
      }),
    ],
  );
}

export function marketRouter(deps: AppDeps): Router {
  const router = Router();
  for (const { method, path, handlers } of routes) router[method](path, ...handlers(deps));
  return router;
}
