// fast-check arbitraries from the OpenAPI document's JSON schemas: values that fit a schema (from its
// enum, example, format, bounds), and values that do not — a required field missing, an extra one, a
// field of the wrong type, huge and unicode strings, amounts the contract refuses ("-5", "1e3",
// "NaN", a 400-digit number, too many decimals) — so every operation is hit with both.
import fc from 'fast-check';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Schema = Record<string, any>;
export type Components = Record<string, Schema>;

const REF = '#/components/schemas/';

export function resolve(schema: Schema | undefined, components: Components): Schema {
  let current = schema ?? {};
  for (let depth = 0; typeof current.$ref === 'string' && depth < 20; depth += 1) {
    const name = String(current.$ref).slice(REF.length);
    current = components[name] ?? {};
  }
  return current;
}

const BAD_AMOUNTS = ['-5', '1e3', 'NaN', 'Infinity', '', ' 1', '1.234', '0x10', '9'.repeat(400), '1,5', '٣'];
const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'Ω≈ç√∫˜µ≤≥÷',
  '𝕿𝖍𝖊 𝖖𝖚𝖎𝖈𝖐',
  '\u202e\u202dabc',
  "'; DROP TABLE journal_entry; --",
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '%00%2e%2e',
  '{"$gt": ""}',
];

/** A huge string (past any field limit, below the body limit). */
const huge = fc.constantFrom('x'.repeat(20_000), 'é'.repeat(10_000), '9'.repeat(5_000));

function typesOf(schema: Schema): string[] {
  if (Array.isArray(schema.type)) return schema.type;
  if (typeof schema.type === 'string') return [schema.type];
  if (schema.properties) return ['object'];
  return [];
}

/** A value that fits `schema` as far as its enum, example, format and bounds say. */
export function validValue(
  schema: Schema | undefined,
  components: Components,
  depth = 0,
): fc.Arbitrary<unknown> {
  const s = resolve(schema, components);
  if (depth > 6) return fc.constant(null);
  if (s.const !== undefined) return fc.constant(s.const);
  if (Array.isArray(s.enum) && s.enum.length > 0) return fc.constantFrom(...s.enum);
  const alternatives = s.anyOf ?? s.oneOf;
  if (Array.isArray(alternatives) && alternatives.length > 0)
    return fc.oneof(...alternatives.map((a: Schema) => validValue(a, components, depth + 1)));
  if (Array.isArray(s.allOf) && s.allOf.length > 0) return validValue(s.allOf[0], components, depth + 1);
  const types = typesOf(s).filter((t) => t !== 'null');
  const type = types[0];
  switch (type) {
    case 'string': {
      if (s.example !== undefined && typeof s.example === 'string') return fc.constant(s.example);
      if (s.format === 'uuid') return fc.uuid();
      if (s.format === 'date-time') return fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
      if (s.format === 'email') return fc.emailAddress();
      if (typeof s.pattern === 'string')
        return fc.stringMatching(new RegExp(s.pattern)).filter((t) => t.length <= (s.maxLength ?? 200));
      return fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 40, 40) });
    }
    case 'integer':
      return fc.integer({ min: s.minimum ?? 0, max: Math.min(s.maximum ?? 1000, 1_000_000) });
    case 'number':
      return fc.double({ min: s.minimum ?? 0, max: s.maximum ?? 1000, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(validValue(s.items, components, depth + 1), {
        maxLength: Math.min(s.maxItems ?? 3, 3),
      });
    case 'object': {
      const properties: Record<string, Schema> = s.properties ?? {};
      const required = new Set<string>(s.required ?? []);
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [key, value] of Object.entries(properties))
        record[key] = validValue(value, components, depth + 1);
      return fc.record(record, { requiredKeys: [...required].filter((k) => k in record) });
    }
    default:
      return fc.constant(null);
  }
}

/** A value of another JSON type than `schema` allows. */
function wrongType(schema: Schema, components: Components): fc.Arbitrary<unknown> {
  const types = typesOf(resolve(schema, components));
  const all: [string, fc.Arbitrary<unknown>][] = [
    ['string', fc.oneof(fc.constantFrom(...NASTY_STRINGS, ...BAD_AMOUNTS), huge)],
    ['number', fc.constantFrom(-1, 0, 1e308, -1e308, 1.5, Number.MAX_SAFE_INTEGER + 2)],
    ['integer', fc.constantFrom(-1, 2 ** 53, 3.5)],
    ['boolean', fc.boolean()],
    ['array', fc.constant([1, 'two', null])],
    ['object', fc.constant({ nested: { deeper: [{}] } })],
    ['null', fc.constant(null)],
  ];
  const others = all.filter(([t]) => !types.includes(t) && !(t === 'integer' && types.includes('number')));
  return fc.oneof(...others.map(([, a]) => a));
}

