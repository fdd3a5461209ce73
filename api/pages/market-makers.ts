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
import { findUserByEmail } from '../../db/users/index.js';
import { instrumentOf } from '../../domain/instruments.js';
import { canReadAllClients } from '../../domain/roles.js';
import type { AppDeps } from '../deps.js';
import { forbidden, validationFailed } from '../errors.js';
import { apiKeyView, createApiKey, revokeApiKeyById } from '../services/api-keys.js';
import { listOrders } from '../services/orders.js';
import { listTrades, positionsFor } from '../services/positions.js';
import type { WebUser } from './load-context.js';
import { peopleByIds } from './people.js';

/** Keys read per page of one market maker's keys; its page reads at most KEYS_MAX in all. */
const KEYS_PAGE = 200;
const KEYS_MAX = 5_000;

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
      requireAdmin(user);
      // The one user with this email (emails are stored trimmed and lower-case), not a search: a
      // search's first page could leave it out behind clients whose emails merely contain it.
      const owner = await findUserByEmail(deps.pool, email);
      if (!owner || owner.role !== 'client')
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
     * name or email), each with its key counts and today's and open orders, all counted in its SQL.
     */
    list: async (user: WebUser, query: FindMarketMakersInput) => {
      requireStaffReader(user);
      const page = await findMarketMakers(deps.pool, query);
      const people = await peopleByIds(
        deps,
        page.items.map((row) => row.clientId),
      );
      const items = page.items.map((row) => ({
        clientId: row.clientId,
        email: row.email,
        keys: row.keys,
        activeKeys: row.activeKeys,
        lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
        ordersToday: row.ordersToday,
        openOrders: row.openOrders,
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
