import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { logger as rootLogger } from '../logger.js';

const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Gives every request an id (the caller's X-Request-Id when it looks sane, else a uuid), echoes it
 * in the answer, hangs a child logger with `reqId` on `req.log`, and logs one line per request.
 */
export function requestContext(logger: Logger = rootLogger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get('x-request-id');
    req.id = incoming && ACCEPTABLE_ID.test(incoming) ? incoming : randomUUID();
    req.log = logger.child({ reqId: req.id });
    res.setHeader('X-Request-Id', req.id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const line = {
        method: req.method,
        path: req.originalUrl.split('?')[0],
        status: res.statusCode,
        ms: Math.round(ms * 10) / 10,
      };
      // (req.log carries userId once requireAuth has identified the caller.)
      if (res.statusCode >= 500 && res.statusCode !== 503) req.log.error(line, 'request completed');
      else if (res.statusCode === 503) req.log.warn(line, 'request completed');
      else req.log.info(line, 'request completed');
    });
    next();
  };
}
