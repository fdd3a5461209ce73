import { describe, expect, it } from 'vitest';
import { instrumentOf } from '../../domain/instruments.js';
import { tradingPolicy } from '../../domain/trading-policy.js';
import { ApiError } from '../errors.js';
import { orderPreview, type PreviewContext } from './order-preview.js';

const EUA = instrumentOf('EUA')!;
const policy = tradingPolicy({ makerFeeBps: 5, takerFeeBps: 10 });
const context = (over: Partial<PreviewContext> = {}): PreviewContext => ({
  instrument: EUA,
  status: 'OPEN',
  statusReason: null,
  referencePriceMinor: 7000n,
  policy,
  availableMinor: 1_000_000n,
  ...over,
});

describe('order preview', () => {
  it('prices a LIMIT BUY: notional, taker fee rounded up, reservation with the larger fee, available after', () => {
    const p = orderPreview(context(), {
      side: 'BUY',
      type: 'LIMIT',
      quantity: '10',
      price: '70.01',
      timeInForce: 'GTC',
    });
    expect(p.notional).toEqual({ asset: 'EUR', amount: '700.10' });
    // 70010 minor × 10 bp = 70.01 minor → 71 (rounded up).
    expect(p.fee).toEqual({ asset: 'EUR', amount: '0.71', bps: 10 });
    expect(p.reservation).toEqual({ asset: 'EUR', amount: '700.81' });
    expect(p.available).toEqual({ asset: 'EUR', amount: '10000.00' });
    expect(p.availableAfter).toEqual({ asset: 'EUR', amount: '9299.19' });
    expect(p.warnings).toEqual([]);
  });

  it('a SELL reserves the certificates and warns when the holding is short', () => {
    const p = orderPreview(context({ availableMinor: 5n }), {
      side: 'SELL',
      type: 'LIMIT',
      quantity: '8',
      price: '70.00',
      timeInForce: 'DAY',
    });
    expect(p.reservation).toEqual({ asset: 'EUA', amount: '8' });
    expect(p.availableAfter).toEqual({ asset: 'EUA', amount: '-3' });
    expect(p.warnings).toHaveLength(1);
  });

  it('a MARKET BUY is sized at the band top around the reference, and a halt is a warning', () => {
    const p = orderPreview(context({ status: 'HALTED', statusReason: 'news' }), {
      side: 'BUY',
      type: 'MARKET',
      quantity: '1',
      price: '',
      timeInForce: 'IOC',
    });
    expect(p.price).toBeNull();
    expect(p.sizingPrice).toBe('77.00');
    expect(p.warnings.join(' ')).toContain('halted (news)');
  });

  it('names every bad field', () => {
    let error: unknown;
    try {
      orderPreview(context(), { side: 'BUY', type: 'LIMIT', quantity: '1.5', price: '', timeInForce: 'GTC' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ApiError);
    const paths = ((error as ApiError).details as { issues: { path: string }[] }).issues.map((i) => i.path);
    expect(paths.sort()).toEqual(['price', 'quantity']);
  });
});
