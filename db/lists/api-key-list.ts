// The admin's API-key list sorted by a column they pick (name, prefix, owner, status, created, last
// used, expires), searched by prefix, name or owner (email or name), filtered by status or owner, and
// keyset-paged along that order. GET /admin/api-keys keeps its own newest-first page
// (db/api-keys listApiKeys); this is the page's order. Read-only; never selects the key's hash.
import type pg from 'pg';
import { COLUMNS as API_KEY_COLUMNS, type ApiKeyRow } from '../api-keys/index.js';
import {
  instantKey,
  likePattern,
  parseSort,
  selectSortedPage,
  textKey,
  type Sort,
  type SortSpec,
} from './sorting.js';

/**
 * A key's status as the list shows it (api/services/api-keys.ts apiKeyView without the owner's
 * standing): revoked first, then expired, else active. `now()` is the statement's instant.
 */
const STATUS_SQL = `CASE WHEN k.revoked_at IS NOT NULL THEN 'revoked'
  WHEN k.expires_at IS NOT NULL AND k.expires_at <= now() THEN 'expired' ELSE 'active' END`;

export const API_KEY_STATUSES = ['active', 'expired', 'revoked'] as const;
export type ApiKeyListStatus = (typeof API_KEY_STATUSES)[number];

/** The whitelist of the key list's sortable columns. */
export const API_KEY_SORT = {
  list: 'admin-api-keys',
  columns: {
    name: textKey('lower(k.name)'),
    prefix: textKey('k.prefix'),
    owner: textKey("lower(coalesce(nullif(u.display_name, ''), u.email))"),
    status: textKey(STATUS_SQL),
    created: { sql: 'k.created_at', type: 'timestamptz' },
    // A key never used sorts as the oldest use; one that never expires as the latest expiry.
    used: instantKey('k.last_used_at'),
    expires: instantKey('k.expires_at', 'infinity'),
  },
  tieBreak: 'k.id::text',
  default: { column: 'created', dir: 'desc' },
} as const satisfies SortSpec;

export function apiKeySortOf(column?: string | null, dir?: string | null): Sort {
  return parseSort(API_KEY_SORT as SortSpec, column, dir);
}

export interface FindApiKeysInput {
  /** Part of the prefix, the key's name, or its owner's email or name; case-insensitive. */
  text?: string | null;
  status?: ApiKeyListStatus | null;
  ownerId?: string | null;
  sort?: Sort;
  cursor?: string | null;
  limit?: number;
}

/** A page of keys in the order `sort` names (ties by id). Throws InvalidCursorError. */
export async function findApiKeys(
  db: pg.Pool,
  input: FindApiKeysInput,
): Promise<{ items: ApiKeyRow[]; nextCursor: string | null }> {
  const page = await selectSortedPage<ApiKeyRow>(db, API_KEY_SORT as SortSpec, input, {
    select: API_KEY_COLUMNS,
    from: 'api_key k JOIN app_user u ON u.id = k.owner_id',
    conditions: (param) => {
      const conditions: string[] = [];
      const text = input.text?.trim().slice(0, 200);
      if (text) {
        const pattern = param(likePattern(text));
        conditions.push(`(k.prefix ILIKE ${pattern} OR k.name ILIKE ${pattern}
             OR u.email ILIKE ${pattern} OR coalesce(u.display_name, '') ILIKE ${pattern})`);
      }
      if (input.status) conditions.push(`${STATUS_SQL} = ${param(input.status)}`);
      if (input.ownerId) conditions.push(`k.owner_id = ${param(input.ownerId)}::uuid`);
      return conditions;
    },
  });
  return { items: page.rows, nextCursor: page.nextCursor };
}

/** Keys per status (the counts above the list). */
export async function apiKeyCounts(db: pg.Pool): Promise<Record<string, number>> {
  const { rows } = await db.query<{ status: string; n: string }>(
    `SELECT ${STATUS_SQL} AS status, count(*) AS n FROM api_key k GROUP BY 1`,
  );
  return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
}
