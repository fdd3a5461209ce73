// Pre-trade risk: one named pure rule per refusal of API.md's POST /orders (422). Each rule looks at
// the order and the facts the activity gathered (instrument status, reference price, KYC, the
// available balance of what the order would reserve, the policy, the clock) and answers a refusal
// or null. preTradeCheck runs them in a fixed order and answers the first refusal, so a client
// always hears about the most basic problem first (no KYC before a bad tick, a bad tick before
// money).

import { groupedDecimal, maxAmountMinor } from './amount-limits.js';
import { formatPrice, formatQuantity, notional, priceBand, type Instrument } from './instruments.js';
import { ASSETS, formatAmount } from './money.js';
import {
  protectionPrice,
  reserveAmount,
  reserveAsset,
  type OrderKind,
  type OrderRefusal,
  type OrderSide,
  type TimeInForce,
} from './order.js';
import { isWithinTradingHours, type TradingPolicy } from './trading-policy.js';

export interface OrderRequest {
  side: OrderSide;
  type: OrderKind;
  timeInForce: TimeInForce;
  /** Asset minor units, positive. */
  quantity: bigint;
  /** LIMIT: quote minor units; null for MARKET. */
  limitPrice: bigint | null;
}

export interface RiskContext {
  instrument: Instrument;
  instrumentStatus: 'OPEN' | 'HALTED';
  /** The last trade's price, else the instrument's reference price (quote minor units). */
  referencePrice: bigint;
  kycStatus: string;
  /** Of reserveAsset(instrument, side), already excluding holds (minor units). */
  available: bigint;
  policy: TradingPolicy;
  now: Date;
}

export type RiskRule = (o: OrderRequest, ctx: RiskContext) => OrderRefusal | null;

function refusal(
  code: OrderRefusal['code'],
  message: string,
  details: Record<string, unknown>,
): OrderRefusal {
  return { code, message, details };
}

/** The price a MARKET order may trade to at worst; a LIMIT order's own price. */
function worstPrice(o: OrderRequest, ctx: RiskContext): bigint {
  if (o.type === 'LIMIT') {
    if (o.limitPrice === null) throw new Error('a LIMIT order has a price (checkOrderInput)');
    return o.limitPrice;
  }
  return protectionPrice(ctx.instrument, o.side, ctx.referencePrice);
}

/** What the order's hold must reserve: the asset and the amount in its minor units. */
export function reservationFor(
  o: OrderRequest,
  ctx: RiskContext,
): { asset: Instrument['asset']; amount: bigint } {
  return {
    asset: reserveAsset(ctx.instrument, o.side),
    amount: reserveAmount({
      side: o.side,
      type: o.type,
      quantity: o.quantity,
      limitPrice: o.type === 'LIMIT' ? o.limitPrice : null,
      protectionPrice:
        o.type === 'MARKET' ? protectionPrice(ctx.instrument, o.side, ctx.referencePrice) : null,
      makerFeeBps: ctx.policy.makerFeeBps,
      takerFeeBps: ctx.policy.takerFeeBps,
    }),
  };
}

export const kycApproved: RiskRule = (_o, ctx) =>
  ctx.kycStatus === 'APPROVED'
    ? null
    : refusal('kyc_required', 'Your identity check must be approved before you can trade.', {
        kycStatus: ctx.kycStatus,
      });

export const instrumentOpen: RiskRule = (_o, ctx) =>
  ctx.instrumentStatus === 'OPEN'
    ? null
    : refusal('instrument_halted', `Trading in ${ctx.instrument.symbol} is halted.`, {
        symbol: ctx.instrument.symbol,
      });

export const withinTradingHours: RiskRule = (_o, ctx) =>
  isWithinTradingHours(ctx.policy.tradingHours, ctx.now.getTime())
    ? null
    : refusal('market_closed', `The market for ${ctx.instrument.symbol} is closed now.`, {
        symbol: ctx.instrument.symbol,
        tradingHours: ctx.policy.tradingHours,
      });

export const tickAndLot: RiskRule = (o, ctx) => {
  const { instrument } = ctx;
  if (o.type === 'LIMIT' && o.limitPrice !== null && o.limitPrice % instrument.tickSize !== 0n) {
    const tick = formatPrice(instrument, instrument.tickSize);
    return refusal('invalid_tick', `The price must be a multiple of the tick size ${tick}.`, {
      price: formatPrice(instrument, o.limitPrice),
      tickSize: tick,
    });
  }
  if (o.quantity % instrument.lotSize !== 0n) {
    const lot = formatQuantity(instrument, instrument.lotSize);
    return refusal('invalid_lot', `The quantity must be a multiple of the lot size ${lot}.`, {
      quantity: formatQuantity(instrument, o.quantity),
      lotSize: lot,
    });
  }
  return null;
};

