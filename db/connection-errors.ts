// Errors that say the connection to PostgreSQL failed, not the statement: the server terminated or
// refused it, the network dropped it, or no connection could be had in time. Such an error is
// transient (a new connection may well work); a statement error (23505, 40001, 42P01, ...) is not.

/** SQLSTATEs of a lost connection: class 08, and the 57P0x "shutting down / not yet up" codes. */
const CONNECTION_SQLSTATE = /^(08[0-9A-Z]{3}|57P0[1-4])$/;
/** Node socket errors on the way to, or while talking to, the server. */
const SOCKET_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** node-postgres says these with a plain Error and no code. */
const DRIVER_MESSAGES = [
  /^Connection terminated/, // "... unexpectedly", "... due to connection timeout"
  /^Client has encountered a connection error and is not queryable/,
  /^timeout exceeded when trying to connect/,
];
/** Of the above, the ones that mean no statement was ever sent on this attempt. */
const NEVER_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const NEVER_SENT_SQLSTATES = new Set(['57P03', '08001', '08004']);

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** `error`, its `cause` and, for an AggregateError (a host with several addresses), each of its errors. */
function causes(error: unknown): unknown[] {
  const { errors, cause } = (error ?? {}) as { errors?: unknown; cause?: unknown };
  return [error, ...(Array.isArray(errors) ? errors : []), ...(cause === undefined ? [] : [cause])];
}

/** True when `error` means the connection to PostgreSQL failed rather than the statement. */
export function isConnectionError(error: unknown): boolean {
  return causes(error).some((one) => {
    const code = codeOf(one);
    if (code !== undefined && (CONNECTION_SQLSTATE.test(code) || SOCKET_CODES.has(code))) return true;
    const message = (one as { message?: unknown } | null)?.message;
    return typeof message === 'string' && DRIVER_MESSAGES.some((pattern) => pattern.test(message));
  });
}

/** True when `error` came from getting a connection, so no statement reached the server. */
export function isNeverSentError(error: unknown): boolean {
  return causes(error).some((one) => {
    const code = codeOf(one);
    if (code !== undefined && (NEVER_SENT_CODES.has(code) || NEVER_SENT_SQLSTATES.has(code))) return true;
    const message = (one as { message?: unknown } | null)?.message;
    return typeof message === 'string' && /^timeout exceeded when trying to connect/.test(message);
  });
}
