// The staff's market-maker list: every client that owns an API key, with its key counts, last key
// use, orders today and open orders, sorted by a column the viewer picks (any of those, name, email),
// searched by name or email, keyset-paged along that order. One row per owner, counted in SQL, so a
// sort by a count orders every owner and a page never reads every key or order. Read-only.
import type pg from 'pg';
import { ORDER_STATUSES, ORDER_TYPE } from '../../domain/order-types.js';
import { ORDER_TRANSITIONS } from '../../domain/order.js';
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
  /** The client's orders created since the list's day start (midnight UTC unless told). */
  ordersToday: number;
  /** The client's orders in a status that still has a way on (not filled, rejected, cancelled, expired). */
  openOrders: number;
}

/** An order is open while its status has transitions left: the order state machine says which. */
export const OPEN_ORDER_STATUSES: readonly string[] = ORDER_STATUSES.filter(
  (status) => Object.keys(ORDER_TRANSITIONS[status]).length > 0,
);

/**
 * One row per key owner; the sort keys below name its columns (`m.`). Each order count is one
 * grouped pass over an index (type and created_at; type and status), joined to the owners: its cost
 * follows today's and the open orders, never a client's whole history.
 */
function ownersSql(param: (value: unknown) => string, dayStart: Date): string {
  const type = param(ORDER_TYPE);
  return `SELECT k.owner_id AS "clientId", u.email, u.display_name AS "displayName",
         count(*)::int AS keys,
         count(*) FILTER (WHERE k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now()))::int
           AS "activeKeys",
         max(k.last_used_at) AS "lastUsedAt",
         coalesce(max(today_orders.n), 0)::int AS "ordersToday",
         coalesce(max(open_orders.n), 0)::int AS "openOrders"
    FROM api_key k JOIN app_user u ON u.id = k.owner_id
    LEFT JOIN (SELECT owner_id, count(*) AS n FROM lifecycle
                WHERE type = ${type} AND created_at >= ${param(dayStart)}::timestamptz GROUP BY owner_id) today_orders
      ON today_orders.owner_id = k.owner_id
    LEFT JOIN (SELECT owner_id, count(*) AS n FROM lifecycle
                WHERE type = ${type} AND status = ANY(${param(OPEN_ORDER_STATUSES)}::text[]) GROUP BY owner_id) open_orders
      ON open_orders.owner_id = k.owner_id
   GROUP BY k.owner_id, u.email, u.display_name`;
}

/** Midnight UTC of the day `nowMs` falls in: where "orders today" begin. */
export function startOfUtcDay(nowMs: number): Date {
  const now = new Date(nowMs);
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

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
    today: { sql: 'm."ordersToday"', type: 'numeric' },
    open: { sql: 'm."openOrders"', type: 'numeric' },
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
  /** Where "orders today" begin; midnight UTC of now when absent. */
  dayStart?: Date;
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
    from: (param) => `(${ownersSql(param, input.dayStart ?? startOfUtcDay(Date.now()))}) m`,
    conditions: (param) => {
      const text = input.text?.trim().slice(0, 200);
      if (!text) return [];
      const pattern = param(likePattern(text));
      return [`(m.email ILIKE ${pattern} OR m."displayName" ILIKE ${pattern})`];
    },
  });
  return { items: page.rows, nextCursor: page.nextCursor };
}
