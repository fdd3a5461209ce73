import { describe, expect, it } from 'vitest';
import {
  ASSETS,
  ASSET_CODES,
  CASH_ASSETS,
  TRADABLE_ASSETS,
  formatAmount,
  isAssetCode,
  isCashAsset,
  isTradableAsset,
  parseAmount,
} from './money.js';

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

describe('assets', () => {
  it('lists the cash currencies, the certificates and the listed security', () => {
    expect(ASSET_CODES).toEqual(['EUR', 'USD', 'EUA', 'CEA', 'KRBN']);
    expect(CASH_ASSETS).toEqual(['EUR', 'USD']);
    expect(TRADABLE_ASSETS).toEqual(['EUA', 'CEA', 'KRBN']);
    expect(ASSETS.KRBN).toEqual({ code: 'KRBN', scale: 0, kind: 'security' });
  });

  it('tells cash from tradable assets', () => {
    expect(isCashAsset('USD')).toBe(true);
    expect(isCashAsset('KRBN')).toBe(false);
    expect(isTradableAsset('KRBN')).toBe(true);
    expect(isTradableAsset('EUA')).toBe(true);
    expect(isTradableAsset('EUR')).toBe(false);
    expect(isTradableAsset('GBP')).toBe(false);
    expect(isAssetCode('KRBN')).toBe(true);
  });

  it('reads KRBN quantities as whole shares', () => {
    expect(parseAmount('KRBN', '25')).toBe(25n);
    expect(() => parseAmount('KRBN', '2.5')).toThrow(/whole numbers/);
  });
});
