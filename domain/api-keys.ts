// API keys for market makers and other programs (issue 14): what a key looks like, its scopes,
// which route needs which scope, and when a key is still good. Pure; the table is api_key
// (migration Migration20261201000900_api_keys), the check runs in api/middleware/api-key.ts.

export const API_KEY_SCOPES = ['orders:read', 'orders:write', 'market:read'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export const API_KEY_SCOPE_LABELS: Record<ApiKeyScope, string> = {
  'orders:read': 'Read own orders, trades and positions',
  'orders:write': 'Place, cancel and amend orders; bulk orders; quotes',
  'market:read': 'Instruments, books, trades, candles and the market stream',
};

/** Every key starts with this, so a leaked key is recognisable by secret scanners and by people. */
export const API_KEY_TAG = 'chk_';
/** Random bytes per key: 256 bits, so the key itself is the secret and no slow hash is needed. */
export const API_KEY_RANDOM_BYTES = 32;
/** base64url of 32 bytes, unpadded. */
const API_KEY_BODY_LENGTH = 43;
/** Characters shown in lists: the tag and the first 8 of the random part — 48 bits, not enough to use. */
export const API_KEY_PREFIX_LENGTH = API_KEY_TAG.length + 8;
export const API_KEY_NAME_MAX = 100;
/** How long a key may live at most; a key without expiresAt lives until revoked. */
export const API_KEY_MAX_LIFETIME_MS = 2 * 365 * 24 * 3600 * 1000;

const API_KEY_SHAPE = new RegExp(`^${API_KEY_TAG}[A-Za-z0-9_-]{${API_KEY_BODY_LENGTH}}$`);

export function isApiKeyScope(value: unknown): value is ApiKeyScope {
  return typeof value === 'string' && (API_KEY_SCOPES as readonly string[]).includes(value);
}

/** The key as shown once: the tag and the base64url of the random bytes. */
export function apiKeyOf(randomPart: string): string {
  if (randomPart.length !== API_KEY_BODY_LENGTH) throw new Error('an API key has 256 random bits');
  const key = `${API_KEY_TAG}${randomPart}`;
  if (!isApiKeyShape(key)) throw new Error('an API key is base64url');
  return key;
}

/** Whether a header value could be one of our keys (anything else is refused before any lookup). */
export function isApiKeyShape(value: unknown): value is string {
  return typeof value === 'string' && API_KEY_SHAPE.test(value);
}

export function apiKeyPrefix(key: string): string {
  if (!isApiKeyShape(key)) throw new Error('not an API key');
  return key.slice(0, API_KEY_PREFIX_LENGTH);
}

// ---- which route needs which scope --------------------------------------------------------------

interface ScopedRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Relative to /api/v1; one `*` stands for one path segment. */
  path: string;
  scope: ApiKeyScope;
}

/**
 * The routes an API key may call at all, each with the scope it needs. A route that is not here
 * (the admin area, deposits, /me, ...) is 403 for every key: a key is for trading programs, and
 * anything a person does stays behind a person's sign-in.
 */
export const API_KEY_ROUTES: readonly ScopedRoute[] = [
  { method: 'GET', path: '/instruments', scope: 'market:read' },
  { method: 'GET', path: '/market/*/book', scope: 'market:read' },
  { method: 'GET', path: '/market/*/trades', scope: 'market:read' },
  { method: 'GET', path: '/market/*/candles', scope: 'market:read' },
  { method: 'GET', path: '/market/*/stream', scope: 'market:read' },
  { method: 'GET', path: '/market/*/maker-stream', scope: 'market:read' },
  { method: 'GET', path: '/orders', scope: 'orders:read' },
  { method: 'GET', path: '/orders/*', scope: 'orders:read' },
  { method: 'GET', path: '/orders/*/events', scope: 'orders:read' },
  { method: 'GET', path: '/trades', scope: 'orders:read' },
  { method: 'GET', path: '/positions', scope: 'orders:read' },
  { method: 'GET', path: '/positions/*/lots', scope: 'orders:read' },
  { method: 'GET', path: '/balances', scope: 'orders:read' },
  { method: 'POST', path: '/orders', scope: 'orders:write' },
  { method: 'POST', path: '/orders/bulk', scope: 'orders:write' },
  { method: 'POST', path: '/orders/*/cancel', scope: 'orders:write' },
  { method: 'POST', path: '/orders/*/amend', scope: 'orders:write' },
  { method: 'PUT', path: '/quotes/*', scope: 'orders:write' },
];

