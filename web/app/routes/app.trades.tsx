import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { INSTRUMENT_SYMBOLS } from '../../../domain/instruments.js';
import { formatMoney } from '../amounts.js';
import { NextPageLink } from '../components/ListControls.js';
import { StatusBadge, formatTime } from '../components/Timeline.js';
import { requireUser } from '../session.server.js';

export const meta: MetaFunction = () => [{ title: 'Trades · clearhouse' }];

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['client']);
  const params = new URL(request.url).searchParams;
  const query = {
    symbol: params.get('symbol') || undefined,
    cursor: params.get('cursor') || undefined,
    limit: 50,
  };
  const page = await context.services.trading.listTrades(user, query);
  return { page, query };
}

export default function Trades() {
  const { page, query } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>Trades</h1>
      <p className="muted">
        Every execution of your orders. Bought certificates and sale proceeds are delivered at settlement;
        until then they show as pending settlement on Balances.
      </p>
      <Form method="get" className="row card" aria-label="Filter trades">
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
        <button type="submit" className="secondary">
          Filter
        </button>
      </Form>
      <table className="grid" data-testid="trades">
        <thead>
          <tr>
            <th>Executed</th>
            <th>Trade</th>
            <th className="num">Quantity</th>
            <th className="num">Price</th>
            <th className="num">Notional</th>
            <th className="num">Fee</th>
            <th>Liquidity</th>
            <th>Settlement</th>
          </tr>
        </thead>
        <tbody>
          {page.items.length === 0 ? (
            <tr>
              <td colSpan={8} className="muted">
                No trades yet.
              </td>
            </tr>
          ) : (
            page.items.map((t) => (
              <tr key={`${t.id}-${t.side}`} data-trade-id={t.id}>
                <td>{formatTime(t.at)}</td>
                <td>
                  <span className={`side ${t.side}`}>{t.side}</span> {t.symbol} ·{' '}
                  <Link to={`/app/orders/${t.orderId}`}>order</Link>
                </td>
                <td className="num">{formatMoney(t.quantity, t.asset)}</td>
                <td className="num">{formatMoney(t.price, t.quoteAsset)}</td>
                <td className="num">{formatMoney(t.notional, t.quoteAsset)}</td>
                <td className="num">{formatMoney(t.fee, t.quoteAsset)}</td>
                <td>{t.liquidity === 'MAKER' ? 'Maker' : 'Taker'}</td>
                <td data-field="settlement">
                  <StatusBadge status={t.settlementStatus} />
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
