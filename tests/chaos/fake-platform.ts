// What the chaos tests that stand a fake API in for the platform share: a retry policy that gives up
// after three quick attempts, a lifecycle record before its script ran, and the fake's HTTP server.
import { createServer, type RequestListener, type Server } from 'node:http';
import type { RetryPolicy } from '../../scripts/chaos/client.js';
import type { Lifecycle } from '../../scripts/chaos/scenarios/index.js';

export const QUICK_RETRIES: RetryPolicy = {
  // The attempt limit, not the time, ends the retries (a 503 with Retry-After: 0 is retried at once).
  budgetMs: 20_000,
  maxAttempts: 3,
  attemptTimeoutMs: 2_000,
  baseDelayMs: 10,
  maxDelayMs: 50,
  maxRetryAfterMs: 50,
};

/** Lifecycle #index of `kind` for `clientId`, nothing done yet. */
export function freshLifecycle(index: number, kind: string, clientId: string): Lifecycle {
  return {
    index,
    kind,
    client: { id: clientId, email: `${clientId}@chaos.example`, password: 'p' },
    counterparty: null,
    resources: [],
    lostCreates: [],
    failure: null,
    failureKind: null,
    startedAt: Date.now(),
    endedAt: null,
  };
}

/** A server on a free local port; `close` ends it and its connections (call it in afterEach). */
export async function fakeServer(handler: RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
