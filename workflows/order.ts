// The order lifecycle, one workflow per order: pre-trade risk and the reservation, routing to the
// internal venue (db/venue, one PostgreSQL transaction per call) or to the paper broker, the fills,
// and every ending releasing what is left of the reservation. Rules: domain/order.ts, domain/risk.ts;
// the shared machinery (one change at a time, recorded transitions): workflows/lifecycle.ts.
//
//   1. ∅ → NEW recorded; validateOrder (risk + the `<workflowId>/reserve` hold) → VALIDATED, or
//      REJECTED with the refusal (the `started` Update fails with its code).
//   2. routeOrder (internal: submitOrder, then the resting orders it traded against are Signalled)
//      → ROUTED, then its immediate fills; an IOC/FOK/MARKET/self-trade rest → CANCELLED.
//      Paper: placeBrokerOrder → ROUTED (or REJECTED broker_rejected, hold voided), then the broker's
//      executions are polled every policy.brokerPollMs and posted as they come.
//   3. Main loop: fill Signals (applied as system steps, so they never race an Update), the owner's
//      cancel / amend Updates, the DAY expiry timer. The venue's answers carry every fill of the
//      order, so a fill the venue made before its Signal arrived is applied first, once.
//   4. Long-lived orders continue as new before the history gets long, carrying their state.
//   5. The ending archives the history (workflows/archive.ts).
// Future changes to this sequence go behind patched('<change-id>') at the step they alter.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { OrderActivities, OrderFill, VenueAnswer } from '../activities/order.js';
import {
  formatPrice,
  formatQuantity,
  instrumentOf,
  parsePrice,
  type Instrument,
} from '../domain/instruments.js';
import { allowedActions } from '../domain/lifecycle.js';
import { formatAmount } from '../domain/money.js';
import {
  ORDER_HUMAN_ACTIONS,
  ORDER_TRANSITIONS,
  ORDER_TYPE,
  checkAmend,
  checkCancel,
  checkOrderInput,
  reserveAsset,
  type AmendOrderArgs,
  type CancelOrderArgs,
  type FillSignal,
  type OrderAction,
  type OrderInput,
  type OrderRefusal,
  type OrderState,
  type OrderStatus,
} from '../domain/order.js';
import { archiveHistoryOnClose } from './archive.js';
import {
  CommandSlot,
  LIFECYCLE_ACTIVITY_OPTIONS,
  LIFECYCLE_RETRY,
  LifecycleRecorder,
  asWorkflowStep,
  guard,
  refusalFailure,
  type Deadline,
} from './lifecycle.js';
import {
  OrderFills,
  fillReason,
  pickAttributes,
  quantityOrZero,
  remainderEnding,
  reservedAfterFill,
} from './order-fills.js';
import {
  amendOrderUpdate,
  cancelOrderUpdate,
  orderFillSignal,
  orderStartedUpdate,
  orderStateQuery,
  type OrderCarried,
} from './order-messages.js';

// Messages (the API and the venue activities import these definitions from here).
export * from './order-messages.js';

const { validateOrder, routeOrder, cancelAtVenue, amendAtVenue, releaseReservation } =
  proxyActivities<OrderActivities>(LIFECYCLE_ACTIVITY_OPTIONS);
// The broker may be slow or down: each attempt is bounded, and retried without limit.
const BROKER_CALLS: ActivityOptions = { startToCloseTimeout: '10 seconds', retry: LIFECYCLE_RETRY };
const { placeBrokerOrder, brokerFills, cancelAtBroker } = proxyActivities<OrderActivities>(BROKER_CALLS);

/** Since this patch a Signalled fill's transition records the reservation it leaves (issue 16). */
const FILL_RECORDS_RESERVATION = 'fill-records-reservation';
/** Continue as new after this many fills in one run even if Temporal does not suggest it yet. */
const FILLS_PER_RUN_MAX = 2_000;
type Command = { action: 'cancel'; args: CancelOrderArgs } | { action: 'amend'; args: AmendOrderArgs };

