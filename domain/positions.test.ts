import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AssetCode } from './money.js';
import { positionsFrom, type Position, type PositionFill } from './positions.js';

let clock = Date.parse('2026-03-02T09:00:00Z');
function fill(
  side: 'BUY' | 'SELL',
  quantity: bigint,
  price: bigint,
  fee = 0n,
  asset: AssetCode = 'EUA',
): PositionFill {
  clock += 1000;
  return { tradeId: `t-${clock}`, at: new Date(clock).toISOString(), side, asset, quantity, price, fee };
}

function only(positions: Position[]): Position {
  expect(positions).toHaveLength(1);
  return positions[0] as Position;
}

describe('positionsFrom', () => {
  it('has no positions without fills', () => {
    expect(positionsFrom([], new Map())).toEqual([]);
  });

  it('sells the oldest lots first (seed 004 §4.1, with the arithmetic put right)', () => {
    // Buy 100 at 10.00, buy 50 at 12.00, sell 75 at 15.00: the sale closes 75 of the first lot.
    const p = only(
      positionsFrom([fill('BUY', 100n, 1000n), fill('BUY', 50n, 1200n), fill('SELL', 75n, 1500n)], new Map()),
    );
    expect(p.realizedPnl).toBe(75n * 1500n - 75n * 1000n); // 375.00
    expect(p.quantity).toBe(75n);
    expect(p.lots.map((l) => [l.quantity, l.remaining, l.price])).toEqual([
      [100n, 25n, 1000n],
      [50n, 50n, 1200n],
    ]);
    expect(p.costBasis).toBe(25n * 1000n + 50n * 1200n);
    // (250.00 + 600.00) / 75 = 11.333… → 11.33
    expect(p.averageCost).toBe(1133n);
    expect(p.marketPrice).toBeNull();
    expect(p.unrealizedPnl).toBeNull();
  });

  it('adds buy fees to the cost basis and takes sell fees from the proceeds', () => {
    const p = only(
      positionsFrom([fill('BUY', 10n, 7000n, 140n), fill('SELL', 4n, 7500n, 60n)], new Map([['EUA', 7200n]])),
    );
    // Lot cost 700.00 + 1.40; 4 of 10 units carry 4/10 of it: 280.56.
    expect(p.realizedPnl).toBe(4n * 7500n - 60n - 28_056n);
    expect(p.costBasis).toBe(70_140n - 28_056n);
    expect(p.quantity).toBe(6n);
    expect(p.marketValue).toBe(6n * 7200n);
    expect(p.unrealizedPnl).toBe(6n * 7200n - (70_140n - 28_056n));
    expect(p.quoteAsset).toBe('EUR');
  });

  it('keeps a closed position with its realized P&L and no lots', () => {
    const p = only(
      positionsFrom([fill('BUY', 3n, 1000n, 1n), fill('SELL', 3n, 900n, 1n)], new Map([['EUA', 950n]])),
    );
    expect(p).toMatchObject({ quantity: 0n, costBasis: 0n, averageCost: null, lots: [], marketValue: 0n });
    expect(p.realizedPnl).toBe(2700n - 1n - 3001n);
    expect(p.unrealizedPnl).toBe(0n);
  });

  it('opens a lot from a transfer-in without a trade', () => {
    const transfer: PositionFill = {
      tradeId: null,
      at: '2026-03-01T00:00:00.000Z',
      side: 'BUY',
      asset: 'CEA',
      quantity: 10_000n,
      price: 1150n,
      fee: 0n,
    };
    const p = only(positionsFrom([transfer], new Map([['CEA', 1200n]])));
    expect(p.lots).toEqual([
      {
        openedAt: transfer.at,
        tradeId: null,
        quantity: 10_000n,
        remaining: 10_000n,
        price: 1150n,
        costBasis: 11_500_000n,
      },
    ]);
    expect(p.unrealizedPnl).toBe(10_000n * 50n);
    expect(() => positionsFrom([{ ...transfer, fee: 1n }], new Map())).toThrow(/transfer-in/);
  });

  it('keeps one position per asset, in the asset list order', () => {
    const positions = positionsFrom(
      [fill('BUY', 5n, 3000n, 0n, 'KRBN'), fill('BUY', 1n, 7000n), fill('BUY', 2n, 1100n, 0n, 'CEA')],
      new Map(),
    );
    expect(positions.map((p) => [p.asset, p.quoteAsset, p.quantity])).toEqual([
      ['EUA', 'EUR', 1n],
      ['CEA', 'EUR', 2n],
      ['KRBN', 'USD', 5n],
    ]);
  });

  it('refuses a sell beyond the open lots, fills out of order, and cash', () => {
    expect(() => positionsFrom([fill('BUY', 5n, 100n), fill('SELL', 6n, 100n)], new Map())).toThrow(
      /exceeds/,
    );
    const [first, second] = [fill('BUY', 1n, 100n), fill('BUY', 1n, 100n)];
    expect(() => positionsFrom([second, first], new Map())).toThrow(/time order/);
    expect(() => positionsFrom([fill('BUY', 1n, 100n, 0n, 'EUR')], new Map())).toThrow(/tradable/);
    expect(() => positionsFrom([fill('BUY', 0n, 100n)], new Map())).toThrow(/positive/);
  });

  it('does not change the lots it returned when asked again', () => {
    const fills = [fill('BUY', 5n, 100n), fill('SELL', 2n, 100n)];
    const once = positionsFrom(fills, new Map());
    const twice = positionsFrom(fills, new Map());
    expect(twice).toEqual(once);
  });
});

