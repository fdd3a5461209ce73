import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PERIOD_DAYS,
  MAX_PERIOD_DAYS,
  kindLabel,
  lineDescription,
  parseDay,
  statementPeriod,
  statementRoles,
} from './client-statement.js';

const NOW = Date.UTC(2026, 11, 15, 13, 30);

describe('statement period', () => {
  it('takes real calendar days only', () => {
    expect(parseDay('2026-12-01')).toBe(Date.UTC(2026, 11, 1));
    expect(parseDay('2028-02-29')).toBe(Date.UTC(2028, 1, 29));
    for (const bad of ['2026-02-29', '2026-13-01', '2026-12-1', '1999-12-31', '2026-12-01T00:00Z', ''])
      expect(parseDay(bad), bad).toBeNull();
  });

  it('defaults to the last days up to today, both ends included, in UTC', () => {
    expect(statementPeriod({}, NOW)).toMatchObject({ from: '2026-11-16', to: '2026-12-15' });
    const period = statementPeriod({ from: '2026-12-01', to: '2026-12-01' }, NOW);
    expect(period).toMatchObject({ fromMs: Date.UTC(2026, 11, 1), endMs: Date.UTC(2026, 11, 2) });
    expect(DEFAULT_PERIOD_DAYS).toBe(30);
  });

  it('names the field at fault', () => {
    expect(statementPeriod({ to: '2026-02-30' }, NOW)).toMatchObject({ path: 'to', code: 'invalid_date' });
    expect(statementPeriod({ from: '2026-12-02', to: '2026-12-01' }, NOW)).toMatchObject({
      path: 'from',
      code: 'after_to',
    });
    expect(statementPeriod({ from: '2025-12-14', to: '2026-12-15' }, NOW)).toMatchObject({
      code: 'period_too_long',
    });
    expect(statementPeriod({ from: '2025-12-15', to: '2026-12-15' }, NOW)).toMatchObject({
      from: '2025-12-15',
    });
    expect(MAX_PERIOD_DAYS).toBe(366);
  });
});

describe('lines in words', () => {
  it('labels recipes, reversals and unknown kinds', () => {
    expect(kindLabel('deposit.confirm')).toBe('Deposit received, on AML hold');
    expect(kindLabel('deposit.clear', true)).toBe('Reversal: Deposit cleared');
    expect(kindLabel('recon.adjust')).toBe('Recon adjust');
  });

  it('puts the business reference after the label', () => {
    const deposit = { type: 'deposit', id: 'd-1', reference: 'CH-7KQ2M4ZT9P' };
    expect(lineDescription('deposit.clear', false, deposit, null)).toBe(
      'Deposit cleared · Deposit CH-7KQ2M4ZT9P',
    );
    const order = { type: 'order', id: 'o-1', reference: 'o-1' };
    expect(lineDescription('trade.fill', false, order, 't-9')).toBe('Trade · Order o-1, trade t-9');
    expect(lineDescription('fee', false, null, null)).toBe('Fee');
  });

  it('sums the three client accounts for "all"', () => {
    expect(statementRoles('all')).toEqual(['available', 'held', 'pending_settlement']);
    expect(statementRoles('held')).toEqual(['held']);
  });
});