export async function order(input: OrderInput, carried: OrderCarried | null = null): Promise<OrderState> {
  guard(checkOrderInput(input));
  const { businessId, clientId, policy } = input;
  const instrument: Instrument = instrumentOf(input.symbol)!;
  const paper = instrument.venue === 'paper';
  const asset = reserveAsset(instrument, input.side);

  let quantity = carried?.quantity ?? input.quantity;
  let price = carried?.price ?? input.price;
  let holdEntryId = carried?.holdEntryId ?? null;
  let reserved = carried?.reserved ?? formatAmount(asset, 0n);
  let protectionPrice = carried?.protectionPrice ?? null;
  let brokerOrderId = carried?.brokerOrderId ?? null;
  let brokerSeq = carried?.brokerSeq ?? 0;
  let nextPollMs = Date.now() + policy.brokerPollMs;
  let rejected: OrderRefusal | null = null;
  let endCode: string | null = null;
  let routed = carried !== null;
  const fills = new OrderFills(instrument, carried?.fills);
  const fillsAtStart = fills.fills.length;
  const inbox: FillSignal[] = [...(carried?.inbox ?? [])];

  const lifecycle = new LifecycleRecorder<OrderStatus, OrderAction>({
    type: ORDER_TYPE,
    businessId,
    ownerId: clientId,
    table: ORDER_TRANSITIONS,
    initial: 'NEW',
    startAction: 'place',
    attributes,
  });
  if (carried) {
    lifecycle.status = carried.status;
    lifecycle.timeline.push(...carried.timeline);
    lifecycle.recorded = carried.timeline.length;
  }
  const { workflowId } = lifecycle;
  const commands = new CommandSlot<Command, OrderState>({
    noun: 'order',
    status: () => lifecycle.status,
    answer: snapshot,
  });
  const transition = lifecycle.transition.bind(lifecycle);

  function humanActions(): string[] {
    if (!routed || lifecycle.terminal) return [];
    const possible = allowedActions(ORDER_TRANSITIONS, lifecycle.status);
    // The broker takes no amendments: a paper order can only be cancelled.
    return ORDER_HUMAN_ACTIONS.filter((a) => possible.includes(a) && !(paper && a === 'amend'));
  }

  function snapshot(): OrderState {
    return {
      workflowId,
      businessId,
      clientId,
      clientOrderId: input.clientOrderId,
      symbol: input.symbol,
      side: input.side,
      type: input.type,
      timeInForce: input.timeInForce,
      quantity,
      price,
      status: lifecycle.status,
      filledQuantity: fills.filledQuantity(),
      remainingQuantity: fills.remainingQuantity(quantity),
      averagePrice: fills.averagePrice(),
      reserved: { asset, amount: reserved },
      rejectReason: rejected?.message ?? null,
      endCode,
      expiresAt: input.expiresAt,
      fills: fills.fills.map((f) => ({ ...f })),
      timeline: [...lifecycle.timeline],
      actions: humanActions(),
    };
  }

  /** The lifecycle row the API lists orders from (api/order-view.ts reads exactly these keys). */
  function attributes(): Record<string, unknown> {
    return pickAttributes(snapshot(), instrument.venue);
  }

  // --- Messages (registered before the first step: `started` arrives with the start) ----------

  setHandler(orderStateQuery, snapshot);
  setHandler(orderStartedUpdate, async () => {
    await condition(() => routed || (rejected !== null && lifecycle.recorded === lifecycle.timeline.length));
    if (rejected) {
      throw refusalFailure({
        code: rejected.code,
        message: rejected.message,
        details: { orderId: businessId, ...rejected.details },
      });
    }
    return snapshot();
  });
  setHandler(orderFillSignal, (signal) => {
    if (!fills.has(signal.tradeId) && !inbox.some((s) => s.tradeId === signal.tradeId)) inbox.push(signal);
  });
  const view = () => ({ status: lifecycle.status, clientId });
  const amendView = () => ({
    ...view(),
    type: input.type,
    quantity,
    filledQuantity: fills.filledQuantity(),
    price,
  });
  commands.handle(
    cancelOrderUpdate,
    (args) => checkCancel(view(), args),
    (args) => ({ action: 'cancel', args }),
  );
  commands.handle(
    amendOrderUpdate,
    (args) =>
      paper
        ? { code: 'invalid_state', message: 'an order at the broker cannot be amended; cancel it instead' }
        : checkAmend(amendView(), args, instrument),
    (args) => ({ action: 'amend', args }),
  );

  // --- Fills ----------------------------------------------------------------------------------

  /** Applies a fill once: PARTIALLY_FILLED, or FILLED when nothing remains; `rest()` is what it leaves reserved. */
  async function applyFill(fill: OrderFill, rest?: () => string): Promise<boolean> {
    if (lifecycle.terminal || !fills.add(fill)) return false;
    const complete = fills.isComplete(quantity);
    if (complete) reserved = formatAmount(asset, 0n);
    else if (rest) reserved = rest();
    await transition(complete ? 'fill_complete' : 'fill', null, {
      reason: fillReason(instrument, fill),
      data: {
        tradeId: fill.tradeId,
        price: fill.price,
        quantity: fill.quantity,
        fee: fill.fee,
        liquidity: fill.liquidity,
      },
    });
    return true;
  }

  /** Takes the venue's word for the order's reservation; an order the venue ended holds nothing. */
  function adopt(answer: {
    holdEntryId: string | null;
    reserved: string;
    status?: 'RESTING' | 'DONE';
  }): void {
    holdEntryId = answer.holdEntryId;
    reserved = answer.reserved;
    if (answer.status === 'DONE' && (answer.holdEntryId !== null || reserved !== formatAmount(asset, 0n)))
      throw new Error(`venue ended order ${businessId} but still reserves ${reserved} ${asset}`);
  }

  // Fill Signals: the venue made a new hold for the rest (SELL: its quantity; BUY: at its limit);
  // since FILL_RECORDS_RESERVATION it is recorded with the fill (before, the read model lagged it).
  async function applyInbox(): Promise<void> {
    const recordRest = patched(FILL_RECORDS_RESERVATION);
    while (inbox.length > 0) {
      const fill = inbox.shift()!;
      const [order, before] = [{ ...input, price, protectionPrice }, reserved];
      const rest = () =>
        reservedAfterFill(instrument, order, fills.remainingQuantity(quantity), before, fill);
      if (!(await applyFill(fill, recordRest ? rest : undefined)) || lifecycle.terminal) continue;
      reserved = rest();
    }
  }

  // --- Steps ----------------------------------------------------------------------------------

  async function place(): Promise<void> {
    await transition(null, input.requestedBy, {
      reason: `${input.side === 'BUY' ? 'Buy' : 'Sell'} ${input.quantity} ${instrument.asset}${
        price === null ? ' at market' : ` at ${price} ${instrument.quoteAsset}`
      } (${input.type} ${input.timeInForce}) placed`,
      data: { symbol: input.symbol, side: input.side, type: input.type, timeInForce: input.timeInForce },
    });
    const checked = await validateOrder.executeWithOptions({ summary: 'pre-trade risk + reservation' }, [
      input,
    ]);
    if (!checked.ok) {
      await reject(checked.refusal);
      return;
    }
    holdEntryId = checked.holdEntryId;
    reserved = checked.reserved;
    protectionPrice = checked.protectionPrice;
    await transition('validate', null, {
      reason: `Risk checks passed; ${reserved} ${asset} reserved`,
      data: { holdEntryId, reserved, asset },
    });
    if (paper) await routeToBroker();
    else await routeToVenue();
  }

  async function reject(refusal: OrderRefusal): Promise<void> {
    endCode = refusal.code;
    rejected = refusal;
    reserved = formatAmount(asset, 0n);
    await transition('reject', null, {
      reason: refusal.message,
      data: { code: refusal.code, details: refusal.details },
    });
  }

  async function routeToVenue(): Promise<void> {
    const answer = await routeOrder.executeWithOptions(
      { summary: `submit to the ${instrument.symbol} book` },
      [{ order: input, holdEntryId: holdEntryId!, reserved, protectionPrice }],
    );
    adopt(answer);
    await transition('route', null, {
      reason: `Routed to the ${instrument.symbol} book`,
      data: { outcome: answer.outcome },
    });
    for (const fill of answer.fills) await applyFill(fill);
    await endRemainder(answer);
    routed = true;
  }

  async function routeToBroker(): Promise<void> {
    const placed = await placeBrokerOrder.executeWithOptions({ summary: 'place with the broker' }, [input]);
    brokerOrderId = placed.brokerOrderId;
    if (!placed.accepted) {
      await releaseReservation.executeWithOptions({ summary: 'release the reservation' }, [
        { holdEntryId: holdEntryId!, reason: 'broker rejected the order' },
      ]);
      holdEntryId = null;
      await reject({ code: 'broker_rejected', message: placed.reason ?? 'the broker rejected the order' });
      return;
    }
    await transition('route', null, { reason: 'Routed to the broker', data: { brokerOrderId } });
    routed = true;
    nextPollMs = Date.now() + policy.brokerPollMs;
  }

  /** The broker's executions since the last report, posted and applied. */
  async function pollBroker(): Promise<void> {
    const report = await brokerFills.executeWithOptions({ summary: 'broker execution reports' }, [
      {
        order: input,
        brokerOrderId: brokerOrderId!,
        afterSeq: brokerSeq,
        holdEntryId: holdEntryId!,
        reserved,
        filledQuantity: fills.filledQuantity(),
      },
    ]);
    brokerSeq = report.lastSeq;
    holdEntryId = report.holdEntryId;
    reserved = report.reserved;
    for (const fill of report.fills) await applyFill(fill);
    nextPollMs = Date.now() + policy.brokerPollMs;
  }

  /** Cancel or expiry: the rest leaves the book (or the broker), its reservation is released. */
  async function end(action: 'cancel' | 'expire', actor: CancelOrderArgs['actor'] | null) {
    const reason = action === 'cancel' ? 'cancelled' : 'expired';
    if (paper) {
      await cancelAtBroker.executeWithOptions({ summary: 'cancel at the broker' }, [
        { brokerOrderId: brokerOrderId! },
      ]);
      await pollBroker();
      if (!lifecycle.terminal) {
        await releaseReservation.executeWithOptions({ summary: 'release the reservation' }, [
          { holdEntryId: holdEntryId!, reason },
        ]);
        adopt({ holdEntryId: null, reserved: formatAmount(asset, 0n) });
      }
    } else {
      const answer = await cancelAtVenue.executeWithOptions({ summary: `${action} at the venue` }, [
        { orderId: businessId, symbol: input.symbol, side: input.side, reason },
      ]);
      const own = patched('venue-fills-own-steps'); // other orders' fills: not the cancel's steps
      for (const fill of answer.fills) await (own ? asWorkflowStep(() => applyFill(fill)) : applyFill(fill));
      adopt(answer);
    }
    if (lifecycle.terminal) {
      // Filled before the request reached the venue: nothing was left to end.
      if (action === 'cancel') guard(checkCancel(view(), { actor: actor! }));
      return;
    }
    endCode = reason;
    const text = action === 'cancel' ? 'Cancelled by the client' : 'Expired at the session close';
    const rest = `${fills.remainingQuantity(quantity)} ${instrument.asset}`;
    await transition(action, actor, { reason: `${text}; ${rest} unfilled` });
  }

  async function amend(args: AmendOrderArgs): Promise<void> {
    guard(checkAmend(amendView(), args, instrument));
    const answer = await amendAtVenue.executeWithOptions({ summary: 'amend at the venue' }, [
      {
        orderId: businessId,
        symbol: input.symbol,
        side: input.side,
        quantity: args.quantity ?? null,
        price: args.price ?? null,
      },
    ]);
    // Fills made while it rested came before the amendment; a new price may have traded at once.
    for (const fill of answer.fills.filter((f) => f.liquidity === 'MAKER')) await applyFill(fill);
    if (!lifecycle.terminal) {
      const before = `${quantity} at ${price ?? 'market'}`;
      // The venue's totals are the amended quantity; the price in the instrument's own format.
      quantity = formatQuantity(
        instrument,
        quantityOrZero(instrument, answer.filledQuantity) +
          quantityOrZero(instrument, answer.remainingQuantity),
      );
      if (args.price) price = formatPrice(instrument, parsePrice(instrument, args.price));
      adopt(answer);
      await transition('amend', args.actor, {
        reason: `Amended from ${before} to ${quantity} at ${price ?? 'market'}`,
        data: { quantity, price },
      });
    }
    for (const fill of answer.fills) await applyFill(fill);
    adopt(answer);
    await endRemainder(answer);
  }

  /** The venue ended what was left without filling it (IOC, FOK, MARKET, self-trade prevention). */
  async function endRemainder(answer: VenueAnswer): Promise<void> {
    if (answer.status !== 'DONE' || lifecycle.terminal) return;
    if (answer.outcome === 'FILLED' || answer.outcome === 'REST')
      throw new Error(
        `venue ended order ${businessId} as ${answer.outcome} with ${answer.remainingQuantity} left`,
      );
    const ending = remainderEnding(
      instrument,
      input,
      answer.outcome,
      fills.remainingQuantity(quantity),
      answer.cancelReason,
    );
    endCode = ending.endCode;
    await transition('cancel_remainder', null, { reason: ending.reason, data: { outcome: answer.outcome } });
  }

  async function run(command: Command): Promise<void> {
    if (command.action === 'amend') return amend(command.args);
    guard(checkCancel(view(), command.args)); // a fill applied since may have ended the order
    return end('cancel', command.args.actor);
  }

  // --- Main loop ------------------------------------------------------------------------------

  const expiry = input.timeInForce === 'DAY' && input.expiresAt ? Date.parse(input.expiresAt) : null;

  function deadline(): Deadline | null {
    if (paper && (expiry === null || nextPollMs < expiry))
      return { atMs: nextPollMs, summary: 'next broker report' };
    return expiry === null ? null : { atMs: expiry, summary: `DAY order expires ${input.expiresAt}` };
  }

  async function elapsed(): Promise<void> {
    if (expiry !== null && Date.now() >= expiry) return end('expire', null);
    if (paper) return pollBroker();
  }

  const continueAsNewDue = () =>
    workflowInfo().continueAsNewSuggested || fills.fills.length - fillsAtStart >= FILLS_PER_RUN_MAX;

  async function loop(): Promise<void> {
    while (!lifecycle.terminal && !continueAsNewDue()) {
      const due = deadline();
      const woken = () => commands.pending || inbox.length > 0;
      if (due === null) await condition(woken);
      else if (due.atMs > Date.now()) await condition(woken, due.atMs - Date.now(), { summary: due.summary });
      if (inbox.length > 0) await commands.system(applyInbox);
      else if (commands.pending) await commands.applySubmitted(run);
      else await commands.system(elapsed);
    }
  }

  if (!carried) await place();
  for (;;) {
    await loop();
    // Let every Update handler answer first. One accepted meanwhile is applied, never dropped.
    await condition(() => allHandlersFinished() || commands.pending);
    if (!commands.pending) break;
    await commands.applySubmitted(run);
  }
  if (lifecycle.terminal) {
    await archiveHistoryOnClose();
    return snapshot();
  }
  const next: OrderCarried = {
    status: lifecycle.status,
    timeline: [...lifecycle.timeline],
    fills: fills.fills,
    inbox,
    quantity,
    price,
    holdEntryId,
    reserved,
    protectionPrice,
    brokerOrderId,
    brokerSeq,
  };
  return continueAsNew<typeof order>(input, next);
}
