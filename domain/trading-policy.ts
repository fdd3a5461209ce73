// The `trading` policy: fees, limits, price band, trading hours, DAY session close, broker polling.
// New orders start with the policy current at their start; a running order keeps its own.
// Durations in milliseconds (seconds in tests). Rules that read it live in domain/risk.ts.

import { copyMaxAmounts, maxAmountProblems, type MaxAmounts } from './amount-limits.js';
import { ASSET_CODES } from './money.js';

/** When the market is open, in a named time zone; `always` in tests and for the demo. */
export type TradingHours =
  | { kind: 'always' }
  | {
      kind: 'weekly';
      timeZone: string;
      /** ISO weekdays the market opens (1 = Monday … 7 = Sunday). */
      days: number[];
      /** Local "HH:MM". */
      open: string;
      close: string;
    };

export interface TradingPolicy {
  /** Fee of the resting side, in basis points of the notional (rounded up to the minor unit). */
  makerFeeBps: number;
  /** Fee of the incoming side, in basis points of the notional. */
  takerFeeBps: number;
  /** Largest quantity of one order, in whole units of the asset. */
  maxOrderQuantity: number;
  /** Largest notional of one order, in whole units of the quote asset. */
  maxOrderNotional: number;
  /**
   * Per asset, tighter than the two above (domain/amount-limits.ts): a cash asset's entry is the
   * largest notional of one order quoted in it, a traded asset's the largest quantity of one order
   * of it. An asset left out has only maxOrderQuantity / maxOrderNotional. Optional: orders started
   * before the field existed carry none.
   */
  maxAmount?: MaxAmounts;
  /** Price band around the reference price, in percent; an instrument's own band wins when set. */
  defaultPriceBandPct: number;
  tradingHours: TradingHours;
  /**
   * When DAY orders expire: the session close in `tradingHours`' zone, or, when `dayOrderTtlMs` is
   * set (tests), that long after the order's start.
   */
  sessionClose: { timeZone: string; time: string };
  dayOrderTtlMs: number | null;
  /** How often an order routed to the broker asks for execution reports. */
  brokerPollMs: number;
  /** An order waits at most this long for the broker's acknowledgement before it is rejected. */
  brokerAckTimeoutMs: number;
}

const SECOND_MS = 1000;

/**
 * The EEX spot session for allowances (Monday to Friday, 08:00-18:00 Berlin time), for a deployment
 * that wants real hours; the default below trades around the clock so the demo always works.
 */
export const EEX_TRADING_HOURS: Extract<TradingHours, { kind: 'weekly' }> = {
  kind: 'weekly',
  timeZone: 'Europe/Berlin',
  days: [1, 2, 3, 4, 5],
  open: '08:00',
  close: '18:00',
};

export const DEFAULT_TRADING_POLICY: TradingPolicy = {
  makerFeeBps: 10,
  takerFeeBps: 20,
  maxOrderQuantity: 100_000,
  maxOrderNotional: 5_000_000,
  maxAmount: {},
  defaultPriceBandPct: 10,
  tradingHours: { kind: 'always' },
  sessionClose: { timeZone: 'Europe/Berlin', time: '18:00' },
  dayOrderTtlMs: null,
  brokerPollMs: 1 * SECOND_MS,
  brokerAckTimeoutMs: 10 * SECOND_MS,
};

/** The default policy with some fields replaced (tests use seconds and `always`). */
export function tradingPolicy(overrides: Partial<TradingPolicy> = {}): TradingPolicy {
  return {
    ...DEFAULT_TRADING_POLICY,
    ...overrides,
    maxAmount: copyMaxAmounts(overrides.maxAmount ?? DEFAULT_TRADING_POLICY.maxAmount),
  };
}

/** Fee rates are whole basis points up to 10 % (1000 bps): anything more is a typo. */
export const MAX_FEE_BPS = 1000;

const LOCAL_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Minutes after local midnight of "HH:MM", or null when it is not such a time. */
export function minutesOfLocalTime(text: unknown): number | null {
  if (typeof text !== 'string') return null;
  const match = LOCAL_TIME.exec(text);
  return match ? Number(match[1]) * 60 + Number(match[2]) : null;
}

/** An IANA time zone this runtime can resolve ("Europe/Berlin"). */
export function isTimeZone(value: unknown): value is string {
  if (typeof value !== 'string' || value === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** A price band's half-width: above 0 and below 100 percent, to two decimals (10, 7.5). */
export function isBandPct(value: unknown): value is number {
  if (typeof value !== 'number' || !(value > 0 && value < 100)) return false;
  return Math.abs(Math.round(value * 100) - value * 100) < 1e-6;
}

function wholeNumberProblem(value: unknown, name: string, min: number, max: number): string | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max
    ? null
    : `${name} must be a whole number from ${min} to ${max}`;
}

function tradingHoursProblems(hours: TradingHours | undefined): string[] {
  if (typeof hours !== 'object' || hours === null) return ['tradingHours is missing'];
  if (hours.kind === 'always') return [];
  if (hours.kind !== 'weekly') return ["tradingHours.kind must be 'always' or 'weekly'"];
  const problems: string[] = [];
  if (!isTimeZone(hours.timeZone)) problems.push('tradingHours.timeZone must be an IANA time zone');
  const days = hours.days;
  if (
    !Array.isArray(days) ||
    days.length === 0 ||
    days.some((d) => !(Number.isSafeInteger(d) && d >= 1 && d <= 7)) ||
    new Set(days).size !== days.length
  )
    problems.push('tradingHours.days must be distinct ISO weekdays (1 = Monday … 7 = Sunday)');
  const open = minutesOfLocalTime(hours.open);
  const close = minutesOfLocalTime(hours.close);
  if (open === null) problems.push('tradingHours.open must be a local time "HH:MM"');
  if (close === null) problems.push('tradingHours.close must be a local time "HH:MM"');
  if (open !== null && close !== null && open >= close)
    problems.push('tradingHours.open must be before tradingHours.close');
  return problems;
}

function positiveMsProblem(value: unknown, name: string): string | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0
    ? null
    : `${name} must be a positive whole number of milliseconds`;
}

