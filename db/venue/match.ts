// Applying one match inside the venue's transaction: per fill, both sides' reservations (post what
// the fill uses, re-reserve the remainder), one trade.fill entry with both sides' legs and fees, the
// trade row; then the incoming order's ending and the book change. docs/trading.md "Ledger recipes
// of a fill" is the recipe; every amount goes through the LedgerTx.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Instrument } from '../../domain/instruments.js';
import type { IncomingOrder, MatchFill, MatchResult, RestingOrder } from '../../domain/matching.js';
import { feeFor, reserveAmount } from '../../domain/order.js';
import type { Liquidity } from '../../domain/order-types.js';
import {
  clientAccountCode,
  orderReserve,
  orderReservePost,
  orderReserveRelease,
  systemAccountCode,
  tradeFee,
  tradeFill,
  type PostingTransfer,
} from '../../domain/postings.js';
import type { LedgerTx } from '../ledger/transaction.js';
import { recordBookChange } from './instruments.js';
import { saveOrder, type VenueOrder } from './order-rows.js';

export function incomingOf(order: VenueOrder): IncomingOrder {
  return {
    orderId: order.orderId,
    clientId: order.clientId,
    side: order.side,
    type: order.type,
    timeInForce: order.timeInForce,
    limitPrice: order.type === 'LIMIT' ? order.limitPrice : null,
    protectionPrice: order.type === 'MARKET' ? order.protectionPrice : null,
    quantity: order.remaining,
  };
}

export function restingOf(order: VenueOrder): RestingOrder {
  assert.ok(order.status === 'RESTING' && order.limitPrice !== null);
  return {
    orderId: order.orderId,
    clientId: order.clientId,
    side: order.side,
    price: order.limitPrice,
    remaining: order.remaining,
    priority: order.priority,
  };
}

/** The worst price an incoming order may trade at, which bounds the book it reads. */
export function priceBoundOf(order: VenueOrder): bigint | null {
  return order.type === 'LIMIT' ? order.limitPrice : order.protectionPrice;
}

/** Every account a match touches: each client's two assets (available, pending_settlement), the venue's, fees. */
export function accountsOfMatch(instrument: Instrument, clientIds: Iterable<string>): string[] {
  const codes = [
    systemAccountCode('venue_clearing', instrument.asset),
    systemAccountCode('venue_clearing', instrument.quoteAsset),
    systemAccountCode('fees_revenue', instrument.quoteAsset),
  ];
  for (const clientId of new Set(clientIds)) {
    for (const asset of [instrument.asset, instrument.quoteAsset]) {
      codes.push(clientAccountCode(clientId, asset, 'available'));
      codes.push(clientAccountCode(clientId, asset, 'pending_settlement'));
    }
  }
  return codes;
}

export interface MatchContext {
  tx: LedgerTx;
  instrument: Instrument;
  /** Updated in place: fills, reservation, status. */
  incoming: VenueOrder;
  resting: VenueOrder[];
  match: MatchResult;
  /** Runs after the accounts are locked and before the first fill (amend resizes the reservation here). */
  prepare?: () => Promise<void>;
}

const CANCEL_REASON: Record<string, string> = {
  CANCEL_REMAINDER: 'remainder_cancelled',
  FOK_KILLED: 'fok_not_filled',
  SELF_TRADE_CANCELLED: 'self_trade_prevented',
};

/**
 * Applies `match` and ends or rests the incoming order. Answers the ids of the trades it made, oldest
 * first. The caller holds the instrument lock and has inserted the incoming order's row.
 */
