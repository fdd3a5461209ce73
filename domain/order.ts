// The order lifecycle as pure data and rules: actions, the transition table, who may do what, the
// workflow id, fee and reservation sizing, the DAY expiry instant and the checks of the input and of
// every Update. The workflow (workflows/order.ts), its activities, the venue and the API use these.
//
//   NEW ──validate──▶ VALIDATED ──route──▶ ROUTED ──fill──────────▶ PARTIALLY_FILLED ──fill──▶ (same)
//    │                   │                   │     ──fill_complete─▶ FILLED ◀──fill_complete──┘
//    └──reject──▶ REJECTED ◀──reject─────────┘ (the broker refused it)
//   ROUTED | PARTIALLY_FILLED ──cancel | cancel_remainder──▶ CANCELLED, ──expire──▶ EXPIRED,
//                             ──amend──▶ (same status)
//
// `cancel` is the owner's request; `cancel_remainder` is the venue ending what an IOC/FOK order
// (or a self-trade prevention) left: the same target, but a system action.

import {
  checkArgsPresent,
  checkDecimalAmount,
  checkLifecycleAction,
  checkUpdate,
  isActor,
  isBusinessId,
  refuse,
  validation,
  type PermissionTable,
  type Refusal,
  type TransitionTable,
} from './lifecycle.js';
import { isUuid } from './ids.js';
import {
  formatPrice,
  instrumentOf,
  parsePrice,
  parseQuantity,
  priceBand,
  type Instrument,
} from './instruments.js';
import { parseAmount, type AssetCode } from './money.js';
import {
  ORDER_KINDS,
  ORDER_SIDES,
  ORDER_TYPE,
  TIMES_IN_FORCE,
  type AmendOrderArgs,
  type CancelOrderArgs,
  type OrderInput,
  type OrderKind,
  type OrderSide,
  type OrderStatus,
} from './order-types.js';
import {
  MAX_FEE_BPS,
  checkTradingPolicy,
  localClock,
  localTimeToMs,
  minutesOfLocalTime,
  type TradingPolicy,
} from './trading-policy.js';

export * from './order-types.js';

export const ORDER_ACTIONS = [
  'validate',
  'reject',
  'route',
  'fill',
  'fill_complete',
  'cancel',
  'cancel_remainder',
  'expire',
  'amend',
] as const;
export type OrderAction = (typeof ORDER_ACTIONS)[number];

const WORKING = {
  fill: 'PARTIALLY_FILLED',
  fill_complete: 'FILLED',
  cancel: 'CANCELLED',
  cancel_remainder: 'CANCELLED',
  expire: 'EXPIRED',
} as const;

export const ORDER_TRANSITIONS: TransitionTable<OrderStatus, OrderAction> = {
  NEW: { validate: 'VALIDATED', reject: 'REJECTED' },
  // reject here: the broker refused the order.
  VALIDATED: { route: 'ROUTED', reject: 'REJECTED' },
  ROUTED: { ...WORKING, amend: 'ROUTED' },
  PARTIALLY_FILLED: { ...WORKING, amend: 'PARTIALLY_FILLED' },
  FILLED: {},
  REJECTED: {},
  CANCELLED: {},
  EXPIRED: {},
};

/** Only the owning client cancels or amends; everything else is the venue, the broker or a timer. */
export const ORDER_PERMISSIONS: PermissionTable<OrderAction> = {
  validate: { kind: 'system' },
  reject: { kind: 'system' },
  route: { kind: 'system' },
  fill: { kind: 'system' },
  fill_complete: { kind: 'system' },
  cancel: { kind: 'owner' },
  cancel_remainder: { kind: 'system' },
  expire: { kind: 'system' },
  amend: { kind: 'owner' },
};

/** The actions a person asks for through an Update. */
export const ORDER_HUMAN_ACTIONS = ['cancel', 'amend'] as const;
export type OrderHumanAction = (typeof ORDER_HUMAN_ACTIONS)[number];

/** `order-<businessId>`: one workflow per business id, so a retried request finds the same order. */
export function orderWorkflowId(businessId: string): string {
  if (!isBusinessId(businessId)) throw new TypeError(`not a business id: "${String(businessId)}"`);
  return `${ORDER_TYPE}-${businessId}`;
}

// ---------------------------------------------------------------------------------------------
// Fees and reservations

/** The fee on `notional` at `bps` basis points, rounded UP to the minor unit (never undercharged). */
export function feeFor(notional: bigint, bps: number): bigint {
  if (typeof notional !== 'bigint' || notional < 0n)
    throw new RangeError('notional is a non-negative bigint');
  if (!(Number.isSafeInteger(bps) && bps >= 0 && bps <= MAX_FEE_BPS))
    throw new RangeError(`fee rate must be 0 to ${MAX_FEE_BPS} whole basis points, got ${bps}`);
  const scaled = notional * BigInt(bps);
  return (scaled + 9_999n) / 10_000n;
}

