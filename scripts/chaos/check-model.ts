// The checker's own model of what every client's balances must be, computed from the run's log (the
// final status of each resource, the fills each order reports) and NOT from the platform's code: its
// fee and reservation arithmetic is written out again here, so a wrong fee or a reservation left
// behind shows up as a difference. Per client and asset it predicts
//   total   = available + pending + pendingSettlement   (what the client owns, wherever it sits)
//   pending = what open holds reserve (withdrawals in flight, resting orders)
//   held    = deposits under AML hold
// and the venue's own promises over the fills: each trade on exactly one BUY and one SELL of two
// different clients (a paper-broker trade: on one order, as taker), at the maker's price, within both limits, its fee as the policy says, and every
// order's fills adding up to its filled quantity.
import type { Lifecycle, Resource } from './scenarios/index.js';

/** The fees the chaos stack runs with (CHAOS_POLICY_ENV TRADING_POLICY_JSON). */
export const CHAOS_FEES = { makerFeeBps: 10, takerFeeBps: 20 } as const;

export interface TransferIn {
  clientId: string;
  asset: string;
  quantity: bigint;
}

export interface Expected {
  total: bigint;
  pending: bigint;
  held: bigint;
  pendingSettlement: bigint;
}

/** Asset → minor units per unit (the assets a chaos run touches). */
const SCALE: Record<string, number> = { EUR: 2, USD: 2, EUA: 0, CEA: 0, KRBN: 0 };

export function minorOf(asset: string, text: string): bigint {
  const scale = SCALE[asset];
  if (scale === undefined) throw new Error(`the checker has no scale for ${asset}`);
  const negative = text.startsWith('-');
  const [whole = '0', fraction = ''] = (negative ? text.slice(1) : text).split('.');
  if (fraction.length > scale) throw new Error(`${text} has more decimals than ${asset} allows`);
  const value =
    BigInt(whole) * 10n ** BigInt(scale) + BigInt((fraction + '0'.repeat(scale)).slice(0, scale) || '0');
  return negative ? -value : value;
}

export function showMinor(asset: string, minor: bigint): string {
  const scale = SCALE[asset] ?? 0;
  const negative = minor < 0n;
  const abs = negative ? -minor : minor;
  if (scale === 0) return `${negative ? '-' : ''}${abs}`;
  const unit = 10n ** BigInt(scale);
  return `${negative ? '-' : ''}${abs / unit}.${String(abs % unit).padStart(scale, '0')}`;
}

/** ceil(notional × bps / 10 000): a fee is rounded up to the quote asset's minor unit. */
export function feeOf(notional: bigint, bps: number): bigint {
  return (notional * BigInt(bps) + 9_999n) / 10_000n;
}

interface OrderFill {
  tradeId: string;
  price: string;
  quantity: string;
  fee: string;
  liquidity: 'MAKER' | 'TAKER';
}

interface OrderDetail {
  id: string;
  clientId: string;
  symbol: string;
  side: 'BUY' | 'SELL';
  type: 'LIMIT' | 'MARKET';
  quantity: string;
  price: string | null;
  filledQuantity: string;
  remainingQuantity: string;
  reserved: { asset: string; amount: string };
  status: string;
  fills: OrderFill[];
}

/** The assets of the run's instruments: internal-venue EUR books, and KRBN at the paper broker. */
const INSTRUMENT = {
  EUA: { asset: 'EUA', quote: 'EUR', venue: 'internal' },
  CEA: { asset: 'CEA', quote: 'EUR', venue: 'internal' },
  KRBN: { asset: 'KRBN', quote: 'USD', venue: 'paper' },
} as const;
/** A settlement in these statuses has moved what its trades' buyers and sellers received to available. */
const DELIVERED = new Set(['DELIVERED', 'CONFIRMED']);
const LIVE_ORDER = new Set(['NEW', 'VALIDATED', 'ROUTED', 'PARTIALLY_FILLED']);

export interface ModelResult {
  /** clientId → asset → what its balances must be. */
  expected: Map<string, Map<string, Expected>>;
  /** Broken venue promises, one line each with the ids to look at. */
  venueViolations: string[];
  /** Every trade id the run's orders report. */
  tradeIds: Set<string>;
}

function slot(model: Map<string, Map<string, Expected>>, clientId: string, asset: string): Expected {
  let assets = model.get(clientId);
  if (!assets) model.set(clientId, (assets = new Map()));
  let found = assets.get(asset);
  if (!found) assets.set(asset, (found = { total: 0n, pending: 0n, held: 0n, pendingSettlement: 0n }));
  return found;
}

