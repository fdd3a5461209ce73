import { describe, expect, it } from 'vitest';
import { crosses, matchIncoming, type IncomingOrder, type RestingOrder } from './matching.js';

const ALICE = 'alice';
const BOB = 'bob';
const CAROL = 'carol';

function ask(
  orderId: string,
  clientId: string,
  price: bigint,
  remaining: bigint,
  priority: bigint,
): RestingOrder {
  return { orderId, clientId, side: 'SELL', price, remaining, priority };
}

function bid(
  orderId: string,
  clientId: string,
  price: bigint,
  remaining: bigint,
  priority: bigint,
): RestingOrder {
  return { orderId, clientId, side: 'BUY', price, remaining, priority };
}

function limit(
  side: IncomingOrder['side'],
  price: bigint,
  quantity: bigint,
  extra: Partial<IncomingOrder> = {},
) {
  return {
    orderId: 'in',
    clientId: ALICE,
    side,
    type: 'LIMIT',
    timeInForce: 'GTC',
    limitPrice: price,
    protectionPrice: null,
    quantity,
    ...extra,
  } satisfies IncomingOrder;
}

function market(side: IncomingOrder['side'], protection: bigint, quantity: bigint): IncomingOrder {
  return {
    orderId: 'in',
    clientId: ALICE,
    side,
    type: 'MARKET',
    timeInForce: 'IOC',
    limitPrice: null,
    protectionPrice: protection,
    quantity,
  };
}

const ASKS = [ask('a1', BOB, 100n, 5n, 1n), ask('a2', CAROL, 100n, 5n, 2n), ask('a3', BOB, 101n, 10n, 3n)];

describe('crosses', () => {
  it('a BUY crosses asks at or below its limit, a SELL bids at or above', () => {
    expect(crosses(limit('BUY', 100n, 1n), 100n)).toBe(true);
    expect(crosses(limit('BUY', 100n, 1n), 101n)).toBe(false);
    expect(crosses(limit('SELL', 100n, 1n), 100n)).toBe(true);
    expect(crosses(limit('SELL', 100n, 1n), 99n)).toBe(false);
    expect(crosses(market('BUY', 105n, 1n), 105n)).toBe(true);
    expect(crosses(market('BUY', 105n, 1n), 106n)).toBe(false);
  });
});

