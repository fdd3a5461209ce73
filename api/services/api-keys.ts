// API keys (POST/GET/DELETE /admin/api-keys): an admin issues a key to a client (a market maker),
// the key is shown once in the 201 and only its SHA-256 is kept. Why SHA-256 and not scrypt: the
// key is 256 random bits, not a password a person chose, so there is no dictionary to run and a
// slow hash would only slow every request down; a fast hash still means a copy of the table gives
// nobody a usable key. Issuing and revoking are audit-logged in the same transaction (fail closed).
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import {
  getApiKey,
  insertApiKey,
  listApiKeys,
  revokeApiKey,
  type ApiKeyRow,
} from '../../db/api-keys/index.js';
import { inTransaction } from '../../db/pool.js';
import { getUser } from '../../db/users/index.js';
import {
  API_KEY_DEFAULT_RATE_PER_MINUTE,
  API_KEY_MAX_RATE_PER_MINUTE,
  API_KEY_NAME_MAX,
  API_KEY_RANDOM_BYTES,
  API_KEY_SCOPES,
  apiKeyOf,
  apiKeyPrefix,
  apiKeyStanding,
  checkNewApiKey,
} from '../../domain/api-keys.js';
import { parseInstant } from '../../domain/deposit.js';
import { recordAudit } from '../audit/log.js';
import { hashOpaqueToken } from '../auth/tokens.js';
import type { AppDeps } from '../deps.js';
import { forbidden, notFound, validationFailed } from '../errors.js';
import { listQuerySchema, textField, uuidSchema } from '../validate.js';
import { listPage, parseInput, type SessionUser } from './common.js';

// ---- schemas (also the OpenAPI document's) ---------------------------------------------------------

export const ApiKeySchema = z
  .object({
    id: z.uuid(),
    ownerId: z.uuid(),
    ownerEmail: z.string(),
    name: z.string(),
    prefix: z.string().meta({ description: 'The first characters of the key, to recognise it' }),
    scopes: z.array(z.enum(API_KEY_SCOPES)),
    rateLimitPerMinute: z.number().int(),
    status: z.enum(['active', 'revoked', 'expired', 'owner_disabled']),
    createdAt: z.iso.datetime(),
    lastUsedAt: z.iso.datetime().nullable(),
    expiresAt: z.iso.datetime().nullable(),
    revokedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'ApiKey' });
export type ApiKeyView = z.output<typeof ApiKeySchema>;

export const CreatedApiKeySchema = z
  .object({
    id: z.uuid(),
    key: z.string().meta({ description: 'The key itself: shown this once, never again' }),
    apiKey: ApiKeySchema,
  })
  .meta({ id: 'CreatedApiKey' });

export const CreateApiKeyBodySchema = z
  .object({
    ownerId: uuidSchema.meta({ description: 'The client (market maker) the key acts as' }),
    name: textField({ max: API_KEY_NAME_MAX, required: true }).meta({ example: 'quoting bot' }),
    scopes: z.array(z.enum(API_KEY_SCOPES)).min(1).max(API_KEY_SCOPES.length),
    expiresAt: z.string().max(40).nullish().meta({ description: 'ISO 8601; none: until revoked' }),
    rateLimitPerMinute: z
      .number()
      .int()
      .min(1)
      .max(API_KEY_MAX_RATE_PER_MINUTE)
      .optional()
      .meta({ description: `Requests per minute for this key (default ${API_KEY_DEFAULT_RATE_PER_MINUTE})` }),
  })
  .meta({ id: 'CreateApiKeyBody' });

export const ListApiKeysQuerySchema = listQuerySchema.extend({
  ownerId: uuidSchema.optional().meta({ description: 'One owner’s keys' }),
});

// ---- views -------------------------------------------------------------------------------------------

function iso(date: Date | null): string | null {
  return date === null ? null : date.toISOString();
}

export function apiKeyView(row: ApiKeyRow & { ownerDisabled?: boolean }, nowMs = Date.now()): ApiKeyView {
  const standing = apiKeyStanding(
    {
      expiresAtMs: row.expiresAt?.getTime() ?? null,
      revokedAtMs: row.revokedAt?.getTime() ?? null,
      ownerDisabled: row.ownerDisabled ?? false,
      ownerRole: 'client',
    },
    nowMs,
  );
  return {
    id: row.id,
    ownerId: row.ownerId,
    ownerEmail: row.ownerEmail,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes.filter((s): s is ApiKeyView['scopes'][number] =>
      (API_KEY_SCOPES as readonly string[]).includes(s),
    ),
    rateLimitPerMinute: row.rateLimitPerMinute,
    status: standing === 'good' ? 'active' : standing === 'owner_not_client' ? 'owner_disabled' : standing,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: iso(row.lastUsedAt),
    expiresAt: iso(row.expiresAt),
    revokedAt: iso(row.revokedAt),
  };
}