/** What deposits, withdrawals and certificate transfers did to their owner's balances. */
function applyMovement(model: Map<string, Map<string, Expected>>, r: Resource): void {
  const balance = () => slot(model, r.ownerId, r.asset ?? 'EUR');
  if (r.type === 'deposit' && r.lastStatus === 'CLEARED') balance().total += r.amountMinor;
  // Held funds sit in their own account, outside `total`.
  if (r.type === 'deposit' && (r.lastStatus === 'ON_HOLD' || r.lastStatus === 'AML_REVIEW'))
    balance().held += r.amountMinor;
  const outgoing =
    r.type === 'withdrawal' || (r.type === 'certificate_transfer' && r.detail?.direction === 'OUT');
  if (outgoing && r.lastStatus === 'COMPLETED') balance().total -= r.amountMinor;
  // Held for the payout or the delivery: still the client's, reserved.
  if (outgoing && (r.lastStatus === 'PENDING_APPROVAL' || r.lastStatus === 'PROCESSING'))
    balance().pending += r.amountMinor;
  if (r.type === 'certificate_transfer' && r.detail?.direction === 'IN' && r.lastStatus === 'COMPLETED')
    balance().total += r.amountMinor;
}

/** `<clientId>/<tradeId>` of every trade side a settlement in DELIVERED or CONFIRMED delivered. */
function deliveredSides(settlements: readonly Resource[]): Set<string> {
  const sides = new Set<string>();
  for (const s of settlements) {
    if (!DELIVERED.has(s.lastStatus ?? '')) continue;
    for (const tradeId of (s.detail?.tradeIds ?? []) as string[]) sides.add(`${s.ownerId}/${tradeId}`);
  }
  return sides;
}

/** What a resting order's hold must reserve now: SELL its remaining units; BUY remaining × limit + the larger fee. */
function reservationOf(order: OrderDetail): { asset: string; amount: bigint } | null {
  const instrument = INSTRUMENT[order.symbol as keyof typeof INSTRUMENT];
  if (!instrument || order.type !== 'LIMIT' || order.price === null) return null;
  const remaining = minorOf(instrument.asset, order.remainingQuantity);
  if (order.side === 'SELL') return { asset: instrument.asset, amount: remaining };
  const worst = remaining * minorOf(instrument.quote, order.price);
  const fee = feeOf(worst, Math.max(CHAOS_FEES.makerFeeBps, CHAOS_FEES.takerFeeBps));
  return { asset: instrument.quote, amount: worst + fee };
}

