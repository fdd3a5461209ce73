// submitOrder: one order onto the internal venue, in ONE transaction: the instrument row lock (one
// match at a time per instrument), the crossing side of the book under FOR UPDATE, matchIncoming,
// every fill's postings and trade row, the book change. Idempotent by order id: an order already in
// venue_order answers its current result without matching again, which makes a retried activity safe.
import assert from 'node:assert/strict';
import { isUuid } from '../../domain/ids.js';
import type { Instrument } from '../../domain/instruments.js';
import { matchIncoming } from '../../domain/matching.js';
import { reserveAmount, reserveAsset } from '../../domain/order.js';
import { clientAccountCode } from '../../domain/postings.js';
import { ensureClientAccounts } from '../ledger/accounts.js';
import type { Queryable } from '../ledger/rows.js';
import { inLedgerTransaction } from '../ledger/transaction.js';
import type { Db } from '../ledger/types.js';
import { loadInstrument, lockInstrument } from './instruments.js';
import { executeMatch, incomingOf, priceBoundOf, releaseHold, restingOf } from './match.js';
import { insertOrder, loadCrossing, loadOrder, nextPriority, type VenueOrder } from './order-rows.js';
import { orderResult } from './results.js';
import type { SubmitOrderInput, VenueOrderResult } from './types.js';

function assertSubmitInput(input: SubmitOrderInput, instrument: Instrument): void {
  assert.ok(isUuid(input.orderId) && isUuid(input.clientId), 'order and client ids are UUIDs');
  assert.ok(isUuid(input.holdEntryId), 'a submitted order holds its reservation');
  assert.ok(input.quantity > 0n && input.quantity % instrument.lotSize === 0n, 'quantity in whole lots');
  if (input.type === 'LIMIT') {
    assert.ok(input.limitPrice !== null && input.limitPrice > 0n, 'a LIMIT order has its price');
    assert.equal(input.protectionPrice, null, 'a LIMIT order has no protection price');
  } else {
    assert.ok(input.protectionPrice !== null && input.protectionPrice > 0n, 'a MARKET order has protection');
    assert.equal(input.limitPrice, null, 'a MARKET order has no limit price');
    assert.ok(input.timeInForce === 'IOC' || input.timeInForce === 'FOK', 'a MARKET order never rests');
  }
  assert.equal(input.reserved, reserveAmount(input), 'the reservation is the order reserveAmount');
}

interface HoldRow {
  status: string;
  resolved: boolean;
  code: string;
  debit: string;
  credit: string;
  pending: boolean;
}

/** The order's hold exists, is unresolved and reserves exactly `reserved` of the client's available. */
async function assertReservation(
  q: Queryable,
  input: SubmitOrderInput,
  instrument: Instrument,
): Promise<void> {
  const asset = reserveAsset(instrument, input.side);
  const found = await q.query<HoldRow>(
    `SELECT e.status, EXISTS (SELECT 1 FROM journal_entry r WHERE r.pending_entry_id = e.id) AS resolved,
            a.code, l.debit, l.credit, l.pending
       FROM journal_entry e
       JOIN journal_line l ON l.entry_id = e.id
       JOIN ledger_account a ON a.id = l.account_id
      WHERE e.id = $1
      ORDER BY l.id`,
    [input.holdEntryId],
  );
  const [debit, credit] = found.rows;
  assert.ok(debit && credit && found.rows.length === 2, `hold ${input.holdEntryId} is one transfer`);
  assert.ok(debit.status === 'pending' && !debit.resolved, `hold ${input.holdEntryId} is pending`);
  assert.equal(debit.code, clientAccountCode(input.clientId, asset, 'available'), 'the hold is on available');
  assert.equal(credit.code, clientAccountCode(input.clientId, asset, 'pending_settlement'));
  assert.equal(BigInt(debit.debit), input.reserved, 'the hold reserves what the order says');
}

function newOrder(input: SubmitOrderInput, instrument: Instrument, priority: bigint): VenueOrder {
  return {
    orderId: input.orderId.toLowerCase(),
    workflowId: input.workflowId,
    clientId: input.clientId.toLowerCase(),
    symbol: instrument.symbol,
    side: input.side,
    type: input.type,
    timeInForce: input.timeInForce,
    limitPrice: input.limitPrice,
    protectionPrice: input.protectionPrice,
    quantity: input.quantity,
    filled: 0n,
    remaining: input.quantity,
    status: 'DONE',
    priority,
    reserveAsset: reserveAsset(instrument, input.side),
    holdEntryId: input.holdEntryId.toLowerCase(),
    reserved: input.reserved,
    makerFeeBps: input.makerFeeBps,
    takerFeeBps: input.takerFeeBps,
    outcome: null,
    cancelReason: null,
  };
}

export async function submitOrder(db: Db, input: SubmitOrderInput): Promise<VenueOrderResult> {
  const known = await loadInstrument(db, input.symbol, null);
  assert.ok(known, `instrument ${input.symbol} exists`);
  const { instrument } = known;
  assert.equal(instrument.venue, 'internal', `${input.symbol} trades on the internal venue`);
  assertSubmitInput(input, instrument);
  // Both assets' accounts exist before any fill can credit them (idempotent, outside the unit).
  await ensureClientAccounts(db, input.clientId, instrument.asset);
  await ensureClientAccounts(db, input.clientId, instrument.quoteAsset);

  return inLedgerTransaction(db, async (tx) => {
    const { state } = await lockInstrument(tx.client, instrument.symbol);
    const existing = await loadOrder(tx.client, input.orderId, null);
    if (existing) {
      assert.equal(existing.workflowId, input.workflowId, `order ${input.orderId} belongs to its workflow`);
      return orderResult(tx.client, existing.orderId, 'as-aggressor');
    }
    await assertReservation(tx.client, input, instrument);
    const order = newOrder(input, instrument, await nextPriority(tx.client));
    if (state.status === 'HALTED') {
      // Halted between the risk check and routing: nothing trades, the reservation goes back.
      await releaseHold(tx, order, 'instrument_halted');
      order.cancelReason = 'instrument_halted';
      await insertOrder(tx.client, order);
      return orderResult(tx.client, order.orderId, []);
    }
    const resting = await loadCrossing(tx.client, order.symbol, order, priceBoundOf(order));
    const match = matchIncoming(incomingOf(order), resting.map(restingOf));
    await insertOrder(tx.client, order);
    await executeMatch({ tx, instrument, incoming: order, resting, match });
    return orderResult(tx.client, order.orderId, 'as-aggressor');
  });
}