export async function executeMatch(ctx: MatchContext): Promise<string[]> {
  const { tx, instrument, incoming, match } = ctx;
  const restingById = new Map(ctx.resting.map((order) => [order.orderId, order]));
  const counterparties = match.fills.map((fill) => fill.restingClientId);
  await tx.lockAccounts(accountsOfMatch(instrument, [incoming.clientId, ...counterparties]));
  await ctx.prepare?.();

  const last = await tx.query<{ seq: string }>(
    `SELECT coalesce(max(seq), 0) AS seq FROM trade WHERE symbol = $1`,
    [instrument.symbol],
  );
  let seq = BigInt(last.rows[0]?.seq ?? '0');
  const tradeIds: string[] = [];
  for (const fill of match.fills) {
    const resting = restingById.get(fill.restingOrderId);
    assert.ok(resting, `resting order ${fill.restingOrderId} was loaded`);
    seq += 1n;
    tradeIds.push(await executeFill(tx, instrument, incoming, resting, fill, seq));
    assert.equal(resting.remaining, fill.restingRemaining, 'the venue and matching agree on the rest');
    if (resting.remaining === 0n) resting.outcome = 'FILLED';
    await saveOrder(tx.client, resting);
  }
  assert.equal(incoming.remaining, match.incomingRemaining, 'the venue and matching agree on the remainder');

  incoming.outcome = match.outcome;
  if (match.outcome === 'REST') {
    assert.ok(incoming.holdEntryId !== null && incoming.remaining > 0n, 'a resting order keeps its hold');
    incoming.status = 'RESTING';
  } else {
    incoming.status = 'DONE';
    if (incoming.holdEntryId !== null)
      await releaseHold(tx, incoming, CANCEL_REASON[match.outcome] ?? 'done');
    incoming.cancelReason = CANCEL_REASON[match.outcome] ?? null;
  }
  await saveOrder(tx.client, incoming);
  const lastPrice = match.fills.at(-1)?.price ?? null;
  await recordBookChange(tx.client, instrument.symbol, match.fills.length + 1, lastPrice);
  return tradeIds;
}

/** Voids the order's current hold (`<workflowId>/release`): it ends without using the rest. */
export async function releaseHold(tx: LedgerTx, order: VenueOrder, reason: string): Promise<void> {
  assert.ok(order.holdEntryId !== null, `order ${order.orderId} holds a reservation`);
  await tx.voidHold({
    idempotencyKey: `${order.workflowId}/release`,
    holdEntryId: order.holdEntryId,
    workflowId: order.workflowId,
    ...orderReserveRelease(reason),
  });
  order.holdEntryId = null;
  order.reserved = 0n;
}

