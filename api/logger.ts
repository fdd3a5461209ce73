import { pino, type Logger } from 'pino';
import { config } from '../db/config.js';

/** The server's JSON logger. Requests log through `req.log`, a child carrying `reqId`. */
export const logger: Logger = pino({
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
});
