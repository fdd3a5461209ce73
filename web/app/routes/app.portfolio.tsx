import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { formatMoney } from '../amounts.js';
import { LineChart } from '../components/charts/LineChart.js';
import { formatTime } from '../components/Timeline.js';
import { requireUser } from '../session.server.js';

export const meta: MetaFunction = () => [{ title: 'Portfolio · clearhouse' }];

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['client']);
  return { portfolio: await context.services.trading.portfolio(user) };
}

type Portfolio = ReturnType<typeof useLoaderData<typeof loader>>['portfolio'];

/** A P&L figure with its sign visible and coloured (gains green, losses red). */
function Pnl({ amount, asset }: { amount: string | null; asset: string }) {
  if (amount === null) return <span className="muted">—</span>;
  const negative = amount.startsWith('-');
  const zero = /^-?0(\.0+)?$/.test(amount);
  return (
    <span className={zero ? '' : negative ? 'loss' : 'gain'}>
      {!negative && !zero ? '+' : ''}
      {formatMoney(amount, asset)}
    </span>
  );
}

function Positions({ positions }: { positions: Portfolio['positions'] }) {
  return (
    <table className="grid" data-testid="positions">
      <thead>
        <tr>
          <th>Asset</th>
          <th className="num">Quantity</th>
          <th className="num">Average cost</th>
          <th className="num">Cost basis</th>
          <th className="num">Market price</th>
          <th className="num">Market value</th>
          <th className="num">Unrealized P&amp;L</th>
          <th className="num">Realized P&amp;L</th>
        </tr>
      </thead>
      <tbody>
        {positions.length === 0 ? (
          <tr>
            <td colSpan={8} className="muted">
              No positions. <Link to="/app/trade">Trade →</Link>
            </td>
          </tr>
        ) : (
          positions.map((p) => (
            <tr key={p.asset} data-asset={p.asset}>
              <th scope="row">{p.asset}</th>
              <td className="num" data-field="quantity">
                {formatMoney(p.quantity, p.asset)}
              </td>
              <td className="num">{formatMoney(p.averageCost, p.quoteAsset)}</td>
              <td className="num">{formatMoney(p.costBasis, p.quoteAsset)}</td>
              <td className="num">{formatMoney(p.marketPrice, p.quoteAsset)}</td>
              <td className="num" data-field="market-value">
                {formatMoney(p.marketValue, p.quoteAsset)}
              </td>
              <td className="num">
                <Pnl amount={p.unrealizedPnl} asset={p.quoteAsset} />
              </td>
              <td className="num">
                <Pnl amount={p.realizedPnl} asset={p.quoteAsset} />
              </td>
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}

function Cash({ cash }: { cash: Portfolio['cash'] }) {
  return (
    <table className="grid" data-testid="cash">
      <thead>
        <tr>
          <th>Currency</th>
          <th className="num">Available</th>
          <th className="num">Reserved by orders and withdrawals</th>
          <th className="num">Pending settlement</th>
        </tr>
      </thead>
      <tbody>
        {cash.length === 0 ? (
          <tr>
            <td colSpan={4} className="muted">
              No cash yet. <Link to="/app/deposits">Deposit →</Link>
            </td>
          </tr>
        ) : (
          cash.map((c) => (
            <tr key={c.asset} data-asset={c.asset}>
              <th scope="row">{c.asset}</th>
              <td className="num">{formatMoney(c.available, c.asset)}</td>
              <td className="num">{formatMoney(c.pending, c.asset)}</td>
              <td className="num">{formatMoney(c.pendingSettlement, c.asset)}</td>
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}

function Lots({ lots }: { lots: Portfolio['lots'] }) {
  if (lots.length === 0) return null;
  return (
    <section className="card">
      <h2>Open lots (FIFO)</h2>
      <p className="muted">
        A sale takes the oldest lot first; what is left of each lot is its open quantity.
      </p>
      {lots.map((group) => (
        <details key={group.asset} open data-lots={group.asset}>
          <summary>
            {group.asset} · {group.items.length} open {group.items.length === 1 ? 'lot' : 'lots'}
          </summary>
          <table className="grid">
            <thead>
              <tr>
                <th>Opened</th>
                <th>Source</th>
                <th className="num">Quantity</th>
                <th className="num">Open</th>
                <th className="num">Price</th>
              </tr>
            </thead>
            <tbody>
              {group.items.map((lot, index) => (
                <tr key={`${lot.tradeId ?? 'transfer'}-${index}`}>
                  <td>{formatTime(lot.openedAt)}</td>
                  <td>{lot.tradeId ? 'Trade' : 'Registry transfer in'}</td>
                  <td className="num">{formatMoney(lot.quantity, group.asset)}</td>
                  <td className="num">{formatMoney(lot.remaining, group.asset)}</td>
                  <td className="num">{formatMoney(lot.price, group.quoteAsset)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      ))}
    </section>
  );
}

export default function PortfolioPage() {
  const { portfolio } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>Portfolio</h1>
      <section className="card">
        <h2>Positions</h2>
        <Positions positions={portfolio.positions} />
        <p className="muted small">Marked to the last trade (the reference price before the first one).</p>
      </section>
      {portfolio.valueSeries.map((series) => (
        <section className="card" key={series.quoteAsset}>
          <h2>Value of holdings over time ({series.quoteAsset})</h2>
          <LineChart
            points={series.points}
            title={`Holdings quoted in ${series.quoteAsset}, at the last price known at each of your fills`}
            unit={series.quoteAsset}
          />
          <p className="muted small">
            One point per fill of yours, valued at the prices you traded at up to then; the last point at
            today's market prices.
          </p>
        </section>
      ))}
      <section className="card">
        <h2>Cash</h2>
        <Cash cash={portfolio.cash} />
      </section>
      <Lots lots={portfolio.lots} />
    </>
  );
}
