import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, payloadHash } from './canonical.js';
import { postingPayloadJson, validateEntry, type Common } from './validation.js';

// Stored payload hashes must never change: the posting payload written directly for its shape
// (postingPayloadJson) is held byte-equal to the canonical JSON of the same payload, for any text
// (escapes, quotes, astral characters, lone surrogates), any amounts and with or without dates.

const text = fc.string({ unit: 'binary', maxLength: 40 });
const date = fc.option(
  fc.date({ min: new Date('1970-01-01'), max: new Date('2999-12-31'), noInvalidDate: true }),
);
const transfers = fc.array(
  fc.record({ debit: text, credit: text, amount: fc.bigInt({ min: 1n, max: 2n ** 63n - 1n }) }),
  { minLength: 1, maxLength: 5 },
);

describe('postingPayloadJson', () => {
  it('is the canonical JSON of the payload the engine hashes', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('posted' as const, 'pending' as const),
        text,
        text,
        fc.option(text),
        date,
        date,
        transfers,
        (status, kind, description, workflowId, effectiveAt, expiresAt, list) => {
          const common: Common = {
            idempotencyKey: 'k',
            kind,
            description,
            workflowId,
            runId: null,
            activity: null,
            effectiveAt,
          };
          const expected = canonicalJson({
            op: status === 'posted' ? 'post' : 'hold',
            kind,
            description,
            workflowId,
            effectiveAt,
            expiresAt,
            transfers: list,
          });
          expect(postingPayloadJson(status, common, expiresAt, list)).toBe(expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('gives validateEntry the hash of the canonical payload', () => {
    const effectiveAt = new Date('2026-11-30T12:00:00.123Z');
    const entry = validateEntry(
      {
        idempotencyKey: 'k:1',
        kind: 'deposit.confirm',
        description: 'a "quoted" déposit\n',
        workflowId: 'deposit-1',
        effectiveAt,
        transfers: [{ debit: 'bank:omnibus:EUR', credit: 'client:x:pending:EUR', amount: 12_345n }],
      },
      'posted',
    );
    expect(entry.payloadHash).toBe(
      payloadHash({
        op: 'post',
        kind: 'deposit.confirm',
        description: 'a "quoted" déposit\n',
        workflowId: 'deposit-1',
        effectiveAt,
        expiresAt: null,
        transfers: [{ debit: 'bank:omnibus:EUR', credit: 'client:x:pending:EUR', amount: 12_345n }],
      }),
    );
  });
});
