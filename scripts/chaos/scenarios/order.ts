// Orders as clients place them on the internal venue (EUA): a maker's resting SELL that a second
// client's IOC BUY crosses, then the maker amends and cancels what is left; a BUY resting far below
// every ask that is re-priced and cancelled; a BUY refused before KYC (kept REJECTED); and a BUY of
// KRBN, which the paper broker fills in parts (USD deposited first). Prices
// are chosen so the kinds cannot cross by accident: asks at 70.00–70.60, resting bids at 64.00–64.80,
// so only the takers' IOC bids trade — against this lifecycle's maker or any other one's cheaper ask,
// which the checker's model (check-model.ts) accounts for from the fills every order reports.
import { randomUUID } from 'node:crypto';
import type { Answer } from '../client.js';
import { runDeposit } from './deposit.js';
import { Driver } from './driver.js';
import { runKyc } from './kyc.js';
import { ScenarioStop, type KindDescriptor, type Resource } from './model.js';

const SYMBOL = 'EUA';
/** EUR a trading client deposits first: twenty EUA at the top ask plus the fee, with room. */
const FUNDING_MINOR = 200_000n;
/** EUA a maker holds before selling (a registry transfer in, as the demo seed does). */
const MAKER_CERTIFICATES = 100n;
const OPEN = ['ROUTED', 'PARTIALLY_FILLED'];

const price = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;

