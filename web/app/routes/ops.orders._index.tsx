import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData, useSearchParams } from '@remix-run/react';
import { INSTRUMENT_SYMBOLS } from '../../../domain/instruments.js';
import { ORDER_SIDES, ORDER_STATUSES } from '../../../domain/order-types.js';
import { CsvExportLink, NextPageLink, SortHeader, StatusCounts } from '../components/ListControls.js';
import { Money } from '../components/Money.js';
import { Time } from '../components/Time.js';
import { StatusBadge } from '../components/Timeline.js';
import { blotterRequest } from '../order-blotter.server.js';
import { requireUser } from '../session.server.js';

export const meta: MetaFunction = () => [{ title: 'Order blotter · backoffice · clearhouse' }];

const READERS = ['operations', 'aml_officer', 'admin', 'auditor'] as const;

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, READERS);
  const { query, sort, read, cursor } = blotterRequest(request, context.services.trading, user);
  const [blotter, counts] = await Promise.all([read(cursor, 50), context.services.trading.blotterCounts()]);
  return { blotter, query, sort, counts };
}

function Filters({
  query,
  sort,
}: {
  query: Partial<Record<'status' | 'symbol' | 'side' | 'client' | 'search', string>>;
  sort: { column: string; dir: string } | null;
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
      {sort ? (
        <>
          <input type="hidden" name="sort" value={sort.column} />
          <input type="hidden" name="dir" value={sort.dir} />
        </>
      ) : null}
      <button type="submit" className="secondary">
        Filter
      </button>
    </Form>
  );
}

export default function OrderBlotter() {
  const { blotter, query, sort, counts } = useLoaderData<typeof loader>();
  const { page } = blotter;
  const [params] = useSearchParams();
  return (
    <>
      <div className="row between">
        <h1>Order blotter</h1>
        <CsvExportLink path="/ops/orders.csv" />
      </div>
      <StatusCounts statuses={ORDER_STATUSES} counts={counts} status={query.status ?? ''} />
      <Filters query={query} sort={params.has('sort') ? sort : null} />
      {blotter.clientNotFound ? (
        <p className="error" role="alert">
          No client with the email or id “{query.client}”.
        </p>
      ) : null}
      <table className="grid" data-testid="blotter">
        <thead>
          <tr>
            <SortHeader column="created" label="Placed" sort={sort} firstDir="desc" />
            <SortHeader column="client" label="Client" sort={sort} />
            <SortHeader column="symbol" label="Order" sort={sort} />
            <SortHeader column="quantity" label="Quantity" sort={sort} numeric firstDir="desc" />
            <SortHeader column="price" label="Limit" sort={sort} numeric firstDir="desc" />
            <SortHeader column="filled" label="Filled" sort={sort} numeric firstDir="desc" />
            <th scope="col" className="num">
              Reserved
            </th>
            <SortHeader column="status" label="Status" sort={sort} />
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
                  <Link to={`/ops/orders/${o.id}`}>
                    <Time at={o.createdAt} />
                  </Link>
                </td>
                <td>{o.clientName}</td>
                <td>
                  <span className={`side ${o.side}`}>{o.side}</span> {o.symbol} · {o.type} {o.timeInForce}
                </td>
                <td className="num">
                  <Money amount={o.quantity} asset={o.asset} />
                </td>
                <td className="num">
                  {o.price ? <Money amount={o.price} asset={o.quoteAsset} /> : 'market'}
                </td>
                <td className="num">
                  <Money amount={o.filledQuantity} asset={o.asset} />
                </td>
                <td className="num">
                  <Money amount={o.reserved.amount} asset={o.reserved.asset} />
                </td>
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
