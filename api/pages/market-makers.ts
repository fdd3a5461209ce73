// Market makers and their API keys for the staff pages (/ops/api-keys, /ops/market-makers): the
// admin's issue/list/revoke are the JSON API's own service functions, the lists' sorted and searched
// pages db/lists' (api-key-list.ts, market-maker-list.ts); the market-maker pages read
// key metadata (never a hash) with the orders, positions and trades services, so a page shows
// exactly what GET /orders, /positions and /trades answer for that client.
import { listApiKeys, type ApiKeyRow } from '../../db/api-keys/index.js';
import {
  apiKeyCounts,
  apiKeySortOf,
  findApiKeys,
  type FindApiKeysInput,
} from '../../db/lists/api-key-list.js';
import {
  findMarketMakers,
  marketMakerSortOf,
  type FindMarketMakersInput,
} from '../../db/lists/market-maker-list.js';
import { instrumentOf } from '../../domain/instruments.js';
import { canReadAllClients } from '../../domain/roles.js';
import type { AppDeps } from '../deps.js';
import { forbidden, validationFailed } from '../errors.js';
import { listAdminUsers } from '../services/admin-users.js';
import { apiKeyView, createApiKey, revokeApiKeyById } from '../services/api-keys.js';
import { listOrders } from '../services/orders.js';
import { listTrades, positionsFor } from '../services/positions.js';
import type { WebUser } from './load-context.js';
import { peopleByIds } from './people.js';

/** Keys read per page of one market maker's keys; its page reads at most KEYS_MAX in all. */
const KEYS_PAGE = 200;
const KEYS_MAX = 5_000;
/** Orders read per count; a count that reaches it is shown as "at least". */
const ORDERS_COUNTED = 200;
/** The statuses of an order still working at the venue (domain/order-types.ts ORDER_STATUSES). */
const OPEN_STATUSES = ['NEW', 'VALIDATED', 'ROUTED', 'PARTIALLY_FILLED'] as const;

function requireStaffReader(user: WebUser): void {
  if (!canReadAllClients(user.role)) throw forbidden();
}

function requireAdmin(user: WebUser): void {
  if (user.role !== 'admin') throw forbidden('only an admin manages API keys');
}

async function allKeys(deps: AppDeps, ownerId?: string): Promise<ApiKeyRow[]> {
  const rows: ApiKeyRow[] = [];
  let cursor: string | undefined;
  do {
    const page = await listApiKeys(deps.pool, { ownerId, limit: KEYS_PAGE, cursor });
    rows.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined && rows.length < KEYS_MAX);
  return rows;
}

/** A count of at most ORDERS_COUNTED, and whether there may be more. */
export interface Count {
  value: number;
  capped: boolean;
}

async function orderCounts(deps: AppDeps, user: WebUser, clientId: string, dayStartMs: number) {
  const recent = await listOrders(deps, user, { clientId, limit: ORDERS_COUNTED });
  const today = recent.items.filter((o) => Date.parse(o.createdAt) >= dayStartMs).length;
  const open = await Promise.all(
    OPEN_STATUSES.map((status) => listOrders(deps, user, { clientId, status, limit: ORDERS_COUNTED })),
  );
  const openValue = open.reduce((sum, page) => sum + page.items.length, 0);
  return {
    // Newest first: when every order read is from today and there are more, there may be more today.
    ordersToday: { value: today, capped: today === recent.items.length && recent.nextCursor !== null },
    openOrders: { value: openValue, capped: open.some((page) => page.nextCursor !== null) },
  };
}

function startOfUtcDay(nowMs: number): number {
  const now = new Date(nowMs);
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
}

