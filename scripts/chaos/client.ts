// The chaos run's API client, retrying exactly as docs/api.md tells a client to: on a network error, a
// 5xx, a 429 or a 409 `busy` / `request_in_progress` it sends the SAME request again (same body, same Idempotency-Key, same
// X-Request-Id) after a bounded, jittered backoff, or after Retry-After when the answer names one.
// Every other answer is final and goes back to the caller as it is: a 409 invalid_state after a retry
// is a finding, not something to paper over here. A 401 (expired access token) signs in again once.
import type { Random } from './random.js';
import { sleep } from './random.js';

export interface RetryPolicy {
  /** How long one logical request may keep retrying, first attempt included. */
  budgetMs: number;
  /** At most this many attempts of one logical request. */
  maxAttempts: number;
  /** One attempt's timeout (then it counts as a network error and is retried). */
  attemptTimeoutMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Retry-After is honoured up to this long. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  budgetMs: 60_000,
  maxAttempts: 40,
  attemptTimeoutMs: 30_000,
  baseDelayMs: 200,
  maxDelayMs: 4000,
  maxRetryAfterMs: 5000,
};

/**
 * The default policy with another budget: attempts scale with it (at the default's pace), so a
 * longer budget is not cut short by the attempt limit.
 */
export function retryPolicyWithBudget(
  budgetMs: number,
  base: RetryPolicy = DEFAULT_RETRY_POLICY,
): RetryPolicy {
  if (!(budgetMs > 0)) throw new Error(`a retry budget must be above 0 ms, not ${budgetMs}`);
  const maxAttempts = Math.max(1, Math.ceil((base.maxAttempts * budgetMs) / base.budgetMs));
  return { ...base, budgetMs, maxAttempts };
}

export interface Answer {
  /** 0 when no HTTP answer came (connection refused or reset, timeout). */
  status: number;
  /** `error.code` of an error answer, `network_error` without an answer, else null. */
  code: string | null;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  attempts: number;
  /** The last answer was transient but the budget ran out. */
  gaveUp: boolean;
}

/** Counters of one run, shared by every client. */
export class RequestStats {
  /** Every HTTP attempt's answer, by `<status>` or `<status> <code>` (`network_error` without one). */
  readonly answers = new Map<string, number>();
  logicalRequests = 0;
  retries = 0;
  gaveUp = 0;
  reLogins = 0;

  count(answer: Pick<Answer, 'status' | 'code'>): void {
    const key =
      answer.status === 0
        ? 'network_error'
        : answer.code
          ? `${answer.status} ${answer.code}`
          : `${answer.status}`;
    this.answers.set(key, (this.answers.get(key) ?? 0) + 1);
  }
}

export function isTransient(answer: Pick<Answer, 'status' | 'code'>): boolean {
  return (
    answer.status === 0 ||
    answer.status >= 500 ||
    answer.status === 429 ||
    (answer.status === 409 && (answer.code === 'busy' || answer.code === 'request_in_progress'))
  );
}

export interface Credentials {
  email: string;
  password: string;
}

/** A signed-in person: the access token is renewed by signing in again when it stops working. */
export interface Session extends Credentials {
  id: string;
  role: string;
  token: string;
}

export interface RequestSpec {
  method: 'GET' | 'POST';
  path: string;
  json?: unknown;
  /** Multipart bodies are rebuilt for every attempt (a FormData stream is read once). */
  form?: () => FormData;
  idempotencyKey?: string;
  requestId?: string;
  /** Stop retrying at this time (epoch ms) even if the budget allows more. */
  deadline?: number;
}

