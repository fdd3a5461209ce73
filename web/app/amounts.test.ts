// The one formatting helper (issue 14: amounts grouped with their asset, times in the viewer's zone
// with their age): exact on the decimal string, whatever its size, and on the zone it is given.
import { describe, expect, it } from 'vitest';
import { formatLocal, formatMoney, formatUtc, groupDigits, relativeAge, shortAge } from './amounts.js';

describe('amounts', () => {
  it('groups by thousands and puts the asset after, every digit kept', () => {
    expect(formatMoney('60000.00', 'EUR')).toBe('60,000.00 EUR');
    expect(formatMoney('1234567.80', 'EUR')).toBe('1,234,567.80 EUR');
    expect(formatMoney('999.99', 'USD')).toBe('999.99 USD');
    expect(formatMoney('-2500.5', 'EUR')).toBe('-2,500.5 EUR');
    expect(formatMoney('123456789012345678.12', 'EUR')).toBe('123,456,789,012,345,678.12 EUR');
    expect(formatMoney('10000', 'EUA')).toBe('10,000 EUA');
  });

  it('shows a dash for no amount and leaves text that is no decimal as it came', () => {
    expect(formatMoney(null, 'EUR')).toBe('—');
    expect(formatMoney('', 'EUR')).toBe('—');
    expect(groupDigits('12,50')).toBe('12,50');
    expect(groupDigits('1e9')).toBe('1e9');
  });
});

describe('times', () => {
  const at = '2026-03-01T14:05:09.123Z';

  it('the server renders UTC, unambiguous and the same on both sides', () => {
    expect(formatUtc(at)).toBe('2026-03-01 14:05:09 UTC');
    expect(formatUtc(null)).toBe('—');
  });

  it('the viewer sees their own time zone', () => {
    expect(formatLocal(at, 'Europe/Brussels', 'en-GB')).toBe('1 Mar 2026, 15:05');
    expect(formatLocal(at, 'Asia/Tokyo', 'en-GB')).toBe('1 Mar 2026, 23:05');
    expect(formatLocal(at, 'America/New_York', 'en-GB')).toBe('1 Mar 2026, 09:05');
    expect(formatLocal('not a time', 'UTC')).toBe('not a time');
  });

  it('with the age beside it, past or ahead', () => {
    const now = Date.parse(at);
    expect(relativeAge(at, now + 10_000)).toBe('just now');
    expect(relativeAge(at, now + 5 * 60_000)).toBe('5 minutes ago');
    expect(relativeAge(at, now + 3 * 3_600_000)).toBe('3 hours ago');
    expect(relativeAge(at, now - 2 * 86_400_000)).toBe('in 2 days');
    expect(relativeAge(at, now + 86_400_000)).toBe('yesterday');
    expect(shortAge(at, now + 12 * 60_000)).toBe('12 min');
    expect(shortAge(at, now + 5 * 3_600_000)).toBe('5 h');
    expect(shortAge(at, now + 3 * 86_400_000)).toBe('3 d');
    expect(shortAge(at, now - 60_000)).toBe('0 min');
  });
});