export type Mutation =
  'valid' | 'missing' | 'extra' | 'wrong_type' | 'nasty_string' | 'bad_amount' | 'not_object';

/** A body for `schema`: valid, or broken in one of the ways above; `mutation` says which. */
export function bodyCase(
  schema: Schema | undefined,
  components: Components,
): fc.Arbitrary<{ mutation: Mutation; body: unknown }> {
  const s = resolve(schema, components);
  const valid = validValue(s, components).map((body) => ({ mutation: 'valid' as Mutation, body }));
  const properties: Record<string, Schema> = s.properties ?? {};
  const keys = Object.keys(properties);
  if (keys.length === 0) {
    return fc.oneof(
      valid,
      fc.record({ mutation: fc.constant<Mutation>('extra'), body: fc.constant({ unexpected: 'field' }) }),
      fc.record({
        mutation: fc.constant<Mutation>('not_object'),
        body: fc.constantFrom([], 'text', 42, null),
      }),
    );
  }
  const field = fc.constantFrom(...keys);
  const withField = (mutation: Mutation, value: (key: string) => fc.Arbitrary<unknown>) =>
    fc
      .tuple(validValue(s, components), field)
      .chain(([body, key]) => value(key).map((v) => ({ mutation, body: { ...(body as object), [key]: v } })));
  return fc.oneof(
    valid,
    fc.tuple(validValue(s, components), field).map(([body, key]) => {
      const copy = { ...(body as Record<string, unknown>) };
      delete copy[key];
      return { mutation: 'missing' as Mutation, body: copy };
    }),
    validValue(s, components).map((body) => ({
      mutation: 'extra' as Mutation,
      // An own "__proto__" key, as a hostile JSON body would carry it.
      body: {
        ...(body as object),
        extra_field: 'surprise',
        ...JSON.parse('{"__proto__":{"polluted":true}}'),
      },
    })),
    withField('wrong_type', (key) => wrongType(properties[key]!, components)),
    withField('nasty_string', () =>
      fc.oneof(fc.constantFrom(...NASTY_STRINGS), huge, fc.string({ unit: 'grapheme' })),
    ),
    withField('bad_amount', () => fc.oneof(fc.constantFrom(...BAD_AMOUNTS), fc.constantFrom(-5, 1e3, 0.1))),
    fc.record({
      mutation: fc.constant<Mutation>('not_object'),
      body: fc.constantFrom([], 'text', 42, null, [{}]),
    }),
  );
}

/** A path parameter: usually well-formed (a random UUID for ids), sometimes not an id at all. */
export function pathParamCase(
  name: string,
  schema: Schema | undefined,
  components: Components,
): fc.Arbitrary<string> {
  const s = resolve(schema, components);
  const bad = fc.constantFrom(
    'not-a-uuid',
    '1',
    "'",
    '%E2%82%AC',
    'x'.repeat(600),
    '..%2F..%2Fetc',
    '00000000-0000-0000-0000-00000000000g',
  );
  let good: fc.Arbitrary<string>;
  if (Array.isArray(s.enum) && s.enum.length) good = fc.constantFrom(...s.enum.map(String));
  else if (typeof s.example === 'string') good = fc.constant(s.example);
  else if (/workflowId/i.test(name)) good = fc.uuid().map((u) => `deposit-${u}`);
  else good = fc.uuid();
  return fc.oneof({ weight: 3, arbitrary: good }, { weight: 1, arbitrary: bad });
}

/** A query string value: well-formed, or one of the nasty ones. */
export function queryValueCase(
  schema: Schema | undefined,
  components: Components,
): fc.Arbitrary<string | null> {
  const good = validValue(schema, components).map((v) => (v === null || v === undefined ? null : String(v)));
  return fc.oneof(
    { weight: 2, arbitrary: good },
    {
      weight: 1,
      arbitrary: fc.constantFrom<string | null>(null, '-1', 'abc', '1e99', '', 'x'.repeat(3000), '%'),
    },
  );
}
