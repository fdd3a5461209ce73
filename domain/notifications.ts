// Events and notifications: the names of events, who may subscribe to what, the webhook retry
// policy and its backoff, and how an amount is written for a person. Pure: no I/O.

/** An event type: `<subject>.<what happened>`, lower snake case ("deposit.cleared", "task.overdue"). */
export const EVENT_TYPE_PATTERN = /^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/;
/** A webhook subscription may name one type, every type of a subject ("deposit.*"), or "*". */
export const EVENT_SUBSCRIPTION_PATTERN = /^(\*|[a-z][a-z0-9_]*\.(\*|[a-z][a-z0-9_]*))$/;

/** The event type of a lifecycle transition: `bankAccount` + `VERIFIED` → `bank_account.verified`. */
export function lifecycleEventType(lifecycleType: string, toStatus: string): string {
  const subject = lifecycleType.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  const type = `${subject}.${toStatus.toLowerCase()}`;
  if (!EVENT_TYPE_PATTERN.test(type)) throw new Error(`not an event type: ${type}`);
  return type;
}

/** A staff task went past its due date (activities/lifecycle.ts escalateTask). */
export const TASK_OVERDUE_EVENT = 'task.overdue';
/** A message addressed to one person by the system (password reset, invitation): email only. */
export const DIRECT_EMAIL_EVENTS = ['user.password_reset', 'user.invited'] as const;
export type DirectEmailEvent = (typeof DIRECT_EMAIL_EVENTS)[number];

/** Does a subscription list (`deposit.cleared`, `order.*`, `*`) take the event `type`? */
export function subscriptionMatches(subscriptions: readonly string[], type: string): boolean {
  const [subject] = type.split('.');
  return subscriptions.some((s) => s === '*' || s === type || s === `${subject}.*`);
}

export interface Preference {
  inApp: boolean;
  email: boolean;
}

/** Without a stored choice: in-app on, email off (mail is opt-in; direct mails always go). */
export function defaultPreference(type: string): Preference {
  return { inApp: true, email: (DIRECT_EMAIL_EVENTS as readonly string[]).includes(type) };
}

// ---- webhooks -------------------------------------------------------------------------------

export interface WebhookPolicy {
  /** Attempts in all (the first one included) before a delivery is DEAD. */
  attempts: number;
  /** The delay before the second attempt; doubled for each further one. */
  backoffFirstMs: number;
  /** No delay is longer than this. */
  backoffMaxMs: number;
  /** One attempt's whole request (connect, send, read) may take this long. */
  timeoutMs: number;
  /** Bytes of the receiver's answer that are read (and kept, cut short) at most. */
  responseBodyMaxBytes: number;
  /** How long a rotated-out secret still signs deliveries beside the new one. */
  secretOverlapMs: number;
  /** A delivery whose timestamp is older than this should be refused by the receiver (documented). */
  replayWindowMs: number;
}

export const DEFAULT_WEBHOOK_POLICY: WebhookPolicy = {
  attempts: 8,
  backoffFirstMs: 10_000,
  backoffMaxMs: 6 * 60 * 60_000,
  timeoutMs: 10_000,
  responseBodyMaxBytes: 4096,
  secretOverlapMs: 24 * 60 * 60_000,
  replayWindowMs: 5 * 60_000,
};

/** The policy with `overrides` (WEBHOOK_POLICY_JSON), refused when a value is out of its bounds. */
export function webhookPolicy(overrides: Partial<WebhookPolicy> = {}): WebhookPolicy {
  const policy = { ...DEFAULT_WEBHOOK_POLICY, ...overrides };
  const bounds: { [K in keyof WebhookPolicy]: [number, number] } = {
    attempts: [1, 30],
    backoffFirstMs: [1, 24 * 60 * 60_000],
    backoffMaxMs: [1, 7 * 24 * 60 * 60_000],
    timeoutMs: [100, 60_000],
    responseBodyMaxBytes: [0, 1 << 20],
    secretOverlapMs: [0, 30 * 24 * 60 * 60_000],
    replayWindowMs: [1000, 24 * 60 * 60_000],
  };
  for (const [key, [min, max]] of Object.entries(bounds)) {
    const value = policy[key as keyof WebhookPolicy];
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(`webhook policy ${key} must be an integer in [${min}, ${max}], not ${value}`);
    }
  }
  if (policy.backoffMaxMs < policy.backoffFirstMs) throw new Error('backoffMaxMs below backoffFirstMs');
  return policy;
}

/**
 * The delay before attempt `attempt + 1`, after `attempt` failed ones (1-based): exponential from
 * backoffFirstMs, capped, with "full jitter" — a uniform draw in [half, all] of the capped delay, so
 * receivers that fail together are not retried together. `random` in [0, 1).
 */
export function retryDelayMs(policy: WebhookPolicy, attempt: number, random: number): number {
  if (!(attempt >= 1)) throw new Error(`attempt must be at least 1, not ${attempt}`);
  if (!(random >= 0 && random < 1)) throw new Error(`random must be in [0, 1), not ${random}`);
  const exponent = Math.min(attempt - 1, 30);
  const cappedMs = Math.min(policy.backoffMaxMs, policy.backoffFirstMs * 2 ** exponent);
  const delayMs = Math.round(cappedMs / 2 + (cappedMs / 2) * random);
  if (delayMs > policy.backoffMaxMs) throw new Error('delay above the cap');
  return delayMs;
}

/** The signature header's value: `t=<unix seconds>,v1=<hex>[,v1=<hex>]` (one v1 per live secret). */
export function signatureHeader(timestampSeconds: number, signaturesHex: readonly string[]): string {
  if (!Number.isInteger(timestampSeconds) || timestampSeconds <= 0) throw new Error('bad timestamp');
  if (signaturesHex.length === 0) throw new Error('a delivery is signed with at least one secret');
  return [`t=${timestampSeconds}`, ...signaturesHex.map((hex) => `v1=${hex}`)].join(',');
}

/** What is signed: `<t>.<raw body>`. */
export function signedPayload(timestampSeconds: number, rawBody: string): string {
  return `${timestampSeconds}.${rawBody}`;
}

// ---- amounts for people ---------------------------------------------------------------------

export const DEFAULT_LOCALE = 'en-GB';
export const LOCALES = ['en-GB', 'en-US', 'de-DE', 'fr-FR', 'nl-NL'] as const;
export type Locale = (typeof LOCALES)[number];

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/**
 * A decimal amount string ("1250.50") written the way `locale` writes numbers ("1.250,50" in
 * de-DE), digits exactly as given: Intl formats the string as a decimal, never through a float.
 */
export function formatAmountFor(locale: Locale, amount: string, asset: string): string {
  if (!/^-?\d+(\.\d+)?$/.test(amount)) throw new Error(`not a decimal amount: ${amount}`);
  const scale = amount.includes('.') ? amount.split('.')[1]!.length : 0;
  const format = new Intl.NumberFormat(locale, {
    minimumFractionDigits: scale,
    maximumFractionDigits: scale,
    useGrouping: true,
  });
  // Intl.NumberFormat.format takes a decimal string exactly (ES2023); the lib types lag behind.
  return `${(format.format as (value: string) => string)(amount)} ${asset}`;
}
