import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allowedActions, isTerminal, nextStatus, type Actor, type TransitionResult } from './lifecycle.js';
import { instrumentOf, type Instrument } from './instruments.js';
import {
  ORDER_ACTIONS,
  ORDER_HUMAN_ACTIONS,
  ORDER_PERMISSIONS,
  ORDER_STATUSES,
  ORDER_TRANSITIONS,
  averagePrice,
  checkAmend,
  checkCancel,
  checkOrderInput,
  dayOrderExpiry,
  feeFor,
  orderWorkflowId,
  protectionPrice,
  reserveAmount,
  reserveAsset,
  type AmendView,
  type OrderInput,
  type OrderStatus,
} from './order.js';
import { tradingPolicy } from './trading-policy.js';

function must(symbol: string): Instrument {
  const instrument = instrumentOf(symbol);
  if (instrument === null) throw new Error(`no ${symbol}`);
  return instrument;
}
const eua = must('EUA');
const krbn = must('KRBN');
const clientId = randomUUID();
const owner: Actor = { id: clientId, role: 'client' };
const stranger: Actor = { id: randomUUID(), role: 'client' };
const operations: Actor = { id: randomUUID(), role: 'operations' };

describe('transitions', () => {
  it('walks the happy path NEW → VALIDATED → ROUTED → PARTIALLY_FILLED → FILLED', () => {
    let status: OrderStatus = 'NEW';
    for (const action of ['validate', 'route', 'fill', 'fill', 'fill_complete'] as const) {
      const next: TransitionResult<OrderStatus> = nextStatus(ORDER_TRANSITIONS, status, action);
      expect(next.ok).toBe(true);
      if (next.ok) status = next.to;
    }
    expect(status).toBe('FILLED');
  });

  it('rejects from NEW (risk) and VALIDATED (the broker), nowhere later', () => {
    expect(nextStatus(ORDER_TRANSITIONS, 'NEW', 'reject')).toEqual({ ok: true, to: 'REJECTED' });
    expect(nextStatus(ORDER_TRANSITIONS, 'VALIDATED', 'reject')).toEqual({ ok: true, to: 'REJECTED' });
    expect(nextStatus(ORDER_TRANSITIONS, 'ROUTED', 'reject').ok).toBe(false);
  });

  it('lets a working order be cancelled, expired, amended in place or filled', () => {
    for (const from of ['ROUTED', 'PARTIALLY_FILLED'] as const) {
      expect(ORDER_TRANSITIONS[from]).toEqual({
        fill: 'PARTIALLY_FILLED',
        fill_complete: 'FILLED',
        cancel: 'CANCELLED',
        cancel_remainder: 'CANCELLED',
        expire: 'EXPIRED',
        amend: from,
      });
    }
  });

  it('ends in FILLED, REJECTED, CANCELLED and EXPIRED only', () => {
    const terminal = ORDER_STATUSES.filter((s) => isTerminal(ORDER_TRANSITIONS, s));
    expect(terminal).toEqual(['FILLED', 'REJECTED', 'CANCELLED', 'EXPIRED']);
  });

  it('uses only known actions and statuses, and gives every action a permission', () => {
    for (const status of ORDER_STATUSES) {
      for (const action of allowedActions(ORDER_TRANSITIONS, status)) {
        expect(ORDER_ACTIONS).toContain(action);
        expect(ORDER_STATUSES).toContain(ORDER_TRANSITIONS[status][action]);
      }
    }
    for (const action of ORDER_ACTIONS) {
      expect(ORDER_PERMISSIONS[action].kind).toBe(
        (ORDER_HUMAN_ACTIONS as readonly string[]).includes(action) ? 'owner' : 'system',
      );
    }
  });
});

describe('orderWorkflowId', () => {
  it('is order-<businessId> and refuses what is not a business id', () => {
    expect(orderWorkflowId('5f0c6b3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b')).toBe(
      'order-5f0c6b3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b',
    );
    expect(() => orderWorkflowId('')).toThrow(TypeError);
    expect(() => orderWorkflowId('a b')).toThrow(TypeError);
  });
});

