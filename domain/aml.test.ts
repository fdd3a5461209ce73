import { describe, expect, it } from 'vitest';
import {
  AML_WEIGHTS,
  DEFAULT_AML_POLICY,
  checkAmlPolicy,
  normalizeReference,
  screen,
  type AmlInput,
} from './aml.js';

// A clean deposit: as announced, our reference on the wire, no history, a standard country.
const clean: AmlInput = {
  asset: 'EUR',
  announcedAmount: '1000.00',
  receivedAmount: '1000.00',
  expectedReference: 'CH-7K3M9Q2X5A',
  announcedReference: null,
  receivedReference: 'Payment CH-7K3M9Q2X5A thanks',
  recent: { count: 0, sum: '0.00' },
  senderCountry: 'DE',
  countryRating: 'standard',
};
const run = (overrides: Partial<AmlInput>) => screen({ ...clean, ...overrides });

describe('AML screening', () => {
  it('passes a clean deposit with a short hold and no reasons', () => {
    expect(screen(clean)).toEqual({ score: 0, decision: 'short_hold', reasons: [], rules: [] });
  });

  it('matches references ignoring case, spacing and Crockford look-alikes', () => {
    expect(normalizeReference('ch-7k3m9q2x5a')).toBe('CH7K3M9Q2X5A');
    expect(normalizeReference('CH 0O1IL')).toBe('CH00111');
    expect(run({ receivedReference: 'ch 7k3m 9q2x 5a' }).rules).toEqual([]);
  });

  describe('amount thresholds', () => {
    it('flags a large deposit for a long hold', () => {
      const result = run({ announcedAmount: '10000.00', receivedAmount: '10000.00' });
      expect(result.rules).toEqual(['amountLarge']);
      expect(result.decision).toBe('long_hold');
      expect(result.reasons).toEqual([
        'Received 10000.00 EUR is at or above the large-deposit threshold of 10000.00 EUR.',
      ]);
    });

    it('sends a very large deposit to review', () => {
      const result = run({ announcedAmount: '250000.00', receivedAmount: '250000.00' });
      expect(result.rules).toEqual(['amountReview', 'velocitySum']);
      expect(result.decision).toBe('review');
    });

    it('just below the large threshold is clean', () => {
      expect(run({ announcedAmount: '9999.99', receivedAmount: '9999.99' }).rules).toEqual([]);
    });

    it('skips the amount rules for an asset without thresholds', () => {
      const result = screen({
        ...clean,
        asset: 'EUA',
        announcedAmount: '900000',
        receivedAmount: '900000',
        recent: { count: 0, sum: '0' },
      });
      expect(result.rules).toEqual([]);
    });
  });

  describe('announced versus received', () => {
    it('tolerates up to 1 %', () => {
      expect(run({ receivedAmount: '990.00' }).rules).toEqual([]);
    });

    it('notes a minor mismatch', () => {
      const result = run({ receivedAmount: '950.00' });
      expect(result.rules).toEqual(['mismatchMinor']);
      expect(result.score).toBe(AML_WEIGHTS.mismatchMinor);
      expect(result.decision).toBe('short_hold');
      expect(result.reasons[0]).toBe(
        'Received 950.00 EUR, 50.00 EUR less than the announced 1000.00 EUR (more than 1 % off).',
      );
    });

    it('holds long on a major mismatch either way', () => {
      expect(run({ receivedAmount: '500.00' })).toMatchObject({
        rules: ['mismatchMajor'],
        decision: 'long_hold',
      });
      const more = run({ receivedAmount: '1500.00' });
      expect(more.rules).toEqual(['mismatchMajor']);
      expect(more.reasons[0]).toContain('500.00 EUR more than the announced');
    });
  });

  describe('reference', () => {
    it('notes a missing reference', () => {
      expect(run({ receivedReference: null }).rules).toEqual(['referenceMissing']);
      expect(run({ receivedReference: '   ' }).rules).toEqual(['referenceMissing']);
    });

    it("weighs the client's own reference less than a foreign one", () => {
      expect(run({ announcedReference: 'INV-77', receivedReference: 'inv 77' }).rules).toEqual([
        'referenceClientOnly',
      ]);
      const foreign = run({ announcedReference: 'INV-77', receivedReference: 'Salary March' });
      expect(foreign.rules).toEqual(['referenceMismatch']);
      expect(foreign.decision).toBe('long_hold');
      expect(foreign.reasons[0]).toBe(
        'The wire\'s reference "Salary March" matches neither CH-7K3M9Q2X5A nor the announced reference.',
      );
    });
  });

  describe('velocity', () => {
    it('counts the other deposits in the window', () => {
      expect(run({ recent: { count: 4, sum: '4000.00' } }).rules).toEqual([]);
      const busy = run({ recent: { count: 5, sum: '5000.00' } });
      expect(busy.rules).toEqual(['velocityCount']);
      expect(busy.reasons[0]).toBe('The client made 5 other deposits in the last 30 days (limit 5).');
    });

    it('sums them with this one against the limit', () => {
      expect(run({ recent: { count: 2, sum: '48999.99' } }).rules).toEqual([]);
      expect(run({ recent: { count: 2, sum: '49000.00' } }).rules).toEqual(['velocitySum']);
    });
  });

  describe('country', () => {
    it('sends a policy-listed high-risk country to review whatever the partner says', () => {
      const result = run({ senderCountry: 'ir', countryRating: 'standard' });
      expect(result.rules).toEqual(['countryHigh']);
      expect(result.decision).toBe('review');
      expect(result.reasons[0]).toBe('The sending bank is in IR, a high-risk jurisdiction.');
    });

    it("follows the partner's high and elevated ratings", () => {
      expect(run({ senderCountry: 'XX', countryRating: 'high' }).decision).toBe('review');
      expect(run({ senderCountry: 'XX', countryRating: 'elevated' }).rules).toEqual(['countryElevated']);
    });

    it('notes an unknown country', () => {
      expect(run({ senderCountry: null, countryRating: null }).rules).toEqual(['countryUnknown']);
    });
  });

  it('adds the rules up, caps the score at 100 and decides by the cut-offs', () => {
    const result = run({
      announcedAmount: '100000.00',
      receivedAmount: '150000.00',
      receivedReference: null,
      recent: { count: 9, sum: '90000.00' },
      senderCountry: 'KP',
    });
    expect(result.rules).toEqual([
      'amountReview',
      'mismatchMajor',
      'referenceMissing',
      'velocityCount',
      'velocitySum',
      'countryHigh',
    ]);
    expect(result.score).toBe(100);
    expect(result.reasons).toHaveLength(6);
    expect(result.decision).toBe('review');
    // Two moderate indicators together reach the long-hold cut-off but not review.
    const two = run({ receivedAmount: '950.00', receivedReference: null });
    expect(two.score).toBe(AML_WEIGHTS.mismatchMinor + AML_WEIGHTS.referenceMissing);
    expect(two.decision).toBe('long_hold');
  });

  it('is deterministic', () => {
    const input = {
      ...clean,
      receivedAmount: '12345.67',
      senderCountry: 'YE',
      countryRating: 'elevated' as const,
    };
    expect(screen(input)).toEqual(screen(input));
  });

  it('validates a policy', () => {
    expect(checkAmlPolicy(DEFAULT_AML_POLICY)).toEqual([]);
    const bad = {
      ...DEFAULT_AML_POLICY,
      longHoldScore: 90,
      thresholds: { EUR: { large: 'x', review: '1', velocitySum: '1' } },
    };
    expect(checkAmlPolicy(bad)).toEqual([
      'thresholds.EUR.large: EUR amounts are decimal strings with at most 2 decimals, like "1250.50"',
      'longHoldScore must be positive and at most reviewScore',
    ]);
  });
});
