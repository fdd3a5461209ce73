// One broker execution into the books, in ONE PostgreSQL transaction (docs/trading.md "Ledger recipes
// of a fill", with the broker as the counterparty through venue:clearing):
//   1. postHold of the order's current hold for exactly what this execution uses (BUY: price × qty +
//      fee; SELL: qty), which releases the rest of that hold;
//   2. while the order keeps a remainder, a new hold for the rest of the reservation;
//   3. one `trade.fill` entry: the client's tradeFill against venue:clearing and the tradeFee;
//   4. the trade row (the broker's side has no order: its order and client ids are null).
// Every key derives from the trade id, itself derived from the broker's execution id, so running it
// again (an activity retry) answers the same entries and inserts nothing new.
import assert from 'node:assert/strict';
import type pg from 'pg';
import { inLedgerTransaction } from '../db/ledger/transaction.js';
import {
  clientAccountCode,
  systemAccountCode,
  tradeFee,
  tradeFill,
  orderReserve,
} from '../domain/postings.js';
import { formatAmount } from '../domain/money.js';
import { formatPrice, formatQuantity, notional, type Instrument } from '../domain/instruments.js';
import { feeFor, reserveAsset, type OrderInput } from '../domain/order.js';
import type { BrokerExecution } from './broker-adapter.js';
import type { OrderFill } from './order.js';

export interface BrokerExecutionPosting {
  run: { workflowId: string; runId: string; activity: string };
  order: OrderInput;
  instrument: Instrument;
  tradeId: string;
  report: BrokerExecution;
  /** The order's current hold and what it reserves (reserve asset minor units). */
  holdEntryId: string;
  reserved: bigint;
  filledBefore: bigint;
  quantity: bigint;
}

export interface PostedBrokerExecution {
  fill: OrderFill;
  /** The hold of the remainder; null once the order is filled. */
  holdEntryId: string | null;
  reserved: bigint;
}

export async function postBrokerExecution(
  pool: pg.Pool,
  posting: BrokerExecutionPosting,
): Promise<PostedBrokerExecution> {
  const { run, order, instrument, tradeId, report, holdEntryId, reserved } = posting;
  const cash = notional(report.price, report.quantity);
  let fee = feeFor(cash, order.policy.takerFeeBps);
  // The reservation rounds the fee up once on the whole quantity, each execution rounds up its own:
  // a BUY's later executions can find the hold a minor unit short. The reservation is what the
  // client agreed to spend at most, so that fee is capped (as the internal venue's settleSide does).
  if (order.side === 'BUY' && cash <= reserved && cash + fee > reserved) fee = reserved - cash;
  const asset = reserveAsset(instrument, order.side);
  const uses = order.side === 'BUY' ? cash + fee : report.quantity;
  const filled = posting.filledBefore + report.quantity;
  const remaining = posting.quantity - filled;
  assert.ok(report.quantity > 0n && remaining >= 0n, 'a broker execution stays within the order');
  assert.ok(uses <= reserved, 'a broker execution uses no more than the order reserved');
  const rest = remaining > 0n ? reserved - uses : 0n;
  const provenance = { workflowId: run.workflowId, runId: run.runId, activity: run.activity };
  const side = order.side === 'BUY' ? 'buy' : 'sell';

  return inLedgerTransaction(pool, async (tx) => {
    // The instrument row serialises trade numbering per symbol, as the venue does.
    const locked = await tx.query<{ next: string }>(
      `SELECT (SELECT COALESCE(MAX(seq), 0) + 1 FROM trade WHERE symbol = i.symbol)::text AS next
         FROM instrument i WHERE i.symbol = $1 FOR UPDATE`,
      [instrument.symbol],
    );
    assert.ok(locked.rows[0], `instrument ${instrument.symbol} is in the catalogue`);
    await tx.lockAccounts([
      clientAccountCode(order.clientId, instrument.quoteAsset, 'available'),
      clientAccountCode(order.clientId, instrument.quoteAsset, 'pending_settlement'),
      clientAccountCode(order.clientId, instrument.asset, 'available'),
      clientAccountCode(order.clientId, instrument.asset, 'pending_settlement'),
      systemAccountCode('venue_clearing', instrument.quoteAsset),
      systemAccountCode('venue_clearing', instrument.asset),
      systemAccountCode('fees_revenue', instrument.quoteAsset),
    ]);
    await tx.postHold({
      idempotencyKey: `${run.workflowId}/fill/${tradeId}/post`,
      holdEntryId,
      amount: uses,
      kind: 'order.reserve.post',
      description: `Order reservation committed to broker execution ${report.executionId}`,
      ...provenance,
    });
    let nextHold: string | null = null;
    if (rest > 0n) {
      const hold = await tx.holdEntry({
        idempotencyKey: `${run.workflowId}/fill/${tradeId}/reserve`,
        ...orderReserve(order.clientId, asset, rest),
        ...provenance,
      });
      nextHold = hold.id;
    }
    const fill = tradeFill({
      clientId: order.clientId,
      side,
      cashAsset: instrument.quoteAsset,
      cashAmount: cash,
      certificateAsset: instrument.asset,
      quantity: report.quantity,
    });
    await tx.postEntry({
      idempotencyKey: `trade/${tradeId}`,
      kind: 'trade.fill',
      description: `${fill.description} at the broker`,
      transfers: [
        ...fill.transfers,
        ...(fee > 0n ? tradeFee(order.clientId, instrument.quoteAsset, fee).transfers : []),
      ],
      ...provenance,
    });
    await tx.query(
      `INSERT INTO trade (id, symbol, seq, price, quantity, buy_order_id, sell_order_id, buyer_id, seller_id,
                          aggressor_side, buy_fee, sell_fee, buy_filled, buy_remaining, sell_filled, sell_remaining,
                          executed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
       ON CONFLICT (id) DO NOTHING`,
      [
        tradeId,
        instrument.symbol,
        locked.rows[0].next,
        report.price.toString(),
        report.quantity.toString(),
        order.side === 'BUY' ? order.businessId : null,
        order.side === 'SELL' ? order.businessId : null,
        order.side === 'BUY' ? order.clientId : null,
        order.side === 'SELL' ? order.clientId : null,
        order.side,
        (order.side === 'BUY' ? fee : 0n).toString(),
        (order.side === 'SELL' ? fee : 0n).toString(),
        order.side === 'BUY' ? filled.toString() : null,
        order.side === 'BUY' ? remaining.toString() : null,
        order.side === 'SELL' ? filled.toString() : null,
        order.side === 'SELL' ? remaining.toString() : null,
        report.at,
      ],
    );
    await tx.query(`UPDATE instrument SET last_price = $2, updated_at = now() WHERE symbol = $1`, [
      instrument.symbol,
      report.price.toString(),
    ]);
    return {
      fill: {
        tradeId,
        price: formatPrice(instrument, report.price),
        quantity: formatQuantity(instrument, report.quantity),
        fee: formatAmount(instrument.quoteAsset, fee),
        liquidity: 'TAKER',
        at: report.at.toISOString(),
        filledQuantity: formatQuantity(instrument, filled),
        remainingQuantity: formatQuantity(instrument, remaining),
        done: remaining === 0n,
      },
      holdEntryId: nextHold,
      reserved: rest,
    };
  });
}
