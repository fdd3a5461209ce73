// POST /orders/bulk (a client or an API key with orders:write): up to 100 orders, all accepted or
// none. PUT /quotes/:symbol places its pair through the same placeAllOrNothing.
//
// What "none" means once workflows start — the choice and its guarantee:
//
//   An order that reached the venue may already have traded, and a trade cannot be taken back, so
//   "place them all, cancel them all on a refusal" cannot promise "none". Instead every refusal
//   is found before any order exists:
//     1. every order is checked (body, ticks, lots, band, size, KYC, halt, trading hours: the same
//        pure PRE_TRADE_RULES as POST /orders) against the books as they are, with the funds each
//        earlier order of the batch needs already taken off the available balance;
//     2. then every order's reservation is held in ONE ledger transaction (db/api-keys/
//        reserve-orders.ts): if the ledger refuses one (another order of the client won the cash in
//        the meantime) nothing is held. Either refusal answers 422 with the order's index, and no
//        order, workflow or hold exists afterwards;
//     3. only then the workflows start, one after the other in the order given (time priority as
//        listed). Each finds its hold under its own reservation key and routes with it.
//   After step 2 no pre-trade rule can refuse an order any more; what can still happen between the
//   reservation and the routing is an instrument halted in that instant (the venue then cancels the
//   order and releases its hold, as for POST /orders) or Temporal unavailable (503: retrying with the
//   same Idempotency-Key reaches the same orders and the same holds — nothing is placed twice).
//
// Orders in a batch are LIMIT only: a MARKET order's reservation depends on the band's edge at the
// moment its workflow validates it, which a reservation made beforehand cannot know exactly.
import { z } from 'zod';
import { reserveAllOrNothing, MAX_RESERVATIONS_PER_BATCH } from '../../db/api-keys/reserve-orders.js';
import { clientKycStatus } from '../../db/kyc/index.js';
import { ensureClientAccounts, ensureSystemAccounts, getClientBalances } from '../../db/ledger/index.js';
import { ensureInstruments, instrumentState } from '../../db/venue/index.js';
import { parsePrice, parseQuantity } from '../../domain/instruments.js';
import type { AssetCode } from '../../domain/money.js';
import { orderWorkflowId, reserveAmount, reserveAsset } from '../../domain/order.js';
import { preTradeCheck } from '../../domain/risk.js';
import { isClient } from '../../domain/roles.js';
import type { AppDeps } from '../deps.js';
import { ApiError, forbidden, unprocessable, validationFailed } from '../errors.js';
import {
  CreateOrderBodySchema,
  placePreparedOrder,
  prepareOrder,
  type OrderView,
  type PreparedOrder,
} from './orders.js';
import { parseInput, requireIdempotencyKey, type SessionUser } from './common.js';

export const MAX_BULK_ORDERS = MAX_RESERVATIONS_PER_BATCH;

export const BulkOrdersBodySchema = z
  .object({
    orders: z
      .array(CreateOrderBodySchema)
      .min(1)
      .max(MAX_BULK_ORDERS)
      .meta({ description: `1 to ${MAX_BULK_ORDERS} LIMIT orders, placed in this order` }),
  })
  .meta({ id: 'BulkOrdersBody' });

export const BulkOrdersSchema = z.object({ items: z.array(z.any()) }).meta({ id: 'BulkOrders' });

/** An ApiError of order `index` with its paths and details pointing at that order. */
function ofOrder(index: number, error: unknown): unknown {
  if (!(error instanceof ApiError)) return error;
  const details = error.details;
  const issues = (details as { issues?: unknown } | null)?.issues;
  if (error.status === 400 && Array.isArray(issues))
    return validationFailed(
      issues.map((issue: { path?: string; code?: string; message?: string }) => ({
        path: `orders.${index}${issue.path ? `.${issue.path}` : ''}`,
        code: issue.code ?? 'invalid_value',
        message: issue.message ?? error.message,
      })),
      `order ${index}: ${error.message}`,
    );
  const more = typeof details === 'object' && details !== null ? details : {};
  return new ApiError(error.status, error.code, `order ${index}: ${error.message}`, { ...more, index });
}

/** The funds each order reserves, in minor units of its reserve asset. */
function reservationOf(prepared: PreparedOrder): { asset: AssetCode; amountMinor: bigint } {
  const { input, instrument } = prepared;
  if (input.price === null) throw new Error('batch orders are LIMIT orders');
  return {
    asset: reserveAsset(instrument, input.side),
    amountMinor: reserveAmount({
      side: input.side,
      type: input.type,
      quantity: parseQuantity(instrument, input.quantity),
      limitPrice: parsePrice(instrument, input.price),
      protectionPrice: null,
      makerFeeBps: input.policy.makerFeeBps,
      takerFeeBps: input.policy.takerFeeBps,
    }),
  };
}

