// The order lifecycle's shapes, shared by the workflow, its activities, the venue and the API.
// Amounts are decimal strings at the asset's scale (they cross JSON: workflow input, Signals,
// activity results); domain/instruments.ts converts them to integer ticks and lots.
import type { Actor, TimelineEntry } from './lifecycle.js';
import type { AssetCode } from './money.js';
import type { TradingPolicy } from './trading-policy.js';

export const ORDER_TYPE = 'order';

export const ORDER_STATUSES = [
  'NEW',
  'VALIDATED',
  'ROUTED',
  'PARTIALLY_FILLED',
  'FILLED',
  'REJECTED',
  'CANCELLED',
  'EXPIRED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const ORDER_SIDES = ['BUY', 'SELL'] as const;
export type OrderSide = (typeof ORDER_SIDES)[number];
export const ORDER_KINDS = ['LIMIT', 'MARKET'] as const;
export type OrderKind = (typeof ORDER_KINDS)[number];
export const TIMES_IN_FORCE = ['GTC', 'DAY', 'IOC', 'FOK'] as const;
export type TimeInForce = (typeof TIMES_IN_FORCE)[number];
export type Liquidity = 'MAKER' | 'TAKER';

/** The pre-trade refusals of API.md (422), plus the venue's own endings. */
export const ORDER_REJECT_CODES = [
  'kyc_required',
  'insufficient_funds',
  'insufficient_position',
  'price_out_of_band',
  'instrument_halted',
  'order_too_large',
  'invalid_tick',
  'invalid_lot',
  'market_closed',
  'broker_rejected',
] as const;
export type OrderRejectCode = (typeof ORDER_REJECT_CODES)[number];

export interface OrderRefusal {
  code: OrderRejectCode;
  message: string;
  details?: Record<string, unknown>;
}

/** The workflow's input: everything the order is, fixed at the start (the policy too). */
export interface OrderInput {
  businessId: string;
  clientId: string;
  clientOrderId: string | null;
  symbol: string;
  side: OrderSide;
  type: OrderKind;
  timeInForce: TimeInForce;
  /** Decimal string at the asset's scale. */
  quantity: string;
  /** LIMIT only: decimal string at the quote asset's scale; null for MARKET. */
  price: string | null;
  /** DAY orders: when the session closes (ISO 8601), computed from the policy at the start. */
  expiresAt: string | null;
  policy: TradingPolicy;
  requestedBy: Actor;
}

/** One execution of this order (one side of a trade). */
export interface Fill {
  tradeId: string;
  price: string;
  quantity: string;
  /** Always in the quote asset. */
  fee: string;
  liquidity: Liquidity;
  at: string;
}

/** What a resting order's workflow is told after the venue committed a trade against it. */
export interface FillSignal extends Fill {
  orderId: string;
  /** The order's totals at the venue after this fill (decimal strings). */
  filledQuantity: string;
  remainingQuantity: string;
  /** The venue ended the order with this fill (fully filled). */
  done: boolean;
}

export interface Reservation {
  asset: AssetCode;
  /** What the order's hold reserves now (decimal string at the asset's scale). */
  amount: string;
}

export interface CancelOrderArgs {
  actor: Actor;
}

export interface AmendOrderArgs {
  actor: Actor;
  quantity?: string | null;
  price?: string | null;
}

/** The Query `state` and every Update's answer. */
export interface OrderState {
  workflowId: string;
  businessId: string;
  clientId: string;
  clientOrderId: string | null;
  symbol: string;
  side: OrderSide;
  type: OrderKind;
  timeInForce: TimeInForce;
  quantity: string;
  price: string | null;
  status: OrderStatus;
  filledQuantity: string;
  remainingQuantity: string;
  /** Volume-weighted price of the fills; null before the first. */
  averagePrice: string | null;
  reserved: Reservation;
  rejectReason: string | null;
  /** The refusal code when REJECTED; the reason of a CANCELLED/EXPIRED ending otherwise. */
  endCode: string | null;
  expiresAt: string | null;
  fills: Fill[];
  timeline: TimelineEntry<OrderStatus>[];
  /** Human actions possible now ('cancel', 'amend'). */
  actions: string[];
}
