import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react';
import { attempt } from '../action-result.server.js';
import { formatMoney } from '../amounts.js';
import { ActionMessage } from '../components/ActionMessage.js';
import { StatusBadge, Timeline, formatTime, timelineActorIds } from '../components/Timeline.js';
import { useLiveResource } from '../live.js';
import { loadOr404 } from '../not-found.server.js';
import { requireUser } from '../session.server.js';

export const meta: MetaFunction = () => [{ title: 'Order · clearhouse' }];

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['client']);
  const order = await loadOr404(() => context.services.trading.getOrder(user, params.id ?? ''));
  const people = await context.services.people(timelineActorIds(order.timeline));
  return { order, people };
}

export async function action({ context, request, params }: ActionFunctionArgs) {
  const user = requireUser(context, request, ['client']);
  const form = await request.formData();
  const id = params.id ?? '';
  const trading = context.services.trading;
  if (form.get('intent') === 'amend') {
    const quantity = String(form.get('quantity') ?? '').trim();
    const price = String(form.get('price') ?? '').trim();
    return attempt(
      () =>
        trading.amendOrder(user, id, { quantity: quantity || null, price: price || null }, context.requestId),
      'Order amended.',
    );
  }
  return attempt(
    () => trading.cancelOrder(user, id, context.requestId),
    'Order cancelled; its reservation is released.',
  );
}

type Order = ReturnType<typeof useLoaderData<typeof loader>>['order'];

function Summary({ order }: { order: Order }) {
  return (
    <dl className="kv">
      <dt>Status</dt>
      <dd data-testid="status">{order.status}</dd>
      <dt>Order</dt>
      <dd>
        {order.side} {formatMoney(order.quantity, order.asset)} {order.type}{' '}
        {order.price ? `at ${formatMoney(order.price, order.quoteAsset)}` : 'at market'} · {order.timeInForce}
      </dd>
      <dt>Filled</dt>
      <dd data-testid="filled">
        {formatMoney(order.filledQuantity, order.asset)}
        {order.averagePrice ? ` at an average ${formatMoney(order.averagePrice, order.quoteAsset)}` : ''}
      </dd>
      <dt>Open</dt>
      <dd data-testid="open">{formatMoney(order.remainingQuantity, order.asset)}</dd>
      <dt>Reserved</dt>
      <dd>{formatMoney(order.reserved.amount, order.reserved.asset)}</dd>
      {order.clientOrderId ? (
        <>
          <dt>Your order id</dt>
          <dd>{order.clientOrderId}</dd>
        </>
      ) : null}
      {order.expiresAt ? (
        <>
          <dt>Expires</dt>
          <dd>{formatTime(order.expiresAt)}</dd>
        </>
      ) : null}
      {order.rejectReason ? (
        <>
          <dt>Reason</dt>
          <dd className="error" data-testid="reject-reason">
            {order.rejectReason}
          </dd>
        </>
      ) : null}
      <dt>Placed</dt>
      <dd>{formatTime(order.createdAt)}</dd>
    </dl>
  );
}

function Fills({ order }: { order: Order }) {
  return (
    <table className="grid" data-testid="fills">
      <thead>
        <tr>
          <th>Time</th>
          <th className="num">Price</th>
          <th className="num">Quantity</th>
          <th className="num">Fee</th>
          <th>Liquidity</th>
        </tr>
      </thead>
      <tbody>
        {order.fills.length === 0 ? (
          <tr>
            <td colSpan={5} className="muted">
              No fills yet.
            </td>
          </tr>
        ) : (
          order.fills.map((f) => (
            <tr key={f.tradeId} data-trade-id={f.tradeId}>
              <td>{formatTime(f.at)}</td>
              <td className="num">{formatMoney(f.price, order.quoteAsset)}</td>
              <td className="num">{formatMoney(f.quantity, order.asset)}</td>
              <td className="num">{formatMoney(f.fee, order.quoteAsset)}</td>
              <td>{f.liquidity === 'MAKER' ? 'Maker' : 'Taker'}</td>
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}

/** Cancel asks once more (a second form, rendered by ?confirm=cancel) before it posts. */
function CancelControl({ order }: { order: Order }) {
  const [params] = useSearchParams();
  if (params.get('confirm') !== 'cancel') {
    return (
      <p>
        <Link to="?confirm=cancel" className="danger-link" preventScrollReset>
          Cancel this order…
        </Link>
      </p>
    );
  }
  return (
    <section className="confirm" role="alertdialog" aria-label="Confirm cancellation">
      <p>
        Cancel the {formatMoney(order.remainingQuantity, order.asset)} still open? What has been filled stays
        filled; the reservation of the rest is released.
      </p>
      <Form method="post" action={`/app/orders/${order.id}`} className="row">
        <input type="hidden" name="intent" value="cancel" />
        <button type="submit" className="danger">
          Yes, cancel the order
        </button>
        <Link to=".">Keep it</Link>
      </Form>
    </section>
  );
}

function AmendForm({ order }: { order: Order }) {
  return (
    <Form
      method="post"
      action={`/app/orders/${order.id}`}
      className="row"
      id="amend"
      aria-label="Amend order"
    >
      <input type="hidden" name="intent" value="amend" />
      <label>
        New total quantity ({order.asset})
        <input name="quantity" inputMode="numeric" placeholder={order.quantity} />
      </label>
      {order.type === 'LIMIT' ? (
        <label>
          New limit price ({order.quoteAsset})
          <input name="price" inputMode="decimal" placeholder={order.price ?? ''} />
        </label>
      ) : null}
      <button type="submit" className="secondary">
        Amend
      </button>
      <p className="muted small">A lower quantity keeps your place in the queue; a new price loses it.</p>
    </Form>
  );
}

export default function OrderPage() {
  const { order: rendered, people } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const { value: live, live: isLive } = useLiveResource(rendered, `/api/v1/orders/${rendered.id}/events`);
  // The stream carries the API's order; the page's own fields (assets) stay those it rendered.
  const order: Order = { ...rendered, ...live, asset: rendered.asset, quoteAsset: rendered.quoteAsset };
  return (
    <>
      <p>
        <Link to="/app/orders">← My orders</Link> ·{' '}
        <Link to={`/app/trade/${order.symbol}`}>Trade {order.symbol}</Link>
      </p>
      <h1>
        {order.side === 'BUY' ? 'Buy' : 'Sell'} {order.symbol} <StatusBadge status={order.status} />
      </h1>
      <p className="muted" aria-live="polite">
        {isLive ? 'Live: this page updates by itself.' : 'Reload to see changes.'}
      </p>
      <ActionMessage result={result} />
      <div className="row" style={{ alignItems: 'flex-start' }}>
        <section className="card" style={{ flex: 1 }}>
          <h2>Order</h2>
          <Summary order={order} />
          {order.allowedActions.includes('amend') ? <AmendForm order={order} /> : null}
          {order.allowedActions.includes('cancel') ? <CancelControl order={order} /> : null}
        </section>
        <section className="card" style={{ flex: 1 }}>
          <h2>Timeline</h2>
          <Timeline items={order.timeline} people={people} />
        </section>
      </div>
      <section className="card">
        <h2>Fills</h2>
        <Fills order={order} />
      </section>
    </>
  );
}
