// What our middleware adds to Express's Request. Loaded by tsc from the api/ folder.
import type { Logger } from 'pino';
import type { SessionUser } from './auth/tokens.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** X-Request-Id (taken from the caller when well-formed, otherwise a new uuid). */
      id: string;
      /** pino child logger whose every line carries `reqId`. */
      log: Logger;
      /** Set by requireAuth / requireRole. */
      user?: SessionUser;
      /** The refresh-token family of the caller's session (`sid` claim); set with `user`. */
      sessionId?: string;
      /** Set by idempotent(): the caller's Idempotency-Key. */
      idempotencyKey?: string;
    }
  }
}

export {};