describe('matchIncoming', () => {
  it('fills in price-time order at the resting prices', () => {
    const result = matchIncoming(limit('BUY', 101n, 12n), ASKS);
    expect(result.outcome).toBe('FILLED');
    expect(result.incomingRemaining).toBe(0n);
    expect(result.fills).toEqual([
      { restingOrderId: 'a1', restingClientId: BOB, price: 100n, quantity: 5n, restingRemaining: 0n },
      { restingOrderId: 'a2', restingClientId: CAROL, price: 100n, quantity: 5n, restingRemaining: 0n },
      { restingOrderId: 'a3', restingClientId: BOB, price: 101n, quantity: 2n, restingRemaining: 8n },
    ]);
  });

  it('rests a GTC or DAY remainder once nothing crosses', () => {
    for (const timeInForce of ['GTC', 'DAY'] as const) {
      const result = matchIncoming(limit('BUY', 100n, 15n, { timeInForce }), ASKS);
      expect(result.outcome).toBe('REST');
      expect(result.incomingRemaining).toBe(5n);
      expect(result.fills.map((fill) => fill.restingOrderId)).toEqual(['a1', 'a2']);
    }
  });

  it('rests the whole order on an empty book', () => {
    expect(matchIncoming(limit('SELL', 100n, 3n), [])).toEqual({
      fills: [],
      incomingRemaining: 3n,
      outcome: 'REST',
    });
  });

  it('cancels an IOC remainder', () => {
    const result = matchIncoming(limit('BUY', 100n, 15n, { timeInForce: 'IOC' }), ASKS);
    expect(result.outcome).toBe('CANCEL_REMAINDER');
    expect(result.incomingRemaining).toBe(5n);
  });

  it('a MARKET order trades up to its protection price and cancels the rest', () => {
    const result = matchIncoming(market('BUY', 100n, 30n), ASKS);
    expect(result.outcome).toBe('CANCEL_REMAINDER');
    expect(result.fills.map((fill) => fill.price)).toEqual([100n, 100n]);
    expect(result.incomingRemaining).toBe(20n);
  });

  it('a SELL takes the best (highest) bids first', () => {
    const bids = [bid('b1', BOB, 102n, 1n, 7n), bid('b2', BOB, 101n, 1n, 3n), bid('b3', BOB, 99n, 1n, 1n)];
    const result = matchIncoming(limit('SELL', 100n, 5n), bids);
    expect(result.fills.map((fill) => [fill.restingOrderId, fill.price])).toEqual([
      ['b1', 102n],
      ['b2', 101n],
    ]);
    expect(result.outcome).toBe('REST');
  });

  it('stops at the same client’s order and cancels the remainder; earlier fills stand', () => {
    const asks = [
      ask('a1', BOB, 100n, 5n, 1n),
      ask('mine', ALICE, 100n, 5n, 2n),
      ask('a3', CAROL, 100n, 5n, 3n),
    ];
    const result = matchIncoming(limit('BUY', 100n, 12n), asks);
    expect(result.outcome).toBe('SELF_TRADE_CANCELLED');
    expect(result.fills.map((fill) => fill.restingOrderId)).toEqual(['a1']);
    expect(result.incomingRemaining).toBe(7n);
  });

  it('a same-client order that does not cross does not prevent anything', () => {
    const asks = [ask('a1', BOB, 100n, 5n, 1n), ask('mine', ALICE, 105n, 5n, 2n)];
    const result = matchIncoming(limit('BUY', 100n, 8n), asks);
    expect(result.outcome).toBe('REST');
    expect(result.incomingRemaining).toBe(3n);
  });

  it('fills a FOK order wholly when the liquidity covers it', () => {
    const result = matchIncoming(limit('BUY', 101n, 20n, { timeInForce: 'FOK' }), ASKS);
    expect(result.outcome).toBe('FILLED');
    expect(result.fills).toHaveLength(3);
  });

  it('kills a FOK order without fills when the crossing liquidity is short', () => {
    const result = matchIncoming(limit('BUY', 100n, 11n, { timeInForce: 'FOK' }), ASKS);
    expect(result).toEqual({ fills: [], incomingRemaining: 11n, outcome: 'FOK_KILLED' });
  });

  it('kills a FOK order when a self order stands before enough liquidity', () => {
    const asks = [
      ask('a1', BOB, 100n, 5n, 1n),
      ask('mine', ALICE, 100n, 5n, 2n),
      ask('a3', CAROL, 100n, 50n, 3n),
    ];
    const result = matchIncoming(limit('BUY', 100n, 10n, { timeInForce: 'FOK' }), asks);
    expect(result).toEqual({ fills: [], incomingRemaining: 10n, outcome: 'FOK_KILLED' });
  });

  it('reads no further than it needs', () => {
    let pulled = 0;
    function* lazy(): Generator<RestingOrder> {
      for (const order of ASKS) {
        pulled += 1;
        yield order;
      }
    }
    matchIncoming(limit('BUY', 101n, 5n), lazy());
    expect(pulled).toBe(1);
  });

  it('refuses bad inputs and a book out of order', () => {
    expect(() => matchIncoming(limit('BUY', 100n, 0n), ASKS)).toThrow(/positive/);
    expect(() => matchIncoming(limit('BUY', 100n, 1n, { limitPrice: null }), ASKS)).toThrow(/limit price/);
    expect(() => matchIncoming({ ...market('BUY', 100n, 1n), protectionPrice: null }, ASKS)).toThrow(
      /protection/,
    );
    expect(() => matchIncoming(limit('BUY', 101n, 20n), [ASKS[2]!, ASKS[0]!])).toThrow(/better price/);
    expect(() => matchIncoming(limit('BUY', 101n, 20n), [ASKS[1]!, ASKS[0]!])).toThrow(/time priority/);
    expect(() => matchIncoming(limit('BUY', 101n, 20n), [bid('b', BOB, 100n, 1n, 1n)])).toThrow(/side/);
    expect(() => matchIncoming(limit('BUY', 101n, 20n), [ask('z', BOB, 100n, 0n, 1n)])).toThrow(
      /nothing remaining/,
    );
  });
});
