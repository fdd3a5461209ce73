// The order workflow's messages and the state a run carries into the next (continue-as-new). Kept
// apart so the API and the venue activities import the definitions without the workflow's body;
// workflows/order.ts re-exports them.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { TimelineEntry } from '../domain/lifecycle.js';
import type {
  AmendOrderArgs,
  CancelOrderArgs,
  Fill,
  FillSignal,
  OrderState,
  OrderStatus,
} from '../domain/order.js';

export const orderStateQuery = defineQuery<OrderState>('state');
/**
 * Sent with the start (update-with-start): answers once the order was routed (ROUTED or later, its
 * immediate fills applied), or fails with the pre-trade refusal (type = code, details[0].orderId)
 * after REJECTED was recorded. Changes nothing.
 */
export const orderStartedUpdate = defineUpdate<OrderState, []>('started');
export const cancelOrderUpdate = defineUpdate<OrderState, [CancelOrderArgs]>('cancel');
export const amendOrderUpdate = defineUpdate<OrderState, [AmendOrderArgs]>('amend');
/** A resting order traded (sent by the activity of the order that traded against it). */
export const orderFillSignal = defineSignal<[FillSignal]>('fill');

/** What a run hands to the next one when it continues as new. */
export interface OrderCarried {
  status: OrderStatus;
  timeline: TimelineEntry<OrderStatus>[];
  fills: Fill[];
  /** Fill Signals received and not applied yet. */
  inbox: FillSignal[];
  quantity: string;
  price: string | null;
  holdEntryId: string | null;
  reserved: string;
  protectionPrice: string | null;
  brokerOrderId: string | null;
  brokerSeq: number;
}
