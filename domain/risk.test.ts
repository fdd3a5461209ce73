import { describe, expect, it } from 'vitest';
import { instrumentOf, type Instrument } from './instruments.js';
import {
  PRE_TRADE_RULES,
  buyingPower,
  instrumentOpen,
  kycApproved,
  position,
  preTradeCheck,
  reservationFor,
  tickAndLot,
  withinPriceBand,
  withinSizeLimits,
  withinTradingHours,
  type OrderRequest,
  type RiskContext,
} from './risk.js';
import { EEX_TRADING_HOURS, tradingPolicy } from './trading-policy.js';

function must(symbol: string): Instrument {
  const instrument = instrumentOf(symbol);
  if (instrument === null) throw new Error(`no ${symbol}`);
  return instrument;
}
const eua = must('EUA');

function order(overrides: Partial<OrderRequest> = {}): OrderRequest {
  return { side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: 100n, limitPrice: 7000n, ...overrides };
}

function context(overrides: Partial<RiskContext> = {}): RiskContext {
  return {
    instrument: eua,
    instrumentStatus: 'OPEN',
    referencePrice: 7000n,
    kycStatus: 'APPROVED',
    available: 10_000_000n,
    policy: tradingPolicy({ makerFeeBps: 10, takerFeeBps: 20 }),
    now: new Date('2026-03-02T10:00:00Z'),
    ...overrides,
  };
}

describe('kycApproved', () => {
  it('passes an approved client and refuses everyone else', () => {
    expect(kycApproved(order(), context())).toBeNull();
    for (const kycStatus of ['NOT_STARTED', 'PENDING_REVIEW', 'REJECTED', 'EXPIRED']) {
      expect(kycApproved(order(), context({ kycStatus }))).toMatchObject({
        code: 'kyc_required',
        details: { kycStatus },
      });
    }
  });
});

describe('instrumentOpen', () => {
  it('refuses a halted instrument', () => {
    expect(instrumentOpen(order(), context())).toBeNull();
    expect(instrumentOpen(order(), context({ instrumentStatus: 'HALTED' }))).toMatchObject({
      code: 'instrument_halted',
      message: 'Trading in EUA is halted.',
    });
  });
});

describe('withinTradingHours', () => {
  const weekly = context({ policy: tradingPolicy({ tradingHours: EEX_TRADING_HOURS }) });

  it('is always open under `always`', () => {
    expect(withinTradingHours(order(), context({ now: new Date('2026-03-01T03:00:00Z') }))).toBeNull();
  });

  it('is open on a weekday from the open to just before the close, Berlin time', () => {
    // Monday 2 March 2026: 08:00 CET is 07:00 UTC, 18:00 CET is 17:00 UTC.
    expect(withinTradingHours(order(), { ...weekly, now: new Date('2026-03-02T07:00:00Z') })).toBeNull();
    expect(withinTradingHours(order(), { ...weekly, now: new Date('2026-03-02T16:59:00Z') })).toBeNull();
    for (const at of ['2026-03-02T06:59:00Z', '2026-03-02T17:00:00Z', '2026-03-01T10:00:00Z']) {
      expect(withinTradingHours(order(), { ...weekly, now: new Date(at) })?.code).toBe('market_closed');
    }
    // Summer (CEST): 07:30 UTC is 09:30 local, open; 16:30 UTC is 18:30 local, closed.
    expect(withinTradingHours(order(), { ...weekly, now: new Date('2026-07-01T07:30:00Z') })).toBeNull();
    expect(withinTradingHours(order(), { ...weekly, now: new Date('2026-07-01T16:30:00Z') })?.code).toBe(
      'market_closed',
    );
  });
});

describe('tickAndLot', () => {
  const coarse = context({ instrument: { ...eua, tickSize: 5n, lotSize: 10n } });

  it('refuses a price off the tick grid, then a quantity off the lot grid', () => {
    expect(tickAndLot(order({ limitPrice: 7005n, quantity: 20n }), coarse)).toBeNull();
    expect(tickAndLot(order({ limitPrice: 7003n, quantity: 25n }), coarse)).toMatchObject({
      code: 'invalid_tick',
      details: { price: '70.03', tickSize: '0.05' },
    });
    expect(tickAndLot(order({ limitPrice: 7005n, quantity: 25n }), coarse)).toMatchObject({
      code: 'invalid_lot',
      details: { quantity: '25', lotSize: '10' },
    });
  });

  it('judges only the lot of a MARKET order', () => {
    expect(tickAndLot(order({ type: 'MARKET', limitPrice: null, quantity: 20n }), coarse)).toBeNull();
    expect(tickAndLot(order({ type: 'MARKET', limitPrice: null, quantity: 21n }), coarse)?.code).toBe(
      'invalid_lot',
    );
  });
});