async function executeFill(
  tx: LedgerTx,
  instrument: Instrument,
  incoming: VenueOrder,
  resting: VenueOrder,
  fill: MatchFill,
  seq: bigint,
): Promise<string> {
  const tradeId = randomUUID();
  const [buy, sell] = incoming.side === 'BUY' ? [incoming, resting] : [resting, incoming];
  const liquidity = (order: VenueOrder): Liquidity => (order === incoming ? 'TAKER' : 'MAKER');
  const buyFee = await settleSide(tx, buy, fill, liquidity(buy), tradeId);
  const sellFee = await settleSide(tx, sell, fill, liquidity(sell), tradeId);

  const cash = fill.price * fill.quantity;
  const leg = (order: VenueOrder, side: 'buy' | 'sell') =>
    tradeFill({
      clientId: order.clientId,
      side,
      cashAsset: instrument.quoteAsset,
      cashAmount: cash,
      certificateAsset: instrument.asset,
      quantity: fill.quantity,
    }).transfers;
  const fees = (order: VenueOrder, amount: bigint): PostingTransfer[] =>
    amount > 0n ? tradeFee(order.clientId, instrument.quoteAsset, amount).transfers : [];
  await tx.postEntry({
    idempotencyKey: `trade/${tradeId}`,
    workflowId: incoming.workflowId,
    kind: 'trade.fill',
    description: `Trade ${instrument.symbol} #${seq}: ${fill.quantity} at ${fill.price}`,
    transfers: [...leg(buy, 'buy'), ...leg(sell, 'sell'), ...fees(buy, buyFee), ...fees(sell, sellFee)],
  });
  await tx.query(
    `INSERT INTO trade (id, symbol, seq, price, quantity, buy_order_id, sell_order_id, buyer_id, seller_id,
                        aggressor_side, buy_fee, sell_fee, buy_filled, buy_remaining, sell_filled, sell_remaining)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
    [
      tradeId,
      instrument.symbol,
      seq,
      fill.price,
      fill.quantity,
      buy.orderId,
      sell.orderId,
      buy.clientId,
      sell.clientId,
      incoming.side,
      buyFee,
      sellFee,
      buy.filled,
      buy.remaining,
      sell.filled,
      sell.remaining,
    ],
  );
  return tradeId;
}

/**
 * One side of a fill: posts what the fill uses of the order's hold (which releases the rest of that
 * hold) and, when the order keeps a remainder, reserves it with a new hold. Answers the side's fee.
 *
 * A BUY's fee is capped at what its reservation still holds beyond the notional (see
 * remainderReservation: it can fall a minor unit short when the client has nothing left available).
 */
async function settleSide(
  tx: LedgerTx,
  order: VenueOrder,
  fill: MatchFill,
  liquidity: Liquidity,
  tradeId: string,
): Promise<bigint> {
  assert.ok(order.holdEntryId !== null, `order ${order.orderId} holds a reservation`);
  assert.ok(fill.quantity <= order.remaining, 'a fill never exceeds the remainder');
  const cash = fill.price * fill.quantity;
  const bps = liquidity === 'MAKER' ? order.makerFeeBps : order.takerFeeBps;
  let fee = feeFor(cash, bps);
  let used = fill.quantity;
  if (order.side === 'BUY') {
    assert.ok(cash <= order.reserved, 'a BUY reservation covers the notional of every fill');
    if (cash + fee > order.reserved) fee = order.reserved - cash;
    used = cash + fee;
  }
  assert.ok(used <= order.reserved && used > 0n, 'a fill uses part of the reservation');
  await tx.postHold({
    idempotencyKey: `${order.workflowId}/fill/${tradeId}/post`,
    holdEntryId: order.holdEntryId,
    amount: used,
    workflowId: order.workflowId,
    ...orderReservePost(),
  });
  const released = order.reserved - used;
  order.filled += fill.quantity;
  order.remaining -= fill.quantity;
  order.holdEntryId = null;
  order.reserved = 0n;
  if (order.remaining === 0n) {
    order.status = 'DONE';
    return fee;
  }
  const reserve = await remainderReservation(tx, order, released);
  assert.ok(reserve > 0n, 'a remainder keeps a reservation');
  const hold = await tx.holdEntry({
    idempotencyKey: `${order.workflowId}/fill/${tradeId}/reserve`,
    workflowId: order.workflowId,
    ...orderReserve(order.clientId, order.reserveAsset, reserve),
  });
  order.holdEntryId = hold.id;
  order.reserved = reserve;
  return fee;
}

/**
 * What a remainder reserves: SELL its quantity; BUY its reserveAmount. A reservation rounds the fee
 * up once on the whole quantity while each fill rounds up its own, so what a BUY's fill released can
 * be a minor unit short of the remainder's reserveAmount; that unit comes from the client's available
 * cash, or, when there is none, the remainder keeps what was released (and its last fill's fee is
 * capped by settleSide: the reservation is what the client agreed to spend at most).
 */
async function remainderReservation(tx: LedgerTx, order: VenueOrder, released: bigint): Promise<bigint> {
  if (order.side === 'SELL') {
    assert.equal(released, order.remaining, 'a SELL reserves exactly its remainder');
    return released;
  }
  const wanted = reserveAmount({ ...order, quantity: order.remaining });
  if (wanted <= released) return wanted;
  const available = clientAccountCode(order.clientId, order.reserveAsset, 'available');
  // The account is locked (executeMatch locks every account of the match up front).
  const found = await tx.query<{ spendable: string }>(
    `SELECT credits_posted - debits_posted - debits_pending AS spendable FROM ledger_account WHERE code = $1`,
    [available],
  );
  const spendable = BigInt(found.rows[0]?.spendable ?? '0');
  return wanted - released <= spendable ? wanted : released + spendable;
}
