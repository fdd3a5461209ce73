// Market makers and their API keys for the staff pages (/ops/api-keys, /ops/market-makers): the
// admin's issue/list/revoke are the JSON API's own service functions; the market-maker pages read
// key metadata (never a hash) with the orders, positions and trades services, so a page shows
// exactly what GET /orders, /positions and /trades answer for that client.
import { listApiKeys, type ApiKeyRow } from '../../db/api-keys/index.js';
import { instrumentOf } from '../../domain/instruments.js';
import { canReadAllClients } from '../../domain/roles.js';
import type { AppDeps } from '../deps.js';
import { forbidden, validationFailed } from '../errors.js';
import { listAdminUsers } from '../services/admin-users.js';
import { apiKeyView, createApiKey, listApiKeyViews, revokeApiKeyById } from '../services/api-keys.js';
import { listOrders } from '../services/orders.js';
import { listTrades, positionsFor } from '../services/positions.js';
import type { WebUser } from './load-context.js';
import { peopleByIds } from './people.js';

/** Keys read per page of the list; the market-maker index reads at most KEYS_MAX in all. */
const KEYS_PAGE = 200;
const KEYS_MAX = 5_000;
/** Orders read per count; a count that reaches it is shown as "at least". */
const ORDERS_COUNTED = 200;
/** The statuses of an order still working at the venue (domain/order-types.ts ORDER_STATUSES). */
const OPEN_STATUSES = ['NEW', 'VALIDATED', 'ROUTED', 'PARTIALLY_FILLED'] as const;

function requireStaffReader(user: WebUser): void {
  if (!canReadAllClients(user.role)) throw forbidden();
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
    /** Admin: every key, newest first, with owners by name. */
    keys: async (user: WebUser, query: Record<string, string>) => {
      const page = await listApiKeyViews(deps, user, query);
      const people = await peopleByIds(
        deps,
        page.items.map((k) => k.ownerId),
      );
      return { ...page, people };
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

    /** Staff: the clients that own API keys, with their keys and today's and open orders. */
    list: async (user: WebUser, nowMs = Date.now()) => {
      requireStaffReader(user);
      const keys = await allKeys(deps);
      const byOwner = new Map<string, ApiKeyRow[]>();
      for (const key of keys) byOwner.set(key.ownerId, [...(byOwner.get(key.ownerId) ?? []), key]);
      const dayStartMs = startOfUtcDay(nowMs);
      const owners = [...byOwner.keys()];
      const [people, counts] = await Promise.all([
        peopleByIds(deps, owners),
        Promise.all(owners.map((id) => orderCounts(deps, user, id, dayStartMs))),
      ]);
      const items = owners.map((clientId, i) => {
        const own = (byOwner.get(clientId) ?? []).map((row) => apiKeyView(row, nowMs));
        const lastUsed = own
          .map((k) => k.lastUsedAt)
          .filter((at): at is string => at !== null)
          .sort()
          .at(-1);
        return {
          clientId,
          email: own[0]?.ownerEmail ?? '',
          keys: own.length,
          activeKeys: own.filter((k) => k.status === 'active').length,
          lastUsedAt: lastUsed ?? null,
          ...counts[i]!,
        };
      });
      return { items, people, truncated: keys.length >= KEYS_MAX };
    },

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
