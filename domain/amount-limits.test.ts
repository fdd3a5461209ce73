import { describe, expect, it } from 'vitest';
import {
  amountAboveLimit,
  decimalAboveLimit,
  groupedDecimal,
  limitSentence,
  maxAmountProblems,
  maxAmountMinor,
} from './amount-limits.js';
import { CASH_ASSETS } from './money.js';

describe('maxAmountProblems', () => {
  it('accepts no field, an empty object and positive decimals of each asset’s scale', () => {
    expect(maxAmountProblems(undefined, CASH_ASSETS)).toEqual([]);
    expect(maxAmountProblems({}, CASH_ASSETS)).toEqual([]);
    expect(maxAmountProblems({ EUR: '250000.00', USD: '5' }, CASH_ASSETS)).toEqual([]);
    expect(maxAmountProblems({ EUA: '5000', EUR: '1000000000.00' }, ['EUR', 'EUA'])).toEqual([]);
  });

  it.each<[string, unknown, string]>([
    ['not an object', ['1.00'], 'maxAmount must be an object'],
    ['an asset the policy has not', { EUA: '10' }, 'maxAmount.EUA: not an asset of this policy (EUR, USD)'],
    ['an unknown code', { GBP: '10.00' }, 'maxAmount.GBP: not an asset'],
    ['a number', { EUR: 1000 }, 'maxAmount.EUR must be a decimal string'],
    ['too many decimals', { EUR: '1.234' }, 'maxAmount.EUR: EUR amounts are decimal strings'],
    ['zero', { USD: '0.00' }, 'maxAmount.USD: amount must be greater than zero'],
    ['a sign', { EUR: '-5.00' }, 'maxAmount.EUR: EUR amounts'],
    ['above the edge bound', { EUR: '1000000000.01' }, 'maxAmount.EUR must be at most 1000000000 EUR'],
  ])('names %s', (_what, value, problem) => {
    const problems = maxAmountProblems(value, CASH_ASSETS);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(problem);
  });

  it('reads a certificate’s limit in whole units', () => {
    expect(maxAmountProblems({ EUA: '10.5' }, ['EUA'])).toEqual([
      'maxAmount.EUA: EUA amounts are whole numbers like "300"',
    ]);
  });
});

describe('amountAboveLimit', () => {
  const limits = { EUR: '250000.00' };

  it('accepts an amount at the limit and refuses one minor unit above it', () => {
    expect(amountAboveLimit(limits, 'EUR', 25_000_000n)).toBeNull();
    expect(amountAboveLimit(limits, 'EUR', 25_000_001n)).toEqual({ asset: 'EUR', max: '250000.00' });
    expect(decimalAboveLimit(limits, 'EUR', '250000.00')).toBeNull();
    expect(decimalAboveLimit(limits, 'EUR', '250000.01')).toEqual({ asset: 'EUR', max: '250000.00' });
  });

  it('leaves an asset without an entry, and a policy without the field, unlimited', () => {
    expect(amountAboveLimit(limits, 'USD', 10n ** 11n)).toBeNull();
    expect(amountAboveLimit(undefined, 'EUR', 10n ** 11n)).toBeNull();
    expect(maxAmountMinor(undefined, 'EUR')).toBeNull();
    expect(maxAmountMinor({ EUA: '5000' }, 'EUA')).toBe(5000n);
  });
});

describe('the limit in words', () => {
  it('groups thousands and keeps every decimal', () => {
    expect(groupedDecimal('1250000.00')).toBe('1,250,000.00');
    expect(groupedDecimal('999')).toBe('999');
    expect(groupedDecimal('1000')).toBe('1,000');
    expect(limitSentence('deposit', { asset: 'EUR', max: '250000.00' })).toBe(
      'The largest deposit is 250,000.00 EUR.',
    );
  });
});