/** KYC approved and EUR cleared (and certificates, for a seller), side by side. */
async function fund(driver: Driver, cash: boolean, certificates: bigint): Promise<void> {
  const steps: Promise<unknown>[] = [runKyc(driver)];
  if (cash) steps.push(runDeposit(driver, FUNDING_MINOR, 'clear'));
  if (certificates > 0n) steps.push(driver.world.transferIn(driver.client.id, SYMBOL, certificates));
  const settled = await Promise.allSettled(steps);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * POST /orders with a clientOrderId and an Idempotency-Key kept across retries. When the answer is
 * lost (the client gave up), the order is noted for the checker to find by its clientOrderId, in
 * `ifLost`: the status it reaches with the script stopped here.
 */
async function place(
  driver: Driver,
  order: {
    side: 'BUY' | 'SELL';
    quantity: bigint;
    price: string;
    timeInForce: 'GTC' | 'IOC';
    symbol?: string;
  },
  intended: { done: string; ifLost: string },
  step: string,
): Promise<{ resource: Resource; answer: Answer }> {
  const clientOrderId = `chaos-${randomUUID()}`;
  const answer = await driver.send(driver.client, {
    method: 'POST',
    path: '/orders',
    json: {
      symbol: order.symbol ?? SYMBOL,
      side: order.side,
      type: 'LIMIT',
      quantity: String(order.quantity),
      price: order.price,
      timeInForce: order.timeInForce,
      clientOrderId,
    },
    idempotencyKey: `chaos-${randomUUID()}`,
  });
  if (answer.gaveUp) driver.lostOrder(clientOrderId, intended.ifLost, step);
  driver.expect(answer, 201, step);
  const resource = driver.add(
    {
      type: 'order',
      id: answer.body.id,
      workflowId: answer.body.workflowId,
      intended: intended.done,
      amountMinor: 0n,
    },
    answer,
  );
  resource.detail = answer.body;
  return { resource, answer };
}

/**
 * An owner's action on an order that other clients' orders may have filled meanwhile: 200 in one of
 * `expected`, or 409 invalid_state because it is FILLED by now (read back to be sure).
 */
export async function actUnlessFilled(
  driver: Driver,
  order: Resource,
  action: 'cancel' | 'amend',
  json: unknown,
  expected: readonly string[],
): Promise<void> {
  const step = `${action} order`;
  const answer = await driver.send(driver.client, {
    method: 'POST',
    path: `/orders/${order.id}/${action}`,
    json,
    requestId: `chaos-${randomUUID()}`,
  });
  // The answer shows the order as it is after the action: another lifecycle's taker may have filled
  // what an amend left (or the retried amend's first attempt) by then.
  if (answer.status === 200)
    return driver.track(order, answer, action === 'amend' ? [...expected, 'FILLED'] : expected, step);
  // A quantity no longer above what is filled is the amend's 400, not a fault.
  if (answer.status === 409 || (action === 'amend' && answer.status === 400)) {
    const now = await driver.send(driver.client, { method: 'GET', path: `/orders/${order.id}` });
    if (
      now.status === 200 &&
      (now.body.status === 'FILLED' || (action === 'amend' && OPEN.includes(now.body.status)))
    ) {
      order.lastStatus = now.body.status;
      return;
    }
  }
  driver.expect(answer, 200, step);
}

/** A maker's resting SELL crossed by the counterparty's IOC BUY; the maker then amends and cancels. */
export async function runOrderCross(maker: Driver, taker: Driver): Promise<void> {
  await Promise.all([fund(maker, false, MAKER_CERTIFICATES), fund(taker, true, 0n)]);
  const quantity = BigInt(maker.random.int(2, 20));
  const ask = price(7000 + maker.random.int(0, 60));
  const sell = await place(
    maker,
    { side: 'SELL', quantity, price: ask, timeInForce: 'GTC' },
    // Stopped here, it rests until other lifecycles' takers fill it (or never).
    { done: 'FILLED|CANCELLED', ifLost: 'ROUTED|PARTIALLY_FILLED|FILLED' },
    'place maker SELL',
  );
  // Nothing bids at 70 or above but the takers' IOC orders, so the ask rests (or a taker got it).
  maker.track(sell.resource, sell.answer, [...OPEN, 'FILLED'], 'place maker SELL');
  const buy = await place(
    taker,
    { side: 'BUY', quantity, price: ask, timeInForce: 'IOC' },
    { done: 'FILLED|CANCELLED', ifLost: 'FILLED|CANCELLED' },
    'place taker BUY',
  );
  // IOC: filled (by this ask or a cheaper one), or its unfilled rest cancelled at once.
  taker.track(buy.resource, buy.answer, ['FILLED', 'CANCELLED'], 'place taker BUY');

  if (!OPEN.includes(sell.resource.lastStatus ?? '')) return;
  const detail = sell.resource.detail as { filledQuantity: string };
  const filled = BigInt(detail.filledQuantity);
  if (quantity - filled >= 2n) {
    await actUnlessFilled(maker, sell.resource, 'amend', { quantity: String(quantity - 1n) }, OPEN);
  }
  if (OPEN.includes(sell.resource.lastStatus ?? ''))
    await actUnlessFilled(maker, sell.resource, 'cancel', {}, ['CANCELLED']);
}

/** A BUY resting below every ask: re-priced (a new priority), then cancelled. */
export async function runOrderRestCancel(driver: Driver): Promise<void> {
  await fund(driver, true, 0n);
  const quantity = BigInt(driver.random.int(1, 20));
  const bid = await place(
    driver,
    { side: 'BUY', quantity, price: price(6400 + driver.random.int(0, 40)), timeInForce: 'GTC' },
    // Below every ask: it rests until cancelled.
    { done: 'CANCELLED', ifLost: 'ROUTED' },
    'place resting BUY',
  );
  driver.track(bid.resource, bid.answer, ['ROUTED'], 'place resting BUY');
  await driver.act(
    driver.client,
    bid.resource,
    `/orders/${bid.resource.id}/amend`,
    { price: price(6441 + driver.random.int(0, 39)) },
    ['ROUTED'],
    'amend resting BUY',
  );
  await driver.act(
    driver.client,
    bid.resource,
    `/orders/${bid.resource.id}/cancel`,
    {},
    ['CANCELLED'],
    'cancel',
  );
}

/** A BUY before KYC: 422 kyc_required, the refused order kept as REJECTED (error.details.orderId). */
export async function runOrderRejected(driver: Driver): Promise<void> {
  const clientOrderId = `chaos-${randomUUID()}`;
  const answer = await driver.send(driver.client, {
    method: 'POST',
    path: '/orders',
    json: { symbol: SYMBOL, side: 'BUY', type: 'LIMIT', quantity: '1', price: '70.00', clientOrderId },
    idempotencyKey: `chaos-${randomUUID()}`,
  });
  if (answer.gaveUp) driver.lostOrder(clientOrderId, 'REJECTED', 'place order before KYC');
  driver.expect(answer, 422, 'place order before KYC');
  const orderId = answer.body?.error?.details?.orderId;
  if (answer.code !== 'kyc_required' || typeof orderId !== 'string')
    throw new ScenarioStop(
      'refused',
      `place order before KYC: 422 ${answer.code}, details ${JSON.stringify(answer.body?.error?.details)}`,
    );
  const read = await driver.send(driver.client, { method: 'GET', path: `/orders/${orderId}` });
  driver.expect(read, 200, 'read rejected order');
  const order = driver.add(
    { type: 'order', id: orderId, workflowId: read.body.workflowId, intended: 'REJECTED', amountMinor: 0n },
    read,
  );
  order.detail = read.body;
  driver.track(order, read, ['REJECTED'], 'read rejected order');
}

/** USD a KRBN buyer deposits first: ten shares at the top of the band plus the fee, with room. */
const BROKER_FUNDING_MINOR = 100_000n;

/** A BUY of KRBN routed to the paper broker, filled in one to three executions (through its outages). */
export async function runOrderBroker(driver: Driver): Promise<void> {
  const steps = await Promise.allSettled([
    runKyc(driver),
    runDeposit(driver, BROKER_FUNDING_MINOR, 'clear', 'USD'),
  ]);
  const failed = steps.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  const bid = await place(
    driver,
    {
      symbol: 'KRBN',
      side: 'BUY',
      quantity: BigInt(driver.random.int(1, 10)),
      // Inside the ±10 % band around the 30.00 reference.
      price: price(3000 + driver.random.int(0, 200)),
      timeInForce: 'GTC',
    },
    // The broker fills it by itself.
    { done: 'FILLED', ifLost: 'FILLED' },
    'place KRBN BUY',
  );
  driver.track(bid.resource, bid.answer, ['ROUTED', 'PARTIALLY_FILLED', 'FILLED'], 'place KRBN BUY');
  if (bid.resource.lastStatus !== 'FILLED') await driver.waitFor(bid.resource, 'FILLED');
}

export const ORDER_KINDS: Record<string, KindDescriptor> = {
  // Two KYC reviews, the taker's deposit, the maker's and the taker's orders.
  order_cross: {
    weight: 16,
    // The maker's order: FILLED when takers took it all, else CANCELLED after its amend and cancel.
    intended: 'FILLED|CANCELLED',
    mainType: 'order',
    partners: [],
    resources: 5,
    counterparty: true,
    run: (maker, taker) => {
      if (!taker) throw new Error('order_cross runs with a counterparty');
      return runOrderCross(maker, taker);
    },
  },
  order_rest_cancel: {
    weight: 6,
    intended: 'CANCELLED',
    mainType: 'order',
    partners: [],
    resources: 3,
    run: runOrderRestCancel,
  },
  order_rejected: {
    weight: 4,
    intended: 'REJECTED',
    mainType: 'order',
    partners: [],
    resources: 1,
    run: runOrderRejected,
  },
  // KYC, the USD deposit, the order.
  order_broker: {
    weight: 6,
    intended: 'FILLED',
    mainType: 'order',
    partners: ['broker'],
    resources: 3,
    run: runOrderBroker,
  },
};
