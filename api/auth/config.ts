import { randomBytes } from 'node:crypto';
import { logger } from '../logger.js';

// Session settings. Access tokens are short-lived JWTs; refresh tokens are opaque, stored hashed,
// rotated on every use. Only JWT_SECRET (and COOKIE_SECURE) come from the environment.

export const authConfig = {
  issuer: 'clearhouse',
  audience: 'clearhouse-api',
  accessTokenTtlSeconds: 15 * 60,
  refreshTokenTtlSeconds: 7 * 24 * 60 * 60,
  /**
   * Page sessions only: a refresh token that was rotated less than this many seconds ago still
   * yields an access token (and no new refresh token). Browsers fire parallel requests with the
   * same cookies; without this the second one would look like token theft and sign the user out.
   * POST /auth/refresh gets the narrower grace below instead.
   */
  cookieRefreshGraceSeconds: 10,
  /**
   * Any refresh: a refresh that was already under way when another request spent the same token
   * (two simultaneous refreshes) gets a new pair of the same family instead of ending it — if the
   * spending happened at most this long ago. Presenting a spent token afresh is always reuse.
   */
  refreshRaceGraceSeconds: 10,
  /**
   * Sign-in failures within the window: `maxFailures` for one email from one IP, and
   * `maxFailuresPerIp` over all emails from one IP (password spraying). Either answers 429.
   */
  loginThrottle: { maxFailures: 5, maxFailuresPerIp: 20, windowSeconds: 15 * 60 },
  cookies: {
    session: 'ch_session',
    refresh: 'ch_refresh',
    secure: process.env.COOKIE_SECURE
      ? process.env.COOKIE_SECURE === '1'
      : process.env.NODE_ENV === 'production',
  },
} as const;

const DEV_SECRET = 'clearhouse-development-secret-do-not-use-in-production';

let key: Uint8Array | undefined;

/**
 * The HS256 key. JWT_SECRET (at least 32 characters) when set. Unset in production: a random key
 * for this process — nobody can forge tokens, but sessions end on restart and do not work across
 * several server processes — with a loud error in the log. Unset elsewhere: a fixed development key.
 */
export function jwtKey(): Uint8Array {
  if (key) return key;
  const secret = process.env.JWT_SECRET;
  if (secret) {
    if (secret.length < 32) throw new Error('JWT_SECRET must be at least 32 characters long');
    key = new TextEncoder().encode(secret);
  } else if (process.env.NODE_ENV === 'production') {
    logger.error(
      'JWT_SECRET is not set in production: using a random per-process key. Sessions will not survive a ' +
        'restart and will not work across several server processes. Set JWT_SECRET (32+ random characters).',
    );
    key = randomBytes(32);
  } else {
    key = new TextEncoder().encode(DEV_SECRET);
  }
  return key;
}