describe('feeFor', () => {
  it('rounds up to the minor unit', () => {
    expect(feeFor(700_000n, 20)).toBe(1_400n);
    expect(feeFor(10_001n, 10)).toBe(11n);
    expect(feeFor(1n, 1)).toBe(1n);
    expect(feeFor(0n, 20)).toBe(0n);
    expect(feeFor(123_456n, 0)).toBe(0n);
  });

  it('refuses fractional, negative and excessive rates', () => {
    expect(() => feeFor(100n, 1.5)).toThrow(RangeError);
    expect(() => feeFor(100n, -1)).toThrow(RangeError);
    expect(() => feeFor(100n, 1001)).toThrow(RangeError);
    expect(() => feeFor(-1n, 10)).toThrow(RangeError);
  });

  it('is the smallest whole amount at or above the exact fee (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 15n }), fc.integer({ min: 0, max: 1000 }), (n, bps) => {
        const fee = feeFor(n, bps);
        expect(fee * 10_000n >= n * BigInt(bps)).toBe(true);
        expect(fee === 0n || (fee - 1n) * 10_000n < n * BigInt(bps)).toBe(true);
      }),
    );
  });
});

describe('reservations', () => {
  const sizing = { makerFeeBps: 10, takerFeeBps: 20 };

  it('a LIMIT BUY reserves quantity × limit plus the larger fee', () => {
    const amount = reserveAmount({
      ...sizing,
      side: 'BUY',
      type: 'LIMIT',
      quantity: 100n,
      limitPrice: 7025n,
      protectionPrice: null,
    });
    expect(amount).toBe(702_500n + 1_405n);
  });

  it('a MARKET BUY reserves at its protection price, the band top', () => {
    const top = protectionPrice(eua, 'BUY', 7000n);
    expect(top).toBe(7700n);
    expect(protectionPrice(eua, 'SELL', 7000n)).toBe(6300n);
    const amount = reserveAmount({
      ...sizing,
      side: 'BUY',
      type: 'MARKET',
      quantity: 10n,
      limitPrice: null,
      protectionPrice: top,
    });
    expect(amount).toBe(77_000n + 154n);
  });

  it('a SELL reserves the quantity of the asset, a BUY the quote cash', () => {
    const amount = reserveAmount({
      ...sizing,
      side: 'SELL',
      type: 'LIMIT',
      quantity: 40n,
      limitPrice: 7000n,
      protectionPrice: null,
    });
    expect(amount).toBe(40n);
    expect(reserveAsset(eua, 'SELL')).toBe('EUA');
    expect(reserveAsset(eua, 'BUY')).toBe('EUR');
    expect(reserveAsset(krbn, 'BUY')).toBe('USD');
  });

  it('refuses a BUY with no price to size it by', () => {
    expect(() =>
      reserveAmount({
        ...sizing,
        side: 'BUY',
        type: 'MARKET',
        quantity: 1n,
        limitPrice: 7000n,
        protectionPrice: null,
      }),
    ).toThrow(RangeError);
    expect(() =>
      reserveAmount({
        ...sizing,
        side: 'BUY',
        type: 'LIMIT',
        quantity: 0n,
        limitPrice: 7000n,
        protectionPrice: null,
      }),
    ).toThrow(RangeError);
  });

  it('covers every fill it could pay for, as maker or taker (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 6n }),
        fc.bigInt({ min: 1n, max: 10n ** 6n }),
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.bigInt({ min: 1n, max: 10n ** 6n }),
        (quantity, limitPrice, makerFeeBps, takerFeeBps, filled) => {
          const q = filled > quantity ? quantity : filled;
          const reserved = reserveAmount({
            side: 'BUY',
            type: 'LIMIT',
            quantity,
            limitPrice,
            protectionPrice: null,
            makerFeeBps,
            takerFeeBps,
          });
          const worstFill = q * limitPrice + feeFor(q * limitPrice, Math.max(makerFeeBps, takerFeeBps));
          expect(worstFill <= reserved).toBe(true);
        },
      ),
    );
  });
});