describe('withinPriceBand', () => {
  it('accepts the band edges and refuses one tick beyond', () => {
    expect(withinPriceBand(order({ limitPrice: 6300n }), context())).toBeNull();
    expect(withinPriceBand(order({ limitPrice: 7700n }), context())).toBeNull();
    expect(withinPriceBand(order({ limitPrice: 7701n }), context())).toMatchObject({
      code: 'price_out_of_band',
      message: "The price 77.01 EUR is outside today's band of 63.00 to 77.00.",
      details: { price: '77.01', low: '63.00', high: '77.00', referencePrice: '70.00' },
    });
    expect(withinPriceBand(order({ side: 'SELL', limitPrice: 6299n }), context())?.code).toBe(
      'price_out_of_band',
    );
  });

  it('centres the band on the reference price it is given (the last trade)', () => {
    expect(withinPriceBand(order({ limitPrice: 7900n }), context({ referencePrice: 7500n }))).toBeNull();
    expect(withinPriceBand(order({ limitPrice: 6500n }), context({ referencePrice: 7500n }))?.code).toBe(
      'price_out_of_band',
    );
  });

  it('leaves MARKET orders alone (their protection price is the band edge)', () => {
    expect(withinPriceBand(order({ type: 'MARKET', limitPrice: null }), context())).toBeNull();
  });
});

describe('withinSizeLimits', () => {
  const limits = context({ policy: tradingPolicy({ maxOrderQuantity: 1000, maxOrderNotional: 50_000 }) });

  it('refuses a quantity above the policy maximum', () => {
    expect(withinSizeLimits(order({ quantity: 1000n, limitPrice: 5000n }), limits)).toBeNull();
    expect(withinSizeLimits(order({ quantity: 1001n, limitPrice: 100n }), limits)).toMatchObject({
      code: 'order_too_large',
      details: { quantity: '1001', maxOrderQuantity: '1000' },
    });
  });

  it('refuses a notional above the policy maximum', () => {
    // 700 × 70.00 = 49 000.00; 715 × 70.00 = 50 050.00
    expect(withinSizeLimits(order({ quantity: 700n }), limits)).toBeNull();
    expect(withinSizeLimits(order({ quantity: 715n }), limits)).toMatchObject({
      code: 'order_too_large',
      details: { notional: '50050.00', maxOrderNotional: '50000.00', asset: 'EUR' },
    });
  });

  it('reads a tighter per-asset limit: quantity by the traded asset, notional by the quote asset', () => {
    const perAsset = context({
      policy: tradingPolicy({ maxOrderQuantity: 1000, maxOrderNotional: 50_000, maxAmount: { EUA: '500' } }),
    });
    expect(withinSizeLimits(order({ quantity: 500n }), perAsset)).toBeNull();
    expect(withinSizeLimits(order({ quantity: 501n }), perAsset)).toMatchObject({
      code: 'order_too_large',
      message: 'The quantity 501 is above the largest order of 500 EUA.',
      details: { quantity: '501', maxOrderQuantity: '500', asset: 'EUA' },
    });
    // 100 × 70.00 = 7000.00: at a 7000.00 EUR limit it passes, one minor unit less and it is refused.
    const at = context({ policy: tradingPolicy({ maxAmount: { EUR: '7000.00' } }) });
    expect(withinSizeLimits(order(), at)).toBeNull();
    const below = context({ policy: tradingPolicy({ maxAmount: { EUR: '6999.99' } }) });
    expect(withinSizeLimits(order(), below)).toMatchObject({
      code: 'order_too_large',
      message: "The order's value of 7,000.00 EUR is above the largest order of 6,999.99 EUR.",
      details: { notional: '7000.00', maxOrderNotional: '6999.99', asset: 'EUR' },
    });
    // Another quote currency's entry, or a looser one than the policy-wide limit, changes nothing.
    expect(
      withinSizeLimits(order(), context({ policy: tradingPolicy({ maxAmount: { USD: '1.00' } }) })),
    ).toBeNull();
    const looser = context({ policy: tradingPolicy({ maxOrderQuantity: 1000, maxAmount: { EUA: '5000' } }) });
    expect(withinSizeLimits(order({ quantity: 1001n, limitPrice: 100n }), looser)?.code).toBe(
      'order_too_large',
    );
    // A running order's policy from before maxAmount existed keeps the policy-wide limits only.
    const { maxAmount: _none, ...older } = tradingPolicy({ maxOrderQuantity: 1000 });
    expect(
      withinSizeLimits(order({ quantity: 1000n, limitPrice: 100n }), context({ policy: older })),
    ).toBeNull();
  });

  it('values a MARKET order at its protection price', () => {
    // 700 at the band top 77.00 is 53 900.00, above the limit even though 700 × 70.00 is not.
    const market = order({ type: 'MARKET', limitPrice: null, quantity: 700n });
    expect(withinSizeLimits(market, limits)?.code).toBe('order_too_large');
    // A SELL trades down to the band bottom, 63.00: 700 × 63.00 = 44 100.00.
    expect(withinSizeLimits({ ...market, side: 'SELL' }, limits)).toBeNull();
  });
});

