import { createHash } from 'node:crypto';

// Canonical JSON for idempotency hashes: object keys sorted, `undefined` members dropped, bigints as
// decimal strings, dates as ISO strings. Arrays keep their order (transfer order is part of the payload).

type Canonical = null | boolean | number | string | Canonical[] | { [key: string]: Canonical };

function canonicalize(value: unknown): Canonical {
  if (value === null) return null;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('non-finite number in a ledger payload');
    return value;
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new TypeError('invalid date in a ledger payload');
    return value.toISOString();
  }
  if (Array.isArray(value)) return value.map((item) => canonicalize(item === undefined ? null : item));
  if (typeof value === 'object') {
    const out: { [key: string]: Canonical } = {};
    for (const key of Object.keys(value).sort()) {
      const member = (value as Record<string, unknown>)[key];
      if (member !== undefined) out[key] = canonicalize(member);
    }
    return out;
  }
  throw new TypeError(`unsupported ${typeof value} in a ledger payload`);
}

export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonicalize(value));
}

/** sha256 hex of the canonical JSON. */
export function payloadHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}