function segmentsMatch(pattern: string, path: string): boolean {
  const want = pattern.split('/');
  const got = path.replace(/\/+$/, '').split('/');
  if (want.length !== got.length) return false;
  return want.every((segment, i) => (segment === '*' ? (got[i] ?? '') !== '' : segment === got[i]));
}

/** The scope a request needs (path relative to /api/v1, without the query), or null: no key may call it. */
export function scopeForRoute(method: string, path: string): ApiKeyScope | null {
  const upper = method.toUpperCase();
  // HEAD reads what GET reads.
  const asked = upper === 'HEAD' ? 'GET' : upper;
  const route = API_KEY_ROUTES.find((r) => r.method === asked && segmentsMatch(r.path, path));
  return route?.scope ?? null;
}

// ---- whether a key is good ----------------------------------------------------------------------

export interface ApiKeyFacts {
  expiresAtMs: number | null;
  revokedAtMs: number | null;
  ownerDisabled: boolean;
  ownerRole: string;
}

export type ApiKeyStanding = 'good' | 'revoked' | 'expired' | 'owner_disabled' | 'owner_not_client';

/** Why a stored key no longer authenticates (each is a 401), or 'good'. */
export function apiKeyStanding(key: ApiKeyFacts, nowMs: number): ApiKeyStanding {
  if (key.revokedAtMs !== null) return 'revoked';
  if (key.expiresAtMs !== null && key.expiresAtMs <= nowMs) return 'expired';
  if (key.ownerDisabled) return 'owner_disabled';
  // Keys are issued to clients only (checkNewApiKey); a later role change stops the key too.
  if (key.ownerRole !== 'client') return 'owner_not_client';
  return 'good';
}

export interface NewApiKeyRequest {
  name: string;
  scopes: readonly string[];
  expiresAtMs: number | null;
  ownerRole: string;
  ownerDisabled: boolean;
}

/** What is wrong with a key about to be issued, as { path, message } (400), or [] when it may be. */
export function checkNewApiKey(
  request: NewApiKeyRequest,
  nowMs: number,
): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const name = request.name.trim();
  if (name === '' || name.length > API_KEY_NAME_MAX)
    problems.push({ path: 'name', message: `a name of 1 to ${API_KEY_NAME_MAX} characters` });
  if (request.scopes.length === 0) problems.push({ path: 'scopes', message: 'at least one scope' });
  if (new Set(request.scopes).size !== request.scopes.length)
    problems.push({ path: 'scopes', message: 'each scope once' });
  for (const scope of request.scopes)
    if (!isApiKeyScope(scope)) problems.push({ path: 'scopes', message: `unknown scope ${scope}` });
  if (request.expiresAtMs !== null) {
    if (request.expiresAtMs <= nowMs) problems.push({ path: 'expiresAt', message: 'must be in the future' });
    else if (request.expiresAtMs - nowMs > API_KEY_MAX_LIFETIME_MS)
      problems.push({ path: 'expiresAt', message: 'at most two years ahead' });
  }
  if (request.ownerRole !== 'client')
    problems.push({ path: 'ownerId', message: 'API keys are issued to clients (market makers) only' });
  if (request.ownerDisabled) problems.push({ path: 'ownerId', message: 'the owner is disabled' });
  return problems;
}

/** A key's own limit when the admin gives none (requests per minute, per key, per server). */
export const API_KEY_DEFAULT_RATE_PER_MINUTE = 600;
export const API_KEY_MAX_RATE_PER_MINUTE = 100_000;
