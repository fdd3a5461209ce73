// A client's executions and what they add up to: GET /trades (one row per side of a trade the
// client took part in), GET /positions (FIFO lots per asset, marked to the last trade, and the cash
// balances) and GET /positions/:asset/lots. Clients see their own; staff and auditors everyone's
// trades, and one named client's positions.
import { z } from 'zod';
import { getClientBalances } from '../../db/ledger/index.js';
import {
  executionsOfClient,
  listExecutions,
  listInstruments,
  transfersInOfClient,
  type Execution,
} from '../../db/trading/index.js';
import { isUuid } from '../../domain/ids.js';
import { INSTRUMENT_SYMBOLS, instrumentOf, instrumentOfAsset } from '../../domain/instruments.js';
import { ASSETS, formatAmount, isTradableAsset, type AssetCode } from '../../domain/money.js';
import { ORDER_SIDES } from '../../domain/order.js';
import { positionsFrom, type PositionFill } from '../../domain/positions.js';
import { canReadAllClients, isClient } from '../../domain/roles.js';
import type { AppDeps } from '../deps.js';
import { forbidden, notFound, validationFailed } from '../errors.js';
import { instantField, listQuerySchema, uuidSchema } from '../validate.js';
import { balancesFor, BalanceSchema } from './balances.js';
import { listOwner, listPage, parseInput, type SessionUser } from './common.js';

// ---- trades -----------------------------------------------------------------------------------------

export interface TradeView {
  id: string;
  orderId: string;
  symbol: string;
  side: 'BUY' | 'SELL';
  price: string;
  quantity: string;
  fee: string;
  liquidity: 'MAKER' | 'TAKER';
  at: string;
  settlementId: string | null;
  settlementStatus: string;
  /** Staff and auditors only: whose execution this is. */
  clientId?: string | null;
}

export const TradeSchema = z
  .object({
    id: z.uuid().meta({ description: 'The trade id' }),
    orderId: z.uuid(),
    symbol: z.string().meta({ example: 'EUA' }),
    side: z.enum(ORDER_SIDES),
    price: z.string().meta({ example: '70.10' }),
    quantity: z.string().meta({ example: '100' }),
    fee: z.string().meta({ example: '7.01', description: 'In the quote asset' }),
    liquidity: z.enum(['MAKER', 'TAKER']),
    at: z.string(),
    settlementId: z.uuid().nullable(),
    settlementStatus: z.string().meta({ example: 'UNSETTLED' }),
    clientId: z.uuid().nullable().optional().meta({ description: 'Staff and auditors only' }),
  })
  .meta({ id: 'Trade' });

export const ListTradesQuerySchema = listQuerySchema.extend({
  symbol: z.enum(INSTRUMENT_SYMBOLS as [string, ...string[]]).optional(),
  orderId: uuidSchema.optional(),
  from: instantField().optional().meta({ description: 'Executed at or after (ISO 8601)' }),
  to: instantField().optional().meta({ description: 'Executed before (ISO 8601)' }),
  clientId: uuidSchema.optional().meta({ description: 'Staff and auditors: one client’s trades' }),
});

function tradeViewOf(execution: Execution, user: SessionUser): TradeView {
  const instrument = instrumentOf(execution.symbol);
  if (!instrument) throw new Error(`a trade of an unknown instrument ${execution.symbol}`);
  const view: TradeView = {
    id: execution.tradeId,
    orderId: execution.orderId,
    symbol: execution.symbol,
    side: execution.side,
    price: formatAmount(instrument.quoteAsset, execution.priceMinor),
    quantity: formatAmount(instrument.asset, execution.quantityMinor),
    fee: formatAmount(instrument.quoteAsset, execution.feeMinor),
    liquidity: execution.liquidity,
    at: execution.executedAt,
    settlementId: execution.settlementId,
    settlementStatus: execution.settlementStatus,
  };
  if (!isClient(user.role)) view.clientId = execution.clientId;
  return view;
}

/** GET /trades: newest first, filtered by symbol, order and time. */
export async function listTrades(
  deps: AppDeps,
  user: SessionUser,
  query: Record<string, unknown>,
): Promise<{ items: TradeView[]; nextCursor: string | null }> {
  const q = parseInput(ListTradesQuerySchema, query, 'query');
  if (q.from !== undefined && q.to !== undefined && Date.parse(q.from) >= Date.parse(q.to))
    throw validationFailed([{ path: 'to', code: 'too_small', message: 'to must be after from' }]);
  const owner = listOwner(user, q.clientId);
  if (owner === null) return { items: [], nextCursor: null };
  const page = await listPage(() =>
    listExecutions(deps.pool, {
      clientId: owner.ownerId,
      symbol: q.symbol,
      orderId: q.orderId,
      from: q.from,
      to: q.to,
      limit: q.limit,
      cursor: q.cursor,
    }),
  );
  return { items: page.items.map((e) => tradeViewOf(e, user)), nextCursor: page.nextCursor };
}

// ---- positions --------------------------------------------------------------------------------------

export interface PositionView {
  asset: string;
  quoteAsset: string;
  quantity: string;
  averageCost: string | null;
  costBasis: string;
  marketPrice: string | null;
  marketValue: string | null;
  unrealizedPnl: string | null;
  realizedPnl: string;
}

export interface LotView {
  openedAt: string;
  /** null for an opening lot transferred in from the registry. */
  tradeId: string | null;
  quantity: string;
  remaining: string;
  price: string;
}

const money = (example: string) => z.string().meta({ example });

