// /ops/market-makers.csv: the market-maker list as the page shows it, with the search and sort in
// effect, every page of it — each client that owns an API key, by name and email, with its keys,
// last key use, orders today (from midnight UTC) and open orders.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { personName, type People } from '../components/Person.js';
import { allPages, csvResponse } from '../csv.server.js';
import { marketMakerListRequest } from '../key-lists.server.js';
import { requireUser } from '../session.server.js';
import { MARKET_MAKER_READERS } from './ops.market-makers._index.js';

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, MARKET_MAKER_READERS);
  const { read } = marketMakerListRequest(request, context.services.marketMakers, user);
  // Each page names its own clients: no lookup ever holds more than a page's.
  const people: People = {};
  const { items } = await allPages(async (cursor) => {
    const page = await read(cursor, 200);
    Object.assign(people, page.people);
    return page;
  });
  return csvResponse(
    'market-makers.csv',
    [
      'client_id',
      'client',
      'client_email',
      'keys',
      'active_keys',
      'last_key_use_at',
      'orders_today',
      'open_orders',
    ],
    items.map((mm) => [
      mm.clientId,
      personName(people, mm.clientId),
      mm.email,
      String(mm.keys),
      String(mm.activeKeys),
      mm.lastUsedAt ?? '',
      String(mm.ordersToday),
      String(mm.openOrders),
    ]),
  );
}
