// The staff's market-maker list: every client that owns an API key, with its key counts and last key
// use, sorted by a column the viewer picks (name, email, keys, active keys, last use), searched by
// name or email, keyset-paged along that order. One row per owner, grouped in SQL, so a page never
// reads every key. Read-only.
import type pg from 'pg';
import {
  instantKey,
  likePattern,
  parseSort,
  selectSortedPage,
  textKey,
  type Sort,
  type SortSpec,
} from './sorting.js';

export interface MarketMakerRow {
  clientId: string;
  email: string;
  displayName: string;
  keys: number;
  /** Keys neither revoked nor expired. */
  activeKeys: number;
  lastUsedAt: Date | null;
}

/** One row per key owner; the sort keys below name its columns (`m.`). */
const OWNERS_SQL = `SELECT k.owner_id AS "clientId", u.email, u.display_name AS "displayName",
         count(*)::int AS keys,
         count(*) FILTER (WHERE k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now()))::int
           AS "activeKeys",
         max(k.last_used_at) AS "lastUsedAt"
    FROM api_key k JOIN app_user u ON u.id = k.owner_id
   GROUP BY k.owner_id, u.email, u.display_name`;

/** The whitelist of the market-maker list's sortable columns. */
export const MARKET_MAKER_SORT = {
  list: 'market-makers',
  columns: {
    // A client without a display name sorts by the email the page shows instead.
    name: textKey(`lower(coalesce(nullif(m."displayName", ''), m.email))`),
    email: textKey('lower(m.email)'),
    keys: { sql: 'm.keys', type: 'numeric' },
    active: { sql: 'm."activeKeys"', type: 'numeric' },
    used: instantKey('m."lastUsedAt"'),
  },
  tieBreak: 'm."clientId"::text',
  default: { column: 'name', dir: 'asc' },
} as const satisfies SortSpec;

export function marketMakerSortOf(column?: string | null, dir?: string | null): Sort {
  return parseSort(MARKET_MAKER_SORT as SortSpec, column, dir);
}

export interface FindMarketMakersInput {
  /** Part of the client's name or email, case-insensitive. */
  text?: string | null;
  sort?: Sort;
  cursor?: string | null;
  limit?: number;
}

/** A page of key owners in the order `sort` names (ties by client id). Throws InvalidCursorError. */
export async function findMarketMakers(
  db: pg.Pool,
  input: FindMarketMakersInput,
): Promise<{ items: MarketMakerRow[]; nextCursor: string | null }> {
  const page = await selectSortedPage<MarketMakerRow>(db, MARKET_MAKER_SORT as SortSpec, input, {
    select: 'm.*',
    from: `(${OWNERS_SQL}) m`,
    conditions: (param) => {
      const text = input.text?.trim().slice(0, 200);
      if (!text) return [];
      const pattern = param(likePattern(text));
      return [`(m.email ILIKE ${pattern} OR m."displayName" ILIKE ${pattern})`];
    },
  });
  return { items: page.rows, nextCursor: page.nextCursor };
}
