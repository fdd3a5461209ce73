// The api_key table (migration Migration20261201000900_api_keys): issuing, listing, revoking, and
// the per-request lookup by hash. Only hashes are stored; the key itself never reaches this module.
import type pg from 'pg';
import { isUuid } from '../../domain/ids.js';
import { decodeCursor, encodeCursor, InvalidCursorError, type Page } from '../lifecycle/cursor.js';

type Db = pg.Pool | pg.PoolClient;

export interface ApiKeyRow {
  id: string;
  ownerId: string;
  ownerEmail: string;
  name: string;
  prefix: string;
  scopes: string[];
  rateLimitPerMinute: number;
  createdBy: string | null;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** What the per-request check needs: the key's row and its owner's standing. */
export interface ApiKeyAuthFacts extends ApiKeyRow {
  ownerRole: string;
  ownerDisabled: boolean;
}

/** The columns of an ApiKeyRow (also read by the sorted staff list, db/lists/api-key-list.ts). */
export const COLUMNS = `k.id, k.owner_id AS "ownerId", u.email AS "ownerEmail", k.name, k.prefix, k.scopes,
  k.rate_limit_per_minute AS "rateLimitPerMinute",
  k.created_by AS "createdBy", k.created_at AS "createdAt", k.expires_at AS "expiresAt",
  k.last_used_at AS "lastUsedAt", k.revoked_at AS "revokedAt"`;

export async function insertApiKey(
  db: Db,
  input: {
    ownerId: string;
    name: string;
    prefix: string;
    keyHash: string;
    scopes: readonly string[];
    rateLimitPerMinute: number;
    createdBy: string;
    expiresAt: Date | null;
  },
): Promise<ApiKeyRow> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO api_key (owner_id, name, prefix, key_hash, scopes, rate_limit_per_minute, created_by, expires_at)
     VALUES ($1, $2, $3, $4, $5::text[], $6, $7, $8) RETURNING id`,
    [
      input.ownerId,
      input.name,
      input.prefix,
      input.keyHash,
      input.scopes,
      input.rateLimitPerMinute,
      input.createdBy,
      input.expiresAt,
    ],
  );
  const id = rows[0]?.id;
  if (!id) throw new Error('api_key insert returned no id');
  const row = await getApiKey(db, id);
  if (!row) throw new Error(`api_key ${id} vanished after insert`);
  return row;
}

export async function getApiKey(db: Db, id: string): Promise<ApiKeyRow | null> {
  const { rows } = await db.query<ApiKeyRow>(
    `SELECT ${COLUMNS} FROM api_key k JOIN app_user u ON u.id = k.owner_id WHERE k.id = $1`,
    [id],
  );
  return rows[0] ?? null;
}

/** Newest first, keyset-paged by (created_at, id); a cursor this list did not issue throws InvalidCursorError. */
export async function listApiKeys(
  db: Db,
  input: { ownerId?: string; limit: number; cursor?: string },
): Promise<Page<ApiKeyRow>> {
  let after: [string, string] | [null, null] = [null, null];
  if (input.cursor) {
    const [createdAt, id] = decodeCursor('api_key', input.cursor, ['s', 's']) as [string, string];
    if (Number.isNaN(Date.parse(createdAt)) || !isUuid(id)) throw new InvalidCursorError(input.cursor);
    after = [createdAt, id];
  }
  const { rows } = await db.query<ApiKeyRow & { createdAtText: string }>(
    `SELECT ${COLUMNS}, k.created_at::text AS "createdAtText"
       FROM api_key k JOIN app_user u ON u.id = k.owner_id
      WHERE ($1::uuid IS NULL OR k.owner_id = $1)
        AND ($2::timestamptz IS NULL OR (k.created_at, k.id) < ($2::timestamptz, $3::uuid))
      ORDER BY k.created_at DESC, k.id DESC
      LIMIT $4`,
    [input.ownerId ?? null, after[0], after[1], input.limit + 1],
  );
  const page = rows.slice(0, input.limit);
  const last = page[page.length - 1];
  return {
    items: page.map(({ createdAtText: _text, ...row }) => row),
    nextCursor:
      rows.length > input.limit && last ? encodeCursor('api_key', [last.createdAtText, last.id]) : null,
  };
}

/** Sets revoked_at once; a second revoke leaves the first time. Null when there is no such key. */
export async function revokeApiKey(db: Db, id: string, revokedBy: string): Promise<ApiKeyRow | null> {
  await db.query(
    `UPDATE api_key SET revoked_at = now(), revoked_by = $2 WHERE id = $1 AND revoked_at IS NULL`,
    [id, revokedBy],
  );
  return getApiKey(db, id);
}

export async function apiKeyAuthFacts(db: Db, keyHash: string): Promise<ApiKeyAuthFacts | null> {
  const { rows } = await db.query<ApiKeyAuthFacts>(
    `SELECT ${COLUMNS}, u.role AS "ownerRole", u.disabled AS "ownerDisabled"
       FROM api_key k JOIN app_user u ON u.id = k.owner_id
      WHERE k.key_hash = $1`,
    [keyHash],
  );
  return rows[0] ?? null;
}

/**
 * Records a use. At most one write per key every `everyMs` (a busy market maker would otherwise
 * write on every request); lastUsedAt is therefore up to that much stale.
 */
export async function touchApiKey(db: Db, id: string, everyMs: number): Promise<void> {
  await db.query(
    `UPDATE api_key SET last_used_at = now()
      WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - make_interval(secs => $2::float8 / 1000))`,
    [id, everyMs],
  );
}

/** Owners of at least one key: the market makers, for the staff pages. */
export async function apiKeyOwners(
  db: Db,
): Promise<{ ownerId: string; email: string; keys: number; activeKeys: number; lastUsedAt: Date | null }[]> {
  const { rows } = await db.query(
    `SELECT k.owner_id AS "ownerId", u.email,
            count(*)::int AS keys,
            count(*) FILTER (WHERE k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now()))::int
              AS "activeKeys",
            max(k.last_used_at) AS "lastUsedAt"
       FROM api_key k JOIN app_user u ON u.id = k.owner_id
      GROUP BY k.owner_id, u.email
      ORDER BY u.email`,
  );
  return rows as never;
}