describe('buyingPower', () => {
  it('needs the price and the larger fee available', () => {
    // 100 × 70.00 = 7000.00, fee 20 bps = 14.00: 7014.00 reserved.
    expect(reservationFor(order(), context())).toEqual({ asset: 'EUR', amount: 701_400n });
    expect(buyingPower(order(), context({ available: 701_400n }))).toBeNull();
    expect(buyingPower(order(), context({ available: 701_399n }))).toMatchObject({
      code: 'insufficient_funds',
      message: 'This order needs 7014.00 EUR (price and maximum fee) but 7013.99 EUR is available.',
      details: { asset: 'EUR', required: '7014.00', available: '7013.99' },
    });
  });

  it('sizes a MARKET BUY at the band top', () => {
    const market = order({ type: 'MARKET', limitPrice: null, quantity: 10n });
    // 10 × 77.00 = 770.00 + 1.54 fee.
    expect(reservationFor(market, context())).toEqual({ asset: 'EUR', amount: 77_154n });
    expect(buyingPower(market, context({ available: 77_153n }))?.code).toBe('insufficient_funds');
  });

  it('does not judge a SELL', () => {
    expect(buyingPower(order({ side: 'SELL' }), context({ available: 0n }))).toBeNull();
  });
});

describe('position', () => {
  it('needs the quantity available to sell', () => {
    const sell = order({ side: 'SELL', quantity: 40n });
    expect(reservationFor(sell, context())).toEqual({ asset: 'EUA', amount: 40n });
    expect(position(sell, context({ available: 40n }))).toBeNull();
    expect(position(sell, context({ available: 39n }))).toMatchObject({
      code: 'insufficient_position',
      details: { asset: 'EUA', required: '40', available: '39' },
    });
    expect(position(order(), context({ available: 0n }))).toBeNull();
  });
});

describe('preTradeCheck', () => {
  it('runs the rules in the documented order', () => {
    expect(PRE_TRADE_RULES.map((r) => r.name)).toEqual([
      'kycApproved',
      'instrumentOpen',
      'withinTradingHours',
      'tickAndLot',
      'withinPriceBand',
      'withinSizeLimits',
      'buyingPower',
      'position',
    ]);
  });

  it('passes a good order', () => {
    expect(preTradeCheck(order(), context())).toBeNull();
    expect(preTradeCheck(order({ side: 'SELL' }), context({ available: 100n }))).toBeNull();
  });

  it('answers the first refusal only', () => {
    const everythingWrong = context({
      kycStatus: 'PENDING_REVIEW',
      instrumentStatus: 'HALTED',
      available: 0n,
    });
    expect(preTradeCheck(order({ limitPrice: 9000n }), everythingWrong)?.code).toBe('kyc_required');
    expect(
      preTradeCheck(order({ limitPrice: 9000n }), context({ instrumentStatus: 'HALTED', available: 0n }))
        ?.code,
    ).toBe('instrument_halted');
    expect(preTradeCheck(order({ limitPrice: 9000n }), context({ available: 0n }))?.code).toBe(
      'price_out_of_band',
    );
    expect(preTradeCheck(order(), context({ available: 0n }))?.code).toBe('insufficient_funds');
  });

  it('asserts the shape checkOrderInput already guaranteed', () => {
    expect(() => preTradeCheck(order({ quantity: 0n }), context())).toThrow(RangeError);
    expect(() => preTradeCheck(order({ type: 'MARKET' }), context())).toThrow(RangeError);
    expect(() => preTradeCheck(order({ limitPrice: null }), context())).toThrow(RangeError);
  });
});
