import { describe, expect, it } from 'vitest';
import { formatAmount, parseAmount } from './money.js';

describe('parseAmount', () => {
  it.each([
    ['EUR', '1250.50', 125050n],
    ['EUR', '1250.5', 125050n],
    ['EUR', '0.01', 1n],
    ['EUR', '7', 700n],
    ['EUA', '300', 300n],
  ] as const)('%s %s -> %s', (asset, text, minor) => {
    expect(parseAmount(asset, text)).toBe(minor);
  });

  it.each([
    ['EUR', '-5'],
    ['EUR', '1e3'],
    ['EUR', 'abc'],
    ['EUR', '1.234'],
    ['EUR', ''],
    ['EUR', ' 1'],
    ['EUR', '1.'],
    ['EUR', '.5'],
    ['EUR', '0'],
    ['EUR', '+1'],
    ['EUA', '1.5'],
    ['EUR', '99999999999999999999'],
  ] as const)('%s %j is rejected', (asset, text) => {
    expect(() => parseAmount(asset, text)).toThrow();
  });

  it('accepts zero only when asked', () => {
    expect(parseAmount('EUR', '0.00', { allowZero: true })).toBe(0n);
  });
});

describe('formatAmount', () => {
  it('round-trips with parseAmount', () => {
    for (const text of ['0.01', '1250.50', '1000000.00'])
      expect(formatAmount('EUR', parseAmount('EUR', text))).toBe(text);
    expect(formatAmount('EUA', 300n)).toBe('300');
    expect(formatAmount('EUR', -5n)).toBe('-0.05');
  });
});
