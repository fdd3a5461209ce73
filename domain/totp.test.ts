import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, hotp, otpauthUri, totpCode, totpStep, verifyTotp } from './totp.js';

// RFC 6238 appendix B: the SHA-1 secret is the ASCII text "12345678901234567890"; the 8-digit values
// are listed there, and the 6-digit code is their last six digits (the same truncation, mod 10^6).
const RFC_SECRET = Buffer.from('12345678901234567890', 'ascii');
const RFC_VECTORS: [number, string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

describe('TOTP (RFC 6238, SHA-1)', () => {
  it('matches the RFC test vectors', () => {
    for (const [seconds, expected] of RFC_VECTORS) {
      expect(hotp(RFC_SECRET, totpStep(seconds * 1000), 8)).toBe(expected);
      expect(totpCode(base32Encode(RFC_SECRET), seconds * 1000)).toBe(expected.slice(2));
    }
  });

  it('matches the RFC 4226 HOTP values for counters 0 and 1', () => {
    expect(hotp(RFC_SECRET, 0)).toBe('755224');
    expect(hotp(RFC_SECRET, 1)).toBe('287082');
  });

  it('round-trips base32 and reads the RFC 4648 example', () => {
    expect(base32Encode(Buffer.from('foobar'))).toBe('MZXW6YTBOI');
    expect(base32Decode('mzxw 6ytb oi======').toString()).toBe('foobar');
    expect(() => base32Decode('not-base32!')).toThrow();
  });

  it('accepts a code one step either side, not two, and never a step at or before the last used', () => {
    const secret = base32Encode(RFC_SECRET);
    const now = 1_700_000_000_000;
    const step = totpStep(now);
    expect(verifyTotp(secret, totpCode(secret, now), now)).toBe(step);
    expect(verifyTotp(secret, totpCode(secret, now - 30_000), now)).toBe(step - 1);
    expect(verifyTotp(secret, totpCode(secret, now + 30_000), now)).toBe(step + 1);
    expect(verifyTotp(secret, totpCode(secret, now - 60_000), now)).toBeNull();
    expect(verifyTotp(secret, totpCode(secret, now), now, step)).toBeNull();
    expect(verifyTotp(secret, '12345', now)).toBeNull();
    expect(verifyTotp(secret, 'abcdef', now)).toBeNull();
  });

  it('writes the otpauth URI authenticator apps read', () => {
    const uri = otpauthUri({ issuer: 'clearhouse', account: 'ops@example.com', secretBase32: 'MZXW6YTBOI' });
    expect(uri).toBe(
      'otpauth://totp/clearhouse:ops%40example.com?secret=MZXW6YTBOI&issuer=clearhouse&algorithm=SHA1&digits=6&period=30',
    );
  });
});
