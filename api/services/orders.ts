// Orders on the lifecycle kit (api/lifecycle-kit): the descriptor, the placement (its input and the
// pre-trade refusal), the blotter and each human action as data. The kit does the loading, checks,
// Updates, audit and view; the JSON routes and the pages call these same functions.
//
// Placement: role (403) → body (400) → Idempotency-Key → the workflow's `started` Update, which
// answers once the order is routed (with its immediate fills) or fails with the pre-trade refusal
// after recording REJECTED (422 with that code and details.orderId). The server writes no ledger
// entry: the reservation is the workflow's, serialised by the ledger, so orders never overspend.
import { z } from 'zod';
import { ensureClientAccounts } from '../../db/ledger/index.js';
import { recordsOfSummaries } from './lifecycle-records.js';
import { executionsOfOrders, listOrderSummaries } from '../../db/trading/index.js';
import { INSTRUMENT_SYMBOLS, instrumentOf, type Instrument } from '../../domain/instruments.js';
import { formatAmount } from '../../domain/money.js';
import {
  ORDER_PERMISSIONS,
  ORDER_TRANSITIONS,
  checkOrderInput,
  dayOrderExpiry,
  orderWorkflowId,
  ORDER_KINDS,
  ORDER_SIDES,
  ORDER_STATUSES,
  ORDER_TYPE,
  TIMES_IN_FORCE,
  type OrderInput,
  type OrderState,
} from '../../domain/order.js';
import { checkTradingPolicy, tradingPolicy, type TradingPolicy } from '../../domain/trading-policy.js';
import { isClient } from '../../domain/roles.js';
import { amendOrderUpdate, cancelOrderUpdate, order, orderStartedUpdate } from '../../workflows/order.js';
import { auditStaffAction } from '../audit/log.js';
import type { AppDeps } from '../deps.js';
import { forbidden, unprocessable, validationFailed, type ApiError } from '../errors.js';
import { idempotentUuid } from '../idempotency.js';
import { lifecycleService } from '../lifecycle-kit/service.js';
import {
  recordFromDetail,
  recordFromSummary,
  toOrderView,
  type OrderRecord,
  type OrderView,
} from '../order-view.js';
import {
  decimalAmountSchema,
  listQuerySchema,
  parseAmountField,
  textField,
  uuidSchema,
} from '../validate.js';
import {
  actorOf,
  listOwner,
  listPage,
  parseInput,
  refusalToApiError,
  requireIdempotencyKey,
  type SessionUser,
} from './common.js';
import { policyFromEnv } from './policy-from-env.js';

export type { OrderView } from '../order-view.js';

// ---- policy -----------------------------------------------------------------------------------------

/**
 * The policy new orders start with: the domain defaults, overridden by TRADING_POLICY_JSON (a JSON
 * object of TradingPolicy fields, e.g. `{"dayOrderTtlMs":2000,"takerFeeBps":20}`). Read on every
 * placement; a running order keeps the policy it started with.
 */
export const currentTradingPolicy = policyFromEnv<TradingPolicy>({
  variable: 'TRADING_POLICY_JSON',
  withDefaults: tradingPolicy,
  check: checkTradingPolicy,
});

// ---- input schemas (also used for the OpenAPI document) --------------------------------------------

const symbolSchema = z.enum(INSTRUMENT_SYMBOLS as [string, ...string[]]).meta({ example: 'EUA' });

export const CreateOrderBodySchema = z
  .object({
    symbol: symbolSchema,
    side: z.enum(ORDER_SIDES),
    type: z.enum(ORDER_KINDS),
    quantity: decimalAmountSchema.meta({ description: 'Units of the asset', example: '100' }),
    price: decimalAmountSchema
      .nullish()
      .meta({ description: 'LIMIT only: the limit price in the quote asset', example: '70.10' }),
    timeInForce: z.enum(TIMES_IN_FORCE).default('GTC'),
    clientOrderId: z
      .string()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/,
        '1 to 64 letters, digits or . _ : - (a letter or digit first)',
      )
      .optional()
      .meta({ description: 'Your own id of this order (1–64 characters); the same id is the same order' }),
  })
  .superRefine((body, ctx) => {
    if (body.type === 'LIMIT' && (body.price === undefined || body.price === null))
      ctx.addIssue({ code: 'custom', path: ['price'], message: 'a LIMIT order needs a price' });
    if (body.type === 'MARKET' && body.price !== undefined && body.price !== null)
      ctx.addIssue({ code: 'custom', path: ['price'], message: 'a MARKET order has no price' });
  })
  .meta({ id: 'CreateOrderBody' });