describe('dayOrderExpiry', () => {
  it('is the TTL after the start when the policy sets one', () => {
    const policy = tradingPolicy({ dayOrderTtlMs: 5_000 });
    expect(dayOrderExpiry(policy, Date.parse('2026-03-02T10:00:00.000Z'))).toBe('2026-03-02T10:00:05.000Z');
  });

  it('is the next session close in its zone, across DST changes', () => {
    const policy = tradingPolicy({ sessionClose: { timeZone: 'Europe/Berlin', time: '18:00' } });
    // Winter (CET, UTC+1): the same day.
    expect(dayOrderExpiry(policy, Date.parse('2026-03-02T09:00:00Z'))).toBe('2026-03-02T17:00:00.000Z');
    // After the close: the next day.
    expect(dayOrderExpiry(policy, Date.parse('2026-03-02T17:00:00Z'))).toBe('2026-03-03T17:00:00.000Z');
    // 29 March 2026 the clocks go forward: the next close is in CEST (UTC+2).
    expect(dayOrderExpiry(policy, Date.parse('2026-03-28T18:00:00Z'))).toBe('2026-03-29T16:00:00.000Z');
    // 25 October 2026 they go back.
    expect(dayOrderExpiry(policy, Date.parse('2026-10-24T17:00:00Z'))).toBe('2026-10-25T17:00:00.000Z');
  });

  it('reads the local date of the zone, not of UTC', () => {
    const policy = tradingPolicy({ sessionClose: { timeZone: 'America/New_York', time: '16:00' } });
    // 02:00 UTC on 3 March is still 2 March in New York (21:00 EST), after that day's close.
    expect(dayOrderExpiry(policy, Date.parse('2026-03-03T02:00:00Z'))).toBe('2026-03-03T21:00:00.000Z');
    const tokyo = tradingPolicy({ sessionClose: { timeZone: 'Asia/Tokyo', time: '15:00' } });
    expect(dayOrderExpiry(tokyo, Date.parse('2026-03-02T20:00:00Z'))).toBe('2026-03-03T06:00:00.000Z');
  });

  it('is always after the start and within a day (property)', () => {
    const policy = tradingPolicy();
    fc.assert(
      fc.property(fc.integer({ min: Date.parse('2020-01-01'), max: Date.parse('2035-01-01') }), (startMs) => {
        const expiry = dayOrderExpiry(policy, startMs);
        expect(expiry).not.toBeNull();
        const expiryMs = Date.parse(expiry as string);
        expect(expiryMs).toBeGreaterThan(startMs);
        expect(expiryMs - startMs).toBeLessThanOrEqual(25 * 3600 * 1000);
      }),
    );
  });
});

function input(overrides: Partial<OrderInput> = {}): OrderInput {
  return {
    businessId: randomUUID(),
    clientId,
    clientOrderId: null,
    symbol: 'EUA',
    side: 'BUY',
    type: 'LIMIT',
    timeInForce: 'GTC',
    quantity: '100',
    price: '70.25',
    expiresAt: null,
    policy: tradingPolicy(),
    requestedBy: owner,
    ...overrides,
  };
}

describe('checkOrderInput', () => {
  it('accepts a well-formed LIMIT, MARKET and DAY order', () => {
    expect(checkOrderInput(input())).toBeNull();
    expect(checkOrderInput(input({ type: 'MARKET', price: null, timeInForce: 'IOC' }))).toBeNull();
    expect(checkOrderInput(input({ timeInForce: 'DAY', expiresAt: '2026-03-02T17:00:00.000Z' }))).toBeNull();
    expect(checkOrderInput(input({ clientOrderId: 'my-order.1' }))).toBeNull();
  });

  it.each([
    ['businessId', { businessId: '' }],
    ['clientId', { clientId: 'client-1' }],
    ['clientOrderId', { clientOrderId: 'has spaces' }],
    ['symbol', { symbol: 'XYZ' }],
    ['side', { side: 'HOLD' as never }],
    ['type', { type: 'STOP' as never }],
    ['timeInForce', { timeInForce: 'GTD' as never }],
    ['quantity', { quantity: '1.5' }],
    ['quantity', { quantity: '0' }],
    ['price', { price: null }],
    ['price', { price: '70.255' }],
    ['price', { type: 'MARKET' as const, price: '70.00' }],
    ['expiresAt', { timeInForce: 'DAY' as const, expiresAt: null }],
    ['expiresAt', { expiresAt: '2026-03-02T17:00:00.000Z' }],
    ['requestedBy', { requestedBy: { id: 'x', role: 'client' } as never }],
  ])('refuses a malformed %s', (path, overrides) => {
    const refusal = checkOrderInput(input(overrides));
    expect(refusal?.code).toBe('validation_failed');
    expect(refusal?.details).toMatchObject({ issues: [{ path }] });
  });

  it('is placed by its own client only, under a usable policy', () => {
    expect(checkOrderInput(input({ requestedBy: stranger }))?.code).toBe('forbidden');
    expect(checkOrderInput(input({ requestedBy: { id: clientId, role: 'operations' } }))?.code).toBe(
      'forbidden',
    );
    const refusal = checkOrderInput(input({ policy: tradingPolicy({ takerFeeBps: 5000 }) }));
    expect(refusal?.code).toBe('validation_failed');
    expect(refusal?.message).toMatch(/takerFeeBps/);
  });
});