export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    readonly stats: RequestStats,
    private readonly policy: RetryPolicy,
    private readonly random: Random,
  ) {}

  /** POST /auth/login, retried like any other request; throws unless it answers 200. */
  async login(credentials: Credentials, deadline?: number): Promise<Session> {
    const answer = await this.send(null, {
      method: 'POST',
      path: '/auth/login',
      json: { email: credentials.email, password: credentials.password },
      deadline,
    });
    if (answer.status !== 200) {
      throw new Error(`login of ${credentials.email} answered ${answer.status} ${answer.code ?? ''}`);
    }
    const user = answer.body.user as { id: string; role: string };
    return { ...credentials, id: user.id, role: user.role, token: answer.body.accessToken as string };
  }

  /** One logical request: attempts until a final answer, the budget, the attempt limit or `deadline`. */
  async send(session: Session | null, spec: RequestSpec): Promise<Answer> {
    this.stats.logicalRequests += 1;
    const started = Date.now();
    const stopAt = Math.min(started + this.policy.budgetMs, spec.deadline ?? Number.POSITIVE_INFINITY);
    let reLoggedIn = false;
    let last: Answer = { status: 0, code: 'network_error', body: null, attempts: 0, gaveUp: true };
    for (let attempt = 1; attempt <= this.policy.maxAttempts; attempt += 1) {
      let answer = await this.attempt(session, spec);
      this.stats.count(answer);
      if (answer.status === 401 && session && !reLoggedIn && spec.path !== '/auth/login') {
        // Access tokens live 15 minutes; a long run outlives them. Sign in again, once.
        reLoggedIn = true;
        this.stats.reLogins += 1;
        const renewed = await this.login(session, stopAt).catch(() => null);
        if (renewed) {
          session.token = renewed.token;
          answer = await this.attempt(session, spec);
          this.stats.count(answer);
        }
      }
      if (!isTransient(answer)) return { ...answer, attempts: attempt, gaveUp: false };
      last = { ...answer, attempts: attempt, gaveUp: true };
      const delayMs = this.delayMs(attempt, answer.retryAfterMs);
      if (attempt === this.policy.maxAttempts || Date.now() + delayMs >= stopAt) break;
      this.stats.retries += 1;
      await sleep(delayMs);
    }
    this.stats.gaveUp += 1;
    return last;
  }

  private delayMs(attempt: number, retryAfterMs: number | null): number {
    if (retryAfterMs !== null) return Math.min(retryAfterMs, this.policy.maxRetryAfterMs);
    const exponential = Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** (attempt - 1));
    return this.random.jitter(exponential, 0.3);
  }

  private async attempt(
    session: Session | null,
    spec: RequestSpec,
  ): Promise<Omit<Answer, 'attempts' | 'gaveUp'> & { retryAfterMs: number | null }> {
    const headers = new Headers();
    if (session) headers.set('authorization', `Bearer ${session.token}`);
    if (spec.idempotencyKey !== undefined) headers.set('idempotency-key', spec.idempotencyKey);
    if (spec.requestId !== undefined) headers.set('x-request-id', spec.requestId);
    let body: BodyInit | undefined;
    if (spec.form) body = spec.form();
    else if (spec.json !== undefined) {
      headers.set('content-type', 'application/json');
      body = JSON.stringify(spec.json);
    }
    try {
      const response = await fetch(`${this.baseUrl}/api/v1${spec.path}`, {
        method: spec.method,
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.policy.attemptTimeoutMs),
      });
      const text = await response.text();
      let parsed: unknown = null;
      if ((response.headers.get('content-type') ?? '').includes('json') && text) {
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = null;
        }
      }
      const error = (parsed as { error?: { code?: unknown } } | null)?.error;
      const code = response.status >= 400 && typeof error?.code === 'string' ? error.code : null;
      return { status: response.status, code, body: parsed, retryAfterMs: retryAfterMs(response.headers) };
    } catch {
      return { status: 0, code: 'network_error', body: null, retryAfterMs: null };
    }
  }
}

/** Retry-After in seconds or as an HTTP date, in milliseconds from now. */
function retryAfterMs(headers: Headers): number | null {
  const value = headers.get('retry-after');
  if (value === null) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : null;
}