export function marketMakerWebServices(deps: AppDeps) {
  return {
    /**
     * Admin: a page of keys sorted, searched (prefix, name, owner) and filtered by status
     * (db/lists findApiKeys), with owners by name; the counts per status above the list.
     */
    keyList: {
      sortOf: apiKeySortOf,
      counts: async (user: WebUser) => {
        requireAdmin(user);
        return apiKeyCounts(deps.pool);
      },
      page: async (user: WebUser, query: FindApiKeysInput) => {
        requireAdmin(user);
        const page = await findApiKeys(deps.pool, query);
        const nowMs = Date.now();
        const items = page.items.map((row) => apiKeyView(row, nowMs));
        return {
          items,
          nextCursor: page.nextCursor,
          people: await peopleByIds(
            deps,
            items.map((k) => k.ownerId),
          ),
        };
      },
    },
    /** Admin: issues a key to the client with this email; the answer carries the key this once. */
    issue: async (
      user: WebUser,
      input: { ownerEmail: string; name: string; scopes: string[]; expiresAt: string | null },
    ) => {
      const email = input.ownerEmail.trim().toLowerCase();
      if (email === '')
        throw validationFailed([{ path: 'ownerEmail', code: 'required', message: 'the owner’s email' }]);
      if (user.role !== 'admin') throw forbidden('only an admin manages API keys');
      const found = await listAdminUsers(deps, { q: email, role: 'client', limit: '50' });
      const owner = found.items.find((u) => u.email.toLowerCase() === email);
      if (!owner)
        throw validationFailed([
          { path: 'ownerEmail', code: 'invalid_value', message: 'no client has this email' },
        ]);
      return createApiKey(deps, user, {
        ownerId: owner.id,
        name: input.name,
        scopes: input.scopes,
        expiresAt: input.expiresAt,
      });
    },
    revoke: (user: WebUser, id: string) => revokeApiKeyById(deps, user, id),

    /**
     * Staff: a page of the clients that own API keys (db/lists findMarketMakers: sorted, searched by
     * name or email), each with its key counts and today's and open orders.
     */
    list: async (user: WebUser, query: FindMarketMakersInput, nowMs = Date.now()) => {
      requireStaffReader(user);
      const page = await findMarketMakers(deps.pool, query);
      const dayStartMs = startOfUtcDay(nowMs);
      const owners = page.items.map((row) => row.clientId);
      const [people, counts] = await Promise.all([
        peopleByIds(deps, owners),
        Promise.all(owners.map((id) => orderCounts(deps, user, id, dayStartMs))),
      ]);
      const items = page.items.map((row, i) => ({
        clientId: row.clientId,
        email: row.email,
        keys: row.keys,
        activeKeys: row.activeKeys,
        lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
        ...counts[i]!,
      }));
      return { items, people, nextCursor: page.nextCursor };
    },
    /** The sort `?sort=&dir=` ask for on the market-maker list (UnknownSortError otherwise). */
    listSortOf: marketMakerSortOf,

    /** Staff: one market maker — keys, recent orders and trades, inventory and cash. */
    detail: async (user: WebUser, clientId: string) => {
      requireStaffReader(user);
      const [rows, people, orders, trades, positions] = await Promise.all([
        allKeys(deps, clientId),
        peopleByIds(deps, [clientId]),
        listOrders(deps, user, { clientId, limit: 25 }),
        listTrades(deps, user, { clientId, limit: 25 }),
        positionsFor(deps, user, { clientId }),
      ]);
      const nowMs = Date.now();
      return {
        clientId,
        person: people[clientId] ?? null,
        keys: rows.map((row) => apiKeyView(row, nowMs)),
        orders: orders.items.map((o) => ({
          id: o.id,
          clientOrderId: o.clientOrderId,
          symbol: o.symbol,
          side: o.side,
          type: o.type,
          quantity: o.quantity,
          filledQuantity: o.filledQuantity,
          price: o.price,
          quoteAsset: instrumentOf(o.symbol)?.quoteAsset ?? 'EUR',
          status: o.status,
          createdAt: o.createdAt,
        })),
        trades: trades.items.map((t) => ({
          ...t,
          quoteAsset: instrumentOf(t.symbol)?.quoteAsset ?? 'EUR',
        })),
        positions: positions.items,
        cash: positions.cash,
      };
    },
  };
}