/** Every order's fills and reservation into the model; the venue's promises checked on the way. */
function applyOrders(
  model: Map<string, Map<string, Expected>>,
  orders: readonly Resource[],
  delivered: ReadonlySet<string>,
  violations: string[],
  tradeIds: Set<string>,
): void {
  /** tradeId → the (order, fill) pairs that report it. */
  const sides = new Map<string, { order: OrderDetail; fill: OrderFill }[]>();
  for (const resource of orders) {
    const order = resource.detail as OrderDetail | undefined;
    if (!order) {
      violations.push(`order ${resource.id}: never read back`);
      continue;
    }
    const instrument = INSTRUMENT[order.symbol as keyof typeof INSTRUMENT];
    if (!instrument) {
      violations.push(`order ${order.id}: ${order.symbol} is not an instrument the model knows`);
      continue;
    }
    const { asset, quote } = instrument;
    const cash = slot(model, resource.ownerId, quote);
    const units = slot(model, resource.ownerId, asset);
    let filled = 0n;
    /** What the order's fills cost in all (BUY: notional + fees), and the fees below the policy's. */
    let spent = 0n;
    const capped: string[] = [];
    for (const fill of order.fills) {
      const quantity = minorOf(asset, fill.quantity);
      const price = minorOf(quote, fill.price);
      const notional = price * quantity;
      const fee = feeOf(
        notional,
        fill.liquidity === 'MAKER' ? CHAOS_FEES.makerFeeBps : CHAOS_FEES.takerFeeBps,
      );
      const charged = minorOf(quote, fill.fee);
      spent += notional + charged;
      // A capped BUY fee (checked against the whole reservation below) is what the client paid.
      const paid = charged < fee && order.side === 'BUY' ? charged : fee;
      if (paid === charged && charged !== fee) capped.push(fill.tradeId);
      else if (charged !== fee)
        violations.push(
          `order ${order.id} trade ${fill.tradeId}: fee ${fill.fee}, the ${fill.liquidity} fee on ${showMinor(quote, notional)} is ${showMinor(quote, fee)}`,
        );
      if (order.price !== null) {
        const limit = minorOf(quote, order.price);
        if (order.side === 'BUY' ? price > limit : price < limit)
          violations.push(
            `order ${order.id} trade ${fill.tradeId}: ${order.side} at ${fill.price} beyond its limit ${order.price}`,
          );
      }
      filled += quantity;
      // What the side received waits in pending settlement until its settlement delivers it.
      const settled = delivered.has(`${resource.ownerId}/${fill.tradeId}`);
      if (order.side === 'BUY') {
        cash.total -= notional + paid;
        units.total += quantity;
        if (!settled) units.pendingSettlement += quantity;
      } else {
        units.total -= quantity;
        cash.total += notional - fee;
        if (!settled) cash.pendingSettlement += notional - fee;
      }
      tradeIds.add(fill.tradeId);
      const list = sides.get(fill.tradeId) ?? [];
      list.push({ order, fill });
      sides.set(fill.tradeId, list);
    }
    // A BUY's fee below the policy's only where the fills used its whole reservation: each fill
    // rounds its fee up, the reservation once on the whole, and a fill never costs more than that.
    if (capped.length > 0) {
      const whole = reservationOf({ ...order, remainingQuantity: order.quantity });
      if (!whole || filled !== minorOf(asset, order.quantity) || spent !== whole.amount)
        violations.push(
          `order ${order.id} trade(s) ${capped.join(', ')}: a fee below the policy's, yet the fills cost ${showMinor(quote, spent)}, not the whole reservation`,
        );
    }
    if (filled !== minorOf(asset, order.filledQuantity))
      violations.push(
        `order ${order.id}: fills add up to ${filled}, filledQuantity says ${order.filledQuantity}`,
      );
    if (
      minorOf(asset, order.filledQuantity) + minorOf(asset, order.remainingQuantity) !==
      minorOf(asset, order.quantity)
    )
      violations.push(
        `order ${order.id}: filled ${order.filledQuantity} + remaining ${order.remainingQuantity} ≠ ${order.quantity}`,
      );
    if (LIVE_ORDER.has(order.status)) {
      const reservation = reservationOf(order);
      if (reservation) {
        slot(model, resource.ownerId, reservation.asset).pending += reservation.amount;
        if (
          order.reserved.asset !== reservation.asset ||
          minorOf(reservation.asset, order.reserved.amount) !== reservation.amount
        )
          violations.push(
            `order ${order.id} (${order.status}): reserves ${order.reserved.amount} ${order.reserved.asset}, its remaining needs ${showMinor(reservation.asset, reservation.amount)} ${reservation.asset}`,
          );
      }
    } else if (order.reserved && minorOf(order.reserved.asset, order.reserved.amount) !== 0n) {
      violations.push(
        `order ${order.id} (${order.status}): still reserves ${order.reserved.amount} ${order.reserved.asset}`,
      );
    }
  }
  for (const [tradeId, list] of sides) {
    const buys = list.filter((s) => s.order.side === 'BUY');
    const sells = list.filter((s) => s.order.side === 'SELL');
    if (list.every((s) => INSTRUMENT[s.order.symbol as keyof typeof INSTRUMENT]?.venue === 'paper')) {
      // The broker is the other side: one order of the run, taking liquidity.
      if (list.length !== 1 || list[0]!.fill.liquidity !== 'TAKER')
        violations.push(
          `trade ${tradeId}: a broker execution on ${list.length} order(s) (${list.map((s) => `${s.order.id} ${s.fill.liquidity}`).join(', ')}), not one taker`,
        );
      continue;
    }
    if (buys.length !== 1 || sells.length !== 1) {
      violations.push(
        `trade ${tradeId}: on ${buys.length} BUY and ${sells.length} SELL order(s) (${list.map((s) => s.order.id).join(', ')}), not one each`,
      );
      continue;
    }
    const [buy, sell] = [buys[0]!, sells[0]!];
    if (buy.order.clientId === sell.order.clientId)
      violations.push(`trade ${tradeId}: client ${buy.order.clientId} traded with itself`);
    if (buy.fill.price !== sell.fill.price || buy.fill.quantity !== sell.fill.quantity)
      violations.push(
        `trade ${tradeId}: the BUY says ${buy.fill.quantity} at ${buy.fill.price}, the SELL ${sell.fill.quantity} at ${sell.fill.price}`,
      );
    const liquidities = [buy.fill.liquidity, sell.fill.liquidity].sort().join('/');
    if (liquidities !== 'MAKER/TAKER')
      violations.push(`trade ${tradeId}: liquidity ${liquidities}, not one maker and one taker`);
    const maker = buy.fill.liquidity === 'MAKER' ? buy.order : sell.order;
    if (maker.price !== null && minorOf('EUR', maker.price) !== minorOf('EUR', buy.fill.price))
      violations.push(
        `trade ${tradeId}: printed at ${buy.fill.price}, the resting order's price is ${maker.price}`,
      );
  }
}

/** The whole model: every lifecycle's resources, the certificates the harness moved in. */
export function modelBalances(
  lifecycles: readonly Lifecycle[],
  transfersIn: readonly TransferIn[],
): ModelResult {
  const expected = new Map<string, Map<string, Expected>>();
  const venueViolations: string[] = [];
  const tradeIds = new Set<string>();
  const resources = lifecycles.flatMap((l) => l.resources);
  for (const lifecycle of lifecycles) {
    slot(expected, lifecycle.client.id, 'EUR');
    if (lifecycle.counterparty) slot(expected, lifecycle.counterparty.id, 'EUR');
  }
  for (const r of resources) applyMovement(expected, r);
  for (const t of transfersIn) slot(expected, t.clientId, t.asset).total += t.quantity;
  applyOrders(
    expected,
    resources.filter((r) => r.type === 'order'),
    deliveredSides(resources.filter((r) => r.type === 'settlement')),
    venueViolations,
    tradeIds,
  );
  return { expected, venueViolations, tradeIds };
}