describe('checkCancel', () => {
  it('lets the owner cancel a working order', () => {
    expect(checkCancel({ status: 'ROUTED', clientId }, { actor: owner })).toBeNull();
    expect(checkCancel({ status: 'PARTIALLY_FILLED', clientId }, { actor: owner })).toBeNull();
  });

  it('is 409 once the order has ended', () => {
    for (const status of ['FILLED', 'CANCELLED', 'REJECTED', 'EXPIRED'] as const) {
      expect(checkCancel({ status, clientId }, { actor: owner })?.code).toBe('invalid_state');
    }
  });

  it('is the owner’s alone, and needs an actor', () => {
    expect(checkCancel({ status: 'ROUTED', clientId }, { actor: stranger })?.code).toBe('forbidden');
    expect(checkCancel({ status: 'ROUTED', clientId }, { actor: operations })?.code).toBe('forbidden');
    expect(checkCancel({ status: 'ROUTED', clientId }, { actor: {} as never })?.code).toBe(
      'validation_failed',
    );
    expect(checkCancel({ status: 'ROUTED', clientId }, null as never)?.code).toBe('validation_failed');
  });
});

describe('checkAmend', () => {
  const view: AmendView = {
    status: 'PARTIALLY_FILLED',
    clientId,
    type: 'LIMIT',
    quantity: '100',
    filledQuantity: '30',
    price: '70.25',
  };

  it('accepts a new quantity above the filled part, a new price on the grid, or both', () => {
    expect(checkAmend(view, { actor: owner, quantity: '50' }, eua)).toBeNull();
    expect(checkAmend(view, { actor: owner, price: '70.30' }, eua)).toBeNull();
    expect(checkAmend(view, { actor: owner, quantity: '200', price: '69.00' }, eua)).toBeNull();
  });

  it('needs something to change', () => {
    expect(checkAmend(view, { actor: owner }, eua)?.code).toBe('validation_failed');
    expect(checkAmend(view, { actor: owner, quantity: null, price: null }, eua)?.code).toBe(
      'validation_failed',
    );
  });

  it('keeps the quantity above what is filled and on whole lots', () => {
    const atFilled = checkAmend(view, { actor: owner, quantity: '30' }, eua);
    expect(atFilled?.details).toMatchObject({ issues: [{ path: 'quantity', code: 'too_small' }] });
    const lots = { ...eua, lotSize: 10n };
    const offLot = checkAmend(view, { actor: owner, quantity: '45' }, lots);
    expect(offLot?.details).toMatchObject({ issues: [{ path: 'quantity', code: 'invalid_lot' }] });
    expect(checkAmend(view, { actor: owner, quantity: 'lots' }, eua)?.code).toBe('validation_failed');
  });

  it('keeps a new price on the tick grid and for LIMIT orders only', () => {
    const coarse = { ...eua, tickSize: 5n };
    const offTick = checkAmend(view, { actor: owner, price: '70.26' }, coarse);
    expect(offTick?.details).toMatchObject({ issues: [{ path: 'price', code: 'invalid_tick' }] });
    expect(checkAmend(view, { actor: owner, price: '70.25' }, coarse)).toBeNull();
    const market = checkAmend(
      { ...view, type: 'MARKET', price: null },
      { actor: owner, price: '70.00' },
      eua,
    );
    expect(market?.details).toMatchObject({ issues: [{ path: 'price' }] });
  });

  it('is the owner’s, while the order works', () => {
    expect(checkAmend(view, { actor: stranger, quantity: '50' }, eua)?.code).toBe('forbidden');
    expect(checkAmend({ ...view, status: 'FILLED' }, { actor: owner, quantity: '50' }, eua)?.code).toBe(
      'invalid_state',
    );
    expect(checkAmend({ ...view, status: 'NEW' }, { actor: owner, quantity: '50' }, eua)?.code).toBe(
      'invalid_state',
    );
  });
});

describe('averagePrice', () => {
  it('is null before the first fill', () => {
    expect(averagePrice([], eua)).toBeNull();
  });

  it('weights by volume and rounds half-up to the cent', () => {
    expect(averagePrice([{ price: '70.00', quantity: '10' }], eua)).toBe('70.00');
    // (70.00 × 1 + 70.01 × 2) / 3 = 70.00666…
    expect(
      averagePrice(
        [
          { price: '70.00', quantity: '1' },
          { price: '70.01', quantity: '2' },
        ],
        eua,
      ),
    ).toBe('70.01');
    // (70.00 + 70.01) / 2 = 70.005 → 70.01
    expect(
      averagePrice(
        [
          { price: '70.00', quantity: '1' },
          { price: '70.01', quantity: '1' },
        ],
        eua,
      ),
    ).toBe('70.01');
    // (70.00 × 3 + 70.01) / 4 = 70.0025 → 70.00
    expect(
      averagePrice(
        [
          { price: '70.00', quantity: '3' },
          { price: '70.01', quantity: '1' },
        ],
        eua,
      ),
    ).toBe('70.00');
  });
});
