// Access tokens that verified, remembered by their exact text until they expire.
//
// Verifying a token costs an HMAC through WebCrypto (a round trip through libuv's thread pool,
// 0.13–0.33 ms measured on this 2-core machine under load) on every request, while an API client
// sends the same token for its 15 minutes. The key is fixed for the life of the process, so the same
// bytes always verify the same way: remembering the outcome only skips repeating the work. Nothing
// about revocation lives here — the session behind the token is still checked on every request
// (api/auth/live-session.ts). Only tokens that verified are kept, so garbage cannot fill the map.
import assert from 'node:assert/strict';
import type { AccessClaims } from './tokens.js';

/** Tokens kept at most; the oldest goes first when full. */
export const VERIFIED_TOKENS_MAX = 10_000;

interface Verified {
  claims: AccessClaims;
  /** The token's `exp` in milliseconds: past it the token is verified (and refused) again. */
  expiresAtMs: number;
}

/** Insertion order is age order, so the first key is the oldest. */
const verified = new Map<string, Verified>();

/** The claims of `token` if it verified before and has not expired at `nowMs`; else null. */
export function rememberedClaims(token: string, nowMs: number): AccessClaims | null {
  const entry = verified.get(token);
  if (!entry) return null;
  if (entry.expiresAtMs <= nowMs) {
    verified.delete(token);
    return null;
  }
  return entry.claims;
}

/** Remembers that `token` verified with `claims`, until `expiresAtMs` (its `exp`). */
export function rememberClaims(token: string, claims: AccessClaims, expiresAtMs: number): void {
  assert.ok(Number.isFinite(expiresAtMs), 'a verified token has an expiry');
  verified.delete(token);
  while (verified.size >= VERIFIED_TOKENS_MAX) {
    const oldest = verified.keys().next();
    if (oldest.done) break;
    verified.delete(oldest.value);
  }
  verified.set(token, { claims, expiresAtMs });
  assert.ok(verified.size <= VERIFIED_TOKENS_MAX);
}
