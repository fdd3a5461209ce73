import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { INSTRUMENT_SYMBOLS } from '../../../domain/instruments.js';
import { ORDER_SIDES, ORDER_STATUSES } from '../../../domain/order-types.js';
import { formatMoney } from '../amounts.js';
import { NextPageLink } from '../components/ListControls.js';
import { StatusBadge, formatTime } from '../components/Timeline.js';
import { requireUser } from '../session.server.js';

export const meta: MetaFunction = () => [{ title: 'Order blotter · backoffice · clearhouse' }];

const READERS = ['operations', 'aml_officer', 'admin', 'auditor'] as const;

/** Every filter lives in the URL (bookmarkable, kept by the next-page link). */
function blotterQuery(request: Request) {
  const params = new URL(request.url).searchParams;
  return {
    status: params.get('status') || undefined,
    symbol: params.get('symbol') || undefined,
    side: params.get('side') || undefined,
    client: params.get('client')?.trim() || undefined,
    search: params.get('search')?.trim() || undefined,
    cursor: params.get('cursor') || undefined,
    limit: 50,
  };
}

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, READERS);
  const query = blotterQuery(request);
  const blotter = await context.services.trading.blotter(user, query);
  return { blotter, query };
}

function Filters({
  query,
}: {
  query: Partial<Record<'status' | 'symbol' | 'side' | 'client' | 'search', string>>;
}) {
  return (
    <Form method="get" className="row card" aria-label="Filter orders">
      <label>
        Status
        <select name="status" defaultValue={query.status ?? ''}>
          <option value="">All</option>
          {ORDER_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s.replaceAll('_', ' ')}
            </option>
          ))}
        </select>
      </label>
      <label>
        Instrument
        <select name="symbol" defaultValue={query.symbol ?? ''}>
          <option value="">All</option>
          {INSTRUMENT_SYMBOLS.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <label>
        Side
        <select name="side" defaultValue={query.side ?? ''}>
          <option value="">Both</option>
          {ORDER_SIDES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <label>
        Client (email or id)
        <input name="client" defaultValue={query.client ?? ''} placeholder="client@example.com" />
      </label>
      <label>
        Order id or client order id
        <input name="search" defaultValue={query.search ?? ''} />
      </label>
      <button type="submit" className="secondary">
        Filter
      </button>
    </Form>
  );
}

export default function OrderBlotter() {
  const { blotter, query } = useLoaderData<typeof loader>();
  const { page } = blotter;
  return (
    <>
      <h1>Order blotter</h1>
      <Filters query={query} />
      {blotter.clientNotFound ? (
        <p className="error" role="alert">
          No client with the email or id “{query.client}”.
        </p>
      ) : null}
      <table className="grid" data-testid="blotter">
        <thead>
          <tr>
            <th>Placed</th>
            <th>Client</th>
            <th>Order</th>
            <th className="num">Quantity</th>
            <th className="num">Limit</th>
            <th className="num">Filled</th>
            <th className="num">Reserved</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {page.items.length === 0 ? (
            <tr>
              <td colSpan={8} className="muted">
                No orders match.
              </td>
            </tr>
          ) : (
            page.items.map((o) => (
              <tr key={o.id} data-order-id={o.id}>
                <td>
                  <Link to={`/ops/orders/${o.id}`}>{formatTime(o.createdAt)}</Link>
                </td>
                <td>{o.clientName}</td>
                <td>
                  <span className={`side ${o.side}`}>{o.side}</span> {o.symbol} · {o.type} {o.timeInForce}
                </td>
                <td className="num">{formatMoney(o.quantity, o.asset)}</td>
                <td className="num">{o.price ? formatMoney(o.price, o.quoteAsset) : 'market'}</td>
                <td className="num">{formatMoney(o.filledQuantity, o.asset)}</td>
                <td className="num">{formatMoney(o.reserved.amount, o.reserved.asset)}</td>
                <td>
                  <StatusBadge status={o.status} />
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>
      <NextPageLink cursor={page.nextCursor} />
    </>
  );
}
