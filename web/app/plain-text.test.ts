// The plain-text form of recorded texts (what the task inbox's CSV carries): the same tokens the
// pages render, written out — a known person by name and email, an amount grouped with its asset, an
// instant in UTC — and every other character as it was.
import { describe, expect, it } from 'vitest';
import { plainText } from './plain-text.js';

const APPROVER = '9e2ec87e-2424-4d03-8f08-6e4ffd552a26';
const STRANGER = 'e14bba79-3a3c-40e9-ad23-a18e1d691246';
const people = { [APPROVER]: { email: 'ines@example.test', displayName: 'Ines Weber' } };

describe('plainText', () => {
  it('names the approver, groups the amount with its asset and keeps the rest', () => {
    expect(
      plainText(`Second approval of withdrawal of 15000.00 EUR (first approved by ${APPROVER})`, people),
    ).toBe(
      'Second approval of withdrawal of 15,000.00 EUR (first approved by Ines Weber <ines@example.test>)',
    );
  });

  it('writes minor units and instants as a person reads them', () => {
    expect(plainText('Difference of -123456 minor units of EUR', people)).toBe('Difference of -1,234.56 EUR');
    expect(plainText('AML hold until 2026-12-08T07:12:35.905Z', people)).toBe(
      'AML hold until 2026-12-08 07:12:35 UTC',
    );
  });

  it('leaves an id nobody is known by, and a text without tokens, as written', () => {
    expect(plainText(`break of ${STRANGER}`, people)).toBe(`break of ${STRANGER}`);
    expect(plainText('Confirm receipt (CH-REF-01)', undefined)).toBe('Confirm receipt (CH-REF-01)');
  });
});