export const PositionSchema = z
  .object({
    asset: z.string().meta({ example: 'EUA' }),
    quoteAsset: z.string().meta({ example: 'EUR' }),
    quantity: money('300'),
    averageCost: money('70.12').nullable(),
    costBasis: money('21036.00').meta({ description: 'What the open units cost, fees included' }),
    marketPrice: money('70.50').nullable(),
    marketValue: money('21150.00').nullable(),
    unrealizedPnl: money('114.00').nullable(),
    realizedPnl: money('0.00'),
  })
  .meta({ id: 'Position' });

export const PositionsSchema = z
  .object({ items: z.array(PositionSchema), cash: z.array(BalanceSchema) })
  .meta({ id: 'Positions' });

export const LotSchema = z
  .object({
    openedAt: z.string(),
    tradeId: z.uuid().nullable().meta({ description: 'null for a registry transfer in' }),
    quantity: money('100'),
    remaining: money('60'),
    price: money('70.10'),
  })
  .meta({ id: 'Lot' });

export const LotsSchema = z.object({ items: z.array(LotSchema) }).meta({ id: 'Lots' });

export const PositionsQuerySchema = z.object({
  clientId: uuidSchema
    .optional()
    .meta({ description: 'Required for staff and auditors; clients see their own' }),
});

/** Whose positions `user` reads: a client their own (another's is 404), staff a named client. */
function positionsOwner(user: SessionUser, query: Record<string, unknown>): string {
  const { clientId } = parseInput(PositionsQuerySchema, query, 'query');
  if (isClient(user.role)) {
    if (clientId !== undefined && clientId.toLowerCase() !== user.id) throw notFound('no such client');
    return user.id;
  }
  if (!canReadAllClients(user.role)) throw forbidden();
  if (clientId === undefined)
    throw validationFailed([
      { path: 'clientId', code: 'required', message: 'name the client: ?clientId=<uuid>' },
    ]);
  return clientId.toLowerCase();
}

/**
 * The client's fills in time order, registry transfers in first among equals, each transfer in an
 * opening lot at the instrument's reference price (its cost is not known to the platform).
 */
async function positionsOf(deps: AppDeps, clientId: string) {
  const [executions, transfers, instruments] = await Promise.all([
    executionsOfClient(deps.pool, clientId),
    transfersInOfClient(deps.pool, clientId),
    listInstruments(deps.pool),
  ]);
  const bySymbol = new Map(instruments.map((row) => [row.symbol, row]));
  const opening: PositionFill[] = transfers.flatMap((t) => {
    const instrument = instrumentOfAsset(t.asset);
    const row = instrument ? bySymbol.get(instrument.symbol) : undefined;
    if (!instrument || !row) return [];
    return [
      {
        tradeId: null,
        at: t.at,
        side: 'BUY',
        asset: t.asset,
        quantity: t.quantityMinor,
        price: row.referencePriceMinor,
        fee: 0n,
      },
    ];
  });
  const traded: PositionFill[] = executions.flatMap((e) => {
    const instrument = instrumentOf(e.symbol);
    if (!instrument) return [];
    return [
      {
        tradeId: e.tradeId,
        at: e.executedAt,
        side: e.side,
        asset: instrument.asset,
        quantity: e.quantityMinor,
        price: e.priceMinor,
        fee: e.feeMinor,
      },
    ];
  });
  // Both lists are in time order; a stable sort keeps transfers in before trades of the same instant.
  const fills = [...opening, ...traded].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  // Marked to the last trade; before the first trade, to the reference price.
  const marks = new Map<AssetCode, bigint>();
  for (const row of instruments) {
    const instrument = instrumentOf(row.symbol);
    if (instrument) marks.set(instrument.asset, row.lastPriceMinor ?? row.referencePriceMinor);
  }
  return positionsFrom(fills, marks);
}

/** GET /positions: one item per asset the client ever held here, and the cash balances. */
export async function positionsFor(
  deps: AppDeps,
  user: SessionUser,
  query: Record<string, unknown>,
): Promise<{ items: PositionView[]; cash: Awaited<ReturnType<typeof balancesFor>> }> {
  const clientId = positionsOwner(user, query);
  const [positions, balances] = await Promise.all([
    positionsOf(deps, clientId),
    balancesFor(deps, user, clientId),
  ]);
  const items = positions.map((p) => {
    const quote = (minor: bigint | null) => (minor === null ? null : formatAmount(p.quoteAsset, minor));
    return {
      asset: p.asset,
      quoteAsset: p.quoteAsset,
      quantity: formatAmount(p.asset, p.quantity),
      averageCost: quote(p.averageCost),
      costBasis: formatAmount(p.quoteAsset, p.costBasis),
      marketPrice: quote(p.marketPrice),
      marketValue: quote(p.marketValue),
      unrealizedPnl: quote(p.unrealizedPnl),
      realizedPnl: formatAmount(p.quoteAsset, p.realizedPnl),
    };
  });
  const cash = balances.filter((b) => ASSETS[b.asset as AssetCode]?.kind === 'cash');
  return { items, cash };
}

/** GET /positions/:asset/lots: the open FIFO lots of one tradable asset, oldest first. */
export async function lotsFor(
  deps: AppDeps,
  user: SessionUser,
  asset: string,
  query: Record<string, unknown>,
): Promise<{ items: LotView[] }> {
  const clientId = positionsOwner(user, query);
  if (!isTradableAsset(asset)) throw notFound('no such asset');
  const instrument = instrumentOfAsset(asset);
  if (!instrument) throw notFound('no such asset');
  const position = (await positionsOf(deps, clientId)).find((p) => p.asset === asset);
  return {
    items: (position?.lots ?? []).map((lot) => ({
      openedAt: lot.openedAt,
      tradeId: lot.tradeId,
      quantity: formatAmount(asset, lot.quantity),
      remaining: formatAmount(asset, lot.remaining),
      price: formatAmount(instrument.quoteAsset, lot.price),
    })),
  };
}
