// Webhook signatures (API.md "Notifications and webhooks"): header
// `Clearhouse-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`, one v1
// per live secret (two during a rotation's overlap). verifySignature is what a receiver runs: it
// compares in constant time and refuses a timestamp outside the replay window.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { signatureHeader, signedPayload } from '../../domain/notifications.js';

export const SIGNATURE_HEADER = 'Clearhouse-Signature';

export function hmacHex(secret: string, timestampSeconds: number, rawBody: string): string {
  return createHmac('sha256', secret).update(signedPayload(timestampSeconds, rawBody)).digest('hex');
}

/** The header value for `rawBody` sent at `timestampSeconds`, signed with each of `secrets`. */
export function signDelivery(secrets: readonly string[], timestampSeconds: number, rawBody: string): string {
  return signatureHeader(
    timestampSeconds,
    secrets.map((secret) => hmacHex(secret, timestampSeconds, rawBody)),
  );
}

/** True when one v1 of `header` is `rawBody`'s signature with `secret` and t is within `toleranceSeconds` of now. */
export function verifySignature(
  secret: string,
  header: string,
  rawBody: string,
  options: { toleranceSeconds: number; nowSeconds?: number },
): boolean {
  const parts = header.split(',').map((part) => part.trim().split('='));
  const t = Number(parts.find(([key]) => key === 't')?.[1]);
  if (!Number.isInteger(t)) return false;
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > options.toleranceSeconds) return false;
  const expected = Buffer.from(hmacHex(secret, t, rawBody), 'hex');
  return parts
    .filter(([key, value]) => key === 'v1' && typeof value === 'string' && /^[0-9a-f]{64}$/.test(value))
    .some(([, value]) => timingSafeEqual(Buffer.from(value!, 'hex'), expected));
}
