// cancelOrder and amendOrder: each ONE transaction under the instrument's lock, safe to repeat
// (a cancelled order answers its result again; an amend to what the order already is changes nothing).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { matchIncoming } from '../../domain/matching.js';
import { reserveAmount } from '../../domain/order.js';
import { clientAccountCode, orderReserve, orderReserveRelease } from '../../domain/postings.js';
import { inLedgerTransaction, type LedgerTx } from '../ledger/transaction.js';
import type { Db } from '../ledger/types.js';
import { lockInstrument, recordBookChange, type LockedInstrument } from './instruments.js';
import { accountsOfMatch, executeMatch, incomingOf, releaseHold, restingOf } from './match.js';
import { loadCrossing, loadOrder, nextPriority, saveOrder, type VenueOrder } from './order-rows.js';
import { orderResult } from './results.js';
import type {
  AmendOrderInput,
  AmendRefusal,
  AmendRefusalCode,
  CancelOrderInput,
  VenueOrderResult,
} from './types.js';

/** The order under the instrument lock (taken first, like every venue call), then its own row lock. */
async function lockOrder(tx: LedgerTx, orderId: string): Promise<{ order: VenueOrder } & LockedInstrument> {
  const known = await loadOrder(tx.client, orderId, null);
  assert.ok(known, `venue order ${orderId} exists`);
  const locked = await lockInstrument(tx.client, known.symbol);
  const order = await loadOrder(tx.client, orderId, 'FOR UPDATE');
  assert.ok(order);
  return { order, ...locked };
}

export async function cancelOrder(db: Db, input: CancelOrderInput): Promise<VenueOrderResult> {
  return inLedgerTransaction(db, async (tx) => {
    const { order } = await lockOrder(tx, input.orderId);
    if (order.status === 'RESTING') {
      await releaseHold(tx, order, input.reason);
      order.status = 'DONE';
      order.cancelReason = input.reason;
      await saveOrder(tx.client, order);
      await recordBookChange(tx.client, order.symbol, 1, null);
    }
    return orderResult(tx.client, order.orderId, []);
  });
}

function refusal(code: AmendRefusalCode, message: string, details: Record<string, unknown>): AmendRefusal {
  return { refused: { code, message, details } };
}

/** The available cash or certificates of the order's client, read under the account lock. */
async function spendable(tx: LedgerTx, code: string): Promise<bigint> {
  const found = await tx.query<{ spendable: string }>(
    `SELECT credits_posted - debits_posted - debits_pending AS spendable FROM ledger_account WHERE code = $1`,
    [code],
  );
  const row = found.rows[0];
  assert.ok(row, `account ${code} exists`);
  return BigInt(row.spendable);
}

/** Replaces the order's hold with one of `reserve` (keys of this amend), under the account locks. */
async function resizeReservation(tx: LedgerTx, order: VenueOrder, reserve: bigint): Promise<void> {
  assert.ok(order.holdEntryId !== null);
  const amendId = randomUUID();
  await tx.voidHold({
    idempotencyKey: `${order.workflowId}/amend/${amendId}/release`,
    holdEntryId: order.holdEntryId,
    workflowId: order.workflowId,
    ...orderReserveRelease('amended'),
  });
  const hold = await tx.holdEntry({
    idempotencyKey: `${order.workflowId}/amend/${amendId}/reserve`,
    workflowId: order.workflowId,
    ...orderReserve(order.clientId, order.reserveAsset, reserve),
  });
  order.holdEntryId = hold.id;
  order.reserved = reserve;
}

/**
 * A lower quantity keeps the order's time priority; a new price (or more quantity) takes a new one,
 * and a new price is matched again as an incoming order (it may trade). The reservation is resized;
 * when that needs more than the client has available, the amend is refused and nothing changes.
 */
export async function amendOrder(db: Db, input: AmendOrderInput): Promise<VenueOrderResult | AmendRefusal> {
  return inLedgerTransaction(db, async (tx) => {
    const { order, instrument, state } = await lockOrder(tx, input.orderId);
    if (order.status !== 'RESTING') return refusal('order_not_open', 'the order is no longer open', {});
    assert.ok(order.limitPrice !== null);
    const quantity = input.quantity ?? order.quantity;
    const price = input.limitPrice ?? order.limitPrice;
    if (quantity === order.quantity && price === order.limitPrice) {
      return orderResult(tx.client, order.orderId, []);
    }
    if (state.status === 'HALTED') return refusal('instrument_halted', 'trading is halted', {});
    if (quantity <= order.filled || price <= 0n) {
      return refusal('invalid_amend', 'the new quantity must exceed what is filled', {
        filled: order.filled.toString(),
      });
    }
    const reserve = reserveAmount({ ...order, quantity: quantity - order.filled, limitPrice: price });
    const repriced = price !== order.limitPrice;
    const amended: VenueOrder = { ...order, quantity, remaining: quantity - order.filled, limitPrice: price };
    // A new price matches first (pure), so every account the unit touches is locked in one statement.
    const resting = repriced ? await loadCrossing(tx.client, order.symbol, amended, price) : [];
    const match = repriced ? matchIncoming(incomingOf(amended), resting.map(restingOf)) : null;
    const counterparties = match?.fills.map((fill) => fill.restingClientId) ?? [];
    await tx.lockAccounts(accountsOfMatch(instrument, [order.clientId, ...counterparties]));
    const available = await spendable(tx, clientAccountCode(order.clientId, order.reserveAsset, 'available'));
    if (reserve > order.reserved + available) {
      return refusal('insufficient_funds', 'not enough available to reserve the amended order', {
        asset: order.reserveAsset,
        available: (order.reserved + available).toString(),
        requested: reserve.toString(),
      });
    }
    if (!(price === order.limitPrice && quantity < order.quantity)) {
      amended.priority = await nextPriority(tx.client);
    }
    if (match === null) {
      await resizeReservation(tx, amended, reserve);
      await saveOrder(tx.client, amended);
      await recordBookChange(tx.client, order.symbol, 1, null);
      return orderResult(tx.client, order.orderId, []);
    }
    const prepare = () => resizeReservation(tx, amended, reserve);
    const tradeIds = await executeMatch({ tx, instrument, incoming: amended, resting, match, prepare });
    return orderResult(tx.client, order.orderId, tradeIds);
  });
}