export const withinPriceBand: RiskRule = (o, ctx) => {
  if (o.type !== 'LIMIT' || o.limitPrice === null) return null;
  const { instrument } = ctx;
  const band = priceBand(ctx.referencePrice, instrument.priceBandPct, instrument.tickSize);
  if (o.limitPrice >= band.low && o.limitPrice <= band.high) return null;
  const [price, low, high] = [o.limitPrice, band.low, band.high].map((p) => formatPrice(instrument, p));
  return refusal(
    'price_out_of_band',
    `The price ${price} ${instrument.quoteAsset} is outside today's band of ${low} to ${high}.`,
    { price, low, high, referencePrice: formatPrice(instrument, ctx.referencePrice) },
  );
};

/** The smaller of a policy-wide limit and an asset's own (null: the asset has none). */
function tighter(overall: bigint, own: bigint | null): bigint {
  return own !== null && own < overall ? own : overall;
}

/**
 * order_too_large: the quantity above the largest order of the instrument's asset, or the notional
 * (at the worst price) above the largest order of its quote asset — each the tighter of the
 * policy-wide maxOrderQuantity / maxOrderNotional and the asset's own entry in maxAmount.
 */
export const withinSizeLimits: RiskRule = (o, ctx) => {
  const { instrument, policy } = ctx;
  const { asset, quoteAsset } = instrument;
  const maxQuantity = tighter(
    BigInt(policy.maxOrderQuantity) * 10n ** BigInt(ASSETS[asset].scale),
    maxAmountMinor(policy.maxAmount, asset),
  );
  if (o.quantity > maxQuantity) {
    const quantity = formatQuantity(instrument, o.quantity);
    const max = formatQuantity(instrument, maxQuantity);
    return refusal(
      'order_too_large',
      `The quantity ${quantity} is above the largest order of ${groupedDecimal(max)} ${asset}.`,
      { quantity, maxOrderQuantity: max, asset },
    );
  }
  const maxNotional = tighter(
    BigInt(policy.maxOrderNotional) * 10n ** BigInt(ASSETS[quoteAsset].scale),
    maxAmountMinor(policy.maxAmount, quoteAsset),
  );
  const orderNotional = notional(worstPrice(o, ctx), o.quantity);
  if (orderNotional > maxNotional) {
    const value = formatAmount(quoteAsset, orderNotional);
    const max = formatAmount(quoteAsset, maxNotional);
    return refusal(
      'order_too_large',
      `The order's value of ${groupedDecimal(value)} ${quoteAsset} is above the largest order of ${groupedDecimal(max)} ${quoteAsset}.`,
      { notional: value, maxOrderNotional: max, asset: quoteAsset },
    );
  }
  return null;
};

export const buyingPower: RiskRule = (o, ctx) => {
  if (o.side !== 'BUY') return null;
  const { asset, amount } = reservationFor(o, ctx);
  if (amount <= ctx.available) return null;
  const [required, available] = [amount, ctx.available].map((a) => formatAmount(asset, a));
  return refusal(
    'insufficient_funds',
    `This order needs ${required} ${asset} (price and maximum fee) but ${available} ${asset} is available.`,
    { asset, required, available },
  );
};

export const position: RiskRule = (o, ctx) => {
  if (o.side !== 'SELL') return null;
  const asset = reserveAsset(ctx.instrument, o.side);
  if (o.quantity <= ctx.available) return null;
  const [required, available] = [o.quantity, ctx.available].map((q) => formatAmount(asset, q));
  return refusal(
    'insufficient_position',
    `You are selling ${required} ${asset} but hold ${available} available.`,
    {
      asset,
      required,
      available,
    },
  );
};

export const PRE_TRADE_RULES: readonly { name: string; check: RiskRule }[] = Object.freeze([
  { name: 'kycApproved', check: kycApproved },
  { name: 'instrumentOpen', check: instrumentOpen },
  { name: 'withinTradingHours', check: withinTradingHours },
  { name: 'tickAndLot', check: tickAndLot },
  { name: 'withinPriceBand', check: withinPriceBand },
  { name: 'withinSizeLimits', check: withinSizeLimits },
  { name: 'buyingPower', check: buyingPower },
  { name: 'position', check: position },
]);

/** The first rule's refusal, in PRE_TRADE_RULES' order; null when the order may be reserved and routed. */
export function preTradeCheck(o: OrderRequest, ctx: RiskContext): OrderRefusal | null {
  if (!(o.quantity > 0n)) throw new RangeError('an order quantity is positive (checkOrderInput)');
  if ((o.type === 'LIMIT') !== (o.limitPrice !== null))
    throw new RangeError('a LIMIT order has a price and a MARKET order none (checkOrderInput)');
  if (!(ctx.referencePrice > 0n)) throw new RangeError('the reference price is positive');
  if (ctx.available < 0n) throw new RangeError('an available balance is never negative');
  for (const rule of PRE_TRADE_RULES) {
    const refused = rule.check(o, ctx);
    if (refused) return refused;
  }
  return null;
}
