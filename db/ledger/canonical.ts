import { createHash } from 'node:crypto';
import { canonicalJson } from '../../domain/canonical-json.js';

// Ledger payload hashes: sha256 of the canonical JSON (domain/canonical-json.ts: object keys sorted,
// `undefined` members dropped, bigints as decimal strings, dates as ISO strings, arrays in order).

export { canonicalJson };

/** sha256 hex of the canonical JSON. */
export function payloadHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}