export const ListOrdersQuerySchema = listQuerySchema.extend({
  status: z.enum(ORDER_STATUSES).optional(),
  symbol: symbolSchema.optional(),
  side: z.enum(ORDER_SIDES).optional(),
  clientId: uuidSchema.optional().meta({ description: 'Staff and auditors: one client’s orders' }),
  search: textField({ max: 64, required: true })
    .optional()
    .meta({ description: 'An order id or a client order id, exactly' }),
});

export const AmendOrderBodySchema = z
  .object({
    quantity: decimalAmountSchema.nullish().meta({ description: 'The new total quantity', example: '80' }),
    price: decimalAmountSchema.nullish().meta({ description: 'The new limit price', example: '70.20' }),
  })
  .meta({ id: 'AmendOrderBody' });

// ---- the lifecycle ---------------------------------------------------------------------------------

const orders = lifecycleService({
  type: ORDER_TYPE,
  noun: 'order',
  workflowId: orderWorkflowId,
  transitions: ORDER_TRANSITIONS,
  permissions: ORDER_PERMISSIONS,
  startedUpdate: orderStartedUpdate,
  recordOfDetail: recordFromDetail,
  recordOfSummary: recordFromSummary,
  // The fills of every order on the page, from the trade table, in one query.
  load: (deps, _user, records: readonly OrderRecord[]) =>
    executionsOfOrders(
      deps.pool,
      records.map((r) => r.summary.businessId),
    ),
  view: toOrderView,
  audit: {
    before: (detail) => ({
      status: detail.status,
      quantity: detail.attributes.quantity ?? null,
      price: detail.attributes.price ?? null,
    }),
    after: (state: OrderState) => ({ status: state.status, quantity: state.quantity, price: state.price }),
  },
});

export const getOrder = orders.get;
/** getOrder of each of `ids` at once, the ones it would refuse left out (the sorted blotter). */
export const getOrders = orders.getMany;
/** The workflow id of an order `user` may read (for live updates); 404 otherwise. */
export const orderWorkflowIdFor = orders.workflowIdFor;

/**
 * GET /orders: a client's own, staff and auditors everyone's (or one client's), newest first,
 * filtered by status, symbol, side and an exact order id or client order id.
 */
export async function listOrders(
  deps: AppDeps,
  user: SessionUser,
  query: Record<string, unknown>,
): Promise<{ items: OrderView[]; nextCursor: string | null }> {
  const q = parseInput(ListOrdersQuerySchema, query, 'query');
  const owner = listOwner(user, q.clientId);
  if (owner === null) return { items: [], nextCursor: null };
  const page = await listPage(() =>
    listOrderSummaries(deps.pool, {
      ownerId: owner.ownerId,
      status: q.status,
      symbol: q.symbol,
      side: q.side,
      search: q.search,
      limit: q.limit,
      cursor: q.cursor,
    }),
  );
  const records = await recordsOfSummaries(deps.pool, page.items, !isClient(user.role), recordFromSummary);
  return { items: await orders.viewsOf(deps, user, records), nextCursor: page.nextCursor };
}

// ---- placing ----------------------------------------------------------------------------------------

function describeOrder(input: OrderInput, instrument: Instrument): string {
  const verb = input.side === 'BUY' ? 'Buy' : 'Sell';
  const at = input.price === null ? 'at market' : `at ${input.price} ${instrument.quoteAsset}`;
  return `${verb} ${input.quantity} ${instrument.asset} ${at} (${input.type} ${input.timeInForce})`;
}

/** A pre-trade refusal as the contract's 422: its code, and the REJECTED order's id. */
function refusalError(
  failure: { type?: string | null; message: string; details?: unknown },
  orderId: string,
) {
  const first = Array.isArray(failure.details) ? failure.details[0] : null;
  const details = typeof first === 'object' && first !== null ? first : {};
  return unprocessable(failure.type || 'order_rejected', failure.message, { ...details, orderId });
}

/**
 * POST /orders. The business id comes from the client order id when there is one, else from the
 * Idempotency-Key, so a retried request reaches the same workflow (USE_EXISTING), never a second
 * one; the same client order id with another order is 409 idempotency_conflict. A refused order
 * stays refused under its id: asked again, it answers the same 422.
 */
export async function createOrder(
  deps: AppDeps,
  user: SessionUser,
  body: unknown,
  idempotencyKey: string,
): Promise<OrderView> {
  return placePreparedOrder(deps, user, prepareOrder(user, body, idempotencyKey));
}

/** A checked order request, not placed yet (createOrder; the bulk and quote paths check all first). */
export interface PreparedOrder {
  input: OrderInput;
  instrument: Instrument;
  asked: Record<string, string | null>;
}

