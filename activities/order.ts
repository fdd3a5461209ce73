// The order lifecycle's side effects: pre-trade risk and the reservation, the internal venue's calls
// (db/venue: submit, cancel, amend — each one PostgreSQL transaction with its postings), the fill
// Signals to the resting orders a call traded against, and the paper broker's order, execution
// reports and their postings.
//
// Retries are safe by construction: the reservation's ledger key is `<workflowId>/reserve`; the venue
// is idempotent by order id (a repeated submit answers the same fills and counterFills, so a crash
// between commit and signalling is repaired by the retry, and the receiving workflow drops a fill it
// has seen by its tradeId); the broker order id is `<workflowId>/broker`; each broker execution's
// trade id and ledger keys derive from the execution id.
import { createHash } from 'node:crypto';
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import type pg from 'pg';
import { clientKycStatus } from '../db/kyc/index.js';
import {
  ensureClientAccounts,
  ensureSystemAccounts,
  getClientBalances,
  holdEntry,
  isLedgerError,
  voidHold,
} from '../db/ledger/index.js';
import {
  amendOrder,
  cancelOrder,
  ensureInstruments,
  instrumentState,
  submitOrder,
} from '../db/venue/index.js';
import type { VenueFill, VenueOrderResult } from '../db/venue/index.js';
import { formatAmount, parseAmount, type AssetCode } from '../domain/money.js';
import {
  formatPrice,
  formatQuantity,
  instrumentOf,
  parsePrice,
  parseQuantity,
  type Instrument,
} from '../domain/instruments.js';
import {
  protectionPrice,
  reserveAmount,
  reserveAsset,
  type FillSignal,
  type OrderInput,
  type OrderRefusal,
} from '../domain/order.js';
import { orderReserve, orderReserveRelease } from '../domain/postings.js';
import { preTradeCheck } from '../domain/risk.js';
import { orderFillSignal } from '../workflows/order-messages.js';
import type { BrokerAdapter } from './broker-adapter.js';
import { BrokerUnavailableError } from './broker-adapter.js';
import { postBrokerExecution } from './order-broker.js';
import { businessRefusal as refusal, workflowExecution as execution } from './workflow-context.js';

/** A fill as the workflow keeps it: the Signal's shape (decimal strings, the order's totals after it). */
export type OrderFill = Omit<FillSignal, 'orderId'>;

export interface ValidatedOrder {
  ok: true;
  holdEntryId: string;
  reserveAsset: AssetCode;
  /** Decimal string at the reserve asset's scale. */
  reserved: string;
  /** MARKET: the band edge the order may trade to (decimal string); null for LIMIT. */
  protectionPrice: string | null;
}

export type ValidateOrderResult = ValidatedOrder | { ok: false; refusal: OrderRefusal };

/** What the venue answered, in the workflow's units. */
export interface VenueAnswer {
  status: 'RESTING' | 'DONE';
  outcome: VenueOrderResult['outcome'];
  filledQuantity: string;
  remainingQuantity: string;
  cancelReason: string | null;
  holdEntryId: string | null;
  reserved: string;
  /** Every fill of the order, oldest first (the workflow applies those it has not seen). */
  fills: OrderFill[];
}

export interface RouteOrderInput {
  order: OrderInput;
  holdEntryId: string;
  reserved: string;
  protectionPrice: string | null;
}

export interface BrokerFillsInput {
  order: OrderInput;
  brokerOrderId: string;
  afterSeq: number;
  holdEntryId: string;
  reserved: string;
  filledQuantity: string;
}

export interface BrokerFillsResult {
  fills: OrderFill[];
  lastSeq: number;
  holdEntryId: string | null;
  reserved: string;
}

export interface OrderActivityDeps {
  pool: pg.Pool;
  broker: BrokerAdapter;
}

function instrumentFor(symbol: string): Instrument {
  const instrument = instrumentOf(symbol);
  if (!instrument) throw refusal('validation_failed', `unknown instrument ${symbol}`);
  return instrument;
}