export interface ReserveSizing {
  side: OrderSide;
  type: OrderKind;
  /** Asset minor units. */
  quantity: bigint;
  /** LIMIT: the limit price (quote minor units); null for MARKET. */
  limitPrice: bigint | null;
  /** MARKET: the band edge it may trade up (BUY) or down (SELL) to; null for LIMIT. */
  protectionPrice: bigint | null;
  makerFeeBps: number;
  takerFeeBps: number;
}

/**
 * What the order's hold reserves. BUY: the worst notional (`quantity × limit`, a MARKET order's
 * protection price) plus the larger of the two fees on it, since whether it trades as maker or
 * taker is not known yet; a fill never costs more than that. SELL: the quantity itself.
 */
export function reserveAmount(s: ReserveSizing): bigint {
  if (!(s.quantity > 0n)) throw new RangeError('quantity must be positive');
  if (s.side === 'SELL') return s.quantity;
  const price = s.type === 'LIMIT' ? s.limitPrice : s.protectionPrice;
  if (price === null || !(price > 0n))
    throw new RangeError(`a ${s.type} BUY needs a positive price to size its reservation`);
  const worst = s.quantity * price;
  return worst + feeFor(worst, Math.max(s.makerFeeBps, s.takerFeeBps));
}

/** BUY reserves the quote cash, SELL the asset. */
export function reserveAsset(instrument: Instrument, side: OrderSide): AssetCode {
  return side === 'BUY' ? instrument.quoteAsset : instrument.asset;
}

/** The price a MARKET order may trade to at worst: the band's top for a BUY, its bottom for a SELL. */
export function protectionPrice(instrument: Instrument, side: OrderSide, referencePrice: bigint): bigint {
  const band = priceBand(referencePrice, instrument.priceBandPct, instrument.tickSize);
  return side === 'BUY' ? band.high : band.low;
}

// ---------------------------------------------------------------------------------------------
// DAY orders

/** A bound on the search below: the next session close is at most a day and a DST shift away. */
const SESSION_CLOSE_SEARCH_DAYS = 3;

/**
 * When a DAY order started at `startMs` expires: `dayOrderTtlMs` after the start when the policy
 * sets it (tests), else the first session close (`sessionClose.time` in its zone) after the start.
 */
export function dayOrderExpiry(policy: TradingPolicy, startMs: number): string | null {
  if (!Number.isFinite(startMs)) throw new RangeError('startMs must be an instant');
  if (policy.dayOrderTtlMs !== null) return new Date(startMs + policy.dayOrderTtlMs).toISOString();
  const { timeZone, time } = policy.sessionClose;
  const minutes = minutesOfLocalTime(time);
  if (minutes === null) throw new Error(`sessionClose.time "${time}" is not "HH:MM" (checkTradingPolicy)`);
  const today = localClock(timeZone, startMs);
  for (let offsetDays = 0; offsetDays < SESSION_CLOSE_SEARCH_DAYS; offsetDays += 1) {
    const closeMs = localTimeToMs(timeZone, today.year, today.month, today.day + offsetDays, minutes);
    if (closeMs > startMs) return new Date(closeMs).toISOString();
  }
  throw new Error(
    `no session close within ${SESSION_CLOSE_SEARCH_DAYS} days of ${new Date(startMs).toISOString()}`,
  );
}

// ---------------------------------------------------------------------------------------------
// Checks: validation_failed for malformed input, then forbidden, then invalid_state, then values.

const CLIENT_ORDER_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

function isOneOf<T extends string>(values: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (values as readonly string[]).includes(value);
}

function isIsoInstant(value: unknown): value is string {
  return (
    typeof value === 'string' && !Number.isNaN(Date.parse(value)) && new Date(value).toISOString() === value
  );
}

