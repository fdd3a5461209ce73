import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { formatMoney } from '../amounts.js';
import { StatusBadge, Timeline, formatTime, timelineActorIds } from '../components/Timeline.js';
import { useLiveResource } from '../live.js';
import { loadOr404 } from '../not-found.server.js';
import { requireUser } from '../session.server.js';
import { TemporalUiLink } from '../components/TemporalUiLink.js';
import { temporalUiLink } from '../temporal-ui.server.js';

export const meta: MetaFunction = () => [{ title: 'Order · backoffice · clearhouse' }];

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['operations', 'aml_officer', 'admin', 'auditor']);
  const order = await loadOr404(() => context.services.trading.getOrder(user, params.id ?? ''));
  const people = await context.services.people(timelineActorIds(order.timeline));
  return { order, temporalUi: temporalUiLink(order.workflowId), people };
}

type Order = ReturnType<typeof useLoaderData<typeof loader>>['order'];

export default function OpsOrder() {
  const { order: rendered, temporalUi, people } = useLoaderData<typeof loader>();
  const { value: live, live: isLive } = useLiveResource(rendered, `/api/v1/orders/${rendered.id}/events`);
  const order: Order = {
    ...rendered,
    ...live,
    asset: rendered.asset,
    quoteAsset: rendered.quoteAsset,
    clientName: rendered.clientName,
  };
  return (
    <>
      <p>
        <Link to="/ops/orders">← Order blotter</Link>
      </p>
      <h1>
        {order.side === 'BUY' ? 'Buy' : 'Sell'} {formatMoney(order.quantity, order.asset)}{' '}
        {order.price ? `at ${formatMoney(order.price, order.quoteAsset)}` : 'at market'}{' '}
        <StatusBadge status={order.status} />
      </h1>
      <TemporalUiLink href={temporalUi} />
      <p className="muted" aria-live="polite">
        {isLive ? 'Live: this page updates by itself.' : 'Reload to see changes.'}
      </p>
      <div className="row" style={{ alignItems: 'flex-start' }}>
        <section className="card" style={{ flex: 1 }}>
          <h2>Order</h2>
          <dl className="kv">
            <dt>Client</dt>
            <dd>
              <Link to={`/ops/orders?client=${encodeURIComponent(order.clientName)}`}>
                {order.clientName}
              </Link>
            </dd>
            <dt>Status</dt>
            <dd data-testid="status">{order.status}</dd>
            <dt>Type</dt>
            <dd>
              {order.type} · {order.timeInForce} ·{' '}
              {order.venue === 'paper' ? 'paper broker' : 'internal book'}
            </dd>
            <dt>Filled</dt>
            <dd>
              {formatMoney(order.filledQuantity, order.asset)}
              {order.averagePrice
                ? ` at an average ${formatMoney(order.averagePrice, order.quoteAsset)}`
                : ''}
            </dd>
            <dt>Open</dt>
            <dd>{formatMoney(order.remainingQuantity, order.asset)}</dd>
            <dt>Reserved</dt>
            <dd>{formatMoney(order.reserved.amount, order.reserved.asset)}</dd>
            <dt>Client order id</dt>
            <dd>{order.clientOrderId ?? '—'}</dd>
            <dt>Workflow</dt>
            <dd>
              <Link to={`/audit/workflows/${encodeURIComponent(order.workflowId)}`}>{order.workflowId}</Link>
            </dd>
            {order.rejectReason ? (
              <>
                <dt>Reason</dt>
                <dd className="error">
                  {order.rejectReason}
                  {order.endCode ? ` (${order.endCode})` : ''}
                </dd>
              </>
            ) : null}
            <dt>Placed</dt>
            <dd>{formatTime(order.createdAt)}</dd>
          </dl>
        </section>
        <section className="card" style={{ flex: 1 }}>
          <h2>Timeline</h2>
          <Timeline items={order.timeline} people={people} />
        </section>
      </div>
      <section className="card">
        <h2>Fills</h2>
        <table className="grid">
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
                  No fills.
                </td>
              </tr>
            ) : (
              order.fills.map((f) => (
                <tr key={f.tradeId}>
                  <td>{formatTime(f.at)}</td>
                  <td className="num">{formatMoney(f.price, order.quoteAsset)}</td>
                  <td className="num">{formatMoney(f.quantity, order.asset)}</td>
                  <td className="num">{formatMoney(f.fee, order.quoteAsset)}</td>
                  <td>{f.liquidity}</td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </section>
    </>
  );
}