/** The workflow's fill: decimal strings at the instrument's scales. */
export function fillOf(instrument: Instrument, fill: VenueFill): OrderFill {
  return {
    tradeId: fill.tradeId,
    price: formatPrice(instrument, fill.price),
    quantity: formatQuantity(instrument, fill.quantity),
    fee: formatAmount(instrument.quoteAsset, fill.fee),
    liquidity: fill.liquidity,
    at: fill.at.toISOString(),
    filledQuantity: formatQuantity(instrument, fill.orderFilled),
    remainingQuantity: formatQuantity(instrument, fill.orderRemaining),
    done: fill.orderDone,
  };
}

function answerOf(
  order: { symbol: string; side: OrderInput['side'] },
  result: VenueOrderResult,
): VenueAnswer {
  const instrument = instrumentFor(order.symbol);
  return {
    status: result.status,
    outcome: result.outcome,
    filledQuantity: formatQuantity(instrument, result.filled),
    remainingQuantity: formatQuantity(instrument, result.remaining),
    cancelReason: result.cancelReason,
    holdEntryId: result.holdEntryId,
    reserved: formatAmount(reserveAsset(instrument, order.side), result.reserved),
    fills: result.fills.map((fill) => fillOf(instrument, fill)),
  };
}

export function createOrderActivities(deps: OrderActivityDeps) {
  const { pool, broker } = deps;

  /** Tells each resting order's workflow of its fill; after the venue committed it. */
  async function signalCounterFills(symbol: string, fills: VenueFill[]): Promise<void> {
    const instrument = instrumentFor(symbol);
    const { client } = Context.current();
    for (const fill of fills) {
      const signal: FillSignal = { orderId: fill.orderId, ...fillOf(instrument, fill) };
      try {
        await client.workflow.getHandle(fill.workflowId).signal(orderFillSignal, signal);
      } catch (error) {
        // A closed order cannot have rested at the venue; nobody is left to tell. Anything else
        // (Temporal unreachable) fails the activity, which is retried and signals again.
        if (!(error instanceof WorkflowNotFoundError)) throw error;
        log.warn('fill for an order whose workflow is gone', {
          workflowId: fill.workflowId,
          tradeId: fill.tradeId,
        });
      }
    }
  }

  /** The instrument's row; the catalogue is written on first use (ensureInstruments is idempotent). */
  async function instrumentStateOf(symbol: string) {
    const found = await instrumentState(pool, symbol);
    if (found) return found;
    await ensureInstruments(pool);
    const state = await instrumentState(pool, symbol);
    if (!state) throw new Error(`instrument ${symbol} is not in the venue's catalogue`);
    return state;
  }

  return {
    /**
     * Pre-trade risk (domain/risk.ts) on what the books say now, then the reservation: a hold of
     * what the order may spend. The hold's ledger check is the authoritative one under concurrency
     * (two orders racing for the same cash): its insufficient_funds becomes the order's refusal.
     * Once the hold exists a retry answers it without checking again.
     */
    async validateOrder(order: OrderInput): Promise<ValidateOrderResult> {
      const run = execution();
      const instrument = instrumentFor(order.symbol);
      const asset = reserveAsset(instrument, order.side);
      const idempotencyKey = `${run.workflowId}/reserve`;
      const state = await instrumentStateOf(order.symbol);
      const quantity = parseQuantity(instrument, order.quantity);
      const limitPrice = order.price === null ? null : parsePrice(instrument, order.price);
      const protection =
        order.type === 'MARKET' ? protectionPrice(instrument, order.side, state.referencePrice) : null;
      const reserved = reserveAmount({
        side: order.side,
        type: order.type,
        quantity,
        limitPrice,
        protectionPrice: protection,
        makerFeeBps: order.policy.makerFeeBps,
        takerFeeBps: order.policy.takerFeeBps,
      });
      const validated = (holdEntryId: string): ValidatedOrder => ({
        ok: true,
        holdEntryId,
        reserveAsset: asset,
        reserved: formatAmount(asset, reserved),
        protectionPrice: protection === null ? null : formatPrice(instrument, protection),
      });
      const existing = await pool.query<{ id: string }>(
        'SELECT id FROM journal_entry WHERE idempotency_key = $1',
        [idempotencyKey],
      );
      if (existing.rows[0]) return validated(existing.rows[0].id);

      const balance = (await getClientBalances(pool, order.clientId)).find((b) => b.asset === asset);
      const refused = preTradeCheck(
        { side: order.side, type: order.type, timeInForce: order.timeInForce, quantity, limitPrice },
        {
          instrument,
          instrumentStatus: state.status,
          referencePrice: state.referencePrice,
          kycStatus: (await clientKycStatus(pool, order.clientId)) ?? 'NOT_STARTED',
          available: balance?.available ?? 0n,
          policy: order.policy,
          now: new Date(),
        },
      );
      if (refused) return { ok: false, refusal: refused };
      try {
        await ensureSystemAccounts(pool);
        await ensureClientAccounts(pool, order.clientId, instrument.asset);
        await ensureClientAccounts(pool, order.clientId, instrument.quoteAsset);
        const entry = await holdEntry(pool, {
          idempotencyKey,
          workflowId: run.workflowId,
          runId: run.runId,
          activity: run.activity,
          ...orderReserve(order.clientId, asset, reserved),
        });
        return validated(entry.id);
      } catch (error) {
        if (!isLedgerError(error) || error.code !== 'insufficient_funds') throw error;
        const code = order.side === 'BUY' ? 'insufficient_funds' : 'insufficient_position';
        const noun = order.side === 'BUY' ? 'funds' : 'holdings';
        return {
          ok: false,
          refusal: {
            code,
            message: `Not enough available ${noun}: the order needs ${formatAmount(asset, reserved)} ${asset}`,
            details: { asset, required: formatAmount(asset, reserved) },
          },
        };
      }
    },

    /** The internal venue: match and rest (one transaction), then tell the resting orders that traded. */
    async routeOrder(input: RouteOrderInput): Promise<VenueAnswer> {
      const run = execution();
      const { order } = input;
      const instrument = instrumentFor(order.symbol);
      const result = await submitOrder(pool, {
        orderId: order.businessId,
        workflowId: run.workflowId,
        clientId: order.clientId,
        symbol: order.symbol,
        side: order.side,
        type: order.type,
        timeInForce: order.timeInForce,
        limitPrice: order.price === null ? null : parsePrice(instrument, order.price),
        protectionPrice:
          input.protectionPrice === null ? null : parsePrice(instrument, input.protectionPrice),
        quantity: parseQuantity(instrument, order.quantity),
        holdEntryId: input.holdEntryId,
        reserved: parseQuantityOrAmount(reserveAsset(instrument, order.side), input.reserved),
        makerFeeBps: order.policy.makerFeeBps,
        takerFeeBps: order.policy.takerFeeBps,
      });
      await signalCounterFills(order.symbol, result.counterFills);
      return answerOf(order, result);
    },

    /** Takes the rest off the book and releases its reservation (cancel, DAY expiry). */
    async cancelAtVenue(input: {
      orderId: string;
      symbol: string;
      side: OrderInput['side'];
      reason: string;
    }): Promise<VenueAnswer> {
      const result = await cancelOrder(pool, { orderId: input.orderId, reason: input.reason });
      return answerOf(input, result);
    },

    /**
     * A lower quantity keeps the order's place; a new price re-matches it (it may trade, so the
     * resting orders it traded against are told). The venue's refusal (a BUY price up needing cash
     * the client does not have) is the Update's refusal; nothing changed then. An order the venue
     * no longer has open is the wrong state for an amend (409), not a business rule: the workflow's
     * validator passed because the fill's Signal had not arrived yet (chaos: a retried amend after
     * 503s, the order filled meanwhile, answered 422 order_not_open).
     */
    async amendAtVenue(input: {
      orderId: string;
      symbol: string;
      side: OrderInput['side'];
      quantity: string | null;
      price: string | null;
    }): Promise<VenueAnswer> {
      const instrument = instrumentFor(input.symbol);
      const result = await amendOrder(pool, {
        orderId: input.orderId,
        ...(input.quantity === null ? {} : { quantity: parseQuantity(instrument, input.quantity) }),
        ...(input.price === null ? {} : { limitPrice: parsePrice(instrument, input.price) }),
      });
      if ('refused' in result) {
        const { code, message, details } = result.refused;
        if (code === 'order_not_open') {
          throw refusal('invalid_state', 'the order is no longer open: it was filled or cancelled', {
            orderId: input.orderId,
          });
        }
        throw refusal(code, message, details);
      }
      await signalCounterFills(input.symbol, result.counterFills);
      return answerOf(input, result);
    },

    /** Voids what is left of the reservation (a broker's reject or an order's end at the broker). */
    async releaseReservation(input: { holdEntryId: string; reason: string }): Promise<{ entryId: string }> {
      const run = execution();
      const entry = await voidHold(pool, {
        idempotencyKey: `${run.workflowId}/release`,
        holdEntryId: input.holdEntryId,
        workflowId: run.workflowId,
        runId: run.runId,
        activity: run.activity,
        ...orderReserveRelease(input.reason),
      });
      return { entryId: entry.id };
    },

    /** Places the order with the broker, once per order (the id comes from the workflow). */
    async placeBrokerOrder(
      order: OrderInput,
    ): Promise<{ brokerOrderId: string; accepted: boolean; reason: string | null }> {
      const run = execution();
      const instrument = instrumentFor(order.symbol);
      const brokerOrderId = `${run.workflowId}/broker`;
      const ack = await brokerCall(() =>
        broker.placeOrder({
          brokerOrderId,
          symbol: order.symbol,
          side: order.side,
          type: order.type,
          quantity: parseQuantity(instrument, order.quantity),
          limitPrice: order.price === null ? null : parsePrice(instrument, order.price),
        }),
      );
      return { brokerOrderId, accepted: ack.accepted, reason: ack.accepted ? null : ack.reason };
    },

    /** The broker's new executions, each posted (one transaction each) before it is reported. */
    async brokerFills(input: BrokerFillsInput): Promise<BrokerFillsResult> {
      const run = execution();
      const instrument = instrumentFor(input.order.symbol);
      const asset = reserveAsset(instrument, input.order.side);
      const executions = await brokerCall(() => broker.executions(input.brokerOrderId, input.afterSeq));
      let holdEntryId: string | null = input.holdEntryId;
      let reserved = parseQuantityOrAmount(asset, input.reserved);
      let filled = parseAmount(instrument.asset, input.filledQuantity, { allowZero: true });
      const quantity = parseQuantity(instrument, input.order.quantity);
      const fills: OrderFill[] = [];
      let lastSeq = input.afterSeq;
      for (const report of executions) {
        if (holdEntryId === null)
          throw new Error(`broker execution ${report.executionId} after the order was done`);
        const posted = await postBrokerExecution(pool, {
          run,
          order: input.order,
          instrument,
          tradeId: brokerTradeId(report.executionId),
          report,
          holdEntryId,
          reserved,
          filledBefore: filled,
          quantity,
        });
        fills.push(posted.fill);
        holdEntryId = posted.holdEntryId;
        reserved = posted.reserved;
        filled += report.quantity;
        lastSeq = report.seq;
      }
      return { fills, lastSeq, holdEntryId, reserved: formatAmount(asset, reserved) };
    },

    /** Asks the broker to cancel what has not executed; the next brokerFills reports what did. */
    async cancelAtBroker(input: { brokerOrderId: string }): Promise<void> {
      await brokerCall(() => broker.cancel(input.brokerOrderId));
    },
  };
}

export type OrderActivities = ReturnType<typeof createOrderActivities>;

/** Reservation amounts may be zero (a hold used up by its fills). */
function parseQuantityOrAmount(asset: AssetCode, text: string): bigint {
  return parseAmount(asset, text, { allowZero: true });
}

/** The broker being down is transient: the activity fails and Temporal retries it. */
async function brokerCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof BrokerUnavailableError) {
      throw ApplicationFailure.retryable(error.message, 'broker_unavailable');
    }
    throw error;
  }
}

/** A stable trade id for a broker execution (a retry posts the same trade, not a second one). */
export function brokerTradeId(executionId: string): string {
  const bytes = createHash('sha256').update(`broker-trade\n${executionId}`).digest();
  bytes[6] = (bytes[6]! & 0x0f) | 0x80; // version 8 (custom, name-based)
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const hex = bytes.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
