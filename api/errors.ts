import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { isConnectionError } from '../db/connection-errors.js';

// Every error answer of the API has one shape: { error: { code, message, details } } (see API.md).
// Handlers throw ApiError (or a ZodError from a schema); errorHandler turns it into the answer.

export interface ErrorBody {
  error: { code: string; message: string; details: unknown };
}

// The Remix server build bundles its own copy of this module, so a plain `instanceof` would miss
// errors thrown by the server's copy. A registry-wide symbol brands every instance instead.
const API_ERROR_BRAND = Symbol.for('clearhouse.ApiError');

export class ApiError extends Error {
  readonly [API_ERROR_BRAND] = true;

  static override [Symbol.hasInstance](value: unknown): boolean {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[API_ERROR_BRAND] === true
    );
  }

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown = null,
    /** Sent as Retry-After (seconds) on transient answers (503 temporarily_unavailable, 409 busy). */
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message, details: this.details ?? null } };
  }
}

export interface ValidationIssue {
  path: string;
  code: string;
  message: string;
}

export const badRequest = (message: string, details: unknown = null) =>
  new ApiError(400, 'validation_failed', message, details);
export const unauthenticated = (message = 'sign in to continue') =>
  new ApiError(401, 'unauthenticated', message);
export const forbidden = (message = 'your role may not do this') => new ApiError(403, 'forbidden', message);
export const notFound = (message = 'not found') => new ApiError(404, 'not_found', message);
export const conflict = (code: string, message: string, details: unknown = null) =>
  new ApiError(409, code, message, details);
export const invalidState = (message: string, details: unknown = null) =>
  new ApiError(409, 'invalid_state', message, details);
/** 422: a business rule said no (insufficient_funds, kyc_required, self_approval, ...). */
export const unprocessable = (code: string, message: string, details: unknown = null) =>
  new ApiError(422, code, message, details);
export const rateLimited = (message = 'too many requests; try again later') =>
  new ApiError(429, 'rate_limited', message);
/**
 * 503: a part we depend on (Temporal, PostgreSQL, the worker) did not answer in time. Nothing was
 * changed that a retry with the same Idempotency-Key / X-Request-Id would apply twice.
 */
export const temporarilyUnavailable = (
  message = 'a service we depend on is unavailable; try again shortly',
  retryAfterSeconds = 2,
) => new ApiError(503, 'temporarily_unavailable', message, null, retryAfterSeconds);
/**
 * 409 busy: the resource is in the middle of another change; the same request will succeed or get
 * its real answer once that change is done. Distinct from invalid_state, which a retry never fixes.
 */
export const busy = (message: string, details: unknown = null, retryAfterSeconds = 1) =>
  new ApiError(409, 'busy', message, details, retryAfterSeconds);

/** zod issues as they appear in `details.issues`: a dotted path, zod's code, zod's message. */
export function zodIssues(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    code: issue.code,
    message: issue.message,
  }));
}

/** 400 validation_failed with the given issues (use when a rule outside the schema rejects a field). */
export function validationFailed(issues: ValidationIssue[], message = 'the request is not valid'): ApiError {
  return new ApiError(400, 'validation_failed', message, { issues });
}

/** Express 4 does not catch rejected promises: wrap every async handler in this. */
export function asyncHandler<Req extends Request = Request>(
  fn: (req: Req, res: Response, next: NextFunction) => Promise<unknown>,
): RequestHandler {
  return (req, res, next) => {
    fn(req as Req, res, next).catch(next);
  };
}

/** Answers any path nobody handled (mounted last under /api/v1). */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(notFound(`no route ${req.method} ${req.originalUrl.split('?')[0]}`));
};

/** Maps anything thrown to the contract's error shape. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof z.ZodError) return validationFailed(zodIssues(error));
  // PostgreSQL down, restarting or having dropped the connection (db/pool.ts retries where safe).
  if (isConnectionError(error)) {
    return temporarilyUnavailable('the database is unavailable; try again shortly');
  }
  const err = error as {
    type?: string;
    status?: number;
    statusCode?: number;
    expose?: boolean;
    message?: string;
  };
  // body-parser errors carry a `type` and an HTTP status.
  switch (err?.type) {
    case 'entity.parse.failed':
      return new ApiError(400, 'validation_failed', 'the request body is not valid JSON');
    case 'entity.too.large':
      return new ApiError(413, 'payload_too_large', 'the request body is too large');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ApiError(415, 'unsupported_media_type', err.message ?? 'unsupported encoding');
    default:
      break;
  }
  const status = err?.status ?? err?.statusCode;
  // Express could not decode a path parameter ('/deposits/%zz'). Under /api/v1 the path-encoding
  // middleware answers first, naming the parameter; pages and any other route end up here.
  if (error instanceof URIError && status === 400) {
    const message = 'a path parameter is not valid percent-encoding';
    return validationFailed([{ path: 'path', code: 'invalid_encoding', message }], message);
  }
  if (typeof status === 'number' && status >= 400 && status < 500 && err?.expose) {
    return new ApiError(status, 'bad_request', err.message ?? 'bad request');
  }
  return new ApiError(500, 'internal_error', 'something went wrong on our side');
}

export const errorHandler: ErrorRequestHandler = (error, req, res, next) => {
  if (res.headersSent) {
    next(error);
    return;
  }
  const apiError = toApiError(error);
  const log = req.log;
  if (apiError.status >= 500) log?.error({ err: error }, 'request failed');
  else log?.debug({ code: apiError.code, status: apiError.status }, apiError.message);
  if (apiError.retryAfterSeconds !== null) res.setHeader('Retry-After', String(apiError.retryAfterSeconds));
  res.status(apiError.status).json(apiError.toBody());
};
