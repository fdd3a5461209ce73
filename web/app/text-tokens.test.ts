// The texts below are the ones workflows and queries really write (workflows/deposit.ts,
// workflows/withdrawal.ts, db/reconciliation/matching.ts): each must come apart into the pieces
// the pages render through Person, Money and Time, and nothing else may be touched.
import { describe, expect, it } from 'vitest';
import { idsMentioned, textTokens } from './text-tokens.js';

const APPROVER = '9e2ec87e-2424-4d03-8f08-6e4ffd552a26';
const SUBJECT = 'e14bba79-3a3c-80e9-ad23-a18e1d691246';
const known = (id: string) => id === APPROVER;

describe('textTokens', () => {
  it('names a known approver and keeps the amount with its asset', () => {
    expect(
      textTokens(`Second approval of withdrawal of 15000.00 EUR (first approved by ${APPROVER})`, known),
    ).toEqual([
      { kind: 'text', text: 'Second approval of withdrawal of ' },
      { kind: 'amount', amount: '15000.00', asset: 'EUR' },
      { kind: 'text', text: ' (first approved by ' },
      { kind: 'person', id: APPROVER },
      { kind: 'text', text: ')' },
    ]);
  });

  it('leaves an id nobody is known by as it is written', () => {
    expect(textTokens(`break of ${SUBJECT}`, known)).toEqual([{ kind: 'text', text: `break of ${SUBJECT}` }]);
  });

  it('reads an upper-case id as the lower-case one people are keyed by', () => {
    expect(textTokens(`by ${APPROVER.toUpperCase()}`, known)).toEqual([
      { kind: 'text', text: 'by ' },
      { kind: 'person', id: APPROVER },
    ]);
  });

  it('does not take the UUID inside a workflow id for a person', () => {
    const text = `see reconciliation-${APPROVER}`;
    expect(textTokens(text, () => true)).toEqual([{ kind: 'text', text }]);
  });

  it('turns minor units into the edge decimal of their asset, sign kept', () => {
    expect(
      textTokens('Reconciliation break: unmatched ledger item (-250000 minor units of EUR)', known),
    ).toEqual([
      { kind: 'text', text: 'Reconciliation break: unmatched ledger item (' },
      { kind: 'amount', amount: '-2500.00', asset: 'EUR' },
      { kind: 'text', text: ')' },
    ]);
    expect(textTokens('difference of 40 minor units of EUA', known)).toEqual([
      { kind: 'text', text: 'difference of ' },
      { kind: 'amount', amount: '40', asset: 'EUA' },
    ]);
  });

  it('finds the amount and the hold end of a deposit reason', () => {
    expect(textTokens('Received 2500.00 EUR; on hold until 2026-12-02T15:25:56.526Z', known)).toEqual([
      { kind: 'text', text: 'Received ' },
      { kind: 'amount', amount: '2500.00', asset: 'EUR' },
      { kind: 'text', text: '; on hold until ' },
      { kind: 'time', at: '2026-12-02T15:25:56.526Z' },
    ]);
  });

  it('reads whole-number certificate amounts and offsets in timestamps', () => {
    expect(textTokens('300 EUA due 2026-12-02T15:25+01:00', known)).toEqual([
      { kind: 'amount', amount: '300', asset: 'EUA' },
      { kind: 'text', text: ' due ' },
      { kind: 'time', at: '2026-12-02T15:25+01:00' },
    ]);
  });

  it('touches nothing that only looks close: dates, counts, codes inside words, unknown assets', () => {
    for (const text of [
      'Statement of bank:omnibus:EUR 2026-12-01..2026-12-01 imported (2 lines)',
      '1 of 2 lines matched, 2 break(s) open',
      'reference CH-12 EUR',
      '12 GBP',
      '12 EURO',
      'version 2026-13-45T99:99:99Z',
    ]) {
      expect(textTokens(text, () => true)).toEqual([{ kind: 'text', text }]);
    }
  });

  it('gives nothing for an empty text', () => {
    expect(textTokens('', known)).toEqual([]);
  });
});

describe('idsMentioned', () => {
  it('lists the ids of every text, lower-cased, skipping blanks and workflow ids', () => {
    expect(
      idsMentioned([
        `by ${APPROVER.toUpperCase()}`,
        null,
        `reconciliation-${SUBJECT}`,
        undefined,
        `and ${SUBJECT}`,
      ]),
    ).toEqual([APPROVER, SUBJECT]);
  });
});
