import { hash } from 'node:crypto';
import { canonicalJson } from '../../domain/canonical-json.js';

// Ledger payload hashes: sha256 of the canonical JSON (domain/canonical-json.ts: object keys sorted,
// `undefined` members dropped, bigints as decimal strings, dates as ISO strings, arrays in order).

export { canonicalJson };

/** sha256 hex of a text (one-shot crypto.hash: no Hash object per call). */
export function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex');
}

/** sha256 hex of the canonical JSON. */
export function payloadHash(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
