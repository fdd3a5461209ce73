import { describe, expect, it } from 'vitest';
import { portfolioValueSeries } from './portfolio-value.js';

describe('portfolio value over time', () => {
  it('replays fills from the opening holding and ends at the market price', () => {
    const series = portfolioValueSeries(
      [{ asset: 'EUA', quantity: '120', marketPrice: '71.00' }],
      [
        { symbol: 'EUA', side: 'SELL', price: '72.00', quantity: '30', at: '2026-01-02T10:00:00.000Z' },
        { symbol: 'EUA', side: 'BUY', price: '70.00', quantity: '50', at: '2026-01-01T10:00:00.000Z' },
      ],
      '2026-01-03T00:00:00.000Z',
    );
    expect(series).toEqual([
      {
        quoteAsset: 'EUR',
        points: [
          // 100 held before (120 − 50 + 30); after buying 50 at 70: 150 × 70.
          { at: '2026-01-01T10:00:00.000Z', value: '10500.00' },
          { at: '2026-01-02T10:00:00.000Z', value: '8640.00' },
          { at: '2026-01-03T00:00:00.000Z', value: '8520.00' },
        ],
      },
    ]);
  });

  it('keeps currencies apart and draws nothing without holdings or fills', () => {
    expect(portfolioValueSeries([], [], '2026-01-03T00:00:00.000Z')).toEqual([]);
    const series = portfolioValueSeries(
      [
        { asset: 'EUA', quantity: '10', marketPrice: '70.00' },
        { asset: 'KRBN', quantity: '2', marketPrice: '30.50' },
      ],
      [],
      '2026-01-03T00:00:00.000Z',
    );
    expect(series.map((s) => [s.quoteAsset, s.points.map((p) => p.value)])).toEqual([
      ['EUR', ['700.00']],
      ['USD', ['61.00']],
    ]);
  });
});
