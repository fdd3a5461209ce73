import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react';
import { INSTRUMENT_SYMBOLS } from '../../../domain/instruments.js';
import { ORDER_STATUSES } from '../../../domain/order-types.js';
import { attempt } from '../action-result.server.js';
import { formatMoney } from '../amounts.js';
import { ActionMessage } from '../components/ActionMessage.js';
import { NextPageLink } from '../components/ListControls.js';
import { StatusBadge, formatTime } from '../components/Timeline.js';
import { requireUser } from '../session.server.js';

export const meta: MetaFunction = () => [{ title: 'My orders · clearhouse' }];

/** The list's filters, all in the URL so a filtered page can be bookmarked and paged. */
function ordersQuery(request: Request) {
  const params = new URL(request.url).searchParams;
  return {
    status: params.get('status') || undefined,
    symbol: params.get('symbol') || undefined,
    cursor: params.get('cursor') || undefined,
    limit: 50,
  };
}

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['client']);
  const query = ordersQuery(request);
  const page = await context.services.trading.listOrders(user, query);
  const cancelId = new URL(request.url).searchParams.get('cancel');
  // The order a "Cancel…" link asks to confirm, when it is on this page and still cancellable.
  const confirming = page.items.find((o) => o.id === cancelId && o.allowedActions.includes('cancel')) ?? null;
  return { page, query, confirming };
}

export async function action({ context, request }: ActionFunctionArgs) {
  const user = requireUser(context, request, ['client']);
  const form = await request.formData();
  return attempt(
    () => context.services.trading.cancelOrder(user, String(form.get('orderId') ?? ''), context.requestId),
    'Order cancelled; its reservation is released.',
  );
}

function Filters({ status, symbol }: { status?: string; symbol?: string }) {
  return (
    <Form method="get" className="row card" aria-label="Filter orders">
      <label>
        Status
        <select name="status" defaultValue={status ?? ''}>
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
        <select name="symbol" defaultValue={symbol ?? ''}>
          <option value="">All</option>
          {INSTRUMENT_SYMBOLS.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" className="secondary">
        Filter
      </button>
    </Form>
  );
}

type Order = ReturnType<typeof useLoaderData<typeof loader>>['page']['items'][number];

/** The no-JavaScript confirmation: a "Cancel…" link renders this panel, its button posts. */
function CancelConfirmation({ order }: { order: Order }) {
  const [params] = useSearchParams();
  const back = new URLSearchParams(params);
  back.delete('cancel');
  return (
    <section className="card confirm" role="alertdialog" aria-label="Confirm cancellation">
      <p>
        Cancel your {order.side === 'BUY' ? 'buy' : 'sell'} order for{' '}
        {formatMoney(order.remainingQuantity, order.asset)} still open
        {order.price ? ` at ${formatMoney(order.price, order.quoteAsset)}` : ''}? What has been filled stays
        filled; the reservation of the rest is released.
      </p>
      <Form method="post" className="row">
        <input type="hidden" name="orderId" value={order.id} />
        <button type="submit" className="danger">
          Yes, cancel the order
        </button>
        <Link to={`?${back}`}>Keep it</Link>
      </Form>
    </section>
  );
}

function CancelLink({ order }: { order: Order }) {
  const [params] = useSearchParams();
  const next = new URLSearchParams(params);
  next.set('cancel', order.id);
  return (
    <Link to={`?${next}`} className="danger-link" preventScrollReset>
      Cancel…
    </Link>
  );
}

export default function MyOrders() {
  const { page, query, confirming } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <>
      <h1>My orders</h1>
      <p>
        <Link to="/app/trade">Place an order →</Link>
      </p>
      <Filters status={query.status} symbol={query.symbol} />
      <ActionMessage result={result} />
      {confirming && !result?.ok ? <CancelConfirmation order={confirming} /> : null}
      <table className="grid" data-testid="orders">
        <thead>
          <tr>
            <th>Placed</th>
            <th>Order</th>
            <th className="num">Quantity</th>
            <th className="num">Limit</th>
            <th className="num">Filled</th>
            <th className="num">Average price</th>
            <th>Status</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {page.items.length === 0 ? (
            <tr>
              <td colSpan={8} className="muted">
                No orders{query.status || query.symbol ? ' match these filters' : ' yet'}.
              </td>
            </tr>
          ) : (
            page.items.map((o) => {
              return (
                <tr key={o.id} data-order-id={o.id} data-status={o.status}>
                  <td>
                    <Link to={`/app/orders/${o.id}`}>{formatTime(o.createdAt)}</Link>
                  </td>
                  <td>
                    <span className={`side ${o.side}`}>{o.side}</span> {o.symbol} · {o.type} {o.timeInForce}
                  </td>
                  <td className="num">{formatMoney(o.quantity, o.asset)}</td>
                  <td className="num">{o.price ? formatMoney(o.price, o.quoteAsset) : 'market'}</td>
                  <td className="num" data-field="filled">
                    {formatMoney(o.filledQuantity, o.asset)}
                  </td>
                  <td className="num">{o.averagePrice ? formatMoney(o.averagePrice, o.quoteAsset) : '—'}</td>
                  <td>
                    <StatusBadge status={o.status} />
                    {o.rejectReason ? <div className="muted small">{o.rejectReason}</div> : null}
                  </td>
                  <td>
                    {o.allowedActions.includes('cancel') ? <CancelLink order={o} /> : null}{' '}
                    {o.allowedActions.includes('amend') ? (
                      <Link to={`/app/orders/${o.id}#amend`}>Amend</Link>
                    ) : null}
                  </td>
                </tr>
              );
            })
          )}
        </tbody>
      </table>
      <NextPageLink cursor={page.nextCursor} />
    </>
  );
}