/** A random sequence of buys and sells that never sells more than it holds. */
const tradesArbitrary = fc
  .array(
    fc.record({
      buy: fc.boolean(),
      quantity: fc.bigInt({ min: 1n, max: 500n }),
      price: fc.bigInt({ min: 1n, max: 20_000n }),
      fee: fc.bigInt({ min: 0n, max: 999n }),
    }),
    { maxLength: 40 },
  )
  .map((steps) => {
    let held = 0n;
    const fills: PositionFill[] = [];
    steps.forEach((step, index) => {
      const at = new Date(Date.parse('2026-01-01T00:00:00Z') + index * 1000).toISOString();
      const quantity = step.buy ? step.quantity : step.quantity > held ? held : step.quantity;
      if (quantity === 0n) return;
      held += step.buy ? quantity : -quantity;
      fills.push({
        tradeId: `t${index}`,
        at,
        side: step.buy ? 'BUY' : 'SELL',
        asset: 'EUA',
        quantity,
        price: step.price,
        fee: step.fee,
      });
    });
    return fills;
  });

describe('positionsFrom (properties)', () => {
  it('holds Σ remaining and conserves P&L against the cash flows', () => {
    fc.assert(
      fc.property(tradesArbitrary, fc.bigInt({ min: 0n, max: 20_000n }), (fills, mark) => {
        const positions = positionsFrom(fills, new Map([['EUA', mark]]));
        if (fills.length === 0) {
          expect(positions).toEqual([]);
          return;
        }
        const p = only(positions);
        let held = 0n;
        let buyGross = 0n;
        let sellGross = 0n;
        let fees = 0n;
        for (const f of fills) {
          held += f.side === 'BUY' ? f.quantity : -f.quantity;
          if (f.side === 'BUY') buyGross += f.price * f.quantity;
          else sellGross += f.price * f.quantity;
          fees += f.fee;
        }
        expect(p.quantity).toBe(held);
        expect(p.lots.reduce((sum, lot) => sum + lot.remaining, 0n)).toBe(p.quantity);
        expect(p.lots.reduce((sum, lot) => sum + lot.costBasis, 0n)).toBe(p.costBasis);
        expect(p.lots.every((lot) => lot.remaining > 0n && lot.remaining <= lot.quantity)).toBe(true);
        expect(p.marketValue).toBe(mark * p.quantity);
        // Nothing is lost to rounding: what went out and came in, plus what is still held at the mark.
        expect(p.realizedPnl + (p.unrealizedPnl ?? 0n)).toBe(sellGross - buyGross - fees + mark * p.quantity);
      }),
    );
  });

  it('keeps the open lots in opening order, oldest first', () => {
    fc.assert(
      fc.property(tradesArbitrary, (fills) => {
        const positions = positionsFrom(fills, new Map());
        for (const p of positions) {
          const opened = p.lots.map((lot) => Date.parse(lot.openedAt));
          expect([...opened].sort((a, b) => a - b)).toEqual(opened);
        }
      }),
    );
  });
});