/** The workflow input's shape (the risk rules judge the values, domain/risk.ts). */
export function checkOrderInput(input: OrderInput): Refusal | null {
  if (typeof input !== 'object' || input === null) return validation('', 'invalid_type', 'input is missing');
  if (!isBusinessId(input.businessId))
    return validation(
      'businessId',
      'invalid_string',
      'businessId must be 1-128 letters, digits or ._:- characters',
    );
  if (!isUuid(input.clientId)) return validation('clientId', 'invalid_string', 'clientId must be a UUID');
  if (
    input.clientOrderId !== null &&
    !(typeof input.clientOrderId === 'string' && CLIENT_ORDER_ID.test(input.clientOrderId))
  )
    return validation(
      'clientOrderId',
      'invalid_string',
      'clientOrderId must be 1-64 letters, digits or ._:- characters',
    );
  const instrument = typeof input.symbol === 'string' ? instrumentOf(input.symbol) : null;
  if (instrument === null)
    return validation('symbol', 'invalid_enum_value', `unknown instrument "${String(input.symbol)}"`);
  if (!isOneOf(ORDER_SIDES, input.side))
    return validation('side', 'invalid_enum_value', 'side is BUY or SELL');
  if (!isOneOf(ORDER_KINDS, input.type))
    return validation('type', 'invalid_enum_value', 'type is LIMIT or MARKET');
  if (!isOneOf(TIMES_IN_FORCE, input.timeInForce))
    return validation('timeInForce', 'invalid_enum_value', 'timeInForce is GTC, DAY, IOC or FOK');
  const quantity = checkDecimalAmount(instrument.asset, input.quantity, 'quantity');
  if (!quantity.ok) return quantity.refusal;
  if (input.type === 'LIMIT') {
    const price = checkDecimalAmount(instrument.quoteAsset, input.price, 'price');
    if (!price.ok) return price.refusal;
  } else if (input.price !== null) {
    return validation('price', 'unrecognized_keys', 'a MARKET order has no price');
  }
  if (input.timeInForce === 'DAY' ? !isIsoInstant(input.expiresAt) : input.expiresAt !== null)
    return validation(
      'expiresAt',
      'invalid_date',
      'expiresAt is the ISO instant a DAY order expires, null otherwise',
    );
  if (!isActor(input.requestedBy))
    return validation('requestedBy', 'invalid_type', 'requestedBy must be { id: UUID, role }');
  if (input.requestedBy.role !== 'client' || input.requestedBy.id !== input.clientId)
    return refuse('forbidden', 'an order is placed by the client it belongs to');
  const problems = checkTradingPolicy(input.policy);
  if (problems.length > 0)
    return refuse('validation_failed', `the trading policy is not usable: ${problems.join('; ')}`);
  return null;
}

/** The part of the state the Update checks look at. */
export interface OrderView {
  status: OrderStatus;
  clientId: string;
}

export interface AmendView extends OrderView {
  type: OrderKind;
  /** Decimal strings, as in OrderState. */
  quantity: string;
  filledQuantity: string;
  price: string | null;
}

/** Owner only; 409 invalid_state once FILLED, CANCELLED, REJECTED or EXPIRED (and before ROUTED). */
export function checkCancel(view: OrderView, args: CancelOrderArgs): Refusal | null {
  return checkUpdate(args, (actor) =>
    checkLifecycleAction(ORDER_TRANSITIONS, ORDER_PERMISSIONS, view, 'cancel', actor),
  );
}

function given(value: string | null | undefined): value is string {
  return value !== undefined && value !== null;
}

/**
 * Owner only, while ROUTED or PARTIALLY_FILLED. At least one of quantity and price; a new price only
 * for a LIMIT order and on the tick grid; a new quantity a lot multiple above what is already
 * filled. The band and the buying power of a larger order are the activity's (they need the book
 * and the balance).
 */
export function checkAmend(view: AmendView, args: AmendOrderArgs, instrument: Instrument): Refusal | null {
  const missing = checkArgsPresent(args);
  if (missing) return missing;
  const refused = checkLifecycleAction(ORDER_TRANSITIONS, ORDER_PERMISSIONS, view, 'amend', args.actor);
  if (refused) return refused;
  if (!given(args.quantity) && !given(args.price))
    return validation('', 'custom', 'an amendment names a new quantity, a new price, or both');
  if (given(args.quantity)) {
    const quantity = checkDecimalAmount(instrument.asset, args.quantity, 'quantity');
    if (!quantity.ok) return quantity.refusal;
    const newQuantity = parseQuantity(instrument, quantity.amount);
    const filled = parseAmount(instrument.asset, view.filledQuantity, { allowZero: true });
    if (newQuantity % instrument.lotSize !== 0n)
      return validation(
        'quantity',
        'invalid_lot',
        `quantity must be a multiple of the lot size ${instrument.lotSize}`,
      );
    if (newQuantity <= filled)
      return validation(
        'quantity',
        'too_small',
        `quantity must stay above the ${view.filledQuantity} already filled`,
      );
  }
  if (given(args.price)) {
    if (view.type !== 'LIMIT')
      return validation('price', 'custom', 'only a LIMIT order has a price to amend');
    const price = checkDecimalAmount(instrument.quoteAsset, args.price, 'price');
    if (!price.ok) return price.refusal;
    const minor = parsePrice(instrument, price.amount);
    if (minor % instrument.tickSize !== 0n)
      return validation(
        'price',
        'invalid_tick',
        `price must be a multiple of the tick size ${formatPrice(instrument, instrument.tickSize)}`,
      );
  }
  return null;
}

/** Volume-weighted average price of `fills`, rounded half-up to the quote asset's minor unit. */
export function averagePrice(
  fills: readonly { price: string; quantity: string }[],
  instrument: Instrument,
): string | null {
  let quantityTotal = 0n;
  let notionalTotal = 0n;
  for (const fill of fills) {
    const quantity = parseQuantity(instrument, fill.quantity);
    const price = parsePrice(instrument, fill.price);
    quantityTotal += quantity;
    notionalTotal += price * quantity;
  }
  if (quantityTotal === 0n) return null;
  const average = (2n * notionalTotal + quantityTotal) / (2n * quantityTotal);
  return formatPrice(instrument, average);
}
