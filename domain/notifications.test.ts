import { describe, expect, it } from 'vitest';
import {
  DEFAULT_WEBHOOK_POLICY,
  formatAmountFor,
  lifecycleEventType,
  retryDelayMs,
  signatureHeader,
  subscriptionMatches,
  webhookPolicy,
} from './notifications.js';

describe('event types', () => {
  it('names a transition <subject>.<status> in lower snake case', () => {
    expect(lifecycleEventType('deposit', 'CLEARED')).toBe('deposit.cleared');
    expect(lifecycleEventType('bankAccount', 'VERIFIED')).toBe('bank_account.verified');
    expect(lifecycleEventType('order', 'PARTIALLY_FILLED')).toBe('order.partially_filled');
    expect(() => lifecycleEventType('deposit', 'NOT-A-STATUS')).toThrow();
  });

  it('matches exact types, a subject wildcard and everything', () => {
    expect(subscriptionMatches(['deposit.cleared'], 'deposit.cleared')).toBe(true);
    expect(subscriptionMatches(['deposit.cleared'], 'deposit.returned')).toBe(false);
    expect(subscriptionMatches(['order.*'], 'order.filled')).toBe(true);
    expect(subscriptionMatches(['order.*'], 'deposit.cleared')).toBe(false);
    expect(subscriptionMatches(['*'], 'task.overdue')).toBe(true);
  });
});

describe('webhook backoff', () => {
  const policy = webhookPolicy({ backoffFirstMs: 1000, backoffMaxMs: 10_000 });

  it('doubles per attempt within [half, all] of the capped delay', () => {
    for (const [attempt, capped] of [
      [1, 1000],
      [2, 2000],
      [3, 4000],
      [4, 8000],
      [5, 10_000],
      [20, 10_000],
    ] as const) {
      expect(retryDelayMs(policy, attempt, 0)).toBe(capped / 2);
      expect(retryDelayMs(policy, attempt, 0.999999)).toBeLessThanOrEqual(capped);
      expect(retryDelayMs(policy, attempt, 0.999999)).toBeGreaterThan(capped * 0.99);
    }
  });

  it('refuses a policy out of bounds', () => {
    expect(() => webhookPolicy({ attempts: 0 })).toThrow(/attempts/);
    expect(() => webhookPolicy({ backoffFirstMs: 5000, backoffMaxMs: 10 })).toThrow();
    expect(webhookPolicy()).toEqual(DEFAULT_WEBHOOK_POLICY);
  });

  it('writes the signature header as t=…,v1=…', () => {
    expect(signatureHeader(1700000000, ['ab', 'cd'])).toBe('t=1700000000,v1=ab,v1=cd');
    expect(() => signatureHeader(1700000000, [])).toThrow();
  });
});

describe('amounts for people', () => {
  it('writes the digits given, grouped the locale’s way', () => {
    expect(formatAmountFor('de-DE', '1250.50', 'EUR')).toBe('1.250,50 EUR');
    expect(formatAmountFor('en-GB', '1250.50', 'EUR')).toBe('1,250.50 EUR');
    expect(formatAmountFor('fr-FR', '1250.50', 'EUR')).toMatch(/^1\s250,50 EUR$/u);
    // Beyond a double's precision: still exact.
    expect(formatAmountFor('en-US', '90071992547409.93', 'USD')).toBe('90,071,992,547,409.93 USD');
    expect(formatAmountFor('en-GB', '300', 'EUA')).toBe('300 EUA');
  });
});