export function checkTradingPolicy(policy: TradingPolicy): string[] {
  if (typeof policy !== 'object' || policy === null) return ['the policy is missing'];
  const problems: (string | null)[] = [
    wholeNumberProblem(policy.makerFeeBps, 'makerFeeBps', 0, MAX_FEE_BPS),
    wholeNumberProblem(policy.takerFeeBps, 'takerFeeBps', 0, MAX_FEE_BPS),
    // Whole units; the edge refuses more than 10^9 units of anything anyway (money.ts EDGE_MAX_UNITS).
    wholeNumberProblem(policy.maxOrderQuantity, 'maxOrderQuantity', 1, 1_000_000_000),
    wholeNumberProblem(policy.maxOrderNotional, 'maxOrderNotional', 1, 1_000_000_000),
  ];
  problems.push(...maxAmountProblems(policy.maxAmount, ASSET_CODES));
  if (!isBandPct(policy.defaultPriceBandPct))
    problems.push('defaultPriceBandPct must be a percentage above 0 and below 100, in steps of 0.01');
  problems.push(...tradingHoursProblems(policy.tradingHours));
  const close = policy.sessionClose;
  if (typeof close !== 'object' || close === null) problems.push('sessionClose is missing');
  else {
    if (!isTimeZone(close.timeZone)) problems.push('sessionClose.timeZone must be an IANA time zone');
    if (minutesOfLocalTime(close.time) === null)
      problems.push('sessionClose.time must be a local time "HH:MM"');
  }
  if (policy.dayOrderTtlMs !== null) problems.push(positiveMsProblem(policy.dayOrderTtlMs, 'dayOrderTtlMs'));
  problems.push(positiveMsProblem(policy.brokerPollMs, 'brokerPollMs'));
  problems.push(positiveMsProblem(policy.brokerAckTimeoutMs, 'brokerAckTimeoutMs'));
  return problems.filter((p): p is string => p !== null);
}

// ---------------------------------------------------------------------------------------------
// Wall clocks in a named zone, through Intl (no time-zone dependency; works in workflow code too).

/** What a wall clock in a zone shows at an instant. */
export interface LocalClock {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  /** ISO weekday: 1 = Monday … 7 = Sunday. */
  weekday: number;
  /** Minutes after local midnight. */
  minutes: number;
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

function clockParts(timeZone: string, atMs: number): LocalClock & { second: number } {
  const parts: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(atMs))) parts[part.type] = part.value;
  const weekday = WEEKDAYS[parts.weekday ?? ''];
  if (weekday === undefined) throw new Error(`no weekday for ${timeZone} at ${atMs}`);
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    weekday,
    minutes: Number(parts.hour) * 60 + Number(parts.minute),
    second: Number(parts.second),
  };
}

export function localClock(timeZone: string, atMs: number): LocalClock {
  const { second: _second, ...clock } = clockParts(timeZone, atMs);
  return clock;
}

/** How far the zone's wall clock is ahead of UTC at `atMs`, in milliseconds. */
function zoneOffsetMs(timeZone: string, atMs: number): number {
  const c = clockParts(timeZone, atMs);
  const wallAsUtc = Date.UTC(
    c.year,
    c.month - 1,
    c.day,
    Math.floor(c.minutes / 60),
    c.minutes % 60,
    c.second,
  );
  return wallAsUtc - (atMs - (((atMs % 1000) + 1000) % 1000));
}

/**
 * The instant the zone's wall clock shows `minutes` on the local date year-month-day (day may
 * overflow into the next month, as with Date.UTC). Two refinements settle the offset across a DST
 * change; a wall time skipped by a spring-forward lands just after the gap.
 */
export function localTimeToMs(
  timeZone: string,
  year: number,
  month: number,
  day: number,
  minutes: number,
): number {
  const wallAsUtc = Date.UTC(year, month - 1, day, Math.floor(minutes / 60), minutes % 60);
  let guess = wallAsUtc - zoneOffsetMs(timeZone, wallAsUtc);
  guess = wallAsUtc - zoneOffsetMs(timeZone, guess);
  return guess;
}

/** Whether the market is open at `atMs`: on a listed weekday, from `open` (inclusive) to `close` (exclusive). */
export function isWithinTradingHours(hours: TradingHours, atMs: number): boolean {
  if (hours.kind === 'always') return true;
  const open = minutesOfLocalTime(hours.open);
  const close = minutesOfLocalTime(hours.close);
  if (open === null || close === null) throw new Error('trading hours are not "HH:MM" (checkTradingPolicy)');
  const clock = localClock(hours.timeZone, atMs);
  return hours.days.includes(clock.weekday) && clock.minutes >= open && clock.minutes < close;
}
