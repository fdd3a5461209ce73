import { createHash } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import {
  claimIdempotencyKey,
  readIdempotencyRecord,
  releaseIdempotencyKey,
  storeIdempotentAnswer,
  takeOverStaleIdempotencyKey,
} from '../db/idempotency.js';
import { canonicalJson } from '../domain/canonical-json.js';
import { depsOf } from './deps.js';
import { ApiError, asyncHandler, conflict, unauthenticated, validationFailed } from './errors.js';

// Idempotency-Key for POSTs that create something (API.md). Per user and key we keep one row
// (db/idempotency.ts): a placeholder while the first request runs, then its status and JSON body.
// The same key with the same request replays that answer; with a different request it is 409
// idempotency_conflict; while the first is still running, 409 request_in_progress.
//
// Stored: 2xx and 4xx business answers (404, 409, 422, ...). Not stored (the key stays usable):
// 5xx, 400 (the client fixes the request and retries with the same key), 401 and 429.

const NOT_STORED = new Set([400, 401, 408, 429]);

function shouldStore(status: number): boolean {
  return status >= 200 && status < 500 && !NOT_STORED.has(status);
}

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

/** The first request with this key is still running: transient, so it carries Retry-After. */
const requestInProgress = () =>
  new ApiError(
    409,
    'request_in_progress',
    'a request with this Idempotency-Key is being processed; retry shortly',
    null,
    1,
  );

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Hash of what makes two requests "the same": method, path, canonical body, uploaded file bytes. */
export function requestHash(req: Request): string {
  const file = (req as Request & { file?: { buffer?: Buffer } }).file;
  return sha256(
    canonicalJson({
      method: req.method,
      path: req.originalUrl.split('?')[0],
      body: req.body ?? null,
      file: file?.buffer ? sha256(file.buffer) : null,
    }),
  );
}

/**
 * A stable UUID for the resource a keyed request creates, so a retried request reaches the same
 * workflow (`deposit-${idempotentUuid(user.id, req.idempotencyKey!, 'deposit')}`) and never a second one.
 */
export function idempotentUuid(userId: string, key: string, scope: string): string {
  const bytes = createHash('sha256').update(`${scope}\n${userId}\n${key}`).digest();
  bytes[6] = (bytes[6]! & 0x0f) | 0x80; // version 8 (custom, name-based)
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const hex = bytes.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Middleware for creating POSTs; put it after requireAuth/requireRole (and after multer for
 * uploads). Requires the header, replays stored answers, and records the answer of the first
 * request. Sets `req.idempotencyKey`. A placeholder older than `staleAfterSeconds` (its request
 * died with the process) is taken over by the next request with the same key.
 */
export function idempotent(options: { staleAfterSeconds?: number } = {}): RequestHandler {
  // Every call to Temporal and PostgreSQL has a deadline of a few seconds, so a request still
  // unanswered after 30 s died with its process.
  const staleAfter = options.staleAfterSeconds ?? 30;
  return asyncHandler(async (req, res, next) => {
    const user = req.user;
    if (!user) throw unauthenticated();
    const key = req.get(IDEMPOTENCY_HEADER);
    if (key === undefined || key.length < 1 || key.length > 200) {
      throw validationFailed(
        [
          {
            path: IDEMPOTENCY_HEADER,
            code: 'invalid_header',
            message: 'the Idempotency-Key header is required (1 to 200 characters)',
          },
        ],
        'the Idempotency-Key header is missing or invalid',
      );
    }
    const { pool } = depsOf(req);
    const path = req.originalUrl.split('?')[0]!;
    const hash = requestHash(req);

    const claimed = await claimIdempotencyKey(pool, {
      userId: user.id,
      key,
      method: req.method,
      path,
      requestHash: hash,
    });
    if (!claimed) {
      const row = await readIdempotencyRecord(pool, user.id, key, staleAfter);
      if (!row) throw requestInProgress();
      if (row.requestHash !== hash) {
        throw conflict(
          'idempotency_conflict',
          'this Idempotency-Key was already used for a different request',
        );
      }
      if (row.statusCode !== null) {
        replay(res, row.statusCode, row.responseBody);
        return;
      }
      // Only one of several retries can move created_at forward, so only one takes over.
      const takenOver = row.stale ? await takeOverStaleIdempotencyKey(pool, user.id, key, staleAfter) : false;
      if (!takenOver) {
        throw requestInProgress();
      }
    }

    req.idempotencyKey = key;
    recordAnswer(req, res, user.id, key);
    next();
  });
}

function replay(res: Response, status: number, body: unknown): void {
  res.status(status).setHeader('Idempotent-Replayed', 'true');
  if (body === null || body === undefined) res.end();
  else res.json(body);
}

/** Hooks res.json so the answer is stored before it is sent (a quick retry then finds it). */
function recordAnswer(req: Request, res: Response, userId: string, key: string): void {
  const { pool } = depsOf(req);
  let settled = false;

  const settle = async (status: number, body: unknown): Promise<void> => {
    // A transient answer (503 temporarily_unavailable, 409 busy: both carry Retry-After) says
    // "ask again"; storing it would replay "ask again" forever.
    if (shouldStore(status) && !res.getHeader('Retry-After')) {
      await storeIdempotentAnswer(pool, userId, key, status, body);
    } else {
      await releaseIdempotencyKey(pool, userId, key);
    }
  };

  const originalJson = res.json.bind(res);
  res.json = ((body: unknown) => {
    if (settled) return originalJson(body);
    settled = true;
    settle(res.statusCode, body)
      .catch((error) => req.log.error({ err: error }, 'could not store the idempotent answer'))
      .finally(() => originalJson(body));
    return res;
  }) as Response['json'];

  // Answers sent without res.json (204, res.end()) are recorded after the fact, without a body.
  res.on('finish', () => {
    if (settled) return;
    settled = true;
    settle(res.statusCode, undefined).catch((error) =>
      req.log.error({ err: error }, 'could not store the idempotent answer'),
    );
  });
}
