import { pino, type Logger } from 'pino';
import { config } from '../db/config.js';

/**
 * Lines are gathered and written to stdout together, once LOG_BUFFER_BYTES have gathered and at
 * least every LOG_FLUSH_MS, instead of one write(2) per line: at 200 requests/s the write per
 * request line was a measurable share of the server's CPU (issue 15). Writes stay synchronous (no
 * thread-pool round trip per write), and what is left is written when the process exits (exit,
 * an uncaught error, SIGTERM's process.exit), so only a kill -9 can lose the last LOG_FLUSH_MS.
 */
const LOG_FLUSH_MS = 100;
const LOG_BUFFER_BYTES = 4096;

const destination = pino.destination({
  dest: 1,
  sync: true,
  minLength: LOG_BUFFER_BYTES,
  periodicFlush: LOG_FLUSH_MS,
});
process.once('exit', () => destination.flushSync());

/** The server's JSON logger. Requests log through `req.log`, a child carrying `reqId`. */
export const logger: Logger = pino(
  {
    level: config.logLevel,
    base: { service: 'clearhouse-server' },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'res.headers["set-cookie"]',
        '*.password',
        '*.refreshToken',
        '*.accessToken',
      ],
      censor: '[redacted]',
    },
  },
  destination,
);
