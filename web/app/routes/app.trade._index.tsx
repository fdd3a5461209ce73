import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { formatMoney } from '../amounts.js';
import { StatusBadge } from '../components/Timeline.js';
import { requireUser } from '../session.server.js';

export const meta: MetaFunction = () => [{ title: 'Trade · clearhouse' }];

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['client']);
  return { instruments: await context.services.trading.instruments(user) };
}

export default function Instruments() {
  const { instruments } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>Trade</h1>
      <p className="muted">
        EU and China emission allowances trade on our own order book; the carbon ETF is routed to a broker.
      </p>
      <table className="grid" data-testid="instruments">
        <thead>
          <tr>
            <th>Instrument</th>
            <th>Venue</th>
            <th className="num">Last price</th>
            <th className="num">Reference</th>
            <th>Status</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {instruments.map((i) => (
            <tr key={i.symbol} data-symbol={i.symbol}>
              <td>
                <strong>{i.symbol}</strong> <span className="muted">{i.name}</span>
              </td>
              <td>{i.venue === 'internal' ? 'Internal book' : 'Paper broker'}</td>
              <td className="num" data-field="last-price">
                {i.lastPrice ? formatMoney(i.lastPrice, i.quoteAsset) : '—'}
              </td>
              <td className="num">{formatMoney(i.referencePrice, i.quoteAsset)}</td>
              <td>
                <StatusBadge status={i.status} />
                {i.statusReason && i.status === 'HALTED' ? (
                  <div className="muted small">{i.statusReason}</div>
                ) : null}
              </td>
              <td>
                <Link to={`/app/trade/${i.symbol}`}>Trade {i.symbol} →</Link>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
