import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dayNumber,
  matchStatement,
  referenceKeys,
  type MatchItem,
  type MatchLine,
  type MatchOptions,
} from './matching.js';

const OPTIONS: MatchOptions = {
  toleranceMinor: 5n,
  dateWindowDays: 2,
  dateBasis: 'booked',
  oneToMany: true,
  manyToOne: true,
  maxGroupSize: 10,
};
const D = dayNumber('2024-05-10');
const line = (id: string, amountMinor: bigint, refs: string[] = [], day = D, valueDay = day): MatchLine => ({
  id,
  amountMinor,
  bookedDay: day,
  valueDay,
  references: refs,
});
const item = (id: string, amountMinor: bigint, refs: string[] = [], day = D): MatchItem => ({
  id,
  amountMinor,
  day,
  references: refs,
});
const rules = (o: ReturnType<typeof matchStatement>) => o.matches.map((m) => [m.rule, m.lineIds, m.itemIds]);
const kinds = (o: ReturnType<typeof matchStatement>) => o.breaks.map((b) => [b.kind, b.lineIds, b.itemIds]);

describe('matching rules', () => {
  it('exact: same amount and reference, the closest day wins', () => {
    const o = matchStatement(
      [line('l1', 100n, ['R1'])],
      [item('far', 100n, ['R1'], D + 2), item('near', 100n, ['R1'], D + 1)],
      OPTIONS,
    );
    expect(rules(o)).toEqual([['exact', ['l1'], ['near']]]);
    expect(kinds(o)).toEqual([['unmatched_ledger_item', [], ['far']]]);
  });

  it('date window: outside ± N days no rule matches; the value date counts when the policy says so', () => {
    const outside = matchStatement([line('l1', 100n, ['R1'], D)], [item('i1', 100n, ['R1'], D + 3)], OPTIONS);
    expect(outside.matches).toEqual([]);
    expect(kinds(outside).map((k) => k[0])).toEqual(['amount_mismatch']);
    const byValue = matchStatement([line('l1', 100n, [], D, D + 3)], [item('i1', 100n, [], D + 3)], {
      ...OPTIONS,
      dateBasis: 'value',
    });
    expect(rules(byValue)).toEqual([['amount_date', ['l1'], ['i1']]]);
  });

  it('tolerance: a shared reference and a difference within it; beyond it an amount_mismatch break', () => {
    const within = matchStatement([line('l1', 1003n, ['R1'])], [item('i1', 1000n, ['R1'])], OPTIONS);
    expect(within.matches).toEqual([expect.objectContaining({ rule: 'tolerance', differenceMinor: 3n })]);
    const beyond = matchStatement([line('l1', 1006n, ['R1'])], [item('i1', 1000n, ['R1'])], OPTIONS);
    expect(beyond.breaks).toEqual([
      { kind: 'amount_mismatch', lineIds: ['l1'], itemIds: ['i1'], differenceMinor: 6n },
    ]);
    const off = matchStatement([line('l1', 1003n, ['R1'])], [item('i1', 1000n, ['R1'])], {
      ...OPTIONS,
      toleranceMinor: 0n,
    });
    expect(kinds(off)).toEqual([['amount_mismatch', ['l1'], ['i1']]]);
  });

  it('amount_date: without references, the same amount within the window', () => {
    const o = matchStatement(
      [line('l1', -250n)],
      [item('i1', -250n, [], D - 1), item('i2', 250n, [], D)],
      OPTIONS,
    );
    expect(rules(o)).toEqual([['amount_date', ['l1'], ['i1']]]);
    expect(kinds(o)).toEqual([['unmatched_ledger_item', [], ['i2']]]);
  });

  it('one_to_many: one line paying several movements of its reference', () => {
    const o = matchStatement(
      [line('l1', 300n, ['B1'])],
      [item('i1', 100n, ['B1']), item('i2', 200n, ['B1'])],
      OPTIONS,
    );
    expect(rules(o)).toEqual([['one_to_many', ['l1'], ['i1', 'i2']]]);
    const off = matchStatement(
      [line('l1', 300n, ['B1'])],
      [item('i1', 100n, ['B1']), item('i2', 200n, ['B1'])],
      { ...OPTIONS, oneToMany: false },
    );
    expect(off.matches).toEqual([]);
  });

  it('many_to_one: several lines of a reference making one movement', () => {
    const o = matchStatement(
      [line('l1', 40n, ['B2']), line('l2', 60n, ['B2'])],
      [item('i1', 100n, ['B2'])],
      OPTIONS,
    );
    expect(rules(o)).toEqual([['many_to_one', ['l1', 'l2'], ['i1']]]);
  });

  it('pending_deposit: an unmatched credit naming a PENDING deposit', () => {
    const o = matchStatement(
      [line('l1', 5000n, ['CH-0123456789']), line('l2', -5000n, ['CH-0123456789'])],
      [],
      OPTIONS,
      [{ depositId: 'd1', reference: 'CH-0123456789' }],
    );
    expect(o.matches).toEqual([
      expect.objectContaining({ rule: 'pending_deposit', lineIds: ['l1'], depositId: 'd1' }),
    ]);
    expect(kinds(o)).toEqual([['unmatched_statement_line', ['l2'], []]]);
  });

  it('references: our wire references and payout ids are found inside free text', () => {
    expect(referenceKeys('NONREF', 'FACTUUR ch-0123456789 en CHW0123456789ABCDEF0123456789ABCDEF')).toEqual([
      'CH-0123456789',
      'CHW0123456789ABCDEF0123456789ABCDEF',
    ]);
    expect(referenceKeys(' ab 12 ', '')).toEqual(['AB12']);
  });
});

