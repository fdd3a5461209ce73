import { describe, expect, it } from 'vitest';
import {
  API_KEY_PREFIX_LENGTH,
  apiKeyOf,
  apiKeyPrefix,
  apiKeyStanding,
  checkNewApiKey,
  isApiKeyShape,
  scopeForRoute,
  type NewApiKeyRequest,
} from './api-keys.js';

const RANDOM = 'A'.repeat(43);
const NOW = Date.parse('2026-12-01T10:00:00Z');

describe('the key', () => {
  it('is the tag and 43 base64url characters; the prefix is its first characters only', () => {
    const key = apiKeyOf(RANDOM);
    expect(key).toBe(`chk_${RANDOM}`);
    expect(isApiKeyShape(key)).toBe(true);
    expect(apiKeyPrefix(key)).toHaveLength(API_KEY_PREFIX_LENGTH);
    expect(key.startsWith(apiKeyPrefix(key))).toBe(true);
  });

  it('refuses other shapes before any lookup', () => {
    for (const bad of [
      '',
      'chk_',
      `chk_${'A'.repeat(42)}`,
      `chk_${'A'.repeat(44)}`,
      `xx_${RANDOM}`,
      `chk_${'+'.repeat(43)}`,
      42,
    ])
      expect(isApiKeyShape(bad)).toBe(false);
    expect(() => apiKeyOf('short')).toThrow();
  });
});

describe('scopes of routes', () => {
  it('maps each trading route to its scope', () => {
    expect(scopeForRoute('GET', '/market/EUA/book')).toBe('market:read');
    expect(scopeForRoute('GET', '/instruments')).toBe('market:read');
    expect(scopeForRoute('GET', '/orders')).toBe('orders:read');
    expect(scopeForRoute('GET', '/orders/0b6f1c1e-0000-4000-8000-000000000000')).toBe('orders:read');
    expect(scopeForRoute('POST', '/orders')).toBe('orders:write');
    expect(scopeForRoute('POST', '/orders/bulk')).toBe('orders:write');
    expect(scopeForRoute('PUT', '/quotes/EUA')).toBe('orders:write');
    expect(scopeForRoute('HEAD', '/trades')).toBe('orders:read');
  });

  it('gives no scope to anything else: a key can never reach them', () => {
    expect(scopeForRoute('GET', '/admin/api-keys')).toBeNull();
    expect(scopeForRoute('POST', '/admin/api-keys')).toBeNull();
    expect(scopeForRoute('GET', '/me')).toBeNull();
    expect(scopeForRoute('POST', '/withdrawals')).toBeNull();
    expect(scopeForRoute('DELETE', '/orders/x')).toBeNull();
    expect(scopeForRoute('GET', '/market//book')).toBeNull();
    expect(scopeForRoute('PUT', '/quotes/EUA/extra')).toBeNull();
  });
});

describe('standing', () => {
  const good = { expiresAtMs: null, revokedAtMs: null, ownerDisabled: false, ownerRole: 'client' };
  it('is good until revoked, expired, the owner disabled or no longer a client', () => {
    expect(apiKeyStanding(good, NOW)).toBe('good');
    expect(apiKeyStanding({ ...good, expiresAtMs: NOW + 1 }, NOW)).toBe('good');
    expect(apiKeyStanding({ ...good, expiresAtMs: NOW }, NOW)).toBe('expired');
    expect(apiKeyStanding({ ...good, revokedAtMs: NOW - 1 }, NOW)).toBe('revoked');
    expect(apiKeyStanding({ ...good, ownerDisabled: true }, NOW)).toBe('owner_disabled');
    expect(apiKeyStanding({ ...good, ownerRole: 'admin' }, NOW)).toBe('owner_not_client');
  });
});

describe('issuing', () => {
  const request: NewApiKeyRequest = {
    name: 'bot',
    scopes: ['orders:read'],
    expiresAtMs: null,
    ownerRole: 'client',
    ownerDisabled: false,
  };
  it('accepts a named key for an enabled client', () => {
    expect(checkNewApiKey(request, NOW)).toEqual([]);
  });
  it('refuses staff owners, disabled owners, past expiry, unknown and repeated scopes, empty names', () => {
    const paths = (r: Partial<NewApiKeyRequest>) =>
      checkNewApiKey({ ...request, ...r }, NOW).map((p) => p.path);
    expect(paths({ ownerRole: 'operations' })).toEqual(['ownerId']);
    expect(paths({ ownerDisabled: true })).toEqual(['ownerId']);
    expect(paths({ expiresAtMs: NOW })).toEqual(['expiresAt']);
    expect(paths({ expiresAtMs: NOW + 3 * 365 * 86_400_000 })).toEqual(['expiresAt']);
    expect(paths({ scopes: ['orders:admin'] })).toEqual(['scopes']);
    expect(paths({ scopes: ['orders:read', 'orders:read'] })).toEqual(['scopes']);
    expect(paths({ scopes: [] })).toEqual(['scopes']);
    expect(paths({ name: '  ' })).toEqual(['name']);
  });
});
