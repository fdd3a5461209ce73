import { describe, expect, it } from 'vitest';
import { fieldLabel, friendlyIssue, friendlyRefusal } from './messages.js';

describe('friendly form messages', () => {
  it('turns schema wording about amounts into an instruction', () => {
    expect(
      friendlyIssue({
        path: 'amount',
        code: 'invalid_format',
        message: 'amounts are decimal strings like "1250.50"',
      }),
    ).toBe('Enter an amount like 1250.50 (digits, a dot for the decimals, no thousands separators).');
    expect(
      friendlyIssue({
        path: 'receivedAmount',
        code: 'invalid_amount',
        message: 'amount must be greater than zero',
      }),
    ).toBe('Enter an amount greater than zero.');
  });

  it('names the cap of an amount that is too large, grouped, with its asset', () => {
    expect(
      friendlyIssue({
        path: 'amount',
        code: 'too_big',
        message: 'EUR amounts are at most 1000000000.00 (1000000000 units)',
      }),
    ).toBe('That amount is too large: enter at most 1,000,000,000.00 EUR.');
  });

  it('asks for a missing field by its label and keeps unknown wording as a sentence', () => {
    expect(friendlyIssue({ path: 'reason', code: 'invalid_type', message: 'Required' })).toBe(
      'Enter the reason.',
    );
    expect(fieldLabel('body.bankAccountId')).toBe('bank account id');
    expect(friendlyIssue({ path: 'note', code: 'custom', message: 'the note may not be blank' })).toBe(
      'The note may not be blank.',
    );
  });

  it('sums up a refusal: one issue is the sentence itself, several point at the fields', () => {
    const one = [
      { path: 'amount', code: 'invalid_format', message: 'amounts are decimal strings like "1250.50"' },
    ];
    expect(friendlyRefusal('validation_failed', 'the request is not valid', one)).toMatch(/^Enter an amount/);
    expect(friendlyRefusal('validation_failed', 'x', [...one, { path: 'reason', message: 'Required' }])).toBe(
      'Please correct the fields marked below.',
    );
    expect(friendlyRefusal('insufficient_funds', 'not enough available EUR', [])).toBe(
      'Not enough available EUR.',
    );
  });
});
