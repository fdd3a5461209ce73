import { createHash, randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { isRole, type Role } from '../../domain/roles.js';
import { authConfig, jwtKey } from './config.js';
import { rememberClaims, rememberedClaims } from './verified-tokens.js';

/** Who is calling, as every handler sees it (`req.user`). */
export interface SessionUser {
  id: string;
  email: string;
  role: Role;
}

/** A verified access token: the user plus the refresh-token family (`sid`) it was issued in. */
export interface AccessClaims extends SessionUser {
  sessionId: string;
}

export async function signAccessToken(
  user: SessionUser,
  sessionId: string,
  ttlSeconds: number = authConfig.accessTokenTtlSeconds,
): Promise<{ token: string; expiresAt: Date }> {
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ email: user.email, role: user.role, sid: sessionId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(user.id)
    .setIssuer(authConfig.issuer)
    .setAudience(authConfig.audience)
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSeconds)
    .sign(jwtKey());
  return { token, expiresAt: new Date((now + ttlSeconds) * 1000) };
}

/**
 * The claims of a valid access token, or null. Only HS256 with our key, issuer and audience is
 * accepted: `alg: none`, other algorithms, tampered or expired tokens all give null.
 */
export async function verifyAccessToken(
  token: string,
  nowMs: number = Date.now(),
): Promise<AccessClaims | null> {
  if (!token || token.length > 4096) return null;
  const remembered = rememberedClaims(token, nowMs);
  if (remembered) return remembered;
  try {
    const { payload } = await jwtVerify(token, jwtKey(), {
      algorithms: ['HS256'],
      issuer: authConfig.issuer,
      audience: authConfig.audience,
      requiredClaims: ['sub', 'exp', 'iat'],
      clockTolerance: 5,
    });
    const { sub, email, role, sid } = payload as Record<string, unknown>;
    if (typeof sub !== 'string' || typeof email !== 'string' || typeof sid !== 'string' || !isRole(role))
      return null;
    const claims: AccessClaims = { id: sub, email, role, sessionId: sid };
    // (jwtVerify required `exp`.) Remembered until it expires, without the 5 s tolerance: stricter.
    rememberClaims(token, claims, (payload.exp as number) * 1000);
    return claims;
  } catch {
    return null;
  }
}

/** A new opaque secret (256 random bits): refresh tokens, invitation and reset links. Only its hash is stored. */
export function newOpaqueToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The stored form of an opaque secret (SHA-256, hex): enough for 256 random bits, and constant-time to look up. */
export function hashOpaqueToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A new opaque refresh token (256 random bits). Only its hash is stored. */
export function newRefreshToken(): string {
  return newOpaqueToken();
}

export function hashRefreshToken(token: string): string {
  return hashOpaqueToken(token);
}
