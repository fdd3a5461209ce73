import { type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { CsvExportLink } from '../components/ListControls.js';
import { Person } from '../components/Person.js';
import { Time } from '../components/Time.js';
import { requireUser } from '../session.server.js';

export const meta: MetaFunction = () => [{ title: 'Market makers · backoffice · clearhouse' }];

export const MARKET_MAKER_READERS = ['operations', 'aml_officer', 'admin', 'auditor'] as const;

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, MARKET_MAKER_READERS);
  return { canIssue: user.role === 'admin', ...(await context.services.marketMakers.list(user)) };
}

/** A count read from at most one page of orders: "200+" when there may be more. */
function count(c: { value: number; capped: boolean }): string {
  return c.capped ? `${c.value}+` : String(c.value);
}

export default function MarketMakers() {
  const { items, people, truncated, canIssue } = useLoaderData<typeof loader>();
  return (
    <>
      <div className="row between">
        <h1>Market makers</h1>
        <CsvExportLink path="/ops/market-makers.csv" />
      </div>
      <p className="muted">
        Clients that own API keys. Orders today count from midnight UTC.
        {canIssue ? (
          <>
            {' '}
            Keys are issued and revoked on <Link to="/ops/api-keys">API keys</Link>.
          </>
        ) : null}
      </p>
      {truncated ? (
        <p className="muted">Only the newest keys were read; the list may be incomplete.</p>
      ) : null}
      <table className="grid" data-testid="market-makers">
        <thead>
          <tr>
            <th>Client</th>
            <th className="num">Keys (active)</th>
            <th>Last key use</th>
            <th className="num">Orders today</th>
            <th className="num">Open orders</th>
          </tr>
        </thead>
        <tbody>
          {items.length === 0 ? (
            <tr>
              <td colSpan={5} className="muted">
                No client owns an API key yet.
              </td>
            </tr>
          ) : null}
          {items.map((mm) => (
            <tr key={mm.clientId} data-email={mm.email}>
              <td>
                <Link to={`/ops/market-makers/${mm.clientId}`}>
                  <Person people={people} id={mm.clientId} />
                </Link>{' '}
                <span className="muted">{mm.email}</span>
              </td>
              <td className="num">
                {mm.keys} ({mm.activeKeys})
              </td>
              <td>{mm.lastUsedAt ? <Time at={mm.lastUsedAt} /> : <span className="muted">never</span>}</td>
              <td className="num">{count(mm.ordersToday)}</td>
              <td className="num">{count(mm.openOrders)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