/** Step 1: the pre-trade rules of every order, funds of the batch counted cumulatively; 422 on the first refusal. */
async function checkAll(deps: AppDeps, user: SessionUser, batch: readonly PreparedOrder[]): Promise<void> {
  const kycStatus = (await clientKycStatus(deps.pool, user.id)) ?? 'NOT_STARTED';
  const available = new Map<AssetCode, bigint>(
    (await getClientBalances(deps.pool, user.id)).map((b) => [b.asset, b.available]),
  );
  const states = new Map<string, Awaited<ReturnType<typeof instrumentState>>>();
  for (const [index, prepared] of batch.entries()) {
    const { input, instrument } = prepared;
    if (!states.has(input.symbol)) {
      let state = await instrumentState(deps.pool, input.symbol);
      if (!state) {
        await ensureInstruments(deps.pool);
        state = await instrumentState(deps.pool, input.symbol);
      }
      states.set(input.symbol, state);
    }
    const state = states.get(input.symbol);
    if (!state) throw new Error(`instrument ${input.symbol} is not in the venue's catalogue`);
    const { asset, amountMinor } = reservationOf(prepared);
    const left = available.get(asset) ?? 0n;
    const refused = preTradeCheck(
      {
        side: input.side,
        type: input.type,
        timeInForce: input.timeInForce,
        quantity: parseQuantity(instrument, input.quantity),
        limitPrice: input.price === null ? null : parsePrice(instrument, input.price),
      },
      {
        instrument,
        instrumentStatus: state.status,
        referencePrice: state.referencePrice,
        kycStatus,
        available: left,
        policy: input.policy,
        now: new Date(),
      },
    );
    if (refused)
      throw unprocessable(refused.code, `order ${index}: ${refused.message}`, {
        ...(typeof refused.details === 'object' && refused.details !== null ? refused.details : {}),
        index,
      });
    available.set(asset, left - amountMinor);
  }
}

/**
 * Steps 1 to 3 above for orders already prepared (prepareOrder): all accepted, in the order given,
 * or a 422 and nothing placed. The views are each order's answer, as POST /orders gives it.
 */
export async function placeAllOrNothing(
  deps: AppDeps,
  user: SessionUser,
  batch: readonly PreparedOrder[],
): Promise<OrderView[]> {
  if (batch.length === 0 || batch.length > MAX_BULK_ORDERS) throw new RangeError('1 to 100 orders');
  await checkAll(deps, user, batch);
  await ensureSystemAccounts(deps.pool);
  for (const prepared of batch) {
    await ensureClientAccounts(deps.pool, user.id, prepared.instrument.asset);
    await ensureClientAccounts(deps.pool, user.id, prepared.instrument.quoteAsset);
  }
  const reservations = batch.map((prepared) => ({
    workflowId: orderWorkflowId(prepared.input.businessId),
    clientId: user.id,
    ...reservationOf(prepared),
  }));
  const held = await reserveAllOrNothing(deps.pool, reservations);
  if (!held.ok) {
    const r = reservations[held.index];
    const sell = batch[held.index]?.input.side === 'SELL';
    throw unprocessable(
      sell ? 'insufficient_position' : 'insufficient_funds',
      `order ${held.index}: not enough available ${sell ? 'holdings' : 'funds'} for the whole batch`,
      { index: held.index, asset: r?.asset ?? null },
    );
  }
  const views: OrderView[] = [];
  for (const [index, prepared] of batch.entries()) {
    try {
      views.push(await placePreparedOrder(deps, user, prepared));
    } catch (error) {
      throw ofOrder(index, error);
    }
  }
  return views;
}

/** POST /orders/bulk: `{ orders }` → 201 `{ items }` (each order as POST /orders answers it), or 422 and none. */
export async function createBulkOrders(
  deps: AppDeps,
  user: SessionUser,
  body: unknown,
  idempotencyKey: string,
): Promise<{ items: OrderView[] }> {
  if (!isClient(user.role)) throw forbidden('only clients place orders');
  const parsed = parseInput(BulkOrdersBodySchema, body, 'body');
  requireIdempotencyKey(idempotencyKey);
  const seen = new Set<string>();
  const batch = parsed.orders.map((order, index) => {
    if (order.type !== 'LIMIT')
      throw validationFailed([
        { path: `orders.${index}.type`, code: 'invalid_value', message: 'a batch takes LIMIT orders only' },
      ]);
    if (order.clientOrderId !== undefined) {
      if (seen.has(order.clientOrderId))
        throw validationFailed([
          {
            path: `orders.${index}.clientOrderId`,
            code: 'duplicate',
            message: 'each clientOrderId once per batch',
          },
        ]);
      seen.add(order.clientOrderId);
    }
    try {
      // Without a clientOrderId each order's id derives from the request's key and its place in it.
      return prepareOrder(user, order, `${idempotencyKey}/bulk/${index}`);
    } catch (error) {
      throw ofOrder(index, error);
    }
  });
  return { items: await placeAllOrNothing(deps, user, batch) };
}
