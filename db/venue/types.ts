// The venue's shapes: what submit/cancel/amend answer and one side of one trade. Amounts are bigints
// of minor units here; activities turn them into decimal strings for workflows.
import type { IncomingOutcome } from '../../domain/matching.js';
import type { Liquidity, OrderKind, OrderSide, TimeInForce } from '../../domain/order-types.js';

export type VenueOrderStatus = 'RESTING' | 'DONE';

/** One order's side of one trade, with that order's totals right after it. */
export interface VenueFill {
  tradeId: string;
  orderId: string;
  workflowId: string;
  clientId: string;
  side: OrderSide;
  price: bigint;
  quantity: bigint;
  /** In the quote asset. */
  fee: bigint;
  liquidity: Liquidity;
  at: Date;
  orderFilled: bigint;
  orderRemaining: bigint;
  /** Fully filled by this fill. */
  orderDone: boolean;
}

export interface VenueOrderResult {
  orderId: string;
  status: VenueOrderStatus;
  filled: bigint;
  /** quantity − filled; live only while RESTING. */
  remaining: bigint;
  /** How the order's last match ended; null when it never matched (cancelled before, halted). */
  outcome: IncomingOutcome | null;
  cancelReason: string | null;
  /** The order's current hold, while it has one (RESTING). */
  holdEntryId: string | null;
  reserved: bigint;
  /** Every fill this order took part in, oldest first. */
  fills: VenueFill[];
  /** Fills of OTHER orders made by this call (the caller Signals their workflows). */
  counterFills: VenueFill[];
}

export interface SubmitOrderInput {
  orderId: string;
  workflowId: string;
  clientId: string;
  symbol: string;
  side: OrderSide;
  type: OrderKind;
  timeInForce: TimeInForce;
  limitPrice: bigint | null;
  protectionPrice: bigint | null;
  quantity: bigint;
  /** The order's reservation, placed by the caller (`<workflowId>/reserve`, orderReserve). */
  holdEntryId: string;
  reserved: bigint;
  makerFeeBps: number;
  takerFeeBps: number;
}

export interface CancelOrderInput {
  orderId: string;
  reason: string;
}

export interface AmendOrderInput {
  orderId: string;
  quantity?: bigint;
  limitPrice?: bigint;
}

export type AmendRefusalCode =
  'insufficient_funds' | 'order_not_open' | 'invalid_amend' | 'instrument_halted';

export interface AmendRefusal {
  refused: { code: AmendRefusalCode; message: string; details: Record<string, unknown> };
}
