import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  INSTRUMENTS,
  formatPrice,
  formatQuantity,
  instrumentOf,
  instrumentOfAsset,
  notional,
  parsePrice,
  parseQuantity,
  priceBand,
  type Instrument,
} from './instruments.js';
import { ASSETS, AmountFormatError } from './money.js';

function must(symbol: string): Instrument {
  const instrument = instrumentOf(symbol);
  if (instrument === null) throw new Error(`no ${symbol}`);
  return instrument;
}

describe('the catalogue', () => {
  it('lists EUA and CEA on the internal venue in EUR and KRBN on the paper broker in USD', () => {
    expect(INSTRUMENTS.map((i) => [i.symbol, i.venue, i.quoteAsset])).toEqual([
      ['EUA', 'internal', 'EUR'],
      ['CEA', 'internal', 'EUR'],
      ['KRBN', 'paper', 'USD'],
    ]);
    expect(must('EUA')).toMatchObject({
      name: 'EU Allowance',
      tickSize: 1n,
      lotSize: 1n,
      referencePrice: 7000n,
    });
    expect(must('CEA')).toMatchObject({
      name: 'China Emission Allowance',
      referencePrice: 1150n,
      priceBandPct: 10,
    });
    expect(must('KRBN')).toMatchObject({ name: 'KraneShares Global Carbon ETF', referencePrice: 3000n });
  });

  it('trades only scale-0 assets, so a notional is price × quantity', () => {
    for (const i of INSTRUMENTS) {
      expect(ASSETS[i.asset].scale).toBe(0);
      expect(ASSETS[i.quoteAsset].kind).toBe('cash');
    }
  });

  it('finds instruments by symbol and by asset, and nothing else', () => {
    expect(instrumentOf('KRBN')?.asset).toBe('KRBN');
    expect(instrumentOf('eua')).toBeNull();
    expect(instrumentOf('EUR')).toBeNull();
    expect(instrumentOfAsset('CEA')?.symbol).toBe('CEA');
    expect(instrumentOfAsset('EUR')).toBeNull();
  });
});

describe('prices and quantities', () => {
  const eua = must('EUA');

  it('reads and writes prices at the quote scale', () => {
    expect(parsePrice(eua, '70.25')).toBe(7025n);
    expect(parsePrice(eua, '70')).toBe(7000n);
    expect(formatPrice(eua, 7025n)).toBe('70.25');
    expect(formatPrice(eua, 5n)).toBe('0.05');
  });

  it.each(['70.255', '-1', '0', '', '1e2', ' 70'])('refuses the price %j like parseAmount', (text) => {
    expect(() => parsePrice(eua, text)).toThrow(AmountFormatError);
  });

  it('reads and writes whole quantities', () => {
    expect(parseQuantity(eua, '100')).toBe(100n);
    expect(formatQuantity(eua, 100n)).toBe('100');
    expect(() => parseQuantity(eua, '1.5')).toThrow(AmountFormatError);
    expect(() => parseQuantity(eua, '0')).toThrow(AmountFormatError);
  });

  it('multiplies a notional and refuses numbers and negatives', () => {
    expect(notional(7025n, 100n)).toBe(702_500n);
    expect(() => notional(1 as never, 1n)).toThrow(TypeError);
    expect(() => notional(-1n, 1n)).toThrow(RangeError);
  });
});

describe('priceBand', () => {
  it('is ±10 % of the reference, inclusive', () => {
    expect(priceBand(7000n, 10, 1n)).toEqual({ low: 6300n, high: 7700n });
    expect(priceBand(1150n, 10, 1n)).toEqual({ low: 1035n, high: 1265n });
  });

  it('rounds inward to whole ticks', () => {
    // 10 % of 1001 is 100.1: the exact band 900.9 .. 1101.1 becomes 905 .. 1100 on a tick of 5.
    expect(priceBand(1001n, 10, 5n)).toEqual({ low: 905n, high: 1100n });
    expect(priceBand(1001n, 10, 1n)).toEqual({ low: 901n, high: 1101n });
  });

  it('takes fractions of a percent to two places and never goes below one tick', () => {
    expect(priceBand(10_000n, 2.5, 1n)).toEqual({ low: 9750n, high: 10_250n });
    expect(priceBand(1n, 99.99, 1n)).toEqual({ low: 1n, high: 1n });
    expect(() => priceBand(1000n, 0.001, 1n)).toThrow(RangeError);
    expect(() => priceBand(1000n, 100, 1n)).toThrow(RangeError);
    expect(() => priceBand(0n, 10, 1n)).toThrow(RangeError);
    expect(() => priceBand(1000n, 10, 0n)).toThrow(RangeError);
  });

  it('holds exactly the tick-grid prices within the percentage (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 9n }),
        fc.integer({ min: 1, max: 9999 }),
        fc.bigInt({ min: 1n, max: 1000n }),
        (reference, bps, tick) => {
          const pct = bps / 100;
          const { low, high } = priceBand(reference, pct, tick);
          expect(low % tick).toBe(0n);
          expect(high % tick).toBe(0n);
          const b = BigInt(bps);
          // Within the percentage (the low edge may be lifted to one tick) ...
          expect(high * 10_000n <= reference * (10_000n + b)).toBe(true);
          expect(low === tick || low * 10_000n >= reference * (10_000n - b)).toBe(true);
          // ... and the next tick outward would not be.
          expect((high + tick) * 10_000n > reference * (10_000n + b)).toBe(true);
          expect(low === tick || (low - tick) * 10_000n < reference * (10_000n - b)).toBe(true);
        },
      ),
    );
  });
});
