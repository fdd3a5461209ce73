import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import { config } from '../db/config.js';

// The server's one Temporal client. Connecting has a short deadline, so a request made while
// Temporal is down gets its 503 in seconds rather than after the SDK's default 10 s plus retries; a
// failed attempt is not kept, so the next request tries again. Once connected, the SDK retries an
// UNAVAILABLE call 10 times over ~20 s by default; here 6 attempts over ~3 s (calls made with
// withTemporalDeadline stop at their deadline anyway).

/** How long connecting to Temporal may take before the request gets 503 (TEMPORAL_CONNECT_TIMEOUT_MS). */
export const TEMPORAL_CONNECT_TIMEOUT_MS = positiveMs(process.env.TEMPORAL_CONNECT_TIMEOUT_MS, 2500);
/**
 * The deadline of the Temporal calls made for one request (TEMPORAL_CALL_TIMEOUT_MS, default 4 s): a
 * worker that is down must not hold the caller for minutes. Past it the answer is 503 with
 * Retry-After, and the same request (same Idempotency-Key / X-Request-Id) reaches the same workflow
 * and Update later. Read on every call, so a test or an operator can change it without a restart.
 */
export function temporalCallTimeoutMs(value = process.env.TEMPORAL_CALL_TIMEOUT_MS): number {
  return positiveMs(value, 4000);
}

function positiveMs(value: string | undefined, fallbackMs: number): number {
  const parsed = Number(value);
  return value !== undefined && Number.isFinite(parsed) && parsed > 0 ? parsed : fallbackMs;
}

let shared: Promise<Client> | undefined;

async function connect(): Promise<Client> {
  const connection = Connection.lazy({
    address: config.temporalAddress,
    connectTimeout: TEMPORAL_CONNECT_TIMEOUT_MS,
    interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 6 }))],
  });
  try {
    await connection.ensureConnected();
  } catch (error) {
    // The gRPC channel would otherwise keep trying to reconnect in the background.
    await connection.close().catch(() => undefined);
    throw error;
  }
  return new Client({ connection, namespace: config.temporalNamespace });
}

/**
 * The server's Temporal client, connected on first use. Rejects within TEMPORAL_CONNECT_TIMEOUT_MS
 * when Temporal does not answer; callers map that to 503 (api/lifecycle-kit/workflow-calls.ts).
 */
export function getTemporalClient(): Promise<Client> {
  if (shared) return shared;
  const attempt = connect();
  shared = attempt;
  attempt.catch(() => {
    if (shared === attempt) shared = undefined;
  });
  return attempt;
}

/**
 * Runs `fn` (one or more calls on `client`) with a deadline `timeoutMs` from now: every gRPC call
 * made inside it, the SDK's own retries included, fails with DEADLINE_EXCEEDED once it passes. The
 * SDK surfaces that as a ServiceError, or as WorkflowUpdateRPCTimeoutOrCancelledError for an Update.
 */
export function withTemporalDeadline<T>(
  client: Pick<Client, 'withDeadline'>,
  timeoutMs: number,
  fn: () => Promise<T>,
): Promise<T> {
  // (Callers serving a request use api/lifecycle-kit/workflow-calls.ts withDeadline: temporalCallTimeoutMs().)
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) throw new RangeError(`bad timeoutMs: ${timeoutMs}`);
  return client.withDeadline(Date.now() + timeoutMs, fn);
}

export async function closeTemporalClient(): Promise<void> {
  const client = await shared?.catch(() => undefined);
  shared = undefined;
  await client?.connection.close();
}
