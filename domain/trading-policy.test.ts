import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TRADING_POLICY,
  EEX_TRADING_HOURS,
  checkTradingPolicy,
  isWithinTradingHours,
  localClock,
  localTimeToMs,
  minutesOfLocalTime,
  tradingPolicy,
  type TradingPolicy,
} from './trading-policy.js';

describe('the trading policy', () => {
  it('has usable defaults, and the EEX hours are usable too', () => {
    expect(checkTradingPolicy(DEFAULT_TRADING_POLICY)).toEqual([]);
    expect(checkTradingPolicy(tradingPolicy({ tradingHours: EEX_TRADING_HOURS }))).toEqual([]);
    expect(DEFAULT_TRADING_POLICY.tradingHours).toEqual({ kind: 'always' });
  });

  it('replaces only the fields it is given', () => {
    const policy = tradingPolicy({ dayOrderTtlMs: 3000, takerFeeBps: 0 });
    expect(policy).toEqual({ ...DEFAULT_TRADING_POLICY, dayOrderTtlMs: 3000, takerFeeBps: 0 });
    expect(DEFAULT_TRADING_POLICY.dayOrderTtlMs).toBeNull();
  });

  it.each<[string, Partial<TradingPolicy>]>([
    ['makerFeeBps', { makerFeeBps: -1 }],
    ['makerFeeBps', { makerFeeBps: 2.5 }],
    ['takerFeeBps', { takerFeeBps: 1001 }],
    ['maxOrderQuantity', { maxOrderQuantity: 0 }],
    ['maxOrderNotional', { maxOrderNotional: 1.5 }],
    ['defaultPriceBandPct', { defaultPriceBandPct: 0 }],
    ['defaultPriceBandPct', { defaultPriceBandPct: 100 }],
    ['defaultPriceBandPct', { defaultPriceBandPct: 10.001 }],
    ['tradingHours.timeZone', { tradingHours: { ...EEX_TRADING_HOURS, timeZone: 'Mars/Olympus' } }],
    ['tradingHours.days', { tradingHours: { ...EEX_TRADING_HOURS, days: [] } }],
    ['tradingHours.days', { tradingHours: { ...EEX_TRADING_HOURS, days: [1, 1] } }],
    ['tradingHours.days', { tradingHours: { ...EEX_TRADING_HOURS, days: [8] } }],
    ['tradingHours.open', { tradingHours: { ...EEX_TRADING_HOURS, open: '8:00' } }],
    ['tradingHours.open must be before', { tradingHours: { ...EEX_TRADING_HOURS, open: '18:00' } }],
    ['tradingHours.kind', { tradingHours: { kind: 'sometimes' } as never }],
    ['sessionClose.timeZone', { sessionClose: { timeZone: '', time: '18:00' } }],
    ['sessionClose.time', { sessionClose: { timeZone: 'Europe/Berlin', time: '24:00' } }],
    ['dayOrderTtlMs', { dayOrderTtlMs: 0 }],
    ['brokerPollMs', { brokerPollMs: -5 }],
    ['brokerAckTimeoutMs', { brokerAckTimeoutMs: Number.NaN }],
    ['maxAmount.EUA', { maxAmount: { EUA: '1.5' } }],
    ['maxAmount.EUR', { maxAmount: { EUR: '0.00' } }],
    ['maxAmount.XYZ', { maxAmount: { XYZ: '1' } as never }],
  ])('names a bad %s', (field, overrides) => {
    const problems = checkTradingPolicy(tradingPolicy(overrides));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(field);
  });

  it('takes per-asset limits for cash (notional) and traded assets (quantity), each optional', () => {
    expect(DEFAULT_TRADING_POLICY.maxAmount).toEqual({});
    expect(checkTradingPolicy(tradingPolicy({ maxAmount: { EUR: '250000.00', EUA: '5000' } }))).toEqual([]);
    const { maxAmount: _none, ...older } = DEFAULT_TRADING_POLICY;
    expect(checkTradingPolicy(older)).toEqual([]);
  });

  it('refuses a missing policy', () => {
    expect(checkTradingPolicy(null as never)).toEqual(['the policy is missing']);
  });
});

describe('wall clocks', () => {
  it('reads "HH:MM"', () => {
    expect(minutesOfLocalTime('00:00')).toBe(0);
    expect(minutesOfLocalTime('17:45')).toBe(17 * 60 + 45);
    expect(minutesOfLocalTime('24:00')).toBeNull();
    expect(minutesOfLocalTime('7:00')).toBeNull();
    expect(minutesOfLocalTime(700)).toBeNull();
  });

  it('shows the local date, weekday and time of a zone', () => {
    // Sunday 1 March 2026, 23:30 UTC is Monday 00:30 in Berlin.
    expect(localClock('Europe/Berlin', Date.parse('2026-03-01T23:30:00Z'))).toEqual({
      year: 2026,
      month: 3,
      day: 2,
      weekday: 1,
      minutes: 30,
    });
    expect(localClock('UTC', Date.parse('2026-03-01T23:30:00Z')).weekday).toBe(7);
  });

  it('turns a local wall time into an instant, either side of DST', () => {
    expect(new Date(localTimeToMs('Europe/Berlin', 2026, 3, 2, 18 * 60)).toISOString()).toBe(
      '2026-03-02T17:00:00.000Z',
    );
    expect(new Date(localTimeToMs('Europe/Berlin', 2026, 7, 1, 18 * 60)).toISOString()).toBe(
      '2026-07-01T16:00:00.000Z',
    );
    // Day 32 of March is 1 April.
    expect(new Date(localTimeToMs('America/New_York', 2026, 3, 32, 9 * 60 + 30)).toISOString()).toBe(
      '2026-04-01T13:30:00.000Z',
    );
  });

  it('knows when the market is open', () => {
    expect(isWithinTradingHours({ kind: 'always' }, 0)).toBe(true);
    expect(isWithinTradingHours(EEX_TRADING_HOURS, Date.parse('2026-03-06T16:59:59Z'))).toBe(true); // Friday
    expect(isWithinTradingHours(EEX_TRADING_HOURS, Date.parse('2026-03-07T10:00:00Z'))).toBe(false); // Saturday
  });
});
