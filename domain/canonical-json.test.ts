// The shared canonical JSON writes, byte for byte, what the two implementations it replaced wrote:
// the ledger's (payload_hash, the history archive's sha256) for every value, and the idempotency
// records' (request_hash) for every JSON body without array-index member names. And it survives
// values that made the old ones overflow the stack.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';

// ---- the former implementations, frozen here as the reference ------------------------------------

type Canonical = null | boolean | number | string | Canonical[] | { [key: string]: Canonical };

/** db/ledger/canonical.ts before the shared module. */
function formerLedgerCanonicalJson(value: unknown): string {
  const canonicalize = (v: unknown): Canonical => {
    if (v === null) return null;
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new TypeError('non-finite number in a ledger payload');
      return v;
    }
    if (v instanceof Date) return v.toISOString();
    if (Array.isArray(v)) return v.map((item) => canonicalize(item === undefined ? null : item));
    if (typeof v === 'object') {
      const out: { [key: string]: Canonical } = {};
      for (const key of Object.keys(v).sort()) {
        const member = (v as Record<string, unknown>)[key];
        if (member !== undefined) out[key] = canonicalize(member);
      }
      return out;
    }
    throw new TypeError(`unsupported ${typeof v} in a ledger payload`);
  };
  return JSON.stringify(canonicalize(value));
}

/** api/idempotency.ts before the shared module. */
function formerIdempotencyCanonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(formerIdempotencyCanonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${formerIdempotencyCanonicalJson(v)}`).join(',')}}`;
}

// ---- generators -----------------------------------------------------------------------------------

/** Member names as requests and payloads have them, plus awkward ones (no array indices). */
const plainKey = fc
  .oneof(
    fc.string({ maxLength: 8 }),
    fc.constantFrom('amount', 'Amount', 'a', 'b', 'é', '😀', '', ' ', '01', '-1', '1.5', '1e3', '4294967295'),
  )
  .filter((key) => !/^(0|[1-9]\d*)$/.test(key) || Number(key) >= 4294967295);
/** Every key, array indices ("0", "42") included. */
const anyKey = fc.oneof(plainKey, fc.nat({ max: 100 }).map(String));

const json = (key: fc.Arbitrary<string>) =>
  fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.constant(null),
      fc.boolean(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.integer(),
      fc.string({ unit: 'binary' }),
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(key, tie('value'), { maxKeys: 5 }),
    ),
  })).value;

const payload = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    json(anyKey),
    fc.bigInt(),
    fc.date({ noInvalidDate: true }),
    fc.constant(undefined),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(anyKey, tie('value'), { maxKeys: 5 }),
  ),
})).value;

// ---- properties ---------------------------------------------------------------------------------

describe('canonicalJson', () => {
  it('writes what the ledger wrote, for every payload (stored payload and history hashes still match)', () => {
    fc.assert(
      fc.property(fc.dictionary(anyKey, payload), (value) => {
        expect(canonicalJson(value)).toBe(formerLedgerCanonicalJson(value));
      }),
      { numRuns: 2000 },
    );
  });

  it('writes what idempotency wrote, for every JSON body without array-index member names', () => {
    fc.assert(
      fc.property(fc.dictionary(plainKey, json(plainKey)), (value) => {
        expect(canonicalJson(value)).toBe(formerIdempotencyCanonicalJson(value));
      }),
      { numRuns: 2000 },
    );
    // Requests as the idempotency middleware hashes them; the text is frozen.
    expect(
      canonicalJson({
        method: 'POST',
        path: '/api/v1/deposits',
        body: {
          currency: 'EUR',
          amount: '12.50',
          note: 'pässpört 🛂',
          nested: [1, null, { b: true, a: 1.5 }],
        },
        file: null,
      }),
    ).toBe(
      '{"body":{"amount":"12.50","currency":"EUR","nested":[1,null,{"a":1.5,"b":true}],"note":"pässpört 🛂"},' +
        '"file":null,"method":"POST","path":"/api/v1/deposits"}',
    );
  });

  it('orders array-index names first, numerically, as the ledger always did', () => {
    expect(canonicalJson({ b: 1, 10: 2, a: 3, 9: 4, '01': 5 })).toBe('{"9":4,"10":2,"01":5,"a":3,"b":1}');
  });

  it('writes any depth without recursion, and refuses cycles and non-JSON values', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) deep = i % 2 ? [deep] : { k: deep };
    expect(() => formerIdempotencyCanonicalJson(deep)).toThrow(RangeError);
    expect(canonicalJson(deep)).toBe(`${'[{"k":'.repeat(50_000)}"leaf"${'}]'.repeat(50_000)}`);

    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = { back: cycle };
    expect(() => canonicalJson(cycle)).toThrow(/circular/);
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: [shared] })).toBe('{"a":{"x":1},"b":[{"x":1}]}');
    for (const bad of [Number.NaN, Infinity, () => 1, Symbol('s'), new Date(Number.NaN)]) {
      expect(() => canonicalJson({ bad })).toThrow(TypeError);
    }
  });
});