function auditState(row: ApiKeyRow) {
  return {
    ownerId: row.ownerId,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    rateLimitPerMinute: row.rateLimitPerMinute,
    expiresAt: iso(row.expiresAt),
    revokedAt: iso(row.revokedAt),
  };
}

function requireAdmin(user: SessionUser): void {
  if (user.role !== 'admin') throw forbidden('only an admin manages API keys');
}

// ---- issuing, listing, revoking ------------------------------------------------------------------------

/** POST /admin/api-keys → { id, key, apiKey }: the key in clear this once. */
export async function createApiKey(
  deps: AppDeps,
  admin: SessionUser,
  body: unknown,
): Promise<{ id: string; key: string; apiKey: ApiKeyView }> {
  requireAdmin(admin);
  const input = parseInput(CreateApiKeyBodySchema, body, 'body');
  const expiresAtMs = input.expiresAt == null ? null : parseInstant(input.expiresAt);
  if (input.expiresAt != null && expiresAtMs === null)
    throw validationFailed([
      { path: 'expiresAt', code: 'invalid_format', message: 'must be an ISO 8601 time with a zone' },
    ]);
  const owner = await getUser(deps.pool, input.ownerId);
  if (!owner) throw notFound('no such user');
  const problems = checkNewApiKey(
    {
      name: input.name,
      scopes: input.scopes,
      expiresAtMs,
      ownerRole: owner.role,
      ownerDisabled: owner.disabled,
    },
    Date.now(),
  );
  if (problems.length > 0)
    throw validationFailed(
      problems.map((p) => ({ path: p.path, code: 'invalid_value', message: p.message })),
    );

  const key = apiKeyOf(randomBytes(API_KEY_RANDOM_BYTES).toString('base64url'));
  const row = await inTransaction(deps.pool, async (client) => {
    const inserted = await insertApiKey(client, {
      ownerId: owner.id,
      name: input.name.trim(),
      prefix: apiKeyPrefix(key),
      keyHash: hashOpaqueToken(key),
      scopes: input.scopes,
      rateLimitPerMinute: input.rateLimitPerMinute ?? API_KEY_DEFAULT_RATE_PER_MINUTE,
      createdBy: admin.id,
      expiresAt: expiresAtMs === null ? null : new Date(expiresAtMs),
    });
    await recordAudit(client, {
      actor: admin,
      action: 'admin.api_key_create',
      subject: { type: 'api_key', id: inserted.id },
      before: null,
      after: auditState(inserted),
    });
    return inserted;
  });
  return { id: row.id, key, apiKey: apiKeyView({ ...row, ownerDisabled: owner.disabled }) };
}

/** GET /admin/api-keys: newest first, optionally one owner's. */
export async function listApiKeyViews(
  deps: AppDeps,
  admin: SessionUser,
  query: Record<string, unknown>,
): Promise<{ items: ApiKeyView[]; nextCursor: string | null }> {
  requireAdmin(admin);
  const q = parseInput(ListApiKeysQuerySchema, query, 'query');
  const page = await listPage(() =>
    listApiKeys(deps.pool, { ownerId: q.ownerId, limit: q.limit, cursor: q.cursor }),
  );
  return { items: page.items.map((row) => apiKeyView(row)), nextCursor: page.nextCursor };
}

/** DELETE /admin/api-keys/:id: revoked at once (the next request with it is 401); again: the same answer. */
export async function revokeApiKeyById(deps: AppDeps, admin: SessionUser, id: string): Promise<ApiKeyView> {
  requireAdmin(admin);
  const before = await getApiKey(deps.pool, id);
  if (!before) throw notFound('no such API key');
  if (before.revokedAt !== null) return apiKeyView(before);
  const after = await inTransaction(deps.pool, async (client) => {
    const revoked = await revokeApiKey(client, id, admin.id);
    if (!revoked) throw notFound('no such API key');
    await recordAudit(client, {
      actor: admin,
      action: 'admin.api_key_revoke',
      subject: { type: 'api_key', id },
      before: auditState(before),
      after: auditState(revoked),
    });
    return revoked;
  });
  return apiKeyView(after);
}