/** POST /orders' checks without I/O: role, body, keys, the order input (400/403 here, nothing placed). */
export function prepareOrder(user: SessionUser, body: unknown, idempotencyKey: string): PreparedOrder {
  if (!isClient(user.role)) throw forbidden('only clients place orders');
  const parsed = parseInput(CreateOrderBodySchema, body, 'body');
  requireIdempotencyKey(idempotencyKey);
  const instrument = instrumentOf(parsed.symbol);
  if (!instrument)
    throw validationFailed([{ path: 'symbol', code: 'invalid_value', message: 'no such symbol' }]);
  const quantity = formatAmount(
    instrument.asset,
    parseAmountField(instrument.asset, parsed.quantity, 'quantity'),
  );
  const price =
    parsed.price === undefined || parsed.price === null
      ? null
      : formatAmount(instrument.quoteAsset, parseAmountField(instrument.quoteAsset, parsed.price, 'price'));
  const clientOrderId = parsed.clientOrderId ?? null;

  const businessId = idempotentUuid(user.id, clientOrderId ?? idempotencyKey, ORDER_TYPE);
  const policy = currentTradingPolicy();
  const input: OrderInput = {
    businessId,
    clientId: user.id,
    clientOrderId,
    symbol: instrument.symbol,
    side: parsed.side,
    type: parsed.type,
    timeInForce: parsed.timeInForce,
    quantity,
    price,
    expiresAt: parsed.timeInForce === 'DAY' ? dayOrderExpiry(policy, Date.now()) : null,
    policy,
    requestedBy: actorOf(user),
  };
  const refused = checkOrderInput(input);
  if (refused) throw refusalToApiError(refused);
  const asked = {
    symbol: input.symbol,
    side: input.side,
    type: input.type,
    timeInForce: input.timeInForce,
    quantity,
    price,
    clientOrderId,
  };
  return { input, instrument, asked };
}

/** Starts the order workflow of a prepared order and answers once it is routed (createOrder's second half). */
export async function placePreparedOrder(
  deps: AppDeps,
  user: SessionUser,
  prepared: PreparedOrder,
): Promise<OrderView> {
  const { input, instrument, asked } = prepared;
  const { businessId, quantity, price } = input;

  // The reservation and the proceeds land on these accounts; the workflow's postings need them.
  await ensureClientAccounts(deps.pool, user.id, instrument.quoteAsset);
  await ensureClientAccounts(deps.pool, user.id, instrument.asset);
  const view = await orders.start(
    deps,
    user,
    {
      businessId,
      workflow: order,
      args: [input],
      staticSummary: `${describeOrder(input, instrument)} by ${user.email}`,
      conflicts: (record) => {
        const a = record.summary.attributes;
        return (
          a.symbol !== input.symbol ||
          a.side !== input.side ||
          a.type !== input.type ||
          a.timeInForce !== input.timeInForce ||
          a.quantity !== quantity ||
          (a.price ?? null) !== price
        );
      },
      audit: asked,
    },
    {
      refused: async (failure) => {
        await auditStaffAction(
          deps.pool,
          user,
          'order.rejected',
          { type: ORDER_TYPE, id: businessId },
          null,
          { code: failure.type, ...asked },
          { once: 'subject' },
        );
      },
      refusalError: (failure) => refusalError(failure, businessId),
    },
  );
  // The same order asked again after its workflow ended: it was refused then, so it is now.
  if (view.status === 'REJECTED') throw rejectedAgain(view);
  return view;
}

function rejectedAgain(view: OrderView): ApiError {
  return refusalError(
    { type: view.endCode, message: view.rejectReason ?? 'the order was rejected', details: [] },
    view.id,
  );
}

// ---- actions --------------------------------------------------------------------------------------

const cancel = orders.action('cancel', { update: cancelOrderUpdate, args: () => ({}) });
/** POST /orders/:id/cancel: the unfilled rest is cancelled and its reservation released. */
export const cancelOrder = (deps: AppDeps, user: SessionUser, id: string, requestId: string) =>
  cancel(deps, user, id, {}, requestId);

/**
 * POST /orders/:id/amend: a lower quantity keeps time priority, a new price loses it (the venue
 * decides); a larger reservation the client cannot afford is the venue's 422 insufficient_funds.
 */
export const amendOrder = orders.action('amend', {
  update: amendOrderUpdate,
  body: AmendOrderBodySchema,
  check: (body) => {
    if ((body.quantity ?? null) === null && (body.price ?? null) === null)
      throw validationFailed([
        { path: 'quantity', code: 'required', message: 'give a new quantity or price' },
      ]);
  },
  args: (body, detail) => {
    const instrument = instrumentOf(String(detail.attributes.symbol ?? ''));
    if (!instrument) throw new Error(`order ${detail.businessId} has no known symbol`);
    return {
      quantity:
        body.quantity == null
          ? null
          : formatAmount(instrument.asset, parseAmountField(instrument.asset, body.quantity, 'quantity')),
      price:
        body.price == null
          ? null
          : formatAmount(instrument.quoteAsset, parseAmountField(instrument.quoteAsset, body.price, 'price')),
    };
  },
});