describe('property: a statement made from random movements with injected perturbations', () => {
  it('yields exactly the injected breaks and matches everything else', () => {
    const perturbation = fc.constantFrom(
      'none',
      'none',
      'none',
      'drop_line',
      'extra_line',
      'amount_off',
      'within_tolerance',
      'shifted_day',
    );
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            amount: fc.integer({ min: 1, max: 1_000_000 }),
            day: fc.integer({ min: 0, max: 30 }),
            p: perturbation,
            credit: fc.boolean(),
          }),
          { minLength: 1, maxLength: 60 },
        ),
        (specs) => {
          const lines: MatchLine[] = [];
          const items: MatchItem[] = [];
          const expected: string[] = [];
          specs.forEach((spec, i) => {
            // Distinct amounts per movement (i in the low digits) so no two can stand for each other.
            const amount = BigInt(spec.amount * 1000 + i) * 100n * (spec.credit ? 1n : -1n);
            const ref = `REF${i}`;
            const day = D + spec.day;
            items.push(item(`i${i}`, amount, [ref], day));
            switch (spec.p) {
              case 'drop_line':
                expected.push(`unmatched_ledger_item::i${i}`);
                break;
              case 'extra_line':
                lines.push(line(`l${i}`, amount, [ref], day));
                lines.push(line(`x${i}`, 7n + BigInt(i) * 100n, [`EXTRA${i}`], day));
                expected.push(`unmatched_statement_line:x${i}:`);
                break;
              case 'amount_off':
                lines.push(line(`l${i}`, amount + 51n, [ref], day));
                expected.push(`amount_mismatch:l${i}:i${i}`);
                break;
              case 'within_tolerance':
                lines.push(line(`l${i}`, amount + 3n, [ref], day));
                break;
              case 'shifted_day':
                lines.push(line(`l${i}`, amount, [ref], day + 2));
                break;
              default:
                lines.push(line(`l${i}`, amount, [ref], day));
            }
          });
          const outcome = matchStatement(
            fc.sample(fc.shuffledSubarray(lines, { minLength: lines.length }), 1)[0] ?? lines,
            items,
            OPTIONS,
          );
          const got = outcome.breaks
            .map((b) => `${b.kind}:${b.lineIds.join(',')}:${b.itemIds.join(',')}`)
            .sort();
          expect(got).toEqual(expected.sort());
          const matchedLines = outcome.matches.flatMap((m) => m.lineIds).length;
          expect(matchedLines + outcome.breaks.flatMap((b) => b.lineIds).length).toBe(lines.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});
