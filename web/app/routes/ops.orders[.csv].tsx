// /ops/orders.csv: the order blotter with the filters and the sort in effect, every page of it.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { allPages, csvResponse } from '../csv.server.js';
import { blotterRequest } from '../order-blotter.server.js';
import { requireUser } from '../session.server.js';

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['operations', 'aml_officer', 'admin', 'auditor']);
  const { read } = blotterRequest(request, context.services.trading, user);
  const { items } = await allPages(async (cursor) => (await read(cursor, 200)).page);
  return csvResponse(
    'orders.csv',
    [
      'id',
      'created_at',
      'client',
      'client_id',
      'client_order_id',
      'symbol',
      'side',
      'type',
      'time_in_force',
      'quantity',
      'price',
      'filled_quantity',
      'status',
    ],
    items.map((o) => [
      o.id,
      o.createdAt,
      o.clientName,
      o.clientId,
      o.clientOrderId ?? '',
      o.symbol,
      o.side,
      o.type,
      o.timeInForce,
      o.quantity,
      o.price ?? '',
      o.filledQuantity,
      o.status,
    ]),
  );
}
