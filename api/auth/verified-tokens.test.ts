import { describe, expect, it } from 'vitest';
import { signAccessToken, verifyAccessToken } from './tokens.js';
import { VERIFIED_TOKENS_MAX, rememberClaims, rememberedClaims } from './verified-tokens.js';

const user = { id: '0b6f1c0e-1111-4222-8333-444455556666', email: 'c@example.com', role: 'client' as const };
const sessionId = '0b6f1c0e-aaaa-4bbb-8ccc-ddddeeeeffff';

describe('verified access tokens', () => {
  it('remembers a token that verified until its expiry, and only that exact text', async () => {
    const { token, expiresAt } = await signAccessToken(user, sessionId, 60);
    const nowMs = Date.now();
    expect(rememberedClaims(token, nowMs)).toBeNull();
    const claims = await verifyAccessToken(token, nowMs);
    expect(claims).toEqual({ ...user, sessionId });
    expect(rememberedClaims(token, nowMs)).toEqual(claims);
    expect(rememberedClaims(`${token}x`, nowMs)).toBeNull();
    expect(await verifyAccessToken(`${token.slice(0, -2)}AA`, nowMs)).toBeNull();
    // Past its expiry it is forgotten and verified (and refused) again.
    expect(rememberedClaims(token, expiresAt.getTime())).toBeNull();
    expect(rememberedClaims(token, nowMs)).toBeNull();
  });

  it('never keeps more than VERIFIED_TOKENS_MAX tokens: the oldest goes first', () => {
    const claims = { ...user, sessionId };
    const farMs = Date.now() + 60_000;
    for (let i = 0; i <= VERIFIED_TOKENS_MAX; i += 1) rememberClaims(`token-${i}`, claims, farMs);
    expect(rememberedClaims('token-0', Date.now())).toBeNull();
    expect(rememberedClaims('token-1', Date.now())).toEqual(claims);
    expect(rememberedClaims(`token-${VERIFIED_TOKENS_MAX}`, Date.now())).toEqual(claims);
  });
});
